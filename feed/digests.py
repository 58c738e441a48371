"""The feed's section of the e-mail digest: the most-reacted posts in the person's groups and
followed tags that they have not seen yet.

Registered once from FeedConfig.ready() with notifications.digests.register_digest_section; the
notifications app calls `top_posts_section(user, since=..., period=...)` for each person it
mails. One query per person, whatever the number of posts, groups, tags or reactions.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from feed.models import Post, Reaction, TagFollow
from feed.permissions import filter_visible_posts
from feed.seen import seen_by
from groups.permissions import member_group_ids

if TYPE_CHECKING:
    from notifications.digests import DigestSection
    from profiles.models import User

SECTION_KEY = "feed.top_posts"
TOP_POSTS = 5
# A post nobody reacted to is not "most-reacted": it never fills a digest on its own.
MIN_REACTIONS = 1


def most_reacted_unseen(user: User, *, since: datetime.datetime, limit: int = TOP_POSTS) -> list[Post]:
    """Posts written after `since` in the groups `user` belongs to or carrying a tag they follow,
    that the feed's gate lets them see, not theirs and not seen by them (feed/seen.py), with at
    least MIN_REACTIONS reactions: the `limit` most-reacted first (then the newest), each with
    `reaction_count`, its author's name and its group's. One query."""
    tagged = Post.tags.through.objects.filter(
        tag_id__in=TagFollow.objects.filter(user_id=user.pk).values("tag_id")
    ).values("post_id")
    reactions = (
        Reaction.objects.filter(post_id=OuterRef("pk"))
        .order_by()
        .values("post_id")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return list(
        filter_visible_posts(user)
        .filter(created_at__gt=since)
        .filter(Q(group_id__in=member_group_ids(user)) | Q(id__in=tagged))
        .exclude(seen_by(user))
        .annotate(reaction_count=Coalesce(Subquery(reactions, output_field=IntegerField()), 0))
        .filter(reaction_count__gte=MIN_REACTIONS)
        .select_related("author", "group")
        .only(
            "id",
            "kind",
            "title",
            "body_html",
            "created_at",
            "author__display_name",
            "author__email",
            "group__name",
        )
        .order_by("-reaction_count", "-created_at", "-id")[:limit]
    )


def top_posts_section(user: User, *, since: datetime.datetime, period: str) -> DigestSection | None:
    """The digest section provider (notifications.digests): None when there is nothing to show."""
    from notifications.digests import DigestItem, DigestSection

    posts = most_reacted_unseen(user, since=since)
    if not posts:
        return None
    return DigestSection(
        title=_("Most-reacted posts in your groups and tags"),
        items=[
            DigestItem(text=post.preview, url=post.get_absolute_url(), detail=_detail(post)) for post in posts
        ],
    )


def _detail(post: Post) -> str:
    """ "Ana Silva in Design guild · 4 reactions" (or without the group for a company-wide post)."""
    reactions = ngettext("%(n)d reaction", "%(n)d reactions", post.reaction_count) % {
        "n": post.reaction_count
    }
    author = post.author.display_name or post.author.email
    if post.group_id is not None:
        place = _("%(author)s in %(group)s") % {"author": author, "group": post.group.name}
    else:
        place = author
    return f"{place} · {reactions}"


def register() -> None:
    from notifications.digests import register_digest_section

    register_digest_section(SECTION_KEY, top_posts_section)
