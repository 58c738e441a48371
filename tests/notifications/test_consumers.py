"""The live unread count over the shared /ws/ socket."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from notifications.kinds import Kind
from notifications.services import notification_mark_read, notify
from socialco.asgi import application
from tests.factories import UserFactory
from tests.notifications.conftest import make_group

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


async def test_live_count_reaches_every_tab_of_the_recipient_only_after_commit():
    owner = await sync_to_async(UserFactory)()
    invitee = await sync_to_async(UserFactory)()
    outsider = await sync_to_async(UserFactory)()
    group = await sync_to_async(make_group)(visibility="private", owner=owner)
    tab1, tab2, owner_tab, outsider_tab = (
        await _socket(invitee),
        await _socket(invitee),
        await _socket(owner),
        await _socket(outsider),
    )

    rows = await sync_to_async(notify)(
        recipients=[invitee, owner], kind=Kind.GROUP_INVITATION, actor=owner, target=group
    )
    assert await tab1.receive_json_from(timeout=5) == {"type": "notification.count", "unread": 1}
    assert await tab2.receive_json_from(timeout=5) == {"type": "notification.count", "unread": 1}
    assert await owner_tab.receive_nothing(timeout=0.3)  # the actor hears nothing
    assert await outsider_tab.receive_nothing(timeout=0.1)

    await sync_to_async(notification_mark_read)(user=invitee, notification_id=rows[0].pk)
    assert await tab1.receive_json_from(timeout=5) == {"type": "notification.count", "unread": 0}
    assert await tab2.receive_json_from(timeout=5) == {"type": "notification.count", "unread": 0}
    for communicator in (tab1, tab2, owner_tab, outsider_tab):
        await communicator.disconnect()


async def test_no_live_count_for_someone_who_cannot_see_the_target():
    owner = await sync_to_async(UserFactory)()
    outsider = await sync_to_async(UserFactory)()
    secret = await sync_to_async(make_group)(visibility="secret", owner=owner)
    tab = await _socket(outsider)
    await sync_to_async(notify)(recipients=[outsider], kind=Kind.GROUP_INVITATION, actor=owner, target=secret)
    assert await tab.receive_nothing(timeout=0.3)
    await tab.disconnect()
