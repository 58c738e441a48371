"""/api/v1/groups/: the same gate and services as the pages, answered the API way."""

import pytest
from rest_framework.test import APIClient

from groups.models import Group, Invitation, JoinRequest, Membership
from tests.factories import GroupFactory, UserFactory, add_member, png_upload, request_to_join

pytestmark = pytest.mark.django_db


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def private_group():
    return GroupFactory(name="Analytics", visibility=Group.Visibility.PRIVATE)


@pytest.fixture
def owner(private_group):
    return private_group.memberships.get(role=Membership.Role.OWNER).user


def test_api_root_lists_the_groups_endpoints(user):
    data = _api(user).get("/api/v1/").json()
    assert data["groups"].endswith("/api/v1/groups/")
    assert data["group-invitations"].endswith("/api/v1/groups/invitations/")


def test_api_create_then_read_and_update(user):
    client = _api(user)
    response = client.post(
        "/api/v1/groups/",
        {"name": "API Group", "description": "**x**", "visibility": "private", "cover": png_upload()},
        format="multipart",
    )
    assert response.status_code == 201
    data = response.json()
    assert data["slug"] == "api-group"
    assert data["description_html"] == "<p><strong>x</strong></p>\n"
    assert data["viewer_role"] == "owner"
    assert data["member_count"] == 1
    assert data["cover"]["small"].startswith("http://testserver/groups/api-group/cover/small/")
    updated = client.patch(f"/api/v1/groups/{data['id']}/", {"name": "API Group 2"}, format="json")
    assert updated.status_code == 200
    assert updated.json()["name"] == "API Group 2"
    assert client.get(f"/api/v1/groups/by-slug/{data['slug']}/").json()["id"] == data["id"]


def test_api_create_answers_400_with_field_errors(user):
    response = _api(user).post("/api/v1/groups/", {"name": "", "visibility": "hidden"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"name", "visibility"}
    reserved = _api(user).post("/api/v1/groups/", {"name": "X", "slug": "new"}, format="json")
    assert reserved.status_code == 400
    assert "slug" in reserved.json()


def test_api_update_refused_to_members(private_group):
    member = add_member(private_group).user
    response = _api(member).patch(f"/api/v1/groups/{private_group.pk}/", {"name": "Mine"}, format="json")
    assert response.status_code == 403
    assert "owners and admins" in response.json()["detail"]


def test_api_list_search_and_mine(user):
    mine = GroupFactory(name="Kotlin Friends")
    add_member(mine, user)
    GroupFactory(name="Gardening")
    client = _api(user)
    assert [g["name"] for g in client.get("/api/v1/groups/?q=kotlin").json()["results"]] == ["Kotlin Friends"]
    assert [g["name"] for g in client.get("/api/v1/groups/?mine=1").json()["results"]] == ["Kotlin Friends"]


def test_api_members_of_a_private_group_are_for_members(private_group, owner):
    outsider = UserFactory()
    response = _api(outsider).get(f"/api/v1/groups/{private_group.pk}/members/")
    assert response.status_code == 403
    assert owner.display_name not in response.content.decode()
    members = _api(owner).get(f"/api/v1/groups/{private_group.pk}/members/").json()["results"]
    assert [m["user"]["id"] for m in members] == [owner.pk]


def test_api_membership_flow_request_approve_role_leave(private_group, owner):
    requester = UserFactory()
    created = _api(requester).post(
        f"/api/v1/groups/{private_group.pk}/request/", {"message": "hi"}, format="json"
    )
    assert created.status_code == 201
    request_id = created.json()["id"]
    member = add_member(private_group).user
    assert (
        _api(member).post(f"/api/v1/groups/{private_group.pk}/requests/{request_id}/approve/").status_code
        == 403
    )
    assert _api(member).get(f"/api/v1/groups/{private_group.pk}/requests/").status_code == 403
    pending = _api(owner).get(f"/api/v1/groups/{private_group.pk}/requests/").json()["results"]
    assert [r["id"] for r in pending] == [request_id]
    approved = _api(owner).post(f"/api/v1/groups/{private_group.pk}/requests/{request_id}/approve/")
    assert approved.json()["status"] == "approved"
    role = _api(owner).patch(
        f"/api/v1/groups/{private_group.pk}/members/{requester.pk}/", {"role": "admin"}, format="json"
    )
    assert role.json()["role"] == "admin"
    assert _api(requester).post(f"/api/v1/groups/{private_group.pk}/leave/").status_code == 204
    assert not Membership.objects.filter(group=private_group, user=requester).exists()


def test_api_deny_and_cancel(private_group, owner):
    denied = request_to_join(private_group)
    response = _api(owner).post(f"/api/v1/groups/{private_group.pk}/requests/{denied.pk}/deny/")
    assert response.json()["status"] == "denied"
    again = _api(owner).post(f"/api/v1/groups/{private_group.pk}/requests/{denied.pk}/approve/")
    assert again.status_code == 400
    cancelled = request_to_join(private_group)
    assert _api(cancelled.user).delete(f"/api/v1/groups/{private_group.pk}/request/").status_code == 204
    assert not JoinRequest.objects.filter(pk=cancelled.pk).exists()


def test_api_join_open_and_refuse_private(private_group):
    open_group = GroupFactory()
    user = UserFactory()
    assert _api(user).post(f"/api/v1/groups/{open_group.pk}/join/").status_code == 201
    response = _api(user).post(f"/api/v1/groups/{private_group.pk}/join/")
    assert response.status_code == 403
    assert "ask to join" in response.json()["detail"]


def test_api_invite_accept_decline(private_group, owner):
    invitee, other = UserFactory(), UserFactory()
    member = add_member(private_group).user
    assert (
        _api(member)
        .post(f"/api/v1/groups/{private_group.pk}/invitations/", {"user": invitee.pk}, format="json")
        .status_code
        == 403
    )
    response = _api(owner).post(
        f"/api/v1/groups/{private_group.pk}/invitations/", {"user": invitee.pk}, format="json"
    )
    assert response.status_code == 201
    invitation_id = response.json()["id"]
    assert _api(owner).post(
        f"/api/v1/groups/{private_group.pk}/invitations/", {"user": 999999}, format="json"
    ).json() == {"user": ["No active colleague has this id."]}
    assert [i["id"] for i in _api(invitee).get("/api/v1/groups/invitations/").json()["results"]] == [
        invitation_id
    ]
    assert _api(other).get("/api/v1/groups/invitations/").json()["results"] == []
    assert _api(other).post(f"/api/v1/groups/invitations/{invitation_id}/accept/").status_code == 404
    assert (
        _api(invitee).post(f"/api/v1/groups/invitations/{invitation_id}/accept/").json()["role"] == "member"
    )
    second = Invitation.objects.create(group=private_group, invitee=other, inviter=owner)
    assert _api(other).post(f"/api/v1/groups/invitations/{second.pk}/decline/").status_code == 204


def test_api_last_owner_cannot_leave_but_can_transfer(private_group, owner):
    member = add_member(private_group).user
    response = _api(owner).post(f"/api/v1/groups/{private_group.pk}/leave/")
    assert response.status_code == 403
    assert "transfer ownership" in response.json()["detail"]
    transferred = _api(owner).post(
        f"/api/v1/groups/{private_group.pk}/transfer/", {"user": member.pk}, format="json"
    )
    assert transferred.json()["role"] == "owner"
    assert _api(owner).post(f"/api/v1/groups/{private_group.pk}/leave/").status_code == 204


def test_api_remove_member_and_archive(private_group, owner):
    member = add_member(private_group).user
    admin = add_member(private_group, role=Membership.Role.ADMIN).user
    assert _api(admin).delete(f"/api/v1/groups/{private_group.pk}/members/{owner.pk}/").status_code == 403
    assert _api(admin).delete(f"/api/v1/groups/{private_group.pk}/members/{member.pk}/").status_code == 204
    assert _api(admin).post(f"/api/v1/groups/{private_group.pk}/archive/").json()["is_archived"] is True
    assert (
        _api(owner)
        .post(f"/api/v1/groups/{private_group.pk}/invitations/", {"user": UserFactory().pk}, format="json")
        .status_code
        == 403
    )
    assert _api(owner).post(f"/api/v1/groups/{private_group.pk}/unarchive/").json()["is_archived"] is False


def test_api_rate_limit_answers_429(private_group, owner, monkeypatch):
    from groups import services

    monkeypatch.setattr(services, "INVITATION_RATE", (1, 60))
    client = _api(owner)
    assert (
        client.post(
            f"/api/v1/groups/{private_group.pk}/invitations/", {"user": UserFactory().pk}, format="json"
        ).status_code
        == 201
    )
    assert (
        client.post(
            f"/api/v1/groups/{private_group.pk}/invitations/", {"user": UserFactory().pk}, format="json"
        ).status_code
        == 429
    )


def test_api_list_query_count_is_flat(user, django_assert_max_num_queries):
    for i in range(40):
        group = GroupFactory(
            visibility=["open", "private", "secret"][i % 3], cover=png_upload() if i % 4 == 0 else None
        )
        if i % 2 == 0:
            add_member(group, user)
    client = _api(user)
    with django_assert_max_num_queries(1):
        response = client.get("/api/v1/groups/?page_size=50")
    assert len(response.json()["results"]) == 40 - 6  # the secret ones the user is not in are missing


def test_api_members_query_count_is_flat(private_group, owner, django_assert_max_num_queries):
    for _ in range(40):
        add_member(private_group)
    client = _api(owner)
    with django_assert_max_num_queries(3):
        response = client.get(f"/api/v1/groups/{private_group.pk}/members/?page_size=100")
    assert len(response.json()["results"]) == 41
