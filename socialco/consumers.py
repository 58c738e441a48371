"""The per-tab WebSocket at /ws/. Thin: decode and validate a frame, then dispatch it."""

from __future__ import annotations

import json
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer

from socialco.realtime import (
    MAX_FRAME_BYTES,
    FrameError,
    guards_for,
    handler_for,
    layer_handler_for,
    run_socket_hooks,
    session_group,
    user_group,
)

CLOSE_UNAUTHENTICATED = 4401


def _refuse_constant(name: str) -> None:
    """NaN and Infinity are not JSON; refuse them instead of echoing invalid JSON back."""
    raise ValueError(f"{name} is not valid JSON")


def _safe_ref(ref: Any) -> str | int | None:
    """The client's `ref` is echoed only when it is a short string or a plain integer."""
    if isinstance(ref, bool):
        return None
    if isinstance(ref, int) and abs(ref) < 2**53:
        return ref
    if isinstance(ref, str) and len(ref) <= 100:
        return ref
    return None


def encode_event(event: dict[str, Any]) -> str:
    """A server event as the text frame every socket sends (encode once, send to many)."""
    return json.dumps(event, separators=(",", ":"), default=str, allow_nan=False)


class RealtimeConsumer(AsyncWebsocketConsumer):
    groups_joined: list[str]

    async def connect(self) -> None:
        self.groups_joined = []
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            # Accept first: a refused handshake reaches the browser as 1006, and the client
            # would keep reconnecting; 4401 tells it to stop.
            await self.accept()
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user = user
        await self.join(user_group(user.pk))
        session = self.scope.get("session")
        if session is not None and session.session_key:
            await self.join(session_group(session.session_key))
        await self.accept()
        await run_socket_hooks("connect", self)

    async def join(self, group: str) -> None:
        """Join a channel-layer group; left automatically on disconnect."""
        if group not in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.append(group)

    async def leave(self, group: str) -> None:
        if group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
            self.groups_joined.remove(group)

    async def disconnect(self, code: int) -> None:
        if getattr(self, "user", None) is not None:
            await run_socket_hooks("disconnect", self)
        for group in list(self.groups_joined):
            await self.channel_layer.group_discard(group, self.channel_name)
        self.groups_joined = []

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        ref = None
        try:
            if bytes_data is not None:
                raise FrameError("bad_frame", "Frames must be JSON text, not binary.")
            if len(text_data.encode()) > MAX_FRAME_BYTES:
                raise FrameError("frame_too_large", f"Frames may be at most {MAX_FRAME_BYTES} bytes.")
            try:
                frame = json.loads(text_data, parse_constant=_refuse_constant)
            except (ValueError, RecursionError):
                raise FrameError("bad_json", "The frame is not valid JSON.") from None
            if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
                raise FrameError("bad_frame", 'A frame is a JSON object with a "type".')
            ref = _safe_ref(frame.get("ref"))
            if frame["type"] == "ping":
                await self.send_event({"type": "pong", "ref": ref})
                await run_socket_hooks("heartbeat", self)
                return
            handler = handler_for(frame["type"])
            if handler is None:
                raise FrameError("unknown_type", f"Unknown frame type {frame['type']!r}.")
            for guard in guards_for(frame["type"]):
                await guard(self, frame)
            await handler(self, frame)
        except FrameError as exc:
            await self.send_event(
                {**exc.details, "type": "error", "code": exc.code, "message": exc.message, "ref": ref}
            )

    async def send_event(self, event: dict[str, Any]) -> None:
        await self.send(text_data=encode_event(event))

    # Channel-layer message handlers -------------------------------------------------------
    async def server_event(self, message: dict[str, Any]) -> None:
        await self.send_event(message["event"])

    async def socket_leave_group(self, message: dict[str, Any]) -> None:
        """Access to a channel-layer group was revoked: leave it and tell the tab (see realtime.py)."""
        if message["group"] in self.groups_joined:
            await self.leave(message["group"])
            if message.get("event"):
                await self.send_event(message["event"])

    async def app_message(self, message: dict[str, Any]) -> None:
        """A channel-layer message for an app's `layer_handler` (it checks, then sends or drops)."""
        handler = layer_handler_for(message.get("handler", ""))
        if handler is not None:
            await handler(self, message)

    async def socket_close(self, message: dict[str, Any]) -> None:
        await self.close(code=message.get("code", 4001))
