"""group.subscribe / group.unsubscribe on the shared /ws/ socket, and losing the subscription
as soon as access ends."""

import pytest
from asgiref.sync import sync_to_async

from groups import consumers as group_consumers
from groups import services
from groups.events import broadcast_to_group, group_channel_name
from groups.models import Group
from tests import sockets as ws
from tests.factories import GroupFactory, UserFactory, add_member

pytestmark = pytest.mark.django_db(transaction=True)


async def _subscribe(socket, group_id, ref=None) -> dict:
    return await ws.answer(socket, {"type": "group.subscribe", "group": group_id, "ref": ref})


def test_group_channel_name_is_spelled_in_one_place():
    assert group_channel_name(42) == "group.42"
    assert group_channel_name("7") == "group.7"


async def test_member_subscribes_and_receives_the_groups_live_events():
    group = await sync_to_async(GroupFactory)(visibility=Group.Visibility.SECRET)
    member = (await sync_to_async(add_member)(group)).user
    socket = await ws.connect(member)
    assert await _subscribe(socket, group.pk, ref="a") == {
        "type": "group.subscribed",
        "group": group.pk,
        "ref": "a",
    }
    await sync_to_async(broadcast_to_group)(group.pk, {"type": "post.new", "group": group.pk})
    assert await ws.frames(socket, 1) == [{"type": "post.new", "group": group.pk}]
    await socket.disconnect()


async def test_secret_and_private_groups_answer_outsiders_exactly_like_a_missing_one():
    secret = await sync_to_async(GroupFactory)(visibility=Group.Visibility.SECRET)
    private = await sync_to_async(GroupFactory)(visibility=Group.Visibility.PRIVATE)
    outsider = await sync_to_async(UserFactory)()
    socket = await ws.connect(outsider)
    answers = [
        await _subscribe(socket, group_id, ref=1) for group_id in (secret.pk, private.pk, secret.pk + 999)
    ]
    assert answers[0] == answers[1] == answers[2]
    assert answers[0] == {"type": "error", "code": "not_found", "message": "No such group.", "ref": 1}
    await sync_to_async(broadcast_to_group)(secret.pk, {"type": "post.new"})
    assert await ws.nothing(socket)
    await socket.disconnect()


@pytest.mark.parametrize("value", ["1", None, True, -3, 1.5])
async def test_subscribe_with_a_bad_group_value_gets_an_error_and_the_socket_stays_open(value):
    user = await sync_to_async(UserFactory)()
    socket = await ws.connect(user)
    answer = await _subscribe(socket, value)
    assert (answer["type"], answer["code"]) == ("error", "bad_frame")
    assert ws.types(await ws.send(socket, {"type": "ping"})) == ["pong"]
    await socket.disconnect()


async def test_leaving_a_group_ends_the_live_subscription():
    group = await sync_to_async(GroupFactory)(visibility=Group.Visibility.PRIVATE)
    member = (await sync_to_async(add_member)(group)).user
    socket = await ws.connect(member)
    await _subscribe(socket, group.pk)
    await sync_to_async(services.membership_leave)(actor=member, group=group)
    unsubscribed, room_removed = await ws.frames(socket, 2)
    assert unsubscribed == {"type": "group.unsubscribed", "group": group.pk, "reason": "left"}
    assert room_removed["type"] == "conversation.removed"  # the chat room
    await sync_to_async(broadcast_to_group)(group.pk, {"type": "post.new"})
    assert await ws.nothing(socket)
    assert (await _subscribe(socket, group.pk))["code"] == "not_found"
    await socket.disconnect()


async def test_being_removed_ends_the_live_subscription():
    group = await sync_to_async(GroupFactory)(visibility=Group.Visibility.SECRET)
    owner = await sync_to_async(lambda: group.creator)()
    membership = await sync_to_async(add_member)(group)
    socket = await ws.connect(await sync_to_async(lambda: membership.user)())
    await _subscribe(socket, group.pk)
    await sync_to_async(services.membership_remove)(actor=owner, membership=membership)
    unsubscribed, room_removed = await ws.frames(socket, 2)
    assert unsubscribed["reason"] == "left"
    assert room_removed["type"] == "conversation.removed"  # the chat room
    await sync_to_async(broadcast_to_group)(group.pk, {"type": "post.new"})
    assert await ws.nothing(socket)
    await socket.disconnect()


async def test_making_an_open_group_private_makes_everyone_subscribe_again_through_the_gate():
    group = await sync_to_async(GroupFactory)()
    owner = await sync_to_async(lambda: group.creator)()
    member = (await sync_to_async(add_member)(group)).user
    outsider = await sync_to_async(UserFactory)()
    member_socket, outsider_socket = await ws.connect(member), await ws.connect(outsider)
    assert (await _subscribe(outsider_socket, group.pk))["type"] == "group.subscribed"
    assert (await _subscribe(member_socket, group.pk))["type"] == "group.subscribed"
    await sync_to_async(services.group_update)(actor=owner, group=group, visibility=Group.Visibility.PRIVATE)
    expected = {"type": "group.unsubscribed", "group": group.pk, "reason": "access_changed"}
    assert await ws.frames(outsider_socket, 1) == [expected]
    assert await ws.frames(member_socket, 1) == [expected]
    assert (await _subscribe(outsider_socket, group.pk))["code"] == "not_found"
    assert (await _subscribe(member_socket, group.pk))["type"] == "group.subscribed"
    await sync_to_async(broadcast_to_group)(group.pk, {"type": "post.new"})
    assert await ws.frames(member_socket, 1) == [{"type": "post.new"}]
    assert await ws.nothing(outsider_socket)
    for socket in (member_socket, outsider_socket):
        await socket.disconnect()


async def test_unsubscribe_frame_and_the_subscription_limit(monkeypatch):
    monkeypatch.setattr(group_consumers, "MAX_GROUP_SUBSCRIPTIONS", 1)
    first, second = await sync_to_async(GroupFactory)(), await sync_to_async(GroupFactory)()
    user = await sync_to_async(UserFactory)()
    socket = await ws.connect(user)
    assert (await _subscribe(socket, first.pk))["type"] == "group.subscribed"
    assert (await _subscribe(socket, second.pk))["code"] == "too_many_subscriptions"
    assert (await ws.answer(socket, {"type": "group.unsubscribe", "group": first.pk}))[
        "reason"
    ] == "requested"
    assert (await _subscribe(socket, second.pk))["type"] == "group.subscribed"
    await sync_to_async(broadcast_to_group)(first.pk, {"type": "post.new"})
    assert await ws.nothing(socket)
    await socket.disconnect()
