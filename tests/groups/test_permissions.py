"""The core of the visibility gate, at the function level (the door-by-door matrix builds on it)."""

import pytest
from django.http import Http404

from groups.models import Group, Membership
from groups.permissions import (
    can_view_group,
    can_view_group_content,
    check_view_group_permission,
    filter_content_visible_groups,
    filter_visible_groups,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    owner = UserFactory()
    groups = {}
    for visibility in Group.Visibility:
        group = Group.objects.create(name=visibility.label, slug=visibility.value, visibility=visibility)
        Membership.objects.create(group=group, user=owner, role=Membership.Role.OWNER)
        groups[visibility.value] = group
    return owner, groups


@pytest.mark.parametrize(
    ("visibility", "outsider_sees_group", "outsider_sees_content"),
    [("open", True, True), ("private", True, False), ("secret", False, False)],
)
def test_gate_for_outsider_and_member(world, visibility, outsider_sees_group, outsider_sees_content):
    owner, groups = world
    group = groups[visibility]
    outsider = UserFactory()
    assert can_view_group(outsider, group) is outsider_sees_group
    assert can_view_group_content(outsider, group) is outsider_sees_content
    assert (group in filter_visible_groups(outsider)) is outsider_sees_group
    assert (group in filter_content_visible_groups(outsider)) is outsider_sees_content
    assert can_view_group(owner, group)
    assert can_view_group_content(owner, group)


def test_secret_group_answers_like_a_missing_one(world):
    _, groups = world
    outsider = UserFactory()
    with pytest.raises(Http404):
        check_view_group_permission(outsider, slug="secret")
    with pytest.raises(Http404):
        check_view_group_permission(outsider, slug="no-such-group")
    with pytest.raises(Http404):
        check_view_group_permission(outsider, group_id=groups["secret"].pk)


def test_staff_and_superusers_get_no_secret_access_by_role(world):
    _, groups = world
    admin = UserFactory(is_staff=True, is_superuser=True)
    assert not can_view_group(admin, groups["secret"])
    assert groups["secret"] not in filter_visible_groups(admin)


def test_deactivated_member_sees_nothing(world):
    owner, groups = world
    owner.is_active = False
    assert not filter_visible_groups(owner).exists()
    assert not can_view_group_content(owner, groups["secret"])
