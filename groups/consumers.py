"""The `group.subscribe` / `group.unsubscribe` frames on the shared socket (docs/realtime.md).

A socket joins a group's live channel only if the user may see the group's content right
now; a secret group they are not in, a private one they are not in and a missing one all get
the same `not_found` error frame.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from channels.db import database_sync_to_async

from groups.events import GROUP_CHANNEL_PREFIX, group_channel_name
from groups.models import Group
from groups.permissions import can_view_group_content
from socialco.realtime import FrameError, frame_handler

if TYPE_CHECKING:
    from socialco.consumers import RealtimeConsumer

# One tab rarely shows more than a few groups at once; this stops a socket fanning out.
MAX_GROUP_SUBSCRIPTIONS = 50


def _group_id(frame: dict[str, Any]) -> int:
    value = frame.get("group")
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise FrameError("bad_frame", 'Send {"type": "group.subscribe", "group": <group id>}.')
    return value


@database_sync_to_async
def _may_subscribe(user_id: int, group_id: int) -> bool:
    from profiles.models import User

    user = User.objects.filter(pk=user_id, is_active=True).first()  # fresh: may have been deactivated
    group = Group.objects.filter(pk=group_id).first()
    return user is not None and group is not None and can_view_group_content(user, group)


@frame_handler("group.subscribe", read_only=True)
async def group_subscribe(consumer: RealtimeConsumer, frame: dict[str, Any]) -> None:
    group_id = _group_id(frame)
    channel = group_channel_name(group_id)
    if not await _may_subscribe(consumer.user.pk, group_id):
        raise FrameError("not_found", "No such group.")
    if channel not in consumer.groups_joined:
        subscribed = sum(1 for name in consumer.groups_joined if name.startswith(GROUP_CHANNEL_PREFIX))
        if subscribed >= MAX_GROUP_SUBSCRIPTIONS:
            raise FrameError(
                "too_many_subscriptions", f"A socket may follow at most {MAX_GROUP_SUBSCRIPTIONS} groups."
            )
        await consumer.join(channel)
    await consumer.send_event({"type": "group.subscribed", "group": group_id, "ref": frame.get("ref")})


@frame_handler("group.unsubscribe", read_only=True)
async def group_unsubscribe(consumer: RealtimeConsumer, frame: dict[str, Any]) -> None:
    group_id = _group_id(frame)
    await consumer.leave(group_channel_name(group_id))
    await consumer.send_event(
        {"type": "group.unsubscribed", "group": group_id, "reason": "requested", "ref": frame.get("ref")}
    )
