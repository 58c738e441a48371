"""Deactivation: content stays, sessions end, open sockets close at once."""

import pytest
from asgiref.sync import sync_to_async
from django.contrib.sessions.models import Session
from django.test import Client

from profiles.accounts import accounts_deactivate, accounts_reactivate, sessions_end
from tests import sockets as ws
from tests.factories import UserFactory


@pytest.mark.django_db(transaction=True)
async def test_deactivation_closes_the_persons_open_sockets_and_keeps_others():
    person = await sync_to_async(UserFactory)()
    colleague = await sync_to_async(UserFactory)()
    admin = await sync_to_async(UserFactory)(is_staff=True, is_superuser=True)
    sockets = []
    for who in (person, person, colleague):  # two tabs of the person, one of a colleague
        sockets.append(await ws.connect(who))

    await sync_to_async(accounts_deactivate)(users=[person], actor=admin)

    for tab in sockets[:2]:
        closed = await tab.receive_output(timeout=ws.WAIT)
        assert closed == {"type": "websocket.close", "code": 4001}
    colleague_socket = sockets[2]
    assert await ws.send(colleague_socket, {"type": "ping", "ref": 1}) == [{"type": "pong", "ref": 1}]
    await colleague_socket.disconnect()

    # A new socket is refused, even with a fresh session cookie.
    again, connected, _ = await ws.handshake([ws.ORIGIN, await ws.session_cookie(person)])
    assert connected  # accepted, then closed at once with 4401 so the browser stops retrying
    assert await again.receive_output(timeout=ws.WAIT) == {"type": "websocket.close", "code": 4401}


@pytest.mark.django_db
def test_deactivation_deletes_only_that_persons_sessions(user, other_user):
    for who in (user, user, other_user):
        Client().force_login(who)
    assert Session.objects.count() == 3
    accounts_deactivate(users=[user], actor=None)
    assert Session.objects.count() == 1
    assert sessions_end(user_ids=[]) == 0


@pytest.mark.django_db
def test_deactivation_skips_the_actor_and_inactive_accounts(user, staff_user):
    inactive = UserFactory(is_active=False)
    done = accounts_deactivate(users=[user, staff_user, inactive], actor=staff_user)
    assert done == [user]
    staff_user.refresh_from_db()
    assert staff_user.is_active
    assert accounts_reactivate(users=[user, staff_user]) == [user]
