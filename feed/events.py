"""What the feed sends over the shared /ws/ socket (protocol: docs/realtime.md).

Everything goes out after the transaction commits, to a layer handler (feed/consumers.py)
that runs on each receiving socket: it checks, for that socket's person and with the data as
it is then, that the post is visible (and, for "new post", that it belongs to the feed that
socket has open) before anything is sent.
Events carry ids and counts only; the browser fetches HTML over HTTP, through the same gate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction

from socialco.realtime import send_to_group, send_to_handler

if TYPE_CHECKING:
    from feed.models import Comment, Post

# Every socket with a feed open joins this group; the layer handler decides per socket.
LIVE_FEEDS_GROUP = "feed.live"
NEW_POST_HANDLER = "feed.new_post"
POST_EVENT_HANDLER = "feed.post_event"


def post_group(post_id: int) -> str:
    """The group of the sockets that have one post open (its page)."""
    return f"feed.post.{post_id}"


def _on_commit(group: str, handler: str, payload: dict[str, Any]) -> None:
    transaction.on_commit(lambda: send_to_handler(group, handler, payload))


def post_created(post: Post) -> None:
    _on_commit(LIVE_FEEDS_GROUP, NEW_POST_HANDLER, {"post": post.pk})


def _to_open_post(post_id: int, event: dict[str, Any]) -> None:
    _on_commit(post_group(post_id), POST_EVENT_HANDLER, {"post": post_id, "event": event})


def post_removed(post: Post) -> None:
    """Tell the sockets that have the post open that it is gone. Not checked: the post is no
    longer visible to anyone, and those sockets were allowed to see it when they opened it."""
    event = {"type": "post.removed", "post": post.pk}
    transaction.on_commit(lambda: send_to_group(post_group(post.pk), event))


def comment_created(comment: Comment) -> None:
    _to_open_post(
        comment.post_id,
        {
            "type": "post.comment_created",
            "post": comment.post_id,
            "comment": comment.pk,
            "parent": comment.parent_id,
            "author": comment.author_id,
            "comment_count": comment.post.comment_count,
        },
    )


def comment_changed(comment: Comment) -> None:
    _to_open_post(
        comment.post_id, {"type": "post.comment_changed", "post": comment.post_id, "comment": comment.pk}
    )


def comment_removed(comment: Comment) -> None:
    _to_open_post(
        comment.post_id,
        {
            "type": "post.comment_removed",
            "post": comment.post_id,
            "comment": comment.pk,
            "comment_count": comment.post.comment_count,
        },
    )


def reactions_changed(post: Post, comment: Comment | None, counts: dict[str, int]) -> None:
    _to_open_post(
        post.pk,
        {
            "type": "post.reactions",
            "post": post.pk,
            "comment": comment.pk if comment is not None else None,
            "counts": counts,
        },
    )
