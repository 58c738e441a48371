"""The one WebSocket every live feature shares: group names, frame handlers, sending on commit.

Protocol: docs/realtime.md. Apps add client frame types with `@frame_handler("type")` (in
their AppConfig.ready) and push server events with `send_to_user_on_commit`.

Two more hooks for apps whose sockets keep state (chat: which conversations a socket listens
to, presence): `@socket_hook("connect" | "disconnect" | "heartbeat")` runs a coroutine on those
moments of every socket, and `@layer_handler("name")` receives channel-layer messages sent with
`send_to_handler(group, "name", payload)`, so the app can check each recipient when the
message is delivered instead of forwarding it blindly.
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
SocketHook = Callable[["RealtimeConsumer"], Awaitable[None]]
SOCKET_MOMENTS = ("connect", "disconnect", "heartbeat")
_socket_hooks: dict[str, list[SocketHook]] = {moment: [] for moment in SOCKET_MOMENTS}
LayerHandler = Callable[["RealtimeConsumer", dict[str, Any]], Awaitable[None]]
_layer_handlers: dict[str, LayerHandler] = {}
# Checks run before every handler that writes (see `frame_guard`).
FrameGuard = Callable[["RealtimeConsumer", dict[str, Any]], Awaitable[None]]
_guards: list[FrameGuard] = []
_read_only: set[str] = set()


class FrameError(Exception):
    """A client frame was refused; the consumer answers with an `error` frame and stays open."""

    def __init__(self, code: str, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}  # extra fields of the error frame (e.g. chat's `screening`)


def frame_handler(frame_type: str, *, read_only: bool = False) -> Callable[[FrameHandler], FrameHandler]:
    """Register the coroutine that handles client frames of `frame_type`.

    Every frame is taken to write unless `read_only=True` (e.g. a chat `sync`): the registered
    frame guards (the moderation write gate) run before handlers that write.
    """

    def register(func: FrameHandler) -> FrameHandler:
        if frame_type in _handlers and _handlers[frame_type] is not func:
            raise ValueError(f"a handler for {frame_type!r} is already registered")
        _handlers[frame_type] = func
        if read_only:
            _read_only.add(frame_type)
        else:
            _read_only.discard(frame_type)
        return func

    return register


def handler_for(frame_type: str) -> FrameHandler | None:
    return _handlers.get(frame_type)


def socket_hook(moment: str) -> Callable[[SocketHook], SocketHook]:
    """Run a coroutine `hook(consumer)` when a socket is accepted ("connect"), closes
    ("disconnect") or sends its heartbeat `ping` ("heartbeat")."""
    if moment not in SOCKET_MOMENTS:
        raise ValueError(f"unknown socket moment {moment!r}")

    def register(func: SocketHook) -> SocketHook:
        if func not in _socket_hooks[moment]:
            _socket_hooks[moment].append(func)
        return func

    return register


async def run_socket_hooks(moment: str, consumer: RealtimeConsumer) -> None:
    for hook in _socket_hooks[moment]:
        await hook(consumer)


def layer_handler(name: str) -> Callable[[LayerHandler], LayerHandler]:
    """Register the coroutine `handler(consumer, message)` for messages sent with `send_to_handler`."""

    def register(func: LayerHandler) -> LayerHandler:
        if name in _layer_handlers and _layer_handlers[name] is not func:
            raise ValueError(f"a layer handler for {name!r} is already registered")
        _layer_handlers[name] = func
        return func

    return register


def layer_handler_for(name: str) -> LayerHandler | None:
    return _layer_handlers.get(name)


def frame_guard(func: FrameGuard) -> FrameGuard:
    """Register a check run before every writing frame's handler; it raises FrameError to refuse."""
    if func not in _guards:
        _guards.append(func)
    return func


def guards_for(frame_type: str) -> list[FrameGuard]:
    """The guards a frame of `frame_type` must pass (none for read-only frames)."""
    return [] if frame_type in _read_only else list(_guards)


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


def send_to_handler(group: str, handler: str, payload: dict[str, Any]) -> None:
    """Send `payload` to the `layer_handler(handler)` of every socket in `group`, now."""
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(group, {**payload, "type": "app.message", "handler": handler})


def send_to_user_on_commit(user_id: int, event: dict[str, Any]) -> None:
    """Deliver `event` to every open socket of the user once the current transaction commits.

    The caller must already have checked that the user may see what the event carries.
    """
    transaction.on_commit(lambda: send_to_group(user_group(user_id), event))


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
