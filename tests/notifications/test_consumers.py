"""The live unread count over the shared /ws/ socket."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from notifications.kinds import Kind
from notifications.services import notification_mark_read, notify
from tests import sockets as ws
from tests.factories import UserFactory
from tests.notifications.conftest import make_group

pytestmark = pytest.mark.django_db(transaction=True)


async def test_live_count_reaches_every_tab_of_the_recipient_only_after_commit():
    owner = await sync_to_async(UserFactory)()
    invitee = await sync_to_async(UserFactory)()
    outsider = await sync_to_async(UserFactory)()
    group = await sync_to_async(make_group)(visibility="private", owner=owner)
    tab1, tab2, owner_tab, outsider_tab = (
        await ws.connect(invitee),
        await ws.connect(invitee),
        await ws.connect(owner),
        await ws.connect(outsider),
    )

    rows = await sync_to_async(notify)(
        recipients=[invitee, owner], kind=Kind.GROUP_INVITATION, actor=owner, target=group
    )
    assert await ws.frames(tab1, 1, background=()) == [{"type": "notification.count", "unread": 1}]
    assert await ws.frames(tab2, 1, background=()) == [{"type": "notification.count", "unread": 1}]
    assert await ws.nothing(owner_tab)  # the actor hears nothing
    assert await ws.nothing(outsider_tab)

    await sync_to_async(notification_mark_read)(user=invitee, notification_id=rows[0].pk)
    assert await ws.frames(tab1, 1, background=()) == [{"type": "notification.count", "unread": 0}]
    assert await ws.frames(tab2, 1, background=()) == [{"type": "notification.count", "unread": 0}]
    for communicator in (tab1, tab2, owner_tab, outsider_tab):
        await communicator.disconnect()


async def test_no_live_count_for_someone_who_cannot_see_the_target():
    owner = await sync_to_async(UserFactory)()
    outsider = await sync_to_async(UserFactory)()
    secret = await sync_to_async(make_group)(visibility="secret", owner=owner)
    tab = await ws.connect(outsider)
    await sync_to_async(notify)(recipients=[outsider], kind=Kind.GROUP_INVITATION, actor=owner, target=secret)
    assert await ws.nothing(tab)
    await tab.disconnect()
