"""Which posts a person has already seen, for the digest's "most-reacted posts you have not seen".

A post counts as seen by a person when any of these holds:
- it was on a feed page they rendered (Home, Company, a group, a tag, a person; each "load more"
  page too), in the HTML or through the API's post list, or they opened the post (its page, the
  API's post detail, the question page): one `PostSeen` row, written by `posts_mark_seen`;
- they reacted to it, commented on it or acknowledged it (they plainly had it in front of them;
  read from those rows, nothing extra is written);
- they wrote it.

Cost: one `INSERT ... ON CONFLICT DO NOTHING` per page render (none when the page holds no recent
post by someone else, and none when the same person rendered the same set of posts in the last
`RECORDED_FOR`: a cache `add` on the page's ids answers that in one round trip; the rows it
stands for were written then and an insert would change nothing). Rows are written only for
posts younger than `SEEN_WINDOW` (the longest
digest period plus a day of slack): older posts are never suggested, so there is nothing to
remember about them. `prune_seen_posts` deletes the rows older than that window (daily cron).

Not recorded: posts that arrive live over the socket into an open feed (the next render records
them), posts shown only as a title (profile sections, search results) and the Articles and
Praise tabs of a person's page.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from feed.models import Acknowledgement, Comment, Post, PostSeen, Reaction

if TYPE_CHECKING:
    from profiles.models import User

SEEN_WINDOW = datetime.timedelta(days=8)
RECORDED_FOR = 60 * 60  # seconds a recorded page is remembered (well inside SEEN_WINDOW)


def _active(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def posts_mark_seen(*, user: User, posts: Iterable[Post], now: datetime.datetime | None = None) -> int:
    """Remember that `user` has had `posts` in front of them. At most one query (an insert that
    ignores rows already there), none when the same posts were recorded for them within
    `RECORDED_FOR`; returns how many posts were offered for recording (0 when skipped)."""
    if not _active(user):
        return 0
    now = now or timezone.now()
    horizon = now - SEEN_WINDOW
    rows = {
        post.pk: PostSeen(user_id=user.pk, post_id=post.pk, seen_at=now)
        for post in posts
        if post.pk is not None and post.author_id != user.pk and post.created_at > horizon
    }
    if not rows:
        return 0
    ids = ",".join(map(str, sorted(rows)))
    key = f"feed:seen:{user.pk}:{hashlib.blake2b(ids.encode(), digest_size=12).hexdigest()}"
    if not cache.add(key, True, RECORDED_FOR):
        return 0  # this page of posts was recorded for this person within the hour
    try:
        PostSeen.objects.bulk_create(list(rows.values()), ignore_conflicts=True)
    except BaseException:
        cache.delete(key)
        raise
    return len(rows)


def seen_by(user: User) -> Q:
    """A filter on Post: the posts `user` has seen (see the module docstring), as subqueries."""
    post = OuterRef("pk")
    return (
        Q(author_id=user.pk)
        | Q(Exists(PostSeen.objects.filter(user_id=user.pk, post_id=post)))
        | Q(Exists(Reaction.objects.filter(user_id=user.pk, post_id=post)))
        | Q(Exists(Comment.objects.filter(author_id=user.pk, post_id=post)))
        | Q(Exists(Acknowledgement.objects.filter(user_id=user.pk, post_id=post)))
    )


def prune_seen_posts(*, now: datetime.datetime | None = None) -> int:
    """Forget what was seen before the window (those posts are too old for any digest)."""
    now = now or timezone.now()
    deleted, _ = PostSeen.objects.filter(seen_at__lt=now - SEEN_WINDOW).delete()
    return deleted
