"""Every read the feed's pages, API and live events need. Each one starts from the visibility
gate in feed/permissions.py and owns its select_related / prefetch_related, so a page costs a
fixed number of queries however many posts, comments, images and reactions it shows."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import (
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from feed.models import Acknowledgement, Comment, Post, PostImage, Reaction, ReactionKind, Tag, TagFollow
from feed.permissions import filter_visible_comments, filter_visible_posts
from groups.models import Group, Membership
from groups.permissions import can_view_group_content, check_view_group_permission, member_group_ids
from profiles.selectors import followed_ids

User = get_user_model()

DEFAULT_PAGE_SIZE = 20
MIN_PAGE_SIZE = 5
MAX_PAGE_SIZE = 50
PREVIEW_COMMENTS = 2


# Which feed ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class FeedSpec:
    """One feed: "home" (following), "company", or the posts of one group, tag or person.

    Build it only after the viewer has passed the door's check for that group/tag/person;
    the posts in it are filtered by the post gate in any case.
    """

    kind: str
    group_id: int | None = None
    tag_id: int | None = None
    person_id: int | None = None

    HOME = "home"
    COMPANY = "company"
    GROUP = "group"
    TAG = "tag"
    PERSON = "person"
    KINDS = (HOME, COMPANY, GROUP, TAG, PERSON)

    @property
    def shows_pinned(self) -> bool:
        return self.kind in (self.HOME, self.COMPANY)


def resolve_feed_spec(user, kind: object, key: object) -> FeedSpec:
    """The FeedSpec for a feed named by a client, after the door checks; Http404 if the group,
    tag or person is unknown or hidden from the user."""
    if kind in (FeedSpec.HOME, FeedSpec.COMPANY):
        return FeedSpec(kind)
    if not isinstance(key, str | int) or isinstance(key, bool) or not str(key):
        raise Http404
    if kind == FeedSpec.GROUP:
        group = check_view_group_permission(user, slug=str(key))
        if not can_view_group_content(user, group):
            raise Http404
        return FeedSpec(kind, group_id=group.pk)
    if kind == FeedSpec.TAG:
        tag = tag_by_key(user, str(key))
        if tag is None:
            raise Http404
        return FeedSpec(kind, tag_id=tag.pk)
    if kind == FeedSpec.PERSON:
        try:
            person_id = int(key)
        except (TypeError, ValueError):
            raise Http404 from None
        person = User.objects.filter(pk=person_id, is_active=True).first() if 0 < person_id < 2**63 else None
        if person is None:
            raise Http404
        return FeedSpec(kind, person_id=person.pk)
    raise Http404


def followed_author_ids(user) -> QuerySet:
    """Ids of the people `user` follows, as a subquery (profiles owns follows)."""
    return followed_ids(user.pk)


def followed_tag_ids(user) -> QuerySet:
    return TagFollow.objects.filter(user_id=user.pk).values("tag_id")


def followed_tag_post_ids(user) -> QuerySet:
    """Ids of every post carrying a tag the user follows, as a subquery (unbounded)."""
    return Post.tags.through.objects.filter(tag_id__in=followed_tag_ids(user)).values("post_id")


def home_filter(user, tagged: QuerySet | None = None) -> Q:
    """Home ("Following"): people I follow, my groups, tags I follow, announcements, and my own.

    `tagged` replaces the "tags I follow" branch with a narrower id subquery (feed_page passes
    the newest page of such posts, see _home_stream); by default every tagged post."""
    tagged = followed_tag_post_ids(user) if tagged is None else tagged
    return (
        Q(author_id=user.pk)
        | Q(author_id__in=followed_author_ids(user))
        | Q(group_id__in=member_group_ids(user))
        | Q(id__in=tagged)
        | Q(is_announcement=True)
    )


def feed_posts(user, spec: FeedSpec, visible: QuerySet[Post] | None = None) -> QuerySet[Post]:
    """Every post of the feed `spec` the user may see (newest first), as a queryset. `visible`
    is filter_visible_posts(user), when the caller has it already."""
    qs = filter_visible_posts(user) if visible is None else visible
    if spec.kind == FeedSpec.HOME:
        qs = qs.filter(home_filter(user))
    elif spec.kind == FeedSpec.GROUP:
        qs = qs.filter(group_id=spec.group_id)
    elif spec.kind == FeedSpec.TAG:
        qs = qs.filter(id__in=Post.tags.through.objects.filter(tag_id=spec.tag_id).values("post_id"))
    elif spec.kind == FeedSpec.PERSON:
        qs = qs.filter(author_id=spec.person_id)
    elif spec.kind != FeedSpec.COMPANY:
        return qs.none()
    return qs.order_by("-created_at", "-id")


# Cursors -------------------------------------------------------------------------------------
class BadCursor(ValueError):
    pass


def encode_cursor(post: Post) -> str:
    raw = f"{post.created_at.isoformat()}|{post.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """(created_at, id) of the last post already shown; BadCursor if it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, _, pk = raw.partition("|")
        created_at = parse_datetime(stamp)
        if created_at is None or timezone.is_naive(created_at):
            raise ValueError
        return created_at, int(pk)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise BadCursor(cursor) from None


def after_cursor(qs: QuerySet[Post], cursor: str | None) -> QuerySet[Post]:
    """Keyset pagination on (created_at, id), newest first: no OFFSET, stable under inserts."""
    if not cursor:
        return qs
    created_at, pk = decode_cursor(cursor)
    return qs.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, id__lt=pk))


def clamp_page_size(value, default: int = DEFAULT_PAGE_SIZE) -> int:
    try:
        size = int(value)
    except (TypeError, ValueError):
        return default
    return max(MIN_PAGE_SIZE, min(MAX_PAGE_SIZE, size))


# Loading posts for display -----------------------------------------------------------------
def _for_viewer(
    user, qs: QuerySet[Post], *, preview_comments: bool = True, preview: QuerySet[Comment] | None = None
) -> QuerySet[Post]:
    """Everything one post card needs, in a fixed number of queries for any number of posts:
    author and group joined, the viewer's reaction and acknowledgement as subqueries, and the
    latest comments prefetched (images and praised people are loaded with the content
    fragment, see feed/fragments.py). `qs` must already be narrowed by filter_visible_posts
    (the preview comments rely on it); `preview` reuses _preview_comments(user) across calls."""
    qs = qs.select_related("author", "group").annotate(
        my_reaction=_my_reaction(user, "post"),
        acknowledged=Exists(Acknowledgement.objects.filter(post=OuterRef("pk"), user_id=user.pk)),
    )
    if not preview_comments:
        return qs
    preview = _preview_comments(user) if preview is None else preview
    return qs.prefetch_related(Prefetch("comments", queryset=preview, to_attr="preview_comments_desc"))


def _preview_comments(user) -> QuerySet[Comment]:
    """The newest visible top-level comments of each post, for a prefetch from posts that passed
    filter_visible_posts (so the post gate is not repeated inside the comment query)."""
    return (
        filter_visible_comments(user, Comment.objects.filter(parent__isnull=True), posts_already_gated=True)
        .select_related("author")
        .annotate(my_reaction=_my_reaction(user, "comment"))
        .order_by("-created_at", "-id")
    )[:PREVIEW_COMMENTS]


def _my_reaction(user, target: str) -> Subquery:
    return Subquery(Reaction.objects.filter(**{target: OuterRef("pk")}, user_id=user.pk).values("kind")[:1])


CONTENT_PREFETCHES = (
    Prefetch("images", queryset=PostImage.objects.order_by("role", "position", "id")),
    Prefetch("praised", queryset=User.objects.only("id", "display_name", "email").order_by("display_name")),
)


@dataclass
class FeedPage:
    posts: list[Post]
    pinned: list[Post] = field(default_factory=list)
    next_cursor: str | None = None


def feed_page(
    user,
    spec: FeedSpec,
    *,
    cursor: str | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    preview_comments: bool = True,
) -> FeedPage:
    """One page of a feed. On the first page of Home and Company, pinned announcements come
    separately (on top) and are left out of the stream while they are pinned. Each post has
    `preview_comments_desc` unless `preview_comments` is False (the API shows none).

    Raises BadCursor for a cursor we did not make.
    """
    now = timezone.now()
    # The gate is built once per page and shared by the stream, its tagged branch and the pinned
    # posts (building and compiling it costs more than running it).
    visible = filter_visible_posts(user)
    if spec.kind == FeedSpec.HOME:
        stream = _home_stream(user, now=now, cursor=cursor, limit=page_size + 1, visible=visible)
    else:
        stream = feed_posts(user, spec, visible)
    preview = _preview_comments(user) if preview_comments else None
    pinned: list[Post] = []
    if spec.shows_pinned:
        stream = stream.exclude(pinned_until__gt=now)
        # Nearly always nothing is pinned: one query on the partial index of pinned
        # announcements answers that, before the gated query with its subqueries is compiled.
        if not cursor and Post.objects.filter(is_announcement=True, pinned_until__gt=now).exists():
            pinned = list(
                _for_viewer(
                    user,
                    visible.filter(is_announcement=True, pinned_until__gt=now),
                    preview_comments=preview_comments,
                    preview=preview,
                ).order_by("-created_at", "-id")[:10]
            )
    rows = list(
        _for_viewer(user, after_cursor(stream, cursor), preview_comments=preview_comments, preview=preview)[
            : page_size + 1
        ]
    )
    next_cursor = encode_cursor(rows[page_size - 1]) if len(rows) > page_size else None
    return FeedPage(posts=rows[:page_size], pinned=pinned, next_cursor=next_cursor)


def _home_stream(
    user, *, now: datetime, cursor: str | None, limit: int, visible: QuerySet[Post] | None = None
) -> QuerySet[Post]:
    """The Home stream for one page, with its "tags I follow" branch bounded.

    Hashing every post id that carries a followed tag grows with the company (17,000 ids of
    100,000 posts, most of a page's database time). Only the newest `limit` visible, unpinned
    tagged posts after the cursor can be on this page, so the branch is narrowed to those:
    a post outside them is older than `limit` other tagged posts that the page would list
    first. Same rows, in the same order, as feed_posts(user, FeedSpec(HOME)). `visible` is
    filter_visible_posts(user), when the caller has it already.
    """
    visible = filter_visible_posts(user) if visible is None else visible
    newest_tagged = (
        after_cursor(visible.exclude(pinned_until__gt=now), cursor)
        .filter(id__in=followed_tag_post_ids(user))
        .order_by("-created_at", "-id")
        .values("id")[:limit]
    )
    qs = visible.filter(home_filter(user, tagged=newest_tagged))
    return qs.order_by("-created_at", "-id")


def post_for_detail(user, post_id: int) -> Post:
    """One visible post with everything its page shows, or Http404."""
    from feed.permissions import check_view_post_permission

    return check_view_post_permission(
        user, post_id, _for_viewer(user, Post.objects.all()).prefetch_related(*CONTENT_PREFETCHES)
    )


def comments_for_post(user, post: Post) -> list[Comment]:
    """Top-level comments (oldest first), each with `.visible_replies`; two queries."""
    annotated = filter_visible_comments(user, Comment.objects.filter(post=post)).select_related("author")
    annotated = annotated.annotate(my_reaction=_my_reaction(user, "comment"))
    return list(
        annotated.filter(parent__isnull=True)
        .order_by("created_at", "id")
        .prefetch_related(
            Prefetch("replies", queryset=annotated.order_by("created_at", "id"), to_attr="visible_replies")
        )
    )


def comment_for_display(user, comment_id: int) -> Comment:
    """One visible comment with what its partial shows, or Http404."""
    from django.http import Http404

    comment = (
        filter_visible_comments(user, Comment.objects.select_related("author", "post", "post__group"))
        .annotate(my_reaction=_my_reaction(user, "comment"))
        .filter(pk=comment_id)
        .first()
    )
    if comment is None:
        raise Http404
    return comment


def post_history(post: Post) -> list[dict]:
    """Every version of a post, newest first: the current one, then each earlier one."""
    versions = [
        {
            "title": post.title,
            "body_html": post.body_html,
            "created_at": post.edited_at or post.created_at,
            "current": True,
        }
    ]
    for rev in post.revisions.all():
        versions.append(
            {"title": rev.title, "body_html": rev.body_html, "created_at": rev.created_at, "current": False}
        )
    return versions


def comment_history(comment: Comment) -> list[dict]:
    versions = [
        {
            "body_html": comment.body_html,
            "created_at": comment.edited_at or comment.created_at,
            "current": True,
        }
    ]
    for rev in comment.revisions.all():
        versions.append({"body_html": rev.body_html, "created_at": rev.created_at, "current": False})
    return versions


def reactions_by_kind(*, post: Post | None = None, comment: Comment | None = None) -> list[dict]:
    """Who reacted how: [{"kind", "label", "emoji", "users": [...]}] in the fixed order; one query."""
    from feed.models import REACTION_EMOJI

    target = {"post": post} if post is not None else {"comment": comment}
    rows = Reaction.objects.filter(**target).select_related("user").order_by("created_at", "id")
    grouped: dict[str, list] = {kind: [] for kind in ReactionKind.values}
    for reaction in rows:
        grouped.setdefault(reaction.kind, []).append(reaction.user)
    return [
        {"kind": kind, "label": ReactionKind(kind).label, "emoji": REACTION_EMOJI[kind], "users": users}
        for kind, users in grouped.items()
        if users
    ]


def acknowledgement_report(post: Post) -> dict:
    """Who has and has not read a must-read announcement: the active people who may see it,
    except its author."""
    acknowledged = list(
        User.objects.filter(is_active=True, id__in=post.acknowledgements.values("user_id"))
        .exclude(pk=post.author_id)
        .order_by("display_name", "id")
    )
    audience = User.objects.filter(is_active=True).exclude(pk=post.author_id)
    if post.group_id is not None:  # announcements are company-wide; kept general for safety
        audience = audience.filter(id__in=Membership.objects.filter(group_id=post.group_id).values("user_id"))
    pending = list(
        audience.exclude(id__in=post.acknowledgements.values("user_id")).order_by("display_name", "id")
    )
    total = len(acknowledged) + len(pending)
    return {
        "acknowledged": acknowledged,
        "pending": pending,
        "total": total,
        "acknowledged_count": len(acknowledged),
        "pending_count": len(pending),
        "percent": round(100 * len(acknowledged) / total) if total else 0,
    }


# For other apps' pages (profiles) ----------------------------------------------------------
def articles_by_author(viewer, author, *, limit: int = 10) -> list[Post]:
    """The author's articles the viewer may see, newest first (profile "Articles")."""
    return list(
        filter_visible_posts(viewer)
        .filter(author=author, kind=Post.Kind.ARTICLE)
        .select_related("author", "group")
        .prefetch_related(*CONTENT_PREFETCHES)
        .order_by("-created_at", "-id")[:limit]
    )


def praise_received(viewer, user, *, limit: int = 10) -> list[Post]:
    """Praise posts naming `user` that the viewer may see, newest first (profile "Praise received")."""
    return list(
        filter_visible_posts(viewer)
        .filter(kind=Post.Kind.PRAISE, praised=user)
        .select_related("author", "group")
        .prefetch_related(*CONTENT_PREFETCHES)
        .order_by("-created_at", "-id")[:limit]
    )


def profile_sections(viewer, person, *, limit: int = 5) -> dict[str, list[Post]]:
    """What a profile page shows from the feed, each newest first and filtered by the post gate:
    `recent_posts` (by the person), `articles` (theirs) and `praise_received` (naming them).
    One query in all; ready for templates/feed/partials/profile_sections.html."""
    praised_here = Post.praised.through.objects.filter(user_id=person.pk).values("post_id")
    rows = list(
        filter_visible_posts(viewer)
        .filter(Q(author_id=person.pk) | Q(id__in=praised_here))
        .annotate(
            praises_person=Exists(
                Post.praised.through.objects.filter(post_id=OuterRef("pk"), user_id=person.pk)
            )
        )
        .select_related("author")
        .only(
            "id",
            "kind",
            "title",
            "body_html",
            "praise_badge",
            "created_at",
            "author__display_name",
            "author_id",
        )
        .order_by("-created_at", "-id")[: limit * 20]
    )
    return {
        "recent_posts": [p for p in rows if p.author_id == person.pk and not p.is_article][:limit],
        "articles": [p for p in rows if p.author_id == person.pk and p.is_article][:limit],
        "praise_received": [p for p in rows if p.is_praise and p.praises_person][:limit],
    }


# Sidebars, composer, autocomplete ------------------------------------------------------------
def writable_groups(user) -> list[Group]:
    """Groups the user may post in (member, not archived), by name; one query."""
    return list(Group.objects.filter(id__in=member_group_ids(user), is_archived=False).order_by("name", "id"))


def followed_tags(user) -> list[Tag]:
    return list(Tag.objects.filter(id__in=followed_tag_ids(user)).order_by("key"))


def tag_by_key(user, key: str) -> Tag | None:
    """The tag, if the user may know it: some post they may see carries it. A tag used only in
    groups hidden from them answers like a missing one."""
    tagged = Post.tags.through.objects.filter(post__in=filter_visible_posts(user).values("id")).values(
        "tag_id"
    )
    return Tag.objects.filter(key=key, id__in=tagged).first()


def is_following_tag(user, tag: Tag) -> bool:
    return TagFollow.objects.filter(user_id=user.pk, tag=tag).exists()


def popular_tags(user, *, limit: int = 20) -> QuerySet[Tag]:
    """Tags used on posts the user may see, with how many (for the API's tag list)."""
    from django.db.models import Count

    visible = filter_visible_posts(user).values("id")
    return (
        Tag.objects.filter(posts__in=visible)
        .annotate(post_count=Count("posts", distinct=True))
        .order_by("-post_count", "key")[:limit]
    )


def mention_candidates(query: str, *, limit: int = 8) -> list:
    """Active people whose name or e-mail starts with `query` (autocomplete); one query."""
    query = " ".join(query.split())[:60]
    if not query:
        return []
    return list(
        User.objects.filter(is_active=True)
        .filter(
            Q(display_name__istartswith=query)
            | Q(display_name__icontains=" " + query)
            | Q(email__istartswith=query)
        )
        .only("id", "display_name", "email", "title")
        .order_by("display_name", "id")[:limit]
    )


def my_reaction(*, user, post: Post | None = None, comment: Comment | None = None) -> str | None:
    """The kind of the user's reaction on the post or comment, or None."""
    target = {"post": post} if post is not None else {"comment": comment}
    return Reaction.objects.filter(user_id=user.pk, **target).values_list("kind", flat=True).first()
