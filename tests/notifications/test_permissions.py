"""The notification gate: only the recipient, only while the target is visible to them."""

from __future__ import annotations

import pytest
from django.http import Http404

from groups.models import Group
from notifications.kinds import KIND_SPECS, Kind
from notifications.permissions import (
    can_view_notification,
    check_view_notification_permission,
    filter_visible_notifications,
)
from notifications.services import notify
from tests.factories import UserFactory
from tests.notifications.conftest import make_group

pytestmark = pytest.mark.django_db


def test_every_kind_has_a_spec_and_a_sentence():
    assert set(KIND_SPECS) == set(Kind)
    for spec in KIND_SPECS.values():
        assert spec.sentence("Ana", 1, "Runners", {})


@pytest.fixture
def invitation():
    owner, invitee = UserFactory(), UserFactory()
    group = make_group(visibility="open", owner=owner)
    return notify(recipients=[invitee], kind=Kind.GROUP_INVITATION, actor=owner, target=group)[0]


def test_recipient_may_view_and_anyone_else_may_not(invitation):
    stranger = UserFactory()
    assert can_view_notification(invitation.recipient, invitation)
    assert not can_view_notification(stranger, invitation)
    assert (
        check_view_notification_permission(invitation.recipient, notification_id=invitation.pk) == invitation
    )
    with pytest.raises(Http404):
        check_view_notification_permission(stranger, notification_id=invitation.pk)
    assert list(filter_visible_notifications(stranger)) == []


def test_hidden_target_closes_every_door(invitation):
    Group.objects.filter(pk=invitation.target_id).update(visibility="secret")
    invitation.refresh_from_db()
    recipient = invitation.recipient
    assert not can_view_notification(recipient, invitation)
    assert list(filter_visible_notifications(recipient)) == []
    with pytest.raises(Http404):
        check_view_notification_permission(recipient, notification_id=invitation.pk)


def test_inactive_recipient_sees_nothing(invitation):
    recipient = invitation.recipient
    recipient.is_active = False
    recipient.save()
    assert not can_view_notification(recipient, invitation)
    assert list(filter_visible_notifications(recipient)) == []
