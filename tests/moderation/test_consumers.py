"""The socket door: frames that write are refused with an error frame while the person must accept
the guidelines or is suspended; ping and read-only frames still work; the socket stays open."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from moderation import services
from socialco.realtime import frame_handler
from tests import sockets as ws
from tests.factories import UserFactory
from tests.moderation.conftest import make_moderator, publish

pytestmark = pytest.mark.django_db(transaction=True)


@frame_handler("test.write")
async def _test_write(consumer, frame):
    await consumer.send_event({"type": "test.written", "ref": frame.get("ref")})


@frame_handler("test.read", read_only=True)
async def _test_read(consumer, frame):
    await consumer.send_event({"type": "test.read.ok"})


@sync_to_async
def _setup(accepted: bool):
    from moderation.models import GuidelineAcceptance, GuidelineVersion

    GuidelineAcceptance.objects.all().delete()
    GuidelineVersion.objects.all().delete()
    publish(body="## Be respectful\n\nYes.\n")
    return UserFactory(accepted_guidelines=accepted)


async def test_writing_frame_refused_until_guidelines_accepted():
    person = await _setup(accepted=False)
    socket = await ws.connect(person)
    answer = await ws.answer(socket, {"type": "test.write", "ref": 1})
    assert answer["type"] == "error"
    assert answer["code"] == "guidelines_not_accepted"
    assert answer["ref"] == 1
    assert (await ws.answer(socket, {"type": "test.read"}))["type"] == "test.read.ok"
    assert await ws.answer(socket, {"type": "ping", "ref": 2}) == {"type": "pong", "ref": 2}
    await sync_to_async(services.guidelines_accept)(user=person)
    assert await ws.answer(socket, {"type": "test.write", "ref": 3}) == {"type": "test.written", "ref": 3}
    await socket.disconnect()


async def test_writing_frame_refused_while_suspended():
    person = await _setup(accepted=True)
    moderator = await sync_to_async(make_moderator)()
    suspension = await sync_to_async(services.person_suspend)(
        person=person, moderator=moderator, days=1, reason="Spamming chats"
    )
    socket = await ws.connect(person)
    answer = await ws.answer(socket, {"type": "test.write"})
    assert answer["code"] == "suspended"
    assert "Spamming chats" in answer["message"]
    await sync_to_async(services.suspension_lift)(suspension=suspension, moderator=moderator, reason="ok")
    assert (await ws.answer(socket, {"type": "test.write", "ref": "x"}))["type"] == "test.written"
    await socket.disconnect()


async def test_gate_change_on_an_open_socket_applies_to_the_next_writing_frame():
    """The gate's state is cached between frames; a suspension or a new major version made
    while the socket is open (and its state cached) refuses the very next write."""
    person = await _setup(accepted=True)
    moderator = await sync_to_async(make_moderator)()
    socket = await ws.connect(person)
    for ref in (1, 2):  # the second one is answered from the cached state
        answer = await ws.answer(socket, {"type": "test.write", "ref": ref})
        assert answer == {"type": "test.written", "ref": ref}
    suspension = await sync_to_async(services.person_suspend)(
        person=person, moderator=moderator, days=1, reason="Spamming chats"
    )
    assert (await ws.answer(socket, {"type": "test.write", "ref": 3}))["code"] == "suspended"
    await sync_to_async(services.suspension_lift)(suspension=suspension, moderator=moderator, reason="ok")
    assert await ws.answer(socket, {"type": "test.write", "ref": 4}) == {"type": "test.written", "ref": 4}
    await sync_to_async(publish)(body="## Be kind\n\nYes.\n", change="major")
    assert (await ws.answer(socket, {"type": "test.write", "ref": 5}))["code"] == "guidelines_not_accepted"
    await socket.disconnect()
