"""The write gate on the socket: every frame that writes is refused with an `error` frame
(code `guidelines_not_accepted` or `suspended`) while the person must accept the guidelines or is
suspended; the socket stays open and read-only frames still work.

Registered centrally as a frame guard (socialco.realtime.frame_guard), so handlers need nothing;
`guard_write_frame` is also importable for a handler that wants to check again mid-way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from channels.db import database_sync_to_async

from moderation.permissions import WriteBlocked, check_can_write
from socialco.realtime import FrameError, frame_guard

if TYPE_CHECKING:
    from socialco.consumers import RealtimeConsumer


@database_sync_to_async
def _check(user) -> None:
    check_can_write(user)


async def guard_write_frame(consumer: RealtimeConsumer, frame: dict[str, Any]) -> None:
    """Raise FrameError if the socket's user may not write now."""
    user = getattr(consumer, "user", None) or consumer.scope.get("user")
    try:
        await _check(user)
    except WriteBlocked as blocked:
        raise FrameError(blocked.code, blocked.message) from None


def register() -> None:
    frame_guard(guard_write_frame)
