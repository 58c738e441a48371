"""Groups admin: archive and unarchive, search by member."""

import pytest
from django.urls import reverse

from groups.models import Group, Membership
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_archive_action_makes_groups_read_only_and_unarchive_undoes_it(admin_client):
    a = Group.objects.create(name="Alpha", slug="alpha")
    b = Group.objects.create(name="Beta", slug="beta")
    url = reverse("admin:groups_group_changelist")
    response = admin_client.post(url, {"action": "archive", "_selected_action": [a.pk]}, follow=True)
    assert "1 group archived." in response.text
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.is_archived
    assert not b.is_archived
    admin_client.post(url, {"action": "unarchive", "_selected_action": [a.pk]})
    a.refresh_from_db()
    assert not a.is_archived


def test_memberships_are_found_by_member_email(admin_client):
    group = Group.objects.create(name="Alpha", slug="alpha")
    ana = UserFactory(email="ana.search@example.com")
    Membership.objects.create(group=group, user=ana)
    Membership.objects.create(group=group, user=UserFactory())
    response = admin_client.get(reverse("admin:groups_membership_changelist"), {"q": "ana.search"})
    assert response.context["cl"].result_count == 1


def test_group_list_shows_member_counts(admin_client):
    group = Group.objects.create(name="Alpha", slug="alpha")
    for _ in range(3):
        Membership.objects.create(group=group, user=UserFactory())
    response = admin_client.get(reverse("admin:groups_group_changelist"))
    assert response.context["cl"].result_list[0]._member_count == 3
