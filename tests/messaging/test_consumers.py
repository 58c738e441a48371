"""Chat over the /ws/ socket, through the full ASGI application (origin check, session login)."""

import json
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django.utils import timezone

from groups.models import Membership
from messaging.models import Message, ReadState
from messaging.services import conversation_get_or_create_direct, room_for_group, room_member_left
from socialco.asgi import application
from socialco.realtime import MAX_FRAME_BYTES
from tests.factories import UserFactory, chat_message, direct_chat, group_chat, interest_group

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://localhost")
# Frames other features (presence, the nav badge) may interleave; tests that are not about
# them look past them.
BACKGROUND = {"presence", "nav.badge"}


@pytest.fixture(autouse=True)
def _no_offline_grace(settings):
    settings.CHAT_PRESENCE_OFFLINE_GRACE_SECONDS = 0


@sync_to_async
def _cookie(user) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(user)
    return (
        b"cookie",
        f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode(),
    )


async def _open(user, origin=ORIGIN) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, "/ws/", headers=[origin, await _cookie(user)])
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    return communicator


async def _frames(communicator, quiet: float = 0.3, *, everything: bool = False) -> list[dict]:
    """Every frame the socket receives until it has been quiet for `quiet` seconds."""
    frames = []
    while not await communicator.receive_nothing(timeout=quiet):
        frames.append(await communicator.receive_json_from(timeout=5))
    return frames if everything else [f for f in frames if f["type"] not in BACKGROUND]


async def _send(communicator, frame) -> list[dict]:
    await communicator.send_json_to(frame)
    return await _frames(communicator)


async def _answer(communicator, frame: dict | str, timeout: float = 30) -> list[dict]:
    """Send `frame`, wait (up to `timeout`, not a quiet period) for the first frame that is not
    background, then collect what follows until quiet: for replies whose cost grows with the
    data (a sync of 100 messages), which a loaded machine can take longer than `_frames`'
    quiet period to send."""
    if isinstance(frame, str):
        await communicator.send_to(text_data=frame)
    else:
        await communicator.send_json_to(frame)
    first = await communicator.receive_json_from(timeout=timeout)
    while first["type"] in BACKGROUND:
        first = await communicator.receive_json_from(timeout=timeout)
    return [first, *await _frames(communicator)]


def _types(frames):
    return [frame["type"] for frame in frames]


async def _close(*communicators):
    for communicator in communicators:
        await communicator.disconnect()


_users = sync_to_async(UserFactory.create_batch)
_count = sync_to_async(lambda **kw: Message.objects.filter(**kw).count())


async def test_message_reaches_every_member_and_their_tabs_and_nobody_else():
    ana, ben, eve = await _users(3)
    chat = await sync_to_async(direct_chat)(ana, ben)
    ana_tab = await _open(ana)
    ben_tab1, ben_tab2 = await _open(ben), await _open(ben)
    eve_tab = await _open(eve)
    await _frames(ana_tab)
    frames = await _send(
        ana_tab,
        {
            "type": "message.send",
            "conversation": chat.pk,
            "body": "Hi **Ben**",
            "client_id": "c-1",
            "ref": "c-1",
        },
    )
    assert _types(frames) == ["ack", "message.new"]
    ack, new = frames
    assert ack["client_id"] == "c-1"
    assert ack["ref"] == "c-1"
    assert ack["id"] == new["message"]["id"]
    assert new["message"]["body_html"] == "<p>Hi <strong>Ben</strong></p>"
    assert new["message"]["sender"]["id"] == ana.pk
    for tab in (ben_tab1, ben_tab2):
        assert [f["message"]["id"] for f in await _frames(tab)] == [ack["id"]]
    assert await eve_tab.receive_nothing(timeout=0.3)
    await _close(ana_tab, ben_tab1, ben_tab2, eve_tab)


async def test_resend_with_the_same_client_id_returns_the_original_ack_and_stores_once():
    ana, ben = await _users(2)
    chat = await sync_to_async(direct_chat)(ana, ben)
    ana_tab, ben_tab = await _open(ana), await _open(ben)
    frame = {"type": "message.send", "conversation": chat.pk, "body": "once", "client_id": "dup-1"}
    first = await _send(ana_tab, frame)
    second = await _send(ana_tab, {**frame, "body": "twice?"})
    assert _types(second) == ["ack"]
    assert second[0]["id"] == first[0]["id"]
    assert second[0]["message"]["body"] == "once"
    assert await _count() == 1
    assert _types(await _frames(ben_tab)) == ["message.new"]
    await _close(ana_tab, ben_tab)


async def test_sync_after_a_disconnect_returns_exactly_the_missed_messages_in_order():
    ana, ben = await _users(2)
    chat = await sync_to_async(direct_chat)(ana, ben)
    ben_tab = await _open(ben)
    seen = await sync_to_async(chat_message)(ana, chat, "seen")
    assert [f["message"]["id"] for f in await _frames(ben_tab)] == [seen.pk]
    await ben_tab.disconnect()
    missed = [await sync_to_async(chat_message)(ana, chat, f"missed {n}") for n in range(3)]
    ben_tab = await _open(ben)
    frames = await _answer(ben_tab, {"type": "sync", "conversations": {str(chat.pk): seen.pk}, "ref": 9})
    assert _types(frames) == ["synced"]
    synced = frames[0]
    assert synced["ref"] == 9
    assert synced["not_found"] == []
    entry = synced["conversations"][str(chat.pk)]
    assert [m["id"] for m in entry["messages"]] == [m.pk for m in missed]
    assert [m["body"] for m in entry["messages"]] == ["missed 0", "missed 1", "missed 2"]
    assert entry["has_more"] is False
    # Nothing new since: an empty answer, no duplicates.
    again = await _answer(ben_tab, {"type": "sync", "conversations": {str(chat.pk): missed[-1].pk}})
    assert again[0]["conversations"][str(chat.pk)]["messages"] == []
    await _close(ben_tab)


async def test_sync_reports_more_when_too_much_was_missed():
    ana, ben = await _users(2)
    chat = await sync_to_async(direct_chat)(ana, ben)
    for n in range(101):
        await sync_to_async(chat_message)(ana, chat, f"m{n}")
    ben_tab = await _open(ben)
    frames = await _answer(ben_tab, {"type": "sync", "conversations": {str(chat.pk): 0}})
    assert _types(frames) == ["synced"]
    entry = frames[0]["conversations"][str(chat.pk)]
    assert len(entry["messages"]) == 100
    assert entry["has_more"] is True
    await _close(ben_tab)


async def test_typing_reaches_the_others_is_limited_and_never_stored():
    ana, ben = await _users(2)
    chat = await sync_to_async(direct_chat)(ana, ben)
    ana_tab, ben_tab = await _open(ana), await _open(ben)
    assert await _send(ana_tab, {"type": "typing", "conversation": chat.pk}) == []
    assert await _send(ana_tab, {"type": "typing", "conversation": chat.pk}) == []
    frames = await _frames(ben_tab)
    assert frames == [
        {"type": "typing", "conversation": chat.pk, "user": {"id": ana.pk, "name": ana.display_name}}
    ]
    assert await _count() == 0
    await _close(ana_tab, ben_tab)


async def test_read_updates_own_tabs_badge_and_sends_a_receipt_in_direct_chats():
    ana, ben = await _users(2)
    chat = await sync_to_async(direct_chat)(ana, ben)
    first = await sync_to_async(chat_message)(ana, chat, "one")
    last = await sync_to_async(chat_message)(ana, chat, "two")
    ben_tab1 = await _open(ben)
    assert await _frames(ben_tab1, everything=True) == [{"type": "nav.badge", "url": "/chat/", "count": 2}]
    ben_tab2, ana_tab = await _open(ben), await _open(ana)
    await _frames(ben_tab2)
    await _frames(ana_tab)
    await ben_tab1.send_json_to({"type": "read", "conversation": chat.pk, "up_to": first.pk})
    for tab in (ben_tab1, ben_tab2):
        frames = await _frames(tab, everything=True)
        assert [f for f in frames if f["type"] != "presence"] == [
            {"type": "read", "conversation": chat.pk, "user": ben.pk, "up_to": first.pk, "unread": 1},
            {"type": "nav.badge", "url": "/chat/", "count": 1},
        ]
    assert await _frames(ana_tab) == [
        {"type": "read", "conversation": chat.pk, "user": ben.pk, "up_to": first.pk}
    ]
    stored = await sync_to_async(ReadState.objects.get)(user=ben, conversation=chat)
    assert stored.last_read_message_id == first.pk
    # A new message from Ana bumps Ben's badge on every tab.
    await sync_to_async(chat_message)(ana, chat, "three")
    frames = await _frames(ben_tab2, everything=True)
    assert {"type": "nav.badge", "url": "/chat/", "count": 2} in frames
    assert last.pk
    await _close(ben_tab1, ben_tab2, ana_tab)


async def test_read_receipts_follow_the_site_policy_on_open_sockets(set_site_policy):
    await sync_to_async(set_site_policy)(chat_read_receipts=False)
    ana, ben = await _users(2)
    chat = await sync_to_async(direct_chat)(ana, ben)
    message = await sync_to_async(chat_message)(ana, chat, "one")
    ana_tab, ben_tab = await _open(ana), await _open(ben)
    await _frames(ana_tab)
    await _send(ben_tab, {"type": "read", "conversation": chat.pk, "up_to": message.pk})
    assert await _frames(ana_tab) == []
    # The admin turns receipts on: the same open sockets see "seen" from the next read.
    await sync_to_async(set_site_policy)(chat_read_receipts=True)
    second = await sync_to_async(chat_message)(ana, chat, "two")
    await _frames(ana_tab)
    await _frames(ben_tab)
    await _send(ben_tab, {"type": "read", "conversation": chat.pk, "up_to": second.pk})
    assert await _frames(ana_tab) == [
        {"type": "read", "conversation": chat.pk, "user": ben.pk, "up_to": second.pk}
    ]
    await _close(ana_tab, ben_tab)


async def test_edit_and_delete_reach_everyone_within_the_window_only():
    ana, ben = await _users(2)
    chat = await sync_to_async(direct_chat)(ana, ben)
    message = await sync_to_async(chat_message)(ana, chat, "draft")
    ana_tab, ben_tab = await _open(ana), await _open(ben)
    frames = await _send(ana_tab, {"type": "message.edit", "id": message.pk, "body": "final", "ref": "e1"})
    assert _types(frames) == ["ack", "message.updated"]
    updated = (await _frames(ben_tab))[0]
    assert updated["type"] == "message.updated"
    assert updated["message"]["body"] == "final"
    assert updated["message"]["edited_at"]
    refused = await _send(ben_tab, {"type": "message.edit", "id": message.pk, "body": "mine now"})
    assert refused == [
        {"type": "error", "code": "forbidden", "message": "You can only edit your own messages.", "ref": None}
    ]
    await sync_to_async(Message.objects.filter(pk=message.pk).update)(
        created_at=timezone.now() - timedelta(minutes=20)
    )
    late = await _send(ana_tab, {"type": "message.edit", "id": message.pk, "body": "later", "ref": "e2"})
    assert late[0]["code"] == "edit_window_closed"
    assert late[0]["ref"] == "e2"
    deleted = await _send(ana_tab, {"type": "message.delete", "id": message.pk})
    assert _types(deleted) == ["ack", "message.deleted"]
    tombstone = (await _frames(ben_tab))[0]["message"]
    assert tombstone["deleted"] is True
    assert tombstone["body"] == ""
    assert tombstone["body_html"] == ""
    await _close(ana_tab, ben_tab)


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        (
            {"type": "message.send", "conversation": "{chat}", "body": "x" * 4001, "client_id": "a"},
            "body_too_long",
        ),
        ({"type": "message.send", "conversation": "{chat}", "body": "  ", "client_id": "a"}, "body_empty"),
        ({"type": "message.send", "conversation": "{chat}", "body": 5, "client_id": "a"}, "invalid"),
        ({"type": "message.send", "conversation": "{chat}", "body": "hi"}, "bad_client_id"),
        (
            {"type": "message.send", "conversation": "{chat}", "body": "hi", "client_id": "bad id"},
            "bad_client_id",
        ),
        ({"type": "message.send", "conversation": "3", "body": "hi", "client_id": "a"}, "invalid"),
        ({"type": "message.send", "conversation": True, "body": "hi", "client_id": "a"}, "invalid"),
        ({"type": "message.send", "body": "hi", "client_id": "a"}, "invalid"),
        ({"type": "message.edit", "id": "x", "body": "hi"}, "invalid"),
        ({"type": "typing"}, "invalid"),
        ({"type": "read", "conversation": "{chat}", "up_to": "last"}, "invalid"),
        ({"type": "sync", "conversations": [1, 2]}, "invalid"),
        ({"type": "sync", "conversations": {"abc": 1}}, "invalid"),
        ({"type": "sync", "conversations": {str(n): 0 for n in range(1, 102)}}, "invalid"),
        ({"type": "presence", "state": "busy"}, "invalid"),
        ({"type": "chat.explode"}, "unknown_type"),
    ],
)
async def test_bad_frames_get_an_error_store_nothing_and_keep_the_socket_open(frame, code):
    ana, ben = await _users(2)
    chat = await sync_to_async(direct_chat)(ana, ben)
    frame = {key: chat.pk if value == "{chat}" else value for key, value in frame.items()}
    tab = await _open(ana)
    frames = await _answer(tab, {**frame, "ref": "r"})
    assert len(frames) == 1
    assert frames[0]["type"] == "error"
    assert frames[0]["code"] == code
    assert frames[0]["message"]
    assert frames[0]["ref"] == "r"
    assert await _count() == 0
    assert _types(await _answer(tab, {"type": "ping"})) == ["pong"]
    await _close(tab)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{not json", "bad_json"),
        ('"just a string"', "bad_frame"),
        (
            json.dumps(
                {"type": "message.send", "conversation": 1, "body": "x" * MAX_FRAME_BYTES, "client_id": "a"}
            ),
            "frame_too_large",
        ),
    ],
)
async def test_malformed_and_oversized_frames_are_refused_and_the_socket_stays_open(raw, code):
    ana, ben = await _users(2)
    await sync_to_async(direct_chat)(ana, ben)
    tab = await _open(ana)
    frames = await _answer(tab, raw)
    assert [(f["type"], f["code"]) for f in frames] == [("error", code)]
    assert await _count() == 0
    assert _types(await _answer(tab, {"type": "ping"})) == ["pong"]
    await _close(tab)


async def test_more_than_twenty_messages_in_ten_seconds_is_refused(rate_limit_clock):
    ana, ben = await _users(2)
    chat = await sync_to_async(direct_chat)(ana, ben)
    tab = await _open(ana)
    for n in range(20):
        frames = await _send(
            tab, {"type": "message.send", "conversation": chat.pk, "body": f"m{n}", "client_id": f"m{n}"}
        )
        assert _types(frames) == ["ack", "message.new"]
    frames = await _send(
        tab,
        {"type": "message.send", "conversation": chat.pk, "body": "spam", "client_id": "m20", "ref": "m20"},
    )
    assert [(f["type"], f["code"], f["ref"]) for f in frames] == [("error", "rate_limited", "m20")]
    assert await _count() == 20
    assert _types(await _answer(tab, {"type": "ping"})) == ["pong"]
    await _close(tab)


async def test_a_conversation_you_are_not_in_answers_exactly_like_a_missing_one():
    ana, ben, eve = await _users(3)
    chat = await sync_to_async(direct_chat)(ana, ben)
    message = await sync_to_async(chat_message)(ana, chat, "private")
    missing = chat.pk + 1000
    missing_message = message.pk + 1000
    tab = await _open(eve)

    async def probe(conversation_id, message_id):
        answers = []
        for frame in (
            {"type": "message.send", "conversation": conversation_id, "body": "hi", "client_id": "probe"},
            {"type": "typing", "conversation": conversation_id},
            {"type": "read", "conversation": conversation_id, "up_to": 1},
            {"type": "message.edit", "id": message_id, "body": "x"},
            {"type": "message.delete", "id": message_id},
            {"type": "sync", "conversations": {str(conversation_id): 0}},
        ):
            answers.append(await _send(tab, {**frame, "ref": "p"}))
        return answers

    foreign = await probe(chat.pk, message.pk)
    absent = await probe(missing, missing_message)
    normalised = [
        [{**f, "not_found": ["x"]} if f["type"] == "synced" else f for f in answer] for answer in foreign
    ]
    assert normalised == [
        [{**f, "not_found": ["x"]} if f["type"] == "synced" else f for f in answer] for answer in absent
    ]
    assert foreign[0] == [
        {"type": "error", "code": "not_found", "message": "No such conversation.", "ref": "p"}
    ]
    assert foreign[5][0]["conversations"] == {}
    assert foreign[5][0]["not_found"] == [chat.pk]
    assert await _count(sender=eve) == 0
    await _close(tab)


async def test_leaving_a_group_stops_room_delivery_at_once_even_before_the_socket_is_told():
    owner, member = await _users(2)
    group = await sync_to_async(interest_group)(owner, member)
    room = await sync_to_async(room_for_group)(group=group)
    owner_tab, member_tab = await _open(owner), await _open(member)
    await sync_to_async(chat_message)(owner, room, "welcome")
    assert _types(await _frames(member_tab)) == ["message.new"]
    await _frames(owner_tab)
    # Removed by whatever means (admin, the groups app): the delivery check sees it at once.
    await sync_to_async(Membership.objects.filter(group=group, user=member).delete)()
    await sync_to_async(chat_message)(owner, room, "members only now")
    assert await _frames(member_tab) == []
    assert _types(await _frames(owner_tab)) == ["message.new"]
    # The socket left the room's channel group: it is not even asked any more.
    await _send(owner_tab, {"type": "typing", "conversation": room.pk})
    assert await member_tab.receive_nothing(timeout=0.3)
    refused = await _send(
        member_tab, {"type": "message.send", "conversation": room.pk, "body": "hi", "client_id": "z"}
    )
    assert refused[0]["code"] == "not_found"
    await _close(owner_tab, member_tab)


async def test_room_member_left_tells_the_sockets_to_drop_the_room():
    owner, member = await _users(2)
    group = await sync_to_async(interest_group)(owner, member)
    room = await sync_to_async(room_for_group)(group=group)
    member_tab = await _open(member)

    @sync_to_async
    def remove():
        Membership.objects.filter(group=group, user=member).delete()
        room_member_left(group_id=group.pk, user_id=member.pk)

    await remove()
    assert await _frames(member_tab) == [{"type": "conversation.removed", "conversation": room.pk}]
    await sync_to_async(chat_message)(owner, room, "after")
    assert await _frames(member_tab) == []
    await _close(member_tab)


async def test_a_new_conversation_is_joined_live_and_delivers():
    ana, ben, cid = await _users(3)
    ben_tab, cid_tab = await _open(ben), await _open(cid)
    chat, _created = await sync_to_async(conversation_get_or_create_direct)(user=ana, other_user_id=ben.pk)
    assert await _frames(ben_tab) == [{"type": "conversation.new", "conversation": chat.pk}]
    await sync_to_async(chat_message)(ana, chat, "hello new friend")
    assert _types(await _frames(ben_tab)) == ["message.new"]
    team = await sync_to_async(group_chat)(ana, cid)
    assert await _frames(cid_tab) == [{"type": "conversation.new", "conversation": team.pk}]
    assert await _frames(ben_tab) == []
    await _close(ben_tab, cid_tab)


async def test_presence_goes_to_direct_chat_partners():
    ana, ben, eve = await _users(3)
    await sync_to_async(direct_chat)(ana, ben)
    ana_tab, eve_tab = await _open(ana), await _open(eve)
    await _frames(ana_tab, everything=True)
    ben_tab = await _open(ben)
    assert await _frames(ana_tab, everything=True) == [
        {"type": "presence", "user": ben.pk, "state": "online"}
    ]
    await _send(ben_tab, {"type": "presence", "state": "away"})
    assert await _frames(ana_tab, everything=True) == [{"type": "presence", "user": ben.pk, "state": "away"}]
    await ben_tab.disconnect()
    assert await _frames(ana_tab, everything=True) == [
        {"type": "presence", "user": ben.pk, "state": "offline"}
    ]
    assert await _frames(eve_tab, everything=True) == []
    await _close(ana_tab, eve_tab)


async def test_foreign_origin_is_refused():
    ana = (await _users(1))[0]
    communicator = WebsocketCommunicator(
        application, "/ws/", headers=[(b"origin", b"http://evil.example.net"), await _cookie(ana)]
    )
    connected, _ = await communicator.connect(timeout=5)
    assert not connected


async def test_deactivated_person_stops_receiving_at_once():
    ana, ben = await _users(2)
    chat = await sync_to_async(group_chat)(ana, ben)
    ben_tab = await _open(ben)
    ben.is_active = False
    await sync_to_async(ben.save)()
    await sync_to_async(chat_message)(ana, chat, "are you there?")
    assert await _frames(ben_tab) == []
    await _close(ben_tab)


async def test_adding_people_tells_the_new_member_and_the_others():
    ana, ben, cid = await _users(3)
    team = await sync_to_async(group_chat)(ana, ben)
    ben_tab, cid_tab = await _open(ben), await _open(cid)
    from messaging.services import conversation_add_members

    await sync_to_async(conversation_add_members)(actor=ana, conversation_id=team.pk, user_ids=[cid.pk])
    assert await _frames(cid_tab) == [{"type": "conversation.new", "conversation": team.pk}]
    assert await _frames(ben_tab) == [{"type": "conversation.updated", "conversation": team.pk}]
    await sync_to_async(chat_message)(ana, team, "welcome cid")
    assert _types(await _frames(cid_tab)) == ["message.new"]
    await _close(ben_tab, cid_tab)


async def test_the_senders_other_tab_sees_the_message_once():
    ana, ben = await _users(2)
    chat = await sync_to_async(direct_chat)(ana, ben)
    tab1, tab2 = await _open(ana), await _open(ana)
    await _send(
        tab1, {"type": "message.send", "conversation": chat.pk, "body": "from tab 1", "client_id": "t1"}
    )
    await _send(tab1, {"type": "message.send", "conversation": chat.pk, "body": "again", "client_id": "t1"})
    frames = await _frames(tab2)
    assert [(f["type"], f["message"]["client_id"]) for f in frames] == [("message.new", "t1")]
    await _close(tab1, tab2)


# Rooms follow group membership through the groups services (messaging/receivers.py) ----------
async def test_group_services_keep_the_room_live_from_creation_to_removal():
    from groups.services import group_create, group_join, membership_remove

    owner, member = await _users(2)
    member_tab = await _open(member)
    group = await sync_to_async(group_create)(actor=owner, name="Live Room", visibility="open")
    room = await sync_to_async(room_for_group)(group=group)  # created with the group
    assert await _frames(member_tab) == []  # not a member yet
    membership = await sync_to_async(group_join)(actor=member, group=group)
    # Joining subscribes the open socket at once: no reconnect needed.
    assert await _frames(member_tab) == [{"type": "conversation.new", "conversation": room.pk}]
    await sync_to_async(chat_message)(owner, room, "welcome")
    assert _types(await _frames(member_tab)) == ["message.new"]

    await sync_to_async(membership_remove)(actor=owner, membership=membership)
    assert await _frames(member_tab) == [{"type": "conversation.removed", "conversation": room.pk}]
    await sync_to_async(chat_message)(owner, room, "members only now")
    assert await _frames(member_tab) == []
    refused = await _send(
        member_tab, {"type": "message.send", "conversation": room.pk, "body": "hi", "client_id": "gone-1"}
    )
    assert refused[0]["code"] == "not_found"
    await _close(member_tab)


async def test_removal_through_the_groups_service_stops_delivery_before_the_socket_leaves(monkeypatch):
    """The delivery-time check alone keeps a removed member out, even if the room's sockets were
    never told (the unsubscribe after commit is switched off here)."""
    from groups.services import membership_remove
    from messaging import receivers

    owner, member = await _users(2)
    group = await sync_to_async(interest_group)(owner, member)
    room = await sync_to_async(room_for_group)(group=group)
    member_tab = await _open(member)
    membership = await sync_to_async(Membership.objects.get)(group=group, user=member)
    monkeypatch.setattr(receivers, "room_member_left", lambda **kwargs: None)
    await sync_to_async(membership_remove)(actor=owner, membership=membership)
    await sync_to_async(chat_message)(owner, room, "after the removal")
    assert await _frames(member_tab, everything=True) == []
    await _close(member_tab)


async def test_a_room_created_for_an_existing_group_goes_live_for_its_members_at_once():
    owner, member = await _users(2)
    group = await sync_to_async(interest_group)(owner, member)  # a group from before rooms
    member_tab = await _open(member)
    room = await sync_to_async(room_for_group)(group=group)
    assert await _frames(member_tab) == [{"type": "conversation.new", "conversation": room.pk}]
    await sync_to_async(chat_message)(owner, room, "first words")
    assert _types(await _frames(member_tab)) == ["message.new"]
    await _close(member_tab)


async def test_socket_edit_follows_the_edit_window_the_admin_sets(set_site_policy):
    ana, ben = await _users(2)
    chat = await sync_to_async(direct_chat)(ana, ben)
    message = await sync_to_async(chat_message)(ana, chat, "typo")
    tab = await _open(ana)
    await sync_to_async(set_site_policy)(chat_edit_window_minutes=0)
    frames = await _send(tab, {"type": "message.edit", "id": message.pk, "body": "fixed", "ref": "e1"})
    assert [(f["type"], f["code"]) for f in frames] == [("error", "edit_window_closed")]
    await sync_to_async(set_site_policy)(chat_edit_window_minutes=15)
    frames = await _send(tab, {"type": "message.edit", "id": message.pk, "body": "fixed", "ref": "e2"})
    assert _types(frames) == ["ack", "message.updated"]
    await _close(tab)


async def test_socket_rate_limit_follows_the_site_policy(set_site_policy, rate_limit_clock):
    ana, ben = await _users(2)
    chat = await sync_to_async(direct_chat)(ana, ben)
    tab = await _open(ana)
    await sync_to_async(set_site_policy)(rate_limit_chat_messages="2/m")
    for n in range(2):
        frame = {"type": "message.send", "conversation": chat.pk, "body": f"m{n}", "client_id": f"q{n}"}
        assert _types(await _send(tab, frame)) == ["ack", "message.new"]
    frame = {"type": "message.send", "conversation": chat.pk, "body": "m2", "client_id": "q2"}
    assert [(f["type"], f["code"]) for f in await _send(tab, frame)] == [("error", "rate_limited")]
    await sync_to_async(set_site_policy)(rate_limit_chat_messages="")
    assert _types(await _send(tab, frame)) == ["ack", "message.new"]
    assert await _count() == 3
    await _close(tab)
