import pytest
from django.http import Http404

from profiles.permissions import (
    can_edit_profile,
    can_endorse,
    can_follow,
    can_message,
    can_view_contact_details,
    check_follow_permission,
    check_view_profile_permission,
    filter_visible_people,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_filter_visible_people_lists_active_colleagues_to_active_viewers(user, other_user):
    former = UserFactory(is_active=False)
    assert set(filter_visible_people(user)) == {user, other_user}
    assert former not in filter_visible_people(other_user)
    user.is_active = False
    assert not filter_visible_people(user).exists()


def test_check_view_profile_permission_opens_former_employees_but_not_missing_ids(user):
    former = UserFactory(is_active=False)
    assert check_view_profile_permission(user, person_id=former.pk) == former
    with pytest.raises(Http404):
        check_view_profile_permission(user, person_id=former.pk + 1000)
    user.is_active = False
    with pytest.raises(Http404):
        check_view_profile_permission(user, person_id=former.pk)


def test_contact_details_only_for_current_colleagues(user, other_user):
    former = UserFactory(is_active=False)
    assert can_view_contact_details(user, other_user)
    assert not can_view_contact_details(user, former)


def test_only_the_person_edits_their_profile(user, other_user, staff_user):
    assert can_edit_profile(user, user)
    assert not can_edit_profile(other_user, user)
    assert not can_edit_profile(staff_user, user)  # admins use Django admin


def test_follow_endorse_and_message_need_two_different_active_people(user, other_user):
    former = UserFactory(is_active=False)
    for check in (can_follow, can_endorse, can_message):
        assert check(user, other_user)
        assert not check(user, user)
        assert not check(user, former)


def test_check_follow_permission_hides_self_and_former_employees(user, other_user):
    former = UserFactory(is_active=False)
    assert check_follow_permission(user, person_id=other_user.pk) == other_user
    for person_id in (user.pk, former.pk, 999_999):
        with pytest.raises(Http404):
            check_follow_permission(user, person_id=person_id)
