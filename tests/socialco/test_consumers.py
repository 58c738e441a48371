"""The /ws/ socket through the full ASGI application: origin check, login, the frame protocol."""

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.test import Client

from socialco.realtime import MAX_FRAME_BYTES, send_to_group, user_group
from tests import sockets as ws
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


async def test_logged_in_user_with_allowed_origin_connects_and_gets_pong():
    user = await sync_to_async(UserFactory)()
    communicator, connected, _ = await ws.handshake([ws.ORIGIN, await ws.session_cookie(user)])
    assert connected
    assert await ws.send(communicator, {"type": "ping", "ref": 7}) == [{"type": "pong", "ref": 7}]
    await communicator.disconnect()


async def test_anonymous_socket_is_closed_with_4401_so_the_browser_stops_retrying():
    communicator, connected, _ = await ws.handshake([ws.ORIGIN, await ws.session_cookie(None)])
    # Accepted then closed: a refused handshake would reach the browser as 1006, not 4401.
    assert connected
    assert await communicator.receive_output(timeout=ws.WAIT) == {"type": "websocket.close", "code": 4401}


async def test_foreign_origin_is_refused():
    user = await sync_to_async(UserFactory)()
    _communicator, connected, _ = await ws.handshake(
        [(b"origin", b"http://evil.example.net"), await ws.session_cookie(user)]
    )
    assert not connected


async def test_missing_origin_is_refused():
    user = await sync_to_async(UserFactory)()
    _communicator, connected, _ = await ws.handshake([await ws.session_cookie(user)])
    assert not connected


async def test_inactive_user_is_refused():
    user = await sync_to_async(UserFactory)()
    cookie = await ws.session_cookie(user)
    user.is_active = False
    await sync_to_async(user.save)()
    communicator, connected, _ = await ws.handshake([ws.ORIGIN, cookie])
    assert not connected or await communicator.receive_output(timeout=ws.WAIT) == {
        "type": "websocket.close",
        "code": 4401,
    }


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("not json", "bad_json"),
        ("[1, 2]", "bad_frame"),
        ('{"no": "type"}', "bad_frame"),
        ('{"type": "launch.missiles"}', "unknown_type"),
        ('{"type": "ping", "pad": "' + "x" * MAX_FRAME_BYTES + '"}', "frame_too_large"),
        ('{"type": "ping", "ref": ' + "[" * 30000 + "]" * 30000 + "}", "bad_json"),
        ('{"type": "ping", "ref": NaN}', "bad_json"),
        ('{"type": "ping", "ref": 1' + "0" * 5000 + "}", "bad_json"),
    ],
)
async def test_bad_frames_get_an_error_frame_and_the_socket_stays_open(frame, code):
    user = await sync_to_async(UserFactory)()
    communicator, connected, _ = await ws.handshake([ws.ORIGIN, await ws.session_cookie(user)])
    assert connected
    answer = await ws.answer(communicator, frame)
    assert answer["type"] == "error"
    assert answer["code"] == code
    assert answer["message"]
    assert ws.types(await ws.send(communicator, '{"type": "ping"}')) == ["pong"]
    await communicator.disconnect()


async def test_only_short_refs_are_echoed():
    user = await sync_to_async(UserFactory)()
    communicator, _connected, _ = await ws.handshake([ws.ORIGIN, await ws.session_cookie(user)])
    pong = await ws.send(communicator, {"type": "ping", "ref": {"nested": [1, 2]}})
    assert pong == [{"type": "pong", "ref": None}]
    assert await ws.send(communicator, {"type": "ping", "ref": "abc"}) == [{"type": "pong", "ref": "abc"}]
    await communicator.disconnect()


async def test_events_reach_every_tab_of_that_user_only():
    ana, ben = await sync_to_async(UserFactory)(), await sync_to_async(UserFactory)()
    tab1, ok1, _ = await ws.handshake([ws.ORIGIN, await ws.session_cookie(ana)])
    tab2, ok2, _ = await ws.handshake([ws.ORIGIN, await ws.session_cookie(ana)])
    other, ok3, _ = await ws.handshake([ws.ORIGIN, await ws.session_cookie(ben)])
    assert ok1
    assert ok2
    assert ok3
    await sync_to_async(send_to_group)(user_group(ana.pk), {"type": "hello", "n": 1})
    assert await ws.frames(tab1, 1, background=()) == [{"type": "hello", "n": 1}]
    assert await ws.frames(tab2, 1, background=()) == [{"type": "hello", "n": 1}]
    assert await ws.nothing(other)
    for communicator in (tab1, tab2, other):
        await communicator.disconnect()


async def test_logging_out_closes_that_sessions_sockets():
    user = await sync_to_async(UserFactory)()

    @sync_to_async
    def logged_in_client():
        client = Client()
        client.force_login(user)
        return client

    client = await logged_in_client()
    cookie = (
        b"cookie",
        f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode(),
    )
    communicator, connected, _ = await ws.handshake([ws.ORIGIN, cookie])
    assert connected
    await sync_to_async(client.post)("/accounts/logout/")
    output = await communicator.receive_output(timeout=ws.WAIT)
    assert output == {"type": "websocket.close", "code": 4001}
