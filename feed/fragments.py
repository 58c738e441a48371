"""Cached HTML of a post's content (title, body, images, praise), shared by every viewer.

The per-viewer parts of a card (the viewer's reaction, acknowledgement, edit links, times in
the viewer's time zone) are rendered around it on each request. The key carries the post's
`revision`, which every content change bumps, so an edit never shows stale text; a post
that is deleted or hidden is filtered out before its fragment is looked up.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.cache import cache
from django.db.models import prefetch_related_objects
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from feed.models import Post
from feed.selectors import CONTENT_PREFETCHES

FRAGMENT_TIMEOUT = 60 * 60
VARIANTS = {"card": "feed/partials/post_content.html", "full": "feed/partials/post_content.html"}


def fragment_key(post: Post, variant: str) -> str:
    return f"feed:post:{post.pk}:{post.revision}:{variant}:{get_language()}"


def attach_content_html(posts: Iterable[Post], *, variant: str = "card") -> None:
    """Set `post.content_html` on each post: one cache round trip, and for the posts not in the
    cache one query each for images and praised people (never a query per post)."""
    posts = list(posts)
    if not posts:
        return
    keys = {fragment_key(post, variant): post for post in posts}
    found = cache.get_many(list(keys))
    missing = [post for key, post in keys.items() if key not in found]
    if missing:
        prefetch_related_objects(missing, *CONTENT_PREFETCHES)
        fresh = {
            fragment_key(post, variant): render_to_string(
                VARIANTS[variant], {"post": post, "variant": variant}
            )
            for post in missing
        }
        cache.set_many(fresh, FRAGMENT_TIMEOUT)
        found.update(fresh)
    for key, post in keys.items():
        post.content_html = mark_safe(found[key])  # noqa: S308 - rendered by our own template
