"""Chat over the /ws/ socket, through the full ASGI application (origin check, session login)."""

import json
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from groups.models import Membership
from messaging.models import Message, ReadState
from messaging.services import conversation_get_or_create_direct, room_for_group, room_member_left
from socialco.realtime import MAX_FRAME_BYTES
from tests import sockets as ws
from tests.factories import UserFactory, chat_message, direct_chat, group_chat, interest_group

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _no_offline_grace(settings):
    settings.CHAT_PRESENCE_OFFLINE_GRACE_SECONDS = 0


_users = sync_to_async(UserFactory.create_batch)
_count = sync_to_async(lambda **kw: Message.objects.filter(**kw).count())


async def test_message_reaches_every_member_and_their_tabs_and_nobody_else():
    ana, ben, eve = await _users(3)
    chat = await sync_to_async(direct_chat)(ana, ben)
    ana_tab = await ws.connect(ana)
    ben_tab1, ben_tab2 = await ws.connect(ben), await ws.connect(ben)
    eve_tab = await ws.connect(eve)
    await ws.frames(ana_tab)
    frames = await ws.send(
        ana_tab,
        {
            "type": "message.send",
            "conversation": chat.pk,
            "body": "Hi **Ben**",
            "client_id": "c-1",
            "ref": "c-1",
        },
        2,
    )
    assert ws.types(frames) == ["ack", "message.new"]
    ack, new = frames
    assert ack["client_id"] == "c-1"
    assert ack["ref"] == "c-1"
    assert ack["id"] == new["message"]["id"]
    assert new["message"]["body_html"] == "<p>Hi <strong>Ben</strong></p>"
    assert new["message"]["sender"]["id"] == ana.pk
    for tab in (ben_tab1, ben_tab2):
        assert [f["message"]["id"] for f in await ws.frames(tab, 1)] == [ack["id"]]
    assert await ws.nothing(eve_tab)
    await ws.close(ana_tab, ben_tab1, ben_tab2, eve_tab)


async def test_resend_with_the_same_client_id_returns_the_original_ack_and_stores_once():
    ana, ben = await _users(2)
    chat = await sync_to_async(direct_chat)(ana, ben)
    ana_tab, ben_tab = await ws.connect(ana), await ws.connect(ben)
    frame = {"type": "message.send", "conversation": chat.pk, "body": "once", "client_id": "dup-1"}
    first = await ws.send(ana_tab, frame, 2)
    second = await ws.send(ana_tab, {**frame, "body": "twice?"})
    assert ws.types(second) == ["ack"]
    assert second[0]["id"] == first[0]["id"]
    assert second[0]["message"]["body"] == "once"
    assert await _count() == 1
    assert ws.types(await ws.frames(ben_tab, 1)) == ["message.new"]
    await ws.close(ana_tab, ben_tab)


async def test_sync_after_a_disconnect_returns_exactly_the_missed_messages_in_order():
    ana, ben = await _users(2)
    chat = await sync_to_async(direct_chat)(ana, ben)
    ben_tab = await ws.connect(ben)
    seen = await sync_to_async(chat_message)(ana, chat, "seen")
    assert [f["message"]["id"] for f in await ws.frames(ben_tab, 1)] == [seen.pk]
    await ben_tab.disconnect()
    missed = [await sync_to_async(chat_message)(ana, chat, f"missed {n}") for n in range(3)]
    ben_tab = await ws.connect(ben)
    frames = await ws.send(ben_tab, {"type": "sync", "conversations": {str(chat.pk): seen.pk}, "ref": 9})
    assert ws.types(frames) == ["synced"]
    synced = frames[0]
    assert synced["ref"] == 9
    assert synced["not_found"] == []
    entry = synced["conversations"][str(chat.pk)]
    assert [m["id"] for m in entry["messages"]] == [m.pk for m in missed]
    assert [m["body"] for m in entry["messages"]] == ["missed 0", "missed 1", "missed 2"]
    assert entry["has_more"] is False
    # Nothing new since: an empty answer, no duplicates.
    again = await ws.send(ben_tab, {"type": "sync", "conversations": {str(chat.pk): missed[-1].pk}})
    assert again[0]["conversations"][str(chat.pk)]["messages"] == []
    await ws.close(ben_tab)


async def test_sync_reports_more_when_too_much_was_missed():
    ana, ben = await _users(2)
    chat = await sync_to_async(direct_chat)(ana, ben)
    for n in range(101):
        await sync_to_async(chat_message)(ana, chat, f"m{n}")
    ben_tab = await ws.connect(ben)
    frames = await ws.send(ben_tab, {"type": "sync", "conversations": {str(chat.pk): 0}})
    assert ws.types(frames) == ["synced"]
    entry = frames[0]["conversations"][str(chat.pk)]
    assert len(entry["messages"]) == 100
    assert entry["has_more"] is True
    await ws.close(ben_tab)


async def test_typing_reaches_the_others_is_limited_and_never_stored():
    ana, ben = await _users(2)
    chat = await sync_to_async(direct_chat)(ana, ben)
    ana_tab, ben_tab = await ws.connect(ana), await ws.connect(ben)
    assert await ws.send(ana_tab, {"type": "typing", "conversation": chat.pk}, 0) == []
    assert await ws.send(ana_tab, {"type": "typing", "conversation": chat.pk}, 0) == []
    frames = await ws.frames(ben_tab, 1)
    assert frames == [
        {"type": "typing", "conversation": chat.pk, "user": {"id": ana.pk, "name": ana.display_name}}
    ]
    assert await _count() == 0
    await ws.close(ana_tab, ben_tab)


async def test_read_updates_own_tabs_badge_and_sends_a_receipt_in_direct_chats():
    ana, ben = await _users(2)
    chat = await sync_to_async(direct_chat)(ana, ben)
    first = await sync_to_async(chat_message)(ana, chat, "one")
    last = await sync_to_async(chat_message)(ana, chat, "two")
    ben_tab1 = await ws.connect(ben)
    assert await ws.frames(ben_tab1, 1, background=()) == [{"type": "nav.badge", "url": "/chat/", "count": 2}]
    ben_tab2, ana_tab = await ws.connect(ben), await ws.connect(ana)
    await ws.frames(ben_tab2, ws.including({"type": "nav.badge", "url": "/chat/", "count": 2}), background=())
    await ws.frames(ana_tab)
    await ben_tab1.send_json_to({"type": "read", "conversation": chat.pk, "up_to": first.pk})
    for tab in (ben_tab1, ben_tab2):
        frames = await ws.frames(tab, 2, background={"presence"})
        assert [f for f in frames if f["type"] != "presence"] == [
            {"type": "read", "conversation": chat.pk, "user": ben.pk, "up_to": first.pk, "unread": 1},
            {"type": "nav.badge", "url": "/chat/", "count": 1},
        ]
    assert await ws.frames(ana_tab, 1) == [
        {"type": "read", "conversation": chat.pk, "user": ben.pk, "up_to": first.pk}
    ]
    stored = await sync_to_async(ReadState.objects.get)(user=ben, conversation=chat)
    assert stored.last_read_message_id == first.pk
    # A new message from Ana bumps Ben's badge on every tab, carried in the message's own frame.
    await sync_to_async(chat_message)(ana, chat, "three")
    for tab in (ben_tab1, ben_tab2):
        frames = await ws.frames(tab, 1, background={"presence"})
        assert [(f["type"], f.get("nav_badge")) for f in frames] == [
            ("message.new", {"url": "/chat/", "count": 2})
        ]
    assert last.pk
    await ws.close(ben_tab1, ben_tab2, ana_tab)


async def test_message_new_carries_the_badge_one_frame_per_member_and_not_for_the_sender():
    ana, ben = await _users(2)
    chat = await sync_to_async(direct_chat)(ana, ben)
    ana_tab, ben_tab = await ws.connect(ana, drain=True), await ws.connect(ben, drain=True)
    for count, client_id in ((1, "b1"), (2, "b2")):
        frame = {"type": "message.send", "conversation": chat.pk, "body": "hi", "client_id": client_id}
        sent = await ws.send(ana_tab, frame, 2)
        assert ws.types(sent) == ["ack", "message.new"]
        assert "nav_badge" not in sent[1]  # the sender's own badge does not move
        frames = await ws.frames(ben_tab, 1, background={"presence"})
        assert ws.types(frames) == ["message.new"]  # no separate nav.badge frame
        assert frames[0]["nav_badge"] == {"url": "/chat/", "count": count}
        assert frames[0]["message"]["client_id"] == client_id
    # Reading brings it back down (the nav.badge frame of a read, as before).
    await ben_tab.send_json_to({"type": "read", "conversation": chat.pk, "up_to": frames[0]["message"]["id"]})
    frames = await ws.frames(
        ben_tab, ws.including({"type": "nav.badge", "url": "/chat/", "count": 0}), background={"presence"}
    )
    assert frames[-1] == {"type": "nav.badge", "url": "/chat/", "count": 0}
    await ws.close(ana_tab, ben_tab)


async def test_read_receipts_follow_the_site_policy_on_open_sockets(set_site_policy):
    await sync_to_async(set_site_policy)(chat_read_receipts=False)
    ana, ben = await _users(2)
    chat = await sync_to_async(direct_chat)(ana, ben)
    message = await sync_to_async(chat_message)(ana, chat, "one")
    ana_tab, ben_tab = await ws.connect(ana), await ws.connect(ben)
    await ws.frames(ana_tab)
    await ws.send(ben_tab, {"type": "read", "conversation": chat.pk, "up_to": message.pk})
    assert await ws.frames(ana_tab) == []
    # The admin turns receipts on: the same open sockets see "seen" from the next read.
    await sync_to_async(set_site_policy)(chat_read_receipts=True)
    second = await sync_to_async(chat_message)(ana, chat, "two")
    await ws.frames(ana_tab, 1)
    await ws.frames(ben_tab, 1)
    await ws.send(ben_tab, {"type": "read", "conversation": chat.pk, "up_to": second.pk})
    assert await ws.frames(ana_tab, 1) == [
        {"type": "read", "conversation": chat.pk, "user": ben.pk, "up_to": second.pk}
    ]
    await ws.close(ana_tab, ben_tab)


async def test_edit_and_delete_reach_everyone_within_the_window_only():
    ana, ben = await _users(2)
    chat = await sync_to_async(direct_chat)(ana, ben)
    message = await sync_to_async(chat_message)(ana, chat, "draft")
    ana_tab, ben_tab = await ws.connect(ana), await ws.connect(ben)
    frames = await ws.send(
        ana_tab, {"type": "message.edit", "id": message.pk, "body": "final", "ref": "e1"}, 2
    )
    assert ws.types(frames) == ["ack", "message.updated"]
    updated = (await ws.frames(ben_tab, 1))[0]
    assert updated["type"] == "message.updated"
    assert updated["message"]["body"] == "final"
    assert updated["message"]["edited_at"]
    refused = await ws.send(ben_tab, {"type": "message.edit", "id": message.pk, "body": "mine now"})
    assert refused == [
        {"type": "error", "code": "forbidden", "message": "You can only edit your own messages.", "ref": None}
    ]
    await sync_to_async(Message.objects.filter(pk=message.pk).update)(
        created_at=timezone.now() - timedelta(minutes=20)
    )
    late = await ws.send(ana_tab, {"type": "message.edit", "id": message.pk, "body": "later", "ref": "e2"})
    assert late[0]["code"] == "edit_window_closed"
    assert late[0]["ref"] == "e2"
    deleted = await ws.send(ana_tab, {"type": "message.delete", "id": message.pk}, 2)
    assert ws.types(deleted) == ["ack", "message.deleted"]
    tombstone = (await ws.frames(ben_tab, 1))[0]["message"]
    assert tombstone["deleted"] is True
    assert tombstone["body"] == ""
    assert tombstone["body_html"] == ""
    await ws.close(ana_tab, ben_tab)


async def test_a_deleted_unread_message_leaves_the_badge_of_every_tab():
    ana, ben = await _users(2)
    chat = await sync_to_async(direct_chat)(ana, ben)
    ana_tab = await ws.connect(ana, drain=True)
    ben_tabs = [await ws.connect(ben, drain=True), await ws.connect(ben, drain=True)]
    frame = {"type": "message.send", "conversation": chat.pk, "body": "oops", "client_id": "d1"}
    [_ack, sent] = await ws.send(ana_tab, frame, 2)
    for tab in ben_tabs:
        [new] = await ws.frames(tab, 1, background={"presence"})
        assert new["nav_badge"] == {"url": "/chat/", "count": 1}
    await ws.send(ana_tab, {"type": "message.delete", "id": sent["message"]["id"]}, 2)
    badge = {"type": "nav.badge", "url": "/chat/", "count": 0}
    for tab in ben_tabs:
        frames = await ws.frames(tab, ws.including(badge), background={"presence"})
        assert ws.types(frames) == ["message.deleted", "nav.badge"]
        assert frames[-1] == badge
    await ws.close(ana_tab, *ben_tabs)


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
    tab = await ws.connect(ana)
    frames = await ws.send(tab, {**frame, "ref": "r"})
    assert len(frames) == 1
    assert frames[0]["type"] == "error"
    assert frames[0]["code"] == code
    assert frames[0]["message"]
    assert frames[0]["ref"] == "r"
    assert await _count() == 0
    assert ws.types(await ws.send(tab, {"type": "ping"})) == ["pong"]
    await ws.close(tab)


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
    tab = await ws.connect(ana)
    frames = await ws.send(tab, raw)
    assert [(f["type"], f["code"]) for f in frames] == [("error", code)]
    assert await _count() == 0
    assert ws.types(await ws.send(tab, {"type": "ping"})) == ["pong"]
    await ws.close(tab)


async def test_more_than_twenty_messages_in_ten_seconds_is_refused(rate_limit_clock):
    ana, ben = await _users(2)
    chat = await sync_to_async(direct_chat)(ana, ben)
    tab = await ws.connect(ana)
    for n in range(20):
        frames = await ws.send(
            tab, {"type": "message.send", "conversation": chat.pk, "body": f"m{n}", "client_id": f"m{n}"}, 2
        )
        assert ws.types(frames) == ["ack", "message.new"]
    frames = await ws.send(
        tab,
        {"type": "message.send", "conversation": chat.pk, "body": "spam", "client_id": "m20", "ref": "m20"},
    )
    assert [(f["type"], f["code"], f["ref"]) for f in frames] == [("error", "rate_limited", "m20")]
    assert await _count() == 20
    assert ws.types(await ws.send(tab, {"type": "ping"})) == ["pong"]
    await ws.close(tab)


async def test_a_conversation_you_are_not_in_answers_exactly_like_a_missing_one():
    ana, ben, eve = await _users(3)
    chat = await sync_to_async(direct_chat)(ana, ben)
    message = await sync_to_async(chat_message)(ana, chat, "private")
    missing = chat.pk + 1000
    missing_message = message.pk + 1000
    tab = await ws.connect(eve)

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
            answers.append(await ws.send(tab, {**frame, "ref": "p"}))
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
    await ws.close(tab)


# The recipient check carried in the broadcast (small audiences), and read by each server
# process when the broadcast arrives (audiences above events.RECIPIENTS_INLINE_MAX).
@pytest.mark.parametrize("inline_max", [100, 0])
async def test_leaving_a_group_stops_room_delivery_at_once_even_before_the_socket_is_told(
    inline_max, monkeypatch
):
    monkeypatch.setattr("messaging.events.RECIPIENTS_INLINE_MAX", inline_max)
    owner, member = await _users(2)
    group = await sync_to_async(interest_group)(owner, member)
    room = await sync_to_async(room_for_group)(group=group)
    owner_tab, member_tab = await ws.connect(owner), await ws.connect(member)
    await sync_to_async(chat_message)(owner, room, "welcome")
    assert ws.types(await ws.frames(member_tab, 1)) == ["message.new"]
    await ws.frames(owner_tab, 1)
    # Removed by whatever means (admin, the groups app): the delivery check sees it at once.
    await sync_to_async(Membership.objects.filter(group=group, user=member).delete)()
    await sync_to_async(chat_message)(owner, room, "members only now")
    # The owner's copy arrives first: by then the member's would have too.
    assert ws.types(await ws.frames(owner_tab, 1)) == ["message.new"]
    assert await ws.frames(member_tab) == []
    # The socket left the room's channel group: it is not even asked any more.
    await ws.send(owner_tab, {"type": "typing", "conversation": room.pk}, 0)
    assert await ws.nothing(member_tab)
    refused = await ws.send(
        member_tab, {"type": "message.send", "conversation": room.pk, "body": "hi", "client_id": "z"}
    )
    assert refused[0]["code"] == "not_found"
    await ws.close(owner_tab, member_tab)


async def test_room_member_left_tells_the_sockets_to_drop_the_room():
    owner, member = await _users(2)
    group = await sync_to_async(interest_group)(owner, member)
    room = await sync_to_async(room_for_group)(group=group)
    member_tab = await ws.connect(member)

    @sync_to_async
    def remove():
        Membership.objects.filter(group=group, user=member).delete()
        room_member_left(group_id=group.pk, user_id=member.pk)

    await remove()
    assert await ws.frames(member_tab, 1) == [{"type": "conversation.removed", "conversation": room.pk}]
    await sync_to_async(chat_message)(owner, room, "after")
    assert await ws.frames(member_tab) == []
    await ws.close(member_tab)


async def test_a_new_conversation_is_joined_live_and_delivers():
    ana, ben, cid = await _users(3)
    ben_tab, cid_tab = await ws.connect(ben), await ws.connect(cid)
    chat, _created = await sync_to_async(conversation_get_or_create_direct)(user=ana, other_user_id=ben.pk)
    assert await ws.frames(ben_tab, 1) == [{"type": "conversation.new", "conversation": chat.pk}]
    await sync_to_async(chat_message)(ana, chat, "hello new friend")
    assert ws.types(await ws.frames(ben_tab, 1)) == ["message.new"]
    team = await sync_to_async(group_chat)(ana, cid)
    assert await ws.frames(cid_tab, 1) == [{"type": "conversation.new", "conversation": team.pk}]
    assert await ws.frames(ben_tab) == []
    await ws.close(ben_tab, cid_tab)


async def test_presence_goes_to_direct_chat_partners():
    ana, ben, eve = await _users(3)
    await sync_to_async(direct_chat)(ana, ben)
    ana_tab, eve_tab = await ws.connect(ana), await ws.connect(eve)
    await ws.frames(ana_tab, background=())
    ben_tab = await ws.connect(ben)
    assert await ws.frames(ana_tab, 1, background=()) == [
        {"type": "presence", "user": ben.pk, "state": "online"}
    ]
    await ws.send(ben_tab, {"type": "presence", "state": "away"}, 0)
    assert await ws.frames(ana_tab, 1, background=()) == [
        {"type": "presence", "user": ben.pk, "state": "away"}
    ]
    await ben_tab.disconnect()
    assert await ws.frames(ana_tab, 1, background=()) == [
        {"type": "presence", "user": ben.pk, "state": "offline"}
    ]
    assert await ws.frames(eve_tab, background=()) == []
    await ws.close(ana_tab, eve_tab)


async def test_foreign_origin_is_refused():
    ana = (await _users(1))[0]
    communicator = ws.communicator([(b"origin", b"http://evil.example.net"), await ws.session_cookie(ana)])
    connected, _ = await communicator.connect(timeout=5)
    assert not connected


@pytest.mark.parametrize("inline_max", [100, 0])
async def test_deactivated_person_stops_receiving_at_once(inline_max, monkeypatch):
    monkeypatch.setattr("messaging.events.RECIPIENTS_INLINE_MAX", inline_max)
    ana, ben = await _users(2)
    chat = await sync_to_async(group_chat)(ana, ben)
    ben_tab = await ws.connect(ben)
    ben.is_active = False
    await sync_to_async(ben.save)()
    await sync_to_async(chat_message)(ana, chat, "are you there?")
    assert await ws.frames(ben_tab) == []
    await ws.close(ben_tab)


async def test_adding_people_tells_the_new_member_and_the_others():
    ana, ben, cid = await _users(3)
    team = await sync_to_async(group_chat)(ana, ben)
    ben_tab, cid_tab = await ws.connect(ben), await ws.connect(cid)
    from messaging.services import conversation_add_members

    await sync_to_async(conversation_add_members)(actor=ana, conversation_id=team.pk, user_ids=[cid.pk])
    assert await ws.frames(cid_tab, 1) == [{"type": "conversation.new", "conversation": team.pk}]
    assert await ws.frames(ben_tab, 1) == [{"type": "conversation.updated", "conversation": team.pk}]
    await sync_to_async(chat_message)(ana, team, "welcome cid")
    assert ws.types(await ws.frames(cid_tab, 1)) == ["message.new"]
    await ws.close(ben_tab, cid_tab)


async def test_the_senders_other_tab_sees_the_message_once():
    ana, ben = await _users(2)
    chat = await sync_to_async(direct_chat)(ana, ben)
    tab1, tab2 = await ws.connect(ana), await ws.connect(ana)
    await ws.send(
        tab1, {"type": "message.send", "conversation": chat.pk, "body": "from tab 1", "client_id": "t1"}, 2
    )
    await ws.send(tab1, {"type": "message.send", "conversation": chat.pk, "body": "again", "client_id": "t1"})
    frames = await ws.frames(tab2, 1)
    assert [(f["type"], f["message"]["client_id"]) for f in frames] == [("message.new", "t1")]
    await ws.close(tab1, tab2)


# Rooms follow group membership through the groups services (messaging/receivers.py) ----------
async def test_group_services_keep_the_room_live_from_creation_to_removal():
    from groups.services import group_create, group_join, membership_remove

    owner, member = await _users(2)
    member_tab = await ws.connect(member)
    group = await sync_to_async(group_create)(actor=owner, name="Live Room", visibility="open")
    room = await sync_to_async(room_for_group)(group=group)  # created with the group
    assert await ws.frames(member_tab) == []  # not a member yet
    membership = await sync_to_async(group_join)(actor=member, group=group)
    # Joining subscribes the open socket at once: no reconnect needed.
    assert await ws.frames(member_tab, 1) == [{"type": "conversation.new", "conversation": room.pk}]
    await sync_to_async(chat_message)(owner, room, "welcome")
    assert ws.types(await ws.frames(member_tab, 1)) == ["message.new"]

    await sync_to_async(membership_remove)(actor=owner, membership=membership)
    assert await ws.frames(member_tab, 1) == [{"type": "conversation.removed", "conversation": room.pk}]
    await sync_to_async(chat_message)(owner, room, "members only now")
    assert await ws.frames(member_tab) == []
    refused = await ws.send(
        member_tab, {"type": "message.send", "conversation": room.pk, "body": "hi", "client_id": "gone-1"}
    )
    assert refused[0]["code"] == "not_found"
    await ws.close(member_tab)


async def test_removal_through_the_groups_service_stops_delivery_before_the_socket_leaves(monkeypatch):
    """The delivery-time check alone keeps a removed member out, even if the room's sockets were
    never told (the unsubscribe after commit is switched off here)."""
    from groups.services import membership_remove
    from messaging import receivers

    owner, member = await _users(2)
    group = await sync_to_async(interest_group)(owner, member)
    room = await sync_to_async(room_for_group)(group=group)
    member_tab = await ws.connect(member)
    membership = await sync_to_async(Membership.objects.get)(group=group, user=member)
    monkeypatch.setattr(receivers, "room_member_left", lambda **kwargs: None)
    await sync_to_async(membership_remove)(actor=owner, membership=membership)
    await sync_to_async(chat_message)(owner, room, "after the removal")
    assert await ws.frames(member_tab, background=()) == []
    await ws.close(member_tab)


async def test_a_room_created_for_an_existing_group_goes_live_for_its_members_at_once():
    owner, member = await _users(2)
    group = await sync_to_async(interest_group)(owner, member)  # a group from before rooms
    member_tab = await ws.connect(member)
    room = await sync_to_async(room_for_group)(group=group)
    assert await ws.frames(member_tab, 1) == [{"type": "conversation.new", "conversation": room.pk}]
    await sync_to_async(chat_message)(owner, room, "first words")
    assert ws.types(await ws.frames(member_tab, 1)) == ["message.new"]
    await ws.close(member_tab)


async def test_socket_edit_follows_the_edit_window_the_admin_sets(set_site_policy):
    ana, ben = await _users(2)
    chat = await sync_to_async(direct_chat)(ana, ben)
    message = await sync_to_async(chat_message)(ana, chat, "typo")
    tab = await ws.connect(ana)
    await sync_to_async(set_site_policy)(chat_edit_window_minutes=0)
    frames = await ws.send(tab, {"type": "message.edit", "id": message.pk, "body": "fixed", "ref": "e1"})
    assert [(f["type"], f["code"]) for f in frames] == [("error", "edit_window_closed")]
    await sync_to_async(set_site_policy)(chat_edit_window_minutes=15)
    frames = await ws.send(tab, {"type": "message.edit", "id": message.pk, "body": "fixed", "ref": "e2"}, 2)
    assert ws.types(frames) == ["ack", "message.updated"]
    await ws.close(tab)


async def test_socket_rate_limit_follows_the_site_policy(set_site_policy, rate_limit_clock):
    ana, ben = await _users(2)
    chat = await sync_to_async(direct_chat)(ana, ben)
    tab = await ws.connect(ana)
    await sync_to_async(set_site_policy)(rate_limit_chat_messages="2/m")
    for n in range(2):
        frame = {"type": "message.send", "conversation": chat.pk, "body": f"m{n}", "client_id": f"q{n}"}
        assert ws.types(await ws.send(tab, frame, 2)) == ["ack", "message.new"]
    frame = {"type": "message.send", "conversation": chat.pk, "body": "m2", "client_id": "q2"}
    assert [(f["type"], f["code"]) for f in await ws.send(tab, frame)] == [("error", "rate_limited")]
    await sync_to_async(set_site_policy)(rate_limit_chat_messages="")
    assert ws.types(await ws.send(tab, frame, 2)) == ["ack", "message.new"]
    assert await _count() == 3
    await ws.close(tab)
