"""Group rooms follow group membership: receivers for the groups app's signals.

Groups must not import messaging (messaging imports groups: a room's audience is the group's
members, read through groups.permissions), so groups/services.py sends `member_joined` and
`member_left` once the transaction commits, and these receivers keep the room's sockets in
step: creating a group creates its room; joining (an open group, an approved request, an
accepted invitation) subscribes the newcomer's open sockets; leaving or being removed
unsubscribes them. Delivery does not depend on this: every socket checks membership fresh from
the database before it forwards a room event (messaging/consumers.py), so a removal stops
delivery at the moment it commits.

Connected once from MessagingConfig.ready().
"""

from __future__ import annotations

from typing import Any

from groups import signals as group_signals
from messaging.services import room_member_joined, room_member_left


def member_joined(*, group, membership, **_: Any) -> None:
    room_member_joined(group=group, user_id=membership.user_id)


def member_left(*, group, user_id: int, **_: Any) -> None:
    room_member_left(group_id=group.pk, user_id=user_id)


def connect() -> None:
    """Connect every receiver once (dispatch_uid makes a second call harmless)."""
    group_signals.member_joined.connect(member_joined, dispatch_uid="messaging.receivers.member_joined")
    group_signals.member_left.connect(member_left, dispatch_uid="messaging.receivers.member_left")
