"""People admin: deactivate / reactivate, HR moderators, filters."""

import pytest
from django.contrib.auth.models import Group as AuthGroup
from django.urls import reverse

from profiles.models import MODERATORS_GROUP, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:profiles_user_changelist")


@pytest.fixture
def admin_user(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def _act(client, action, users):
    return client.post(CHANGELIST, {"action": action, "_selected_action": [u.pk for u in users]}, follow=True)


def test_deactivation_ends_the_persons_sessions_at_once(admin_client, user):
    from django.test import Client

    theirs = Client()
    theirs.force_login(user)
    assert theirs.get("/").status_code == 200
    response = _act(admin_client, "deactivate", [user])
    assert "1 account deactivated" in response.text
    user.refresh_from_db()
    assert not user.is_active
    assert theirs.get("/").status_code == 302  # signed out
    assert "_auth_user_id" not in theirs.session


def test_admins_cannot_deactivate_themselves(admin_client, admin_user):
    response = _act(admin_client, "deactivate", [admin_user])
    assert "You cannot deactivate your own account." in response.text
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_reactivation_lets_the_person_sign_in_again(admin_client, client):
    from tests.factories import PASSWORD

    person = UserFactory(is_active=False)
    _act(admin_client, "reactivate", [person])
    person.refresh_from_db()
    assert person.is_active
    client.logout()
    response = client.post(reverse("account_login"), {"login": person.email, "password": PASSWORD})
    assert response.status_code == 302


def test_admins_add_and_remove_hr_moderators(admin_client, user, other_user):
    _act(admin_client, "make_hr_moderator", [user, other_user])
    moderators, _ = AuthGroup.objects.get_or_create(name=MODERATORS_GROUP)
    assert set(moderators.user_set.all()) == {user, other_user}
    assert User.objects.get(pk=user.pk).is_moderator

    response = admin_client.get(CHANGELIST, {"hr_moderator": "yes"})
    assert user.email in response.text
    assert other_user.email in response.text
    _act(admin_client, "remove_hr_moderator", [other_user])
    response = admin_client.get(CHANGELIST, {"hr_moderator": "yes"})
    assert user.email in response.text
    assert other_user.email not in response.text
    response = admin_client.get(CHANGELIST, {"hr_moderator": "no"})
    assert other_user.email in response.text


def test_staff_without_change_permission_cannot_deactivate(client, staff_user, user):
    from django.contrib.auth.models import Permission

    staff_user.user_permissions.add(Permission.objects.get(codename="view_user"))
    client.force_login(staff_user)
    _act(client, "deactivate", [user])
    user.refresh_from_db()
    assert user.is_active
