"""The feed's frames on the shared /ws/ socket (docs/realtime.md): open a feed or a post to
get its live updates. Thin: validate the frame, check with feed/permissions.py, join a group.

The layer handlers below run on every receiving socket right before a broadcast is sent, so
each recipient is checked with the post gate, with the data as it is then.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from django.http import Http404

from feed.events import LIVE_FEEDS_GROUP, NEW_POST_HANDLER, POST_EVENT_HANDLER, post_group
from feed.permissions import check_view_post_permission, filter_visible_posts
from feed.selectors import FeedSpec, feed_posts, resolve_feed_spec
from socialco.consumers import _safe_ref  # the consumer's rule for echoing a client's ref
from socialco.realtime import FrameError, frame_handler, layer_handler

MAX_OPEN_POSTS = 50


def _state(consumer) -> dict[str, Any]:
    """What this socket has open: one feed ("spec") and some posts (kept on the consumer)."""
    if not hasattr(consumer, "feed_state"):
        consumer.feed_state = {"spec": None, "posts": set()}
    return consumer.feed_state


@database_sync_to_async
def _resolve(user, kind, key) -> FeedSpec | None:
    try:
        return resolve_feed_spec(user, kind, key)
    except Http404:
        return None


@frame_handler("feed.subscribe", read_only=True)
async def feed_subscribe(consumer, frame: dict[str, Any]) -> None:
    """{"type": "feed.subscribe", "feed": "home"|"company"|"group"|"tag"|"person", "key": ...}"""
    kind = frame.get("feed")
    if kind not in FeedSpec.KINDS:
        raise FrameError("bad_frame", "Unknown feed.")
    spec = await _resolve(consumer.user, kind, frame.get("key"))
    if spec is None:
        raise FrameError("not_found", "No such feed.")
    _state(consumer)["spec"] = spec
    await consumer.join(LIVE_FEEDS_GROUP)
    await consumer.send_event({"type": "feed.subscribed", "feed": kind, "ref": _safe_ref(frame.get("ref"))})


@frame_handler("feed.unsubscribe", read_only=True)
async def feed_unsubscribe(consumer, frame: dict[str, Any]) -> None:
    _state(consumer)["spec"] = None
    await consumer.leave(LIVE_FEEDS_GROUP)
    await consumer.send_event({"type": "feed.unsubscribed", "ref": _safe_ref(frame.get("ref"))})


def _post_id(frame: dict[str, Any]) -> int:
    value = frame.get("post")
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise FrameError("bad_frame", '"post" must be a post id.')
    return value


@database_sync_to_async
def _can_open_post(user, post_id: int) -> bool:
    try:
        check_view_post_permission(user, post_id)
    except Http404:
        return False
    return True


@frame_handler("post.subscribe", read_only=True)
async def post_subscribe(consumer, frame: dict[str, Any]) -> None:
    """{"type": "post.subscribe", "post": id}: new comments and reaction counts of that post."""
    post_id = _post_id(frame)
    posts = _state(consumer)["posts"]
    if post_id not in posts and len(posts) >= MAX_OPEN_POSTS:
        raise FrameError(
            "too_many_subscriptions", f"At most {MAX_OPEN_POSTS} posts can be open on one socket."
        )
    if not await _can_open_post(consumer.user, post_id):
        raise FrameError("not_found", "No such post.")
    posts.add(post_id)
    await consumer.join(post_group(post_id))
    await consumer.send_event(
        {"type": "post.subscribed", "post": post_id, "ref": _safe_ref(frame.get("ref"))}
    )


@frame_handler("post.unsubscribe", read_only=True)
async def post_unsubscribe(consumer, frame: dict[str, Any]) -> None:
    post_id = _post_id(frame)
    _state(consumer)["posts"].discard(post_id)
    await consumer.leave(post_group(post_id))
    await consumer.send_event(
        {"type": "post.unsubscribed", "post": post_id, "ref": _safe_ref(frame.get("ref"))}
    )


# Per-recipient delivery ----------------------------------------------------------------------
@database_sync_to_async
def _in_feed(user, spec: FeedSpec, post_id: int) -> bool:
    return feed_posts(user, spec).filter(pk=post_id).exclude(author_id=user.pk).exists()


@layer_handler(NEW_POST_HANDLER)
async def new_post(consumer, message: dict[str, Any]) -> None:
    """Send "feed.new_post" only if the post is visible to this socket's user and belongs to
    the feed the socket has open (not for the user's own posts: their page shows them)."""
    spec = _state(consumer)["spec"]
    if spec is not None and await _in_feed(consumer.user, spec, message["post"]):
        await consumer.send_event({"type": "feed.new_post", "feed": spec.kind, "post": message["post"]})


@database_sync_to_async
def _visible(user, post_id: int) -> bool:
    return filter_visible_posts(user).filter(pk=post_id).exists()


@layer_handler(POST_EVENT_HANDLER)
async def post_event(consumer, message: dict[str, Any]) -> None:
    """Pass an open post's event on only while the post is still visible to this user."""
    if message["post"] in _state(consumer)["posts"] and await _visible(consumer.user, message["post"]):
        await consumer.send_event(message["event"])
