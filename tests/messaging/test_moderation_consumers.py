"""Chat moderation on the /ws/ socket, through the full ASGI application: screening of
`message.send` and `message.edit` (error frames with the explanations, the socket stays open),
held messages delivered only to their sender and moderators, hidden messages left out of `sync`,
and hiding / restoring a message removing and re-showing it live."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from messaging.models import Message
from moderation import services
from moderation.models import GuidelineAcceptance, GuidelineVersion, ModerationItem, ModerationState, Rule
from socialco.asgi import application
from tests.factories import UserFactory, chat_message, group_chat
from tests.moderation.conftest import make_moderator, make_rule, publish

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://localhost")
BACKGROUND = {"presence", "nav.badge", "notification.count"}


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


@sync_to_async
def _cookie(user) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(user)
    return (
        b"cookie",
        f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode(),
    )


async def _open(user) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, "/ws/", headers=[ORIGIN, await _cookie(user)])
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    await _frames(communicator)
    return communicator


async def _frames(communicator, quiet: float = 0.3) -> list[dict]:
    frames = []
    while not await communicator.receive_nothing(timeout=quiet):
        frames.append(await communicator.receive_json_from(timeout=5))
    return [f for f in frames if f["type"] not in BACKGROUND]


async def _send(communicator, frame) -> list[dict]:
    await communicator.send_json_to(frame)
    return await _frames(communicator, quiet=1.0)  # the first screening compiles the rules


async def _close(*communicators):
    for communicator in communicators:
        await communicator.disconnect()


async def _still_open(communicator) -> None:
    assert await _send(communicator, {"type": "ping", "ref": "p"}) == [{"type": "pong", "ref": "p"}]


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
    ana_tab, ben_tab = await _open(ana), await _open(ben)
    frames = await _send(ana_tab, _send_frame(chat, "you badword", "b-1"))
    assert [f["type"] for f in frames] == ["error"]
    error = frames[0]
    assert error["code"] == "content_blocked"
    assert error["ref"] == "b-1"
    assert error["message"] == "No insults, please."
    assert error["screening"]["action"] == "block"
    assert error["screening"]["matches"][0]["explanation"] == "No insults, please."
    assert error["screening"]["matches"][0]["section_url"].endswith("#be-respectful")
    assert await _count() == 0
    assert await ben_tab.receive_nothing(timeout=0.3)
    await _still_open(ana_tab)
    await _close(ana_tab, ben_tab)


async def test_warned_message_needs_confirm_warnings_then_is_delivered_and_flagged():
    chat, ana, ben, _mona = await _team()
    await _rule(terms="darn", action="warn", explanation="Mind your language.")
    ana_tab, ben_tab = await _open(ana), await _open(ben)
    refused = await _send(ana_tab, _send_frame(chat, "darn it", "w-1"))
    assert [(f["type"], f["code"]) for f in refused] == [("error", "confirmation_required")]
    assert refused[0]["screening"]["needs_confirmation"] is True
    assert await _count() == 0
    assert await ben_tab.receive_nothing(timeout=0.3)
    sent = await _send(ana_tab, _send_frame(chat, "darn it", "w-1", confirm_warnings=True))
    assert [f["type"] for f in sent] == ["ack", "message.new"]
    assert [f["message"]["body"] for f in await _frames(ben_tab)] == ["darn it"]
    item = await sync_to_async(ModerationItem.objects.get)(object_id=sent[0]["id"])
    assert item.is_open
    assert item.state == ModerationState.VISIBLE
    await _close(ana_tab, ben_tab)


async def test_held_message_reaches_only_the_sender_and_moderators_until_approved():
    chat, ana, ben, mona = await _team()
    await _rule(terms="confidential", action="hold", explanation="Checked first.")
    ana_tab, ben_tab, mona_tab = await _open(ana), await _open(ben), await _open(mona)
    frames = await _send(ana_tab, _send_frame(chat, "confidential numbers", "h-1"))
    assert [f["type"] for f in frames] == ["ack", "message.new"]
    assert frames[0]["message"]["moderation_state"] == "held"
    held_id = frames[0]["id"]
    assert [(f["type"], f["message"]["id"]) for f in await _frames(mona_tab)] == [("message.new", held_id)]
    assert await ben_tab.receive_nothing(timeout=0.3)
    # Ben's resync does not bring it either; Ana's does.
    ben_sync = await _send(ben_tab, {"type": "sync", "conversations": {str(chat.pk): 0}})
    assert ben_sync[0]["conversations"][str(chat.pk)]["messages"] == []
    ana_sync = await _send(ana_tab, {"type": "sync", "conversations": {str(chat.pk): 0}})
    assert [m["id"] for m in ana_sync[0]["conversations"][str(chat.pk)]["messages"]] == [held_id]
    # A moderator approves it: it appears live for Ben.
    item = await sync_to_async(ModerationItem.objects.get)(object_id=held_id)
    moderator = await sync_to_async(make_moderator)()
    await sync_to_async(services.item_approve)(item=item, moderator=moderator, reason="Fine")
    restored = await _frames(ben_tab)
    assert [(f["type"], f["message"]["id"]) for f in restored] == [("message.restored", held_id)]
    assert restored[0]["message"]["moderation_state"] == "visible"
    await _close(ana_tab, ben_tab, mona_tab)


async def test_edit_is_screened_on_the_socket_and_the_text_is_unchanged():
    chat, ana, _ben, _mona = await _team()
    message = await sync_to_async(chat_message)(ana, chat, "all good")
    await _rule(terms="badword", action="block", explanation="No insults.")
    ana_tab = await _open(ana)
    frames = await _send(ana_tab, {"type": "message.edit", "id": message.pk, "body": "badword", "ref": "e"})
    assert [(f["type"], f["code"], f["ref"]) for f in frames] == [("error", "content_blocked", "e")]
    assert frames[0]["screening"]["matches"][0]["explanation"] == "No insults."
    await sync_to_async(message.refresh_from_db)()
    assert message.body == "all good"
    await _still_open(ana_tab)
    await _close(ana_tab)


async def test_hiding_removes_the_message_live_and_restoring_shows_it_again():
    chat, ana, ben, mona = await _team()
    message = await sync_to_async(chat_message)(ana, chat, "the hidden words")
    ana_tab, ben_tab, mona_tab = await _open(ana), await _open(ben), await _open(mona)
    reporter = await sync_to_async(UserFactory)()
    hider = await sync_to_async(make_moderator)()

    def hide():
        services.report_create(reporter=reporter, target=message, section="be-respectful")
        item = ModerationItem.objects.get(object_id=message.pk, content_type__model="message")
        services.item_hide(item=item, moderator=hider, reason="Offensive", section="be-respectful")
        return item

    item = await sync_to_async(hide)()
    removed = {"type": "message.removed", "conversation": chat.pk, "message": message.pk}
    assert await _frames(ben_tab) == [removed]
    for tab in (ana_tab, mona_tab):  # the sender and a moderator member keep it, marked hidden
        frames = await _frames(tab)
        states = [(f["type"], f["message"]["moderation_state"]) for f in frames]
        assert states == [("message.updated", "hidden")]
    ben_sync = await _send(ben_tab, {"type": "sync", "conversations": {str(chat.pk): 0}})
    assert ben_sync[0]["conversations"][str(chat.pk)]["messages"] == []
    mona_sync = await _send(mona_tab, {"type": "sync", "conversations": {str(chat.pk): 0}})
    assert [m["id"] for m in mona_sync[0]["conversations"][str(chat.pk)]["messages"]] == [message.pk]

    await sync_to_async(services.item_restore)(item=item, moderator=hider, reason="Context was fine")
    back = await _frames(ben_tab)
    assert [(f["type"], f["message"]["body"]) for f in back] == [("message.restored", "the hidden words")]
    await _close(ana_tab, ben_tab, mona_tab)


async def test_edits_and_deletes_of_a_hidden_message_reach_only_its_sender_and_moderators():
    chat, ana, ben, mona = await _team()
    message = await sync_to_async(chat_message)(ana, chat, "soon hidden")
    hider = await sync_to_async(make_moderator)()

    def hide():
        services.report_create(reporter=ben, target=message, section="be-respectful")
        item = ModerationItem.objects.get(object_id=message.pk, content_type__model="message")
        services.item_hide(item=item, moderator=hider, reason="Offensive")

    await sync_to_async(hide)()
    ana_tab, ben_tab, mona_tab = await _open(ana), await _open(ben), await _open(mona)
    frames = await _send(ana_tab, {"type": "message.edit", "id": message.pk, "body": "edited", "ref": "e"})
    assert [f["type"] for f in frames] == ["ack", "message.updated"]
    assert [f["type"] for f in await _frames(mona_tab)] == ["message.updated"]
    assert await ben_tab.receive_nothing(timeout=0.3)
    await _send(ana_tab, {"type": "message.delete", "id": message.pk, "ref": "d"})
    assert [f["type"] for f in await _frames(mona_tab)] == ["message.deleted"]
    assert await ben_tab.receive_nothing(timeout=0.3)
    # Ben cannot even tell it exists.
    frames = await _send(ben_tab, {"type": "message.edit", "id": message.pk, "body": "x", "ref": "b"})
    assert [(f["type"], f["code"]) for f in frames] == [("error", "not_found")]
    await _close(ana_tab, ben_tab, mona_tab)
