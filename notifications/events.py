"""What notifications send over the shared socket (docs/realtime.md).

`notification.count`: {"type": "notification.count", "unread": <int>} to every tab of a user,
after the transaction that changed their notifications commits. The count is computed with the
same gate as the list, so a hidden target never shows in it.

The count is computed by each open socket when the nudge reaches it (notifications/consumers.py),
not by the request that changed the notifications: a must-read announcement to the whole company
costs the request no query per person, and people with no tab open cost nothing at all.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from socialco.realtime import send_to_handler, user_group

COUNT_EVENT = "notification.count"
COUNT_HANDLER = "notifications.count"


def push_unread_counts_on_commit(*, users: Iterable) -> None:
    """Once the current transaction commits, every open tab of each user gets its fresh unread
    count (counted by the socket itself, with the gate). No query here."""
    user_ids = sorted({user.pk for user in users})
    if not user_ids:
        return

    def nudge() -> None:
        for user_id in user_ids:
            send_to_handler(user_group(user_id), COUNT_HANDLER, {})

    transaction.on_commit(nudge)
