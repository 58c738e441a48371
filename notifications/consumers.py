"""The notifications side of the shared socket: the live unread count (docs/realtime.md).

notifications/events.py nudges every socket of a person whose notifications changed; each socket
counts its own person's unread notifications through the gate (one query) and sends
`notification.count`. Registered by importing this module in NotificationsConfig.ready().
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async

from notifications.events import COUNT_EVENT, COUNT_HANDLER
from notifications.selectors import unread_count
from socialco.realtime import layer_handler


@layer_handler(COUNT_HANDLER)
async def send_unread_count(consumer, message: dict[str, Any]) -> None:
    unread = await database_sync_to_async(unread_count)(user=consumer.user)
    await consumer.send_event({"type": COUNT_EVENT, "unread": unread})
