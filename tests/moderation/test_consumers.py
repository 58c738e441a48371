"""The socket door: frames that write are refused with an error frame while the person must accept
the guidelines or is suspended; ping and read-only frames still work; the socket stays open."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from moderation import services
from socialco.asgi import application
from socialco.realtime import frame_handler
from tests.factories import UserFactory
from tests.moderation.conftest import make_moderator, publish

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://localhost")


@frame_handler("test.write")
async def _test_write(consumer, frame):
    await consumer.send_event({"type": "test.written", "ref": frame.get("ref")})


@frame_handler("test.read", read_only=True)
async def _test_read(consumer, frame):
    await consumer.send_event({"type": "test.read.ok"})


@sync_to_async
def _cookie(user) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(user)
    return (
        b"cookie",
        f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode(),
    )


async def _receive(socket):
    """The next frame, skipping live notification counts (decisions notify the person)."""
    while True:
        frame = await socket.receive_json_from(timeout=5)
        if frame["type"] != "notification.count":
            return frame


async def _connect(user):
    communicator = WebsocketCommunicator(application, "/ws/", headers=[ORIGIN, await _cookie(user)])
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    return communicator


@sync_to_async
def _setup(accepted: bool):
    from moderation.models import GuidelineAcceptance, GuidelineVersion

    GuidelineAcceptance.objects.all().delete()
    GuidelineVersion.objects.all().delete()
    publish(body="## Be respectful\n\nYes.\n")
    return UserFactory(accepted_guidelines=accepted)


async def test_writing_frame_refused_until_guidelines_accepted():
    person = await _setup(accepted=False)
    socket = await _connect(person)
    await socket.send_to(text_data=json.dumps({"type": "test.write", "ref": 1}))
    answer = await _receive(socket)
    assert answer["type"] == "error"
    assert answer["code"] == "guidelines_not_accepted"
    assert answer["ref"] == 1
    await socket.send_to(text_data=json.dumps({"type": "test.read"}))
    assert (await _receive(socket))["type"] == "test.read.ok"
    await socket.send_to(text_data=json.dumps({"type": "ping", "ref": 2}))
    assert await _receive(socket) == {"type": "pong", "ref": 2}
    await sync_to_async(services.guidelines_accept)(user=person)
    await socket.send_to(text_data=json.dumps({"type": "test.write", "ref": 3}))
    assert await _receive(socket) == {"type": "test.written", "ref": 3}
    await socket.disconnect()


async def test_writing_frame_refused_while_suspended():
    person = await _setup(accepted=True)
    moderator = await sync_to_async(make_moderator)()
    suspension = await sync_to_async(services.person_suspend)(
        person=person, moderator=moderator, days=1, reason="Spamming chats"
    )
    socket = await _connect(person)
    await socket.send_to(text_data=json.dumps({"type": "test.write"}))
    answer = await _receive(socket)
    assert answer["code"] == "suspended"
    assert "Spamming chats" in answer["message"]
    await sync_to_async(services.suspension_lift)(suspension=suspension, moderator=moderator, reason="ok")
    await socket.send_to(text_data=json.dumps({"type": "test.write", "ref": "x"}))
    assert (await _receive(socket))["type"] == "test.written"
    await socket.disconnect()
