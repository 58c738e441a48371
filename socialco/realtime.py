"""The one WebSocket every live feature shares: group names, frame handlers, sending on commit.

Protocol: docs/realtime.md. Apps add client frame types with `@frame_handler("type")` (in
their AppConfig.ready) and push server events with `send_to_user_on_commit`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

if TYPE_CHECKING:
    from socialco.consumers import RealtimeConsumer

# The largest client frame the server reads, in bytes.
MAX_FRAME_BYTES = 64 * 1024

FrameHandler = Callable[["RealtimeConsumer", dict[str, Any]], Awaitable[None]]
_handlers: dict[str, FrameHandler] = {}
# Per-recipient checks for broadcasts: (consumer, payload) -> the event to send, or None.
EventFilter = Callable[["RealtimeConsumer", dict[str, Any]], Awaitable[dict[str, Any] | None]]
_event_filters: dict[str, EventFilter] = {}


class FrameError(Exception):
    """A client frame was refused; the consumer answers with an `error` frame and stays open."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def frame_handler(frame_type: str) -> Callable[[FrameHandler], FrameHandler]:
    """Register the coroutine that handles client frames of `frame_type`."""

    def register(func: FrameHandler) -> FrameHandler:
        if frame_type in _handlers and _handlers[frame_type] is not func:
            raise ValueError(f"a handler for {frame_type!r} is already registered")
        _handlers[frame_type] = func
        return func

    return register


def handler_for(frame_type: str) -> FrameHandler | None:
    return _handlers.get(frame_type)


def event_filter(name: str) -> Callable[[EventFilter], EventFilter]:
    """Register the coroutine that decides, on each receiving socket, what a filtered broadcast
    becomes for that socket's user (an event to send) or that it is dropped (None)."""

    def register(func: EventFilter) -> EventFilter:
        if name in _event_filters and _event_filters[name] is not func:
            raise ValueError(f"an event filter {name!r} is already registered")
        _event_filters[name] = func
        return func

    return register


def event_filter_for(name: str) -> EventFilter | None:
    return _event_filters.get(name)


def user_group(user_id: int) -> str:
    """The channel-layer group every socket of one user joins."""
    return f"user.{user_id}"


def session_group(session_key: str) -> str:
    """The group of the sockets opened by one login session (closed on logout)."""
    return f"session.{session_key}"


def send_to_group(group: str, event: dict[str, Any]) -> None:
    """Send a server event to a channel-layer group now (outside any transaction)."""
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(group, {"type": "server.event", "event": event})


def send_to_user_on_commit(user_id: int, event: dict[str, Any]) -> None:
    """Deliver `event` to every open socket of the user once the current transaction commits.

    The caller must already have checked that the user may see what the event carries.
    """
    transaction.on_commit(lambda: send_to_group(user_group(user_id), event))


def send_filtered_to_group_on_commit(group: str, filter_name: str, payload: dict[str, Any]) -> None:
    """Broadcast `payload` to every socket in `group` once the transaction commits; each socket
    runs the registered filter `filter_name` for its own user right before sending, so the
    permission check is per recipient and uses the data as it is at delivery time."""
    message = {"type": "server.filtered_event", "filter": filter_name, "payload": payload}

    def send() -> None:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(group, message)

    transaction.on_commit(send)


def leave_group_on_commit(target: str, group: str, event: dict[str, Any] | None = None) -> None:
    """Once the transaction commits, make every socket in channel-layer group `target` leave
    channel-layer group `group` (access was revoked); sockets that were in it also get `event`.

    `target` is e.g. `user_group(id)` (one person left) or `group` itself (everyone must
    subscribe again through the permission check).
    """
    message = {"type": "socket.leave_group", "group": group, "event": event}

    def send() -> None:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(target, message)

    transaction.on_commit(send)


def close_group_sockets(group: str, code: int = 4001) -> None:
    """Ask every socket in `group` to close (logout, deactivation)."""
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(group, {"type": "socket.close", "code": code})
