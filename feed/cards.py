"""Whole post cards for feed lists (Home, Company, group, tag, person), rendered once and
cached, so a feed page costs one cache round trip instead of ~7,000 template nodes.

A card is `feed/partials/post.html` rendered for one post. Its cache key holds everything
the card shows, so it can never be stale and needs no invalidation:

- the post's state: every column of the post (revision, counts, edit, pin, moderation state...),
  the author's name and status, the group's name and slug, and every column of each preview
  comment with its author's name (`_state`);
- the viewer's "shape": each `can_*` answer, the viewer's reaction and acknowledgement, the
  same for each preview comment, and whether the card sits in the pinned section (`_shape`);
  most viewers share one shape, so they share the cached card;
- the language.

Two things change per request and are left as slots in the cached HTML, filled in
`_fill`: the `<time>` elements (relative to now, in the viewer's time zone, see
feed/templatetags/feed_cards.py) and the CSRF token of the forms.

**Adding something per viewer or per state to post.html / comment.html?** Add it to `_shape`
(per viewer) or `_state` (per post) as well, or it will be cached for everyone.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import datetime

from django.core.cache import cache
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from feed.fragments import attach_content_html
from feed.models import Post
from feed.templatetags.feed_cards import time_element

CARD_TEMPLATE = "feed/partials/post.html"
CARD_TIMEOUT = 60 * 60
CSRF_SLOT = "\x00csrf\x00"  # NUL never reaches a page from input (RejectNullBytesMiddleware)
TIME_SLOT_RE = re.compile("\x00t:([^\x00]+)\x00")


def _columns(obj) -> tuple:
    return tuple(getattr(obj, field.attname) for field in obj._meta.concrete_fields)


def _state(post: Post) -> tuple:
    author, group = post.author, post.group
    return (
        _columns(post),
        (author.display_name, author.is_active),
        (group.slug, group.name) if group is not None else None,
        tuple((_columns(comment), comment.author.display_name) for comment in post.preview_comments),
    )


def post_state_key(post: Post) -> str:
    """`<post id>:<digest>` of every column of the post, its author's name and status, and its
    group's slug and name (for caches of what a post shows to everyone, e.g. the API's)."""
    author, group = post.author, post.group
    state = (
        _columns(post),
        (author.display_name, author.is_active),
        (group.slug, group.name) if group is not None else None,
    )
    return f"{post.pk}:{hashlib.blake2b(repr(state).encode(), digest_size=16).hexdigest()}"


def _shape(post: Post) -> tuple:
    return (
        post.can_edit,
        post.can_delete,
        post.can_comment,
        post.can_react,
        post.can_view_acks,
        bool(getattr(post, "acknowledged", False)),
        getattr(post, "my_reaction", None),
        post.in_pinned_section,
        post.can_report,
        getattr(post, "moderation_url", ""),
        tuple(
            (
                comment.can_edit,
                comment.can_delete,
                getattr(comment, "my_reaction", None),
                comment.can_report,
                getattr(comment, "moderation_url", ""),
            )
            for comment in post.preview_comments
        ),
    )


def card_key(post: Post) -> str:
    digest = hashlib.blake2b(repr((_state(post), _shape(post))).encode(), digest_size=16).hexdigest()
    return f"feed:card:{post.pk}:{digest}:{get_language()}"


def attach_card_html(request: HttpRequest, posts: Iterable[Post], *, pinned_ids: set[int]) -> None:
    """Set `post.card_html` on each post, decorated already (feed.display.decorate_posts).

    One cache round trip; the posts not in the cache get their content fragment (a fixed
    number of queries, feed/fragments.py) and are rendered without the request."""
    posts = list(posts)
    if not posts:
        return
    for post in posts:
        post.in_pinned_section = post.pk in pinned_ids
    keys = {card_key(post): post for post in posts}
    found = cache.get_many(list(keys))
    missing = [post for key, post in keys.items() if key not in found]
    if missing:
        attach_content_html(missing, variant="card")
        fresh = {
            key: render_to_string(CARD_TEMPLATE, {"post": post, "card_slots": True, "csrf_token": CSRF_SLOT})
            for key, post in keys.items()
            if key not in found
        }
        cache.set_many(fresh, CARD_TIMEOUT)
        found.update(fresh)
    token = get_token(request)
    times: dict[str, str] = {}
    for key, post in keys.items():
        post.card_html = mark_safe(_fill(found[key], token, times))  # noqa: S308 - our own template


def _fill(html: str, token: str, times: dict[str, str]) -> str:
    def time_slot(match: re.Match) -> str:
        stamp = match.group(1)
        if stamp not in times:
            times[stamp] = time_element(datetime.fromisoformat(stamp))
        return times[stamp]

    return TIME_SLOT_RE.sub(time_slot, html.replace(CSRF_SLOT, token))
