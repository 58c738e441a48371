"""Chat moderation on the /ws/ socket, through the full ASGI application: screening of
`message.send` and `message.edit` (error frames with the explanations, the socket stays open),
held messages delivered only to their sender and moderators, hidden messages left out of `sync`,
and hiding / restoring a message removing and re-showing it live."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from messaging.models import Message
from moderation import services
from moderation.models import GuidelineAcceptance, GuidelineVersion, ModerationItem, ModerationState, Rule
from tests import sockets as ws
from tests.factories import UserFactory, chat_message, group_chat
from tests.moderation.conftest import make_moderator, make_rule, publish

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _no_offline_grace(settings):
    settings.CHAT_PRESENCE_OFFLINE_GRACE_SECONDS = 0


@sync_to_async
def _team():
    """Guidelines 1.0; a group chat of Ana (sender), Ben (member), Mona (moderator member)."""
    GuidelineAcceptance.objects.all().delete()
    GuidelineVersion.objects.all().delete()
    Rule.objects.all().delete()
    publish(summary="First version.")
    ana, ben = UserFactory(display_name="Ana Silva"), UserFactory(display_name="Ben Ode")
    mona = make_moderator(display_name="Mona Moderator")
    return group_chat(ana, ben, mona, name="Launch"), ana, ben, mona


async def _still_open(socket) -> None:
    assert await ws.send(socket, {"type": "ping", "ref": "p"}) == [{"type": "pong", "ref": "p"}]


_rule = sync_to_async(make_rule)
_count = sync_to_async(lambda: Message.objects.count())


def _send_frame(chat, body: str, client_id: str, **extra) -> dict:
    return {
        "type": "message.send",
        "conversation": chat.pk,
        "body": body,
        "client_id": client_id,
        "ref": client_id,
        **extra,
    }


async def test_blocked_message_gets_an_error_frame_with_explanations_and_nothing_is_stored():
    chat, ana, ben, _mona = await _team()
    await _rule(terms="badword", action="block", explanation="No insults, please.")
    ana_tab, ben_tab = await ws.connect(ana, drain=True), await ws.connect(ben, drain=True)
    frames = await ws.send(ana_tab, _send_frame(chat, "you badword", "b-1"))
    assert [f["type"] for f in frames] == ["error"]
    error = frames[0]
    assert error["code"] == "content_blocked"
    assert error["ref"] == "b-1"
    assert error["message"] == "No insults, please."
    assert error["screening"]["action"] == "block"
    assert error["screening"]["matches"][0]["explanation"] == "No insults, please."
    assert error["screening"]["matches"][0]["section_url"].endswith("#be-respectful")
    assert await _count() == 0
    assert await ws.nothing(ben_tab)
    await _still_open(ana_tab)
    await ws.close(ana_tab, ben_tab)


async def test_warned_message_needs_confirm_warnings_then_is_delivered_and_flagged():
    chat, ana, ben, _mona = await _team()
    await _rule(terms="darn", action="warn", explanation="Mind your language.")
    ana_tab, ben_tab = await ws.connect(ana, drain=True), await ws.connect(ben, drain=True)
    refused = await ws.send(ana_tab, _send_frame(chat, "darn it", "w-1"))
    assert [(f["type"], f["code"]) for f in refused] == [("error", "confirmation_required")]
    assert refused[0]["screening"]["needs_confirmation"] is True
    assert await _count() == 0
    assert await ws.nothing(ben_tab)
    sent = await ws.send(ana_tab, _send_frame(chat, "darn it", "w-1", confirm_warnings=True), 2)
    assert [f["type"] for f in sent] == ["ack", "message.new"]
    assert [f["message"]["body"] for f in await ws.frames(ben_tab, 1)] == ["darn it"]
    item = await sync_to_async(ModerationItem.objects.get)(object_id=sent[0]["id"])
    assert item.is_open
    assert item.state == ModerationState.VISIBLE
    await ws.close(ana_tab, ben_tab)


async def test_held_message_reaches_only_the_sender_and_moderators_until_approved():
    chat, ana, ben, mona = await _team()
    await _rule(terms="confidential", action="hold", explanation="Checked first.")
    ana_tab, ben_tab, mona_tab = (
        await ws.connect(ana, drain=True),
        await ws.connect(ben, drain=True),
        await ws.connect(mona, drain=True),
    )
    frames = await ws.send(ana_tab, _send_frame(chat, "confidential numbers", "h-1"), 2)
    assert [f["type"] for f in frames] == ["ack", "message.new"]
    assert frames[0]["message"]["moderation_state"] == "held"
    held_id = frames[0]["id"]
    assert [(f["type"], f["message"]["id"]) for f in await ws.frames(mona_tab, 1)] == [
        ("message.new", held_id)
    ]
    assert await ws.nothing(ben_tab)
    # Ben's resync does not bring it either; Ana's does.
    ben_sync = await ws.send(ben_tab, {"type": "sync", "conversations": {str(chat.pk): 0}})
    assert ben_sync[0]["conversations"][str(chat.pk)]["messages"] == []
    ana_sync = await ws.send(ana_tab, {"type": "sync", "conversations": {str(chat.pk): 0}})
    assert [m["id"] for m in ana_sync[0]["conversations"][str(chat.pk)]["messages"]] == [held_id]
    # A moderator approves it: it appears live for Ben.
    item = await sync_to_async(ModerationItem.objects.get)(object_id=held_id)
    moderator = await sync_to_async(make_moderator)()
    await sync_to_async(services.item_approve)(item=item, moderator=moderator, reason="Fine")
    restored = await ws.frames(ben_tab, 1)
    assert [(f["type"], f["message"]["id"]) for f in restored] == [("message.restored", held_id)]
    assert restored[0]["message"]["moderation_state"] == "visible"
    await ws.close(ana_tab, ben_tab, mona_tab)


async def test_edit_is_screened_on_the_socket_and_the_text_is_unchanged():
    chat, ana, _ben, _mona = await _team()
    message = await sync_to_async(chat_message)(ana, chat, "all good")
    await _rule(terms="badword", action="block", explanation="No insults.")
    ana_tab = await ws.connect(ana, drain=True)
    frames = await ws.send(ana_tab, {"type": "message.edit", "id": message.pk, "body": "badword", "ref": "e"})
    assert [(f["type"], f["code"], f["ref"]) for f in frames] == [("error", "content_blocked", "e")]
    assert frames[0]["screening"]["matches"][0]["explanation"] == "No insults."
    await sync_to_async(message.refresh_from_db)()
    assert message.body == "all good"
    await _still_open(ana_tab)
    await ws.close(ana_tab)


async def test_hiding_removes_the_message_live_and_restoring_shows_it_again():
    chat, ana, ben, mona = await _team()
    message = await sync_to_async(chat_message)(ana, chat, "the hidden words")
    ana_tab, ben_tab, mona_tab = (
        await ws.connect(ana, drain=True),
        await ws.connect(ben, drain=True),
        await ws.connect(mona, drain=True),
    )
    reporter = await sync_to_async(UserFactory)()
    hider = await sync_to_async(make_moderator)()

    def hide():
        services.report_create(reporter=reporter, target=message, section="be-respectful")
        item = ModerationItem.objects.get(object_id=message.pk, content_type__model="message")
        services.item_hide(item=item, moderator=hider, reason="Offensive", section="be-respectful")
        return item

    item = await sync_to_async(hide)()
    removed = {"type": "message.removed", "conversation": chat.pk, "message": message.pk}
    assert await ws.frames(ben_tab, 1) == [removed]
    for tab in (ana_tab, mona_tab):  # the sender and a moderator member keep it, marked hidden
        frames = await ws.frames(tab, 1)
        states = [(f["type"], f["message"]["moderation_state"]) for f in frames]
        assert states == [("message.updated", "hidden")]
    ben_sync = await ws.send(ben_tab, {"type": "sync", "conversations": {str(chat.pk): 0}})
    assert ben_sync[0]["conversations"][str(chat.pk)]["messages"] == []
    mona_sync = await ws.send(mona_tab, {"type": "sync", "conversations": {str(chat.pk): 0}})
    assert [m["id"] for m in mona_sync[0]["conversations"][str(chat.pk)]["messages"]] == [message.pk]

    await sync_to_async(services.item_restore)(item=item, moderator=hider, reason="Context was fine")
    back = await ws.frames(ben_tab, 1)
    assert [(f["type"], f["message"]["body"]) for f in back] == [("message.restored", "the hidden words")]
    await ws.close(ana_tab, ben_tab, mona_tab)


async def test_edits_and_deletes_of_a_hidden_message_reach_only_its_sender_and_moderators():
    chat, ana, ben, mona = await _team()
    message = await sync_to_async(chat_message)(ana, chat, "soon hidden")
    hider = await sync_to_async(make_moderator)()

    def hide():
        services.report_create(reporter=ben, target=message, section="be-respectful")
        item = ModerationItem.objects.get(object_id=message.pk, content_type__model="message")
        services.item_hide(item=item, moderator=hider, reason="Offensive")

    await sync_to_async(hide)()
    ana_tab, ben_tab, mona_tab = (
        await ws.connect(ana, drain=True),
        await ws.connect(ben, drain=True),
        await ws.connect(mona, drain=True),
    )
    frames = await ws.send(
        ana_tab, {"type": "message.edit", "id": message.pk, "body": "edited", "ref": "e"}, 2
    )
    assert [f["type"] for f in frames] == ["ack", "message.updated"]
    assert [f["type"] for f in await ws.frames(mona_tab, 1)] == ["message.updated"]
    assert await ws.nothing(ben_tab)
    await ws.send(ana_tab, {"type": "message.delete", "id": message.pk, "ref": "d"}, 2)
    assert [f["type"] for f in await ws.frames(mona_tab, 1)] == ["message.deleted"]
    assert await ws.nothing(ben_tab)
    # Ben cannot even tell it exists.
    frames = await ws.send(ben_tab, {"type": "message.edit", "id": message.pk, "body": "x", "ref": "b"})
    assert [(f["type"], f["code"]) for f in frames] == [("error", "not_found")]
    await ws.close(ana_tab, ben_tab, mona_tab)
