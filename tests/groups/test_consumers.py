"""group.subscribe / group.unsubscribe on the shared /ws/ socket, and losing the subscription
as soon as access ends."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from groups import consumers as group_consumers
from groups import services
from groups.events import broadcast_to_group, group_channel_name
from groups.models import Group
from socialco.asgi import application
from tests.factories import GroupFactory, UserFactory, add_member

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://localhost")


@sync_to_async
def _cookie(user) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(user)
    return (
        b"cookie",
        f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode(),
    )


async def _socket(user) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, "/ws/", headers=[ORIGIN, await _cookie(user)])
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    return communicator


async def _subscribe(communicator, group_id, ref=None) -> dict:
    await communicator.send_json_to({"type": "group.subscribe", "group": group_id, "ref": ref})
    return await communicator.receive_json_from(timeout=5)


def test_group_channel_name_is_spelled_in_one_place():
    assert group_channel_name(42) == "group.42"
    assert group_channel_name("7") == "group.7"


async def test_member_subscribes_and_receives_the_groups_live_events():
    group = await sync_to_async(GroupFactory)(visibility=Group.Visibility.SECRET)
    member = (await sync_to_async(add_member)(group)).user
    socket = await _socket(member)
    assert await _subscribe(socket, group.pk, ref="a") == {
        "type": "group.subscribed",
        "group": group.pk,
        "ref": "a",
    }
    await sync_to_async(broadcast_to_group)(group.pk, {"type": "post.new", "group": group.pk})
    assert await socket.receive_json_from(timeout=5) == {"type": "post.new", "group": group.pk}
    await socket.disconnect()


async def test_secret_and_private_groups_answer_outsiders_exactly_like_a_missing_one():
    secret = await sync_to_async(GroupFactory)(visibility=Group.Visibility.SECRET)
    private = await sync_to_async(GroupFactory)(visibility=Group.Visibility.PRIVATE)
    outsider = await sync_to_async(UserFactory)()
    socket = await _socket(outsider)
    answers = [
        await _subscribe(socket, group_id, ref=1) for group_id in (secret.pk, private.pk, secret.pk + 999)
    ]
    assert answers[0] == answers[1] == answers[2]
    assert answers[0] == {"type": "error", "code": "not_found", "message": "No such group.", "ref": 1}
    await sync_to_async(broadcast_to_group)(secret.pk, {"type": "post.new"})
    assert await socket.receive_nothing(timeout=0.2)
    await socket.disconnect()


@pytest.mark.parametrize("value", ["1", None, True, -3, 1.5])
async def test_subscribe_with_a_bad_group_value_gets_an_error_and_the_socket_stays_open(value):
    user = await sync_to_async(UserFactory)()
    socket = await _socket(user)
    answer = await _subscribe(socket, value)
    assert (answer["type"], answer["code"]) == ("error", "bad_frame")
    await socket.send_json_to({"type": "ping"})
    assert (await socket.receive_json_from(timeout=5))["type"] == "pong"
    await socket.disconnect()


async def test_leaving_a_group_ends_the_live_subscription():
    group = await sync_to_async(GroupFactory)(visibility=Group.Visibility.PRIVATE)
    member = (await sync_to_async(add_member)(group)).user
    socket = await _socket(member)
    await _subscribe(socket, group.pk)
    await sync_to_async(services.membership_leave)(actor=member, group=group)
    assert await socket.receive_json_from(timeout=5) == {
        "type": "group.unsubscribed",
        "group": group.pk,
        "reason": "left",
    }
    assert (await socket.receive_json_from(timeout=5))["type"] == "conversation.removed"  # the chat room
    await sync_to_async(broadcast_to_group)(group.pk, {"type": "post.new"})
    assert await socket.receive_nothing(timeout=0.2)
    assert (await _subscribe(socket, group.pk))["code"] == "not_found"
    await socket.disconnect()


async def test_being_removed_ends_the_live_subscription():
    group = await sync_to_async(GroupFactory)(visibility=Group.Visibility.SECRET)
    owner = await sync_to_async(lambda: group.creator)()
    membership = await sync_to_async(add_member)(group)
    socket = await _socket(await sync_to_async(lambda: membership.user)())
    await _subscribe(socket, group.pk)
    await sync_to_async(services.membership_remove)(actor=owner, membership=membership)
    assert (await socket.receive_json_from(timeout=5))["reason"] == "left"
    assert (await socket.receive_json_from(timeout=5))["type"] == "conversation.removed"  # the chat room
    await sync_to_async(broadcast_to_group)(group.pk, {"type": "post.new"})
    assert await socket.receive_nothing(timeout=0.2)
    await socket.disconnect()


async def test_making_an_open_group_private_makes_everyone_subscribe_again_through_the_gate():
    group = await sync_to_async(GroupFactory)()
    owner = await sync_to_async(lambda: group.creator)()
    member = (await sync_to_async(add_member)(group)).user
    outsider = await sync_to_async(UserFactory)()
    member_socket, outsider_socket = await _socket(member), await _socket(outsider)
    assert (await _subscribe(outsider_socket, group.pk))["type"] == "group.subscribed"
    assert (await _subscribe(member_socket, group.pk))["type"] == "group.subscribed"
    await sync_to_async(services.group_update)(actor=owner, group=group, visibility=Group.Visibility.PRIVATE)
    expected = {"type": "group.unsubscribed", "group": group.pk, "reason": "access_changed"}
    assert await outsider_socket.receive_json_from(timeout=5) == expected
    assert await member_socket.receive_json_from(timeout=5) == expected
    assert (await _subscribe(outsider_socket, group.pk))["code"] == "not_found"
    assert (await _subscribe(member_socket, group.pk))["type"] == "group.subscribed"
    await sync_to_async(broadcast_to_group)(group.pk, {"type": "post.new"})
    assert await member_socket.receive_json_from(timeout=5) == {"type": "post.new"}
    assert await outsider_socket.receive_nothing(timeout=0.2)
    for socket in (member_socket, outsider_socket):
        await socket.disconnect()


async def test_unsubscribe_frame_and_the_subscription_limit(monkeypatch):
    monkeypatch.setattr(group_consumers, "MAX_GROUP_SUBSCRIPTIONS", 1)
    first, second = await sync_to_async(GroupFactory)(), await sync_to_async(GroupFactory)()
    user = await sync_to_async(UserFactory)()
    socket = await _socket(user)
    assert (await _subscribe(socket, first.pk))["type"] == "group.subscribed"
    assert (await _subscribe(socket, second.pk))["code"] == "too_many_subscriptions"
    await socket.send_json_to({"type": "group.unsubscribe", "group": first.pk})
    assert (await socket.receive_json_from(timeout=5))["reason"] == "requested"
    assert (await _subscribe(socket, second.pk))["type"] == "group.subscribed"
    await sync_to_async(broadcast_to_group)(first.pk, {"type": "post.new"})
    assert await socket.receive_nothing(timeout=0.2)
    await socket.disconnect()
