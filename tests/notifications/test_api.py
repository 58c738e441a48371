"""/api/v1/notifications/: list (cursor), mark read, mark all read, unread count, preferences."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from groups.models import Group
from notifications.kinds import Kind
from notifications.models import Notification, NotificationPreference
from notifications.services import notify
from tests.factories import UserFactory
from tests.notifications.conftest import make_group

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def invite(recipient, *, group=None, actor=None):
    actor = actor or UserFactory(display_name="Cleo Admin")
    group = group or make_group(visibility="private", owner=actor, name="Runners")
    return notify(recipients=[recipient], kind=Kind.GROUP_INVITATION, actor=actor, target=group)[0]


def test_api_list_is_cursor_paginated_and_describes_each_notification(api):
    user = UserFactory()
    for _ in range(30):
        invite(user)
    api.force_authenticate(user)
    first = api.get(reverse("api:notifications")).json()
    assert len(first["results"]) == 25
    item = first["results"][0]
    assert item["kind"] == "group_invitation"
    assert item["text"] == "Cleo Admin invited you to join Runners"
    assert item["actor"]["display_name"] == "Cleo Admin"
    assert item["target"]["type"] == "groups.group"
    assert item["is_read"] is False
    second = api.get(first["next"]).json()
    assert len(second["results"]) == 5
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}


def test_api_list_query_count_is_flat(api, django_assert_max_num_queries):
    user = UserFactory()
    actors = [UserFactory() for _ in range(4)]
    for i in range(50):
        invite(user, actor=actors[i % 4], group=make_group(visibility="open", owner=actors[i % 4]))
        notify(recipients=[user], kind=Kind.NEW_FOLLOWER, actor=actors[i % 4], target=actors[i % 4])
    api.force_authenticate(user)
    # the viewer's moderator flag (moderation's part of the post gate; asked once per request,
    # earlier bell counts no longer happen to cache it on this object) + list rows (gate
    # inside) + one query per target type
    with django_assert_max_num_queries(4):
        response = api.get(reverse("api:notifications"), {"page_size": 100})
    assert len(response.json()["results"]) == 100


def test_api_list_hides_other_peoples_and_hidden_targets(api):
    user, other, owner = UserFactory(), UserFactory(), UserFactory()
    invite(other)
    group = make_group(visibility="open", owner=owner)
    invite(user, group=group, actor=owner)
    Group.objects.filter(pk=group.pk).update(visibility="secret")
    api.force_authenticate(user)
    assert api.get(reverse("api:notifications")).json()["results"] == []
    assert api.get(reverse("api:notifications-unread-count")).json() == {"unread": 0}


def test_api_mark_read_and_unread_count(api):
    user = UserFactory()
    first = invite(user)
    invite(user)
    api.force_authenticate(user)
    assert api.get(reverse("api:notifications-unread-count")).json() == {"unread": 2}
    response = api.post(reverse("api:notifications-mark-read", args=[first.pk]))
    assert response.status_code == 200
    assert response.json()["is_read"] is True
    assert api.get(reverse("api:notifications-unread-count")).json() == {"unread": 1}
    assert api.get(reverse("api:notifications"), {"unread": "true"}).json()["results"][0]["id"] != first.pk


def test_api_mark_read_of_someone_elses_notification_is_404(api):
    owner, stranger = UserFactory(), UserFactory()
    notification = invite(owner)
    api.force_authenticate(stranger)
    assert api.post(reverse("api:notifications-mark-read", args=[notification.pk])).status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_api_mark_all_read(api):
    user = UserFactory()
    for _ in range(3):
        invite(user)
    api.force_authenticate(user)
    assert api.post(reverse("api:notifications-mark-all-read")).json() == {"marked": 3, "unread": 0}
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_api_preferences_read_and_partial_update(api):
    user = UserFactory()
    api.force_authenticate(user)
    current = api.get(reverse("api:notifications-preferences")).json()
    assert set(current["deliveries"]) == set(Kind.values)
    assert current["digest_period"] == "daily"
    response = api.patch(
        reverse("api:notifications-preferences"),
        {"deliveries": {"mention": "off"}, "digest_period": "weekly"},
    )
    assert response.status_code == 200
    assert response.json()["deliveries"]["mention"] == "off"
    assert response.json()["digest_period"] == "weekly"
    assert NotificationPreference.objects.get(user=user, kind="mention").delivery == "off"


def test_api_preferences_bad_input_gets_field_errors(api):
    user = UserFactory()
    api.force_authenticate(user)
    response = api.patch(
        reverse("api:notifications-preferences"),
        {"deliveries": {"mention": "pigeon", "telepathy": "off"}, "digest_period": "hourly"},
    )
    assert response.status_code == 400
    assert set(response.json()) == {"deliveries", "digest_period"}
    assert not NotificationPreference.objects.exists()


def test_api_needs_authentication(api):
    for name in ("api:notifications", "api:notifications-unread-count", "api:notifications-preferences"):
        assert api.get(reverse(name)).status_code == 401


def test_api_root_lists_the_notification_endpoints(api):
    api.force_authenticate(UserFactory())
    root = api.get(reverse("api:root")).json()
    assert {"notifications", "notifications-unread-count", "notifications-preferences"} <= set(root)
