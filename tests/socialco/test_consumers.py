"""The /ws/ socket through the full ASGI application: origin check, login, the frame protocol."""

import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from socialco.asgi import application
from socialco.realtime import MAX_FRAME_BYTES, send_to_group, user_group
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://localhost")


@sync_to_async
def _session_cookie_for(user=None) -> tuple[bytes, bytes]:
    client = Client()
    if user is not None:
        client.force_login(user)
    else:
        client.get("/accounts/login/")
    cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
    value = f"{settings.SESSION_COOKIE_NAME}={cookie.value}" if cookie else ""
    return (b"cookie", value.encode())


async def _connect(headers):
    communicator = WebsocketCommunicator(application, "/ws/", headers=headers)
    connected, code = await communicator.connect(timeout=5)
    return communicator, connected, code


async def test_logged_in_user_with_allowed_origin_connects_and_gets_pong():
    user = await sync_to_async(UserFactory)()
    communicator, connected, _ = await _connect([ORIGIN, await _session_cookie_for(user)])
    assert connected
    await communicator.send_to(text_data=json.dumps({"type": "ping", "ref": 7}))
    assert await communicator.receive_json_from(timeout=5) == {"type": "pong", "ref": 7}
    await communicator.disconnect()


async def test_anonymous_socket_is_closed_with_4401_so_the_browser_stops_retrying():
    communicator, connected, _ = await _connect([ORIGIN, await _session_cookie_for(None)])
    # Accepted then closed: a refused handshake would reach the browser as 1006, not 4401.
    assert connected
    assert await communicator.receive_output(timeout=5) == {"type": "websocket.close", "code": 4401}


async def test_foreign_origin_is_refused():
    user = await sync_to_async(UserFactory)()
    _communicator, connected, _ = await _connect(
        [(b"origin", b"http://evil.example.net"), await _session_cookie_for(user)]
    )
    assert not connected


async def test_missing_origin_is_refused():
    user = await sync_to_async(UserFactory)()
    _communicator, connected, _ = await _connect([await _session_cookie_for(user)])
    assert not connected


async def test_inactive_user_is_refused():
    user = await sync_to_async(UserFactory)()
    cookie = await _session_cookie_for(user)
    user.is_active = False
    await sync_to_async(user.save)()
    communicator, connected, _ = await _connect([ORIGIN, cookie])
    assert not connected or await communicator.receive_output(timeout=5) == {
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
    communicator, connected, _ = await _connect([ORIGIN, await _session_cookie_for(user)])
    assert connected
    await communicator.send_to(text_data=frame)
    answer = await communicator.receive_json_from(timeout=5)
    assert answer["type"] == "error"
    assert answer["code"] == code
    assert answer["message"]
    await communicator.send_to(text_data='{"type": "ping"}')
    assert (await communicator.receive_json_from(timeout=5))["type"] == "pong"
    await communicator.disconnect()


async def test_only_short_refs_are_echoed():
    user = await sync_to_async(UserFactory)()
    communicator, _connected, _ = await _connect([ORIGIN, await _session_cookie_for(user)])
    await communicator.send_to(text_data=json.dumps({"type": "ping", "ref": {"nested": [1, 2]}}))
    assert await communicator.receive_json_from(timeout=5) == {"type": "pong", "ref": None}
    await communicator.send_to(text_data=json.dumps({"type": "ping", "ref": "abc"}))
    assert await communicator.receive_json_from(timeout=5) == {"type": "pong", "ref": "abc"}
    await communicator.disconnect()


async def test_events_reach_every_tab_of_that_user_only():
    ana, ben = await sync_to_async(UserFactory)(), await sync_to_async(UserFactory)()
    tab1, ok1, _ = await _connect([ORIGIN, await _session_cookie_for(ana)])
    tab2, ok2, _ = await _connect([ORIGIN, await _session_cookie_for(ana)])
    other, ok3, _ = await _connect([ORIGIN, await _session_cookie_for(ben)])
    assert ok1
    assert ok2
    assert ok3
    await sync_to_async(send_to_group)(user_group(ana.pk), {"type": "hello", "n": 1})
    assert await tab1.receive_json_from(timeout=5) == {"type": "hello", "n": 1}
    assert await tab2.receive_json_from(timeout=5) == {"type": "hello", "n": 1}
    assert await other.receive_nothing(timeout=0.3)
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
    communicator, connected, _ = await _connect([ORIGIN, cookie])
    assert connected
    await sync_to_async(client.post)("/accounts/logout/")
    output = await communicator.receive_output(timeout=5)
    assert output == {"type": "websocket.close", "code": 4001}
