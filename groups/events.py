"""What groups send over the shared WebSocket, and the one place that names a group's channel.

Live content of a group (posts, comments, presence...) is broadcast to the channel-layer group
`group_channel_name(group.pk)`. A socket joins it only through the `group.subscribe` frame
(groups/consumers.py), which asks `can_view_group_content` first. When access is revoked the
socket is made to leave again here, after the transaction commits.
"""

from __future__ import annotations

from typing import Any

from socialco.realtime import leave_group_on_commit, send_to_group, user_group

GROUP_CHANNEL_PREFIX = "group."


def group_channel_name(group_id: int) -> str:
    """The channel-layer group carrying one group's live content. The only place this is spelled."""
    return f"{GROUP_CHANNEL_PREFIX}{int(group_id)}"


def unsubscribed_event(group_id: int, reason: str) -> dict[str, Any]:
    """Sent to a tab that was made to leave a group's live channel.

    `reason`: "left" (the user is no longer a member) or "access_changed" (the group's
    visibility changed: subscribe again; the permission check decides).
    """
    return {"type": "group.unsubscribed", "group": int(group_id), "reason": reason}


def revoke_user_subscription_on_commit(*, user_id: int, group_id: int) -> None:
    """After the user left or was removed: every socket of theirs leaves the group's channel."""
    channel = group_channel_name(group_id)
    leave_group_on_commit(user_group(user_id), channel, unsubscribed_event(group_id, "left"))


def revoke_all_subscriptions_on_commit(*, group_id: int) -> None:
    """After the audience narrowed (e.g. open -> private): everyone leaves and must subscribe
    again through the permission check."""
    channel = group_channel_name(group_id)
    leave_group_on_commit(channel, channel, unsubscribed_event(group_id, "access_changed"))


def broadcast_to_group(group_id: int, event: dict[str, Any]) -> None:
    """Send `event` now to every socket subscribed to the group's live channel.

    Callers (the feed, chat...) send only what every subscriber may see: subscribers passed
    `can_view_group_content` and lose the subscription as soon as that stops being true.
    Call it from `transaction.on_commit`.
    """
    send_to_group(group_channel_name(group_id), event)
