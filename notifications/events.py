"""What notifications send over the shared socket (docs/realtime.md).

`notification.count`: {"type": "notification.count", "unread": <int>} to every tab of a user,
after the transaction that changed their notifications commits. The count is computed with the
same gate as the list, so a hidden target never shows in it.
"""

from __future__ import annotations

from collections.abc import Iterable

from notifications.selectors import unread_count
from socialco.realtime import send_to_user_on_commit

COUNT_EVENT = "notification.count"


def push_unread_counts_on_commit(*, users: Iterable) -> None:
    """Send each user their fresh unread count once the current transaction commits.

    One count query per user (the gate is per viewer); callers pass only the users whose
    notifications changed.
    """
    for user in users:
        send_to_user_on_commit(user.pk, {"type": COUNT_EVENT, "unread": unread_count(user=user)})
