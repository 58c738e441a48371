"""The chat ceiling: a bare Channels broadcast consumer (mounted at /ws/bench/echo/ only when
SOCIALCO_BENCH=1, socialco/routing.py).

Behind the same AllowedHostsOriginValidator and AuthMiddlewareStack as /ws/. A socket joins
the room named in its query string (`?room=<name>`); every text frame it sends is broadcast
unchanged through the channel layer (Redis in the production stack) to every socket in that
room, on any server process. No database, no permission checks: what the real chat adds on
top of this is what the benchmark's ratios show.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from channels.generic.websocket import AsyncWebsocketConsumer


class EchoBroadcastConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        query = parse_qs(self.scope.get("query_string", b"").decode())
        room = "".join(ch for ch in query.get("room", ["default"])[0] if ch.isalnum())[:40] or "default"
        self.room = f"bench.echo.{room}"
        await self.channel_layer.group_add(self.room, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if getattr(self, "room", None):
            await self.channel_layer.group_discard(self.room, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is not None:
            await self.channel_layer.group_send(self.room, {"type": "bench.frame", "text": text_data})

    async def bench_frame(self, message: dict) -> None:
        await self.send(text_data=message["text"])
