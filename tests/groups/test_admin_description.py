import pytest

from groups.models import Group
from tests.factories import GroupFactory, add_member, request_to_join

pytestmark = pytest.mark.django_db


def test_admin_lists_and_edits_groups_and_renders_the_description(client, staff_user):
    staff_user.is_superuser = True
    staff_user.save()
    group = GroupFactory(visibility=Group.Visibility.PRIVATE)
    add_member(group)
    request_to_join(group)
    client.force_login(staff_user)
    for path in (
        "/admin/groups/group/",
        f"/admin/groups/group/{group.pk}/change/",
        "/admin/groups/membership/",
        "/admin/groups/joinrequest/",
        "/admin/groups/invitation/",
    ):
        assert client.get(path).status_code == 200, path
    data = {
        "name": group.name,
        "slug": group.slug,
        "description": "*fixed*",
        "visibility": "private",
        "creator": group.creator_id,
        "created_at_0": "2026-01-01",
        "created_at_1": "10:00:00",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    response = client.post(f"/admin/groups/group/{group.pk}/change/", data)
    assert response.status_code == 302
    assert Group.objects.get(pk=group.pk).description_html == "<p><em>fixed</em></p>\n"
