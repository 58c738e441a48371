"""Group pages: what a person sees and can do, forms that keep input, query counts."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from groups.models import Group, Invitation, JoinRequest, Membership
from tests.factories import GroupFactory, UserFactory, add_member, png_upload, request_to_join

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def private_group():
    return GroupFactory(name="Design Crit", visibility=Group.Visibility.PRIVATE)


@pytest.fixture
def owner(private_group):
    return private_group.memberships.get(role=Membership.Role.OWNER).user


def _role(group, user):
    membership = Membership.objects.filter(group=group, user=user).first()
    return membership.role if membership else None


# Creating and editing ---------------------------------------------------------------------
def test_create_group_page_creates_and_redirects(client, user):
    _login(client, user)
    assert client.get("/groups/new/").status_code == 200
    response = client.post(
        "/groups/new/",
        {
            "name": "Coffee Lovers",
            "description": "Beans *and* brews",
            "visibility": "open",
            "cover": png_upload(),
        },
    )
    group = Group.objects.get(name="Coffee Lovers")
    assert response.status_code == 302
    assert response["Location"] == "/groups/coffee-lovers/"
    assert group.has_cover
    assert _role(group, user) == Membership.Role.OWNER
    page = client.get(response["Location"]).content.decode()
    assert "<em>and</em>" in page
    assert "Your group “Coffee Lovers” is ready." in page


def test_create_group_form_keeps_input_and_explains_errors(client, user):
    _login(client, user)
    GroupFactory(name="Taken", slug="taken")
    response = client.post(
        "/groups/new/",
        {
            "name": "My long-thought-out group",
            "slug": "taken",
            "description": "Three paragraphs I wrote",
            "visibility": "secret",
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Another group already uses this address." in html
    assert 'value="My long-thought-out group"' in html
    assert "Three paragraphs I wrote" in html
    assert re.search(r'value="secret"[^>]*checked', html)
    assert not Group.objects.filter(name="My long-thought-out group").exists()


def test_create_group_refuses_a_fake_image_and_keeps_the_text(client, user):
    _login(client, user)
    fake = SimpleUploadedFile("cover.png", b"GIF89a<script>", content_type="image/png")
    response = client.post(
        "/groups/new/", {"name": "Cats", "description": "Keep me", "visibility": "open", "cover": fake}
    )
    assert response.status_code == 400
    assert "not a JPEG, PNG, WebP or GIF image" in response.content.decode()
    assert "Keep me" in response.content.decode()
    assert not Group.objects.filter(name="Cats").exists()


def test_create_group_follows_the_creation_policy(client, user, set_site_policy):
    set_site_policy(group_creation="staff")
    _login(client, user)
    assert client.get("/groups/new/").status_code == 403
    assert "New group" not in client.get("/groups/").content.decode()


def test_settings_page_edits_for_admins_only(client, private_group, owner):
    member = add_member(private_group).user
    assert _login(client, member).get(f"/groups/{private_group.slug}/settings/").status_code == 403
    assert (
        client.post(
            f"/groups/{private_group.slug}/settings/", {"name": "Hijacked", "visibility": "open"}
        ).status_code
        == 403
    )
    admin = add_member(private_group, role=Membership.Role.ADMIN).user
    _login(client, admin)
    response = client.post(
        f"/groups/{private_group.slug}/settings/",
        {"name": "Design Critique", "slug": private_group.slug, "description": "", "visibility": "private"},
    )
    assert response.status_code == 302
    assert Group.objects.get(pk=private_group.pk).name == "Design Critique"
    bad = client.post(
        f"/groups/{private_group.slug}/settings/",
        {"name": "", "slug": "new", "visibility": "private", "description": "kept text"},
    )
    assert bad.status_code == 400
    assert "kept text" in bad.content.decode()


# Joining, requests, invitations -----------------------------------------------------------
def test_join_open_group_from_its_page(client, user):
    group = GroupFactory()
    _login(client, user)
    assert "Join group" in client.get(f"/groups/{group.slug}/").content.decode()
    response = client.post(f"/groups/{group.slug}/join/")
    assert response.status_code == 302
    assert _role(group, user) == Membership.Role.MEMBER


def test_private_group_asks_instead_of_joining(client, user, private_group):
    _login(client, user)
    page = client.get(f"/groups/{private_group.slug}/").content.decode()
    assert "Ask to join" in page
    assert "Join group" not in page
    assert client.post(f"/groups/{private_group.slug}/join/").status_code == 403
    response = client.post(f"/groups/{private_group.slug}/request/", {"message": "I design things"})
    assert response.status_code == 302
    request = JoinRequest.objects.get(group=private_group, user=user)
    assert request.message == "I design things"
    assert "Request pending" in client.get(f"/groups/{private_group.slug}/").content.decode()
    client.post(f"/groups/{private_group.slug}/request/cancel/")
    assert not JoinRequest.objects.filter(pk=request.pk).exists()


def test_requests_page_approve_and_deny_with_htmx(client, private_group, owner):
    first, second = request_to_join(private_group), request_to_join(private_group, message="<b>hi</b>")
    _login(client, owner)
    page = client.get(f"/groups/{private_group.slug}/requests/").content.decode()
    assert first.user.display_name in page
    assert "&lt;b&gt;hi&lt;/b&gt;" in page  # messages are escaped
    response = client.post(f"/groups/{private_group.slug}/requests/{first.pk}/approve/", **HTMX)
    assert response.status_code == 200
    assert "is now a member" in response.content.decode()
    assert _role(private_group, first.user) == Membership.Role.MEMBER
    client.post(f"/groups/{private_group.slug}/requests/{second.pk}/deny/", **HTMX)
    assert JoinRequest.objects.get(pk=second.pk).status == JoinRequest.Status.DENIED


def test_members_may_not_see_or_decide_requests(client, private_group):
    request = request_to_join(private_group)
    member = add_member(private_group).user
    _login(client, member)
    assert client.get(f"/groups/{private_group.slug}/requests/").status_code == 403
    assert client.post(f"/groups/{private_group.slug}/requests/{request.pk}/approve/").status_code == 403
    response = client.post(f"/groups/{private_group.slug}/requests/{request.pk}/approve/", **HTMX)
    assert response.status_code == 403
    assert response["HX-Retarget"] == "#group-feedback"
    assert "owners and admins" in response.content.decode()
    assert JoinRequest.objects.get(pk=request.pk).is_pending


def test_invite_by_email_with_htmx_and_errors_keep_input(client, private_group, owner):
    invitee = UserFactory(email="grace@example.com")
    _login(client, owner)
    response = client.post(
        f"/groups/{private_group.slug}/members/invite/", {"email": "grace@example.com"}, **HTMX
    )
    assert response.status_code == 200
    assert "Invitation sent to" in response.content.decode()
    assert Invitation.objects.filter(group=private_group, invitee=invitee).exists()
    bad = client.post(f"/groups/{private_group.slug}/members/invite/", {"email": "nobody@example.com"})
    assert bad.status_code == 400
    assert "No active colleague has this e-mail address." in bad.content.decode()
    assert 'value="nobody@example.com"' in bad.content.decode()


def test_members_may_not_invite(client, private_group):
    member = add_member(private_group).user
    _login(client, member)
    response = client.post(f"/groups/{private_group.slug}/members/invite/", {"email": UserFactory().email})
    assert response.status_code == 403
    assert not Invitation.objects.exists()
    assert "Invite a colleague" not in client.get(f"/groups/{private_group.slug}/members/").content.decode()


def test_invitations_inbox_lists_own_invitations_and_accepts(client, owner):
    secret = GroupFactory(name="Falcon", visibility=Group.Visibility.SECRET, owner=owner)
    mine = Invitation.objects.create(group=secret, invitee=(me := UserFactory()), inviter=owner)
    other = Invitation.objects.create(
        group=GroupFactory(name="Hidden Other", visibility="secret"), invitee=UserFactory()
    )
    _login(client, me)
    page = client.get("/groups/invitations/").content.decode()
    assert "Falcon" in page
    assert "Hidden Other" not in page
    assert client.get(f"/groups/{secret.slug}/").status_code == 404  # invited is not a member yet
    assert client.post(f"/groups/invitations/{other.pk}/accept/").status_code == 404
    response = client.post(f"/groups/invitations/{mine.pk}/accept/")
    assert response["Location"] == f"/groups/{secret.slug}/"
    assert client.get(f"/groups/{secret.slug}/").status_code == 200


def test_decline_invitation_with_htmx(client, private_group, owner):
    invitation = Invitation.objects.create(group=private_group, invitee=(me := UserFactory()), inviter=owner)
    _login(client, me)
    response = client.post(f"/groups/invitations/{invitation.pk}/decline/", **HTMX)
    assert "You declined the invitation" in response.content.decode()
    assert not Invitation.objects.exists()


# Leaving, removing, roles, archive --------------------------------------------------------
def test_last_owner_cannot_leave_and_is_told_why(client, private_group, owner):
    _login(client, owner)
    assert (
        "Owners transfer ownership before leaving"
        in client.get(f"/groups/{private_group.slug}/").content.decode()
    )
    response = client.post(f"/groups/{private_group.slug}/leave/")
    assert response.status_code == 403
    assert "transfer ownership" in response.content.decode()
    assert _role(private_group, owner) == Membership.Role.OWNER


def test_member_leaves_a_secret_group_and_lands_on_the_directory(client):
    secret = GroupFactory(visibility=Group.Visibility.SECRET)
    member = add_member(secret).user
    _login(client, member)
    response = client.post(f"/groups/{secret.slug}/leave/", **HTMX)
    assert response["HX-Redirect"] == "/groups/"
    assert client.get(f"/groups/{secret.slug}/").status_code == 404


def test_transfer_then_leave(client, private_group, owner):
    member = add_member(private_group)
    _login(client, owner)
    client.post(f"/groups/{private_group.slug}/transfer/", {"new_owner": member.pk})
    assert _role(private_group, member.user) == Membership.Role.OWNER
    assert client.post(f"/groups/{private_group.slug}/leave/").status_code == 302
    assert _role(private_group, owner) is None


def test_remove_and_change_role_on_the_members_page(client, private_group, owner):
    member = add_member(private_group).user
    other = add_member(private_group).user
    _login(client, owner)
    promoted = client.post(
        f"/groups/{private_group.slug}/members/{member.pk}/role/", {"role": "admin"}, **HTMX
    )
    assert "Make member" in promoted.content.decode()
    assert _role(private_group, member) == Membership.Role.ADMIN
    removed = client.post(f"/groups/{private_group.slug}/members/{other.pk}/remove/", **HTMX)
    assert "was removed" in removed.content.decode()
    assert _role(private_group, other) is None
    _login(client, member)  # an admin may not remove the owner
    assert client.post(f"/groups/{private_group.slug}/members/{owner.pk}/remove/").status_code == 403


def test_archive_makes_the_page_read_only(client, owner):
    group = GroupFactory(owner=owner)
    _login(client, owner)
    client.post(f"/groups/{group.slug}/archive/")
    assert Group.objects.get(pk=group.pk).is_archived
    outsider = UserFactory()
    page = _login(client, outsider).get(f"/groups/{group.slug}/").content.decode()
    assert "Archived" in page
    assert "Join group" not in page
    assert client.post(f"/groups/{group.slug}/join/").status_code == 403
    _login(client, owner).post(f"/groups/{group.slug}/unarchive/")
    assert not Group.objects.get(pk=group.pk).is_archived


# Directory --------------------------------------------------------------------------------
def test_directory_searches_and_filters_mine(client, user):
    mine = GroupFactory(name="Chess Club", description="Openings and endgames")
    add_member(mine, user)
    GroupFactory(name="Cycling")
    _login(client, user)
    found = client.get("/groups/?q=endgames").content.decode()
    assert "Chess Club" in found
    assert "Cycling" not in found
    only_mine = client.get("/groups/?filter=mine").content.decode()
    assert "Chess Club" in only_mine
    assert "Cycling" not in only_mine
    partial = client.get("/groups/?q=cycl", HTTP_HX_TARGET="group-results", **HTMX).content.decode()
    assert "Cycling" in partial
    assert "<html" not in partial


def test_group_pages_have_no_inline_script_style_or_handlers(client, private_group, owner):
    request_to_join(private_group)
    _login(client, owner)
    for path in (
        "/groups/",
        "/groups/new/",
        "/groups/invitations/",
        f"/groups/{private_group.slug}/",
        f"/groups/{private_group.slug}/members/",
        f"/groups/{private_group.slug}/requests/",
        f"/groups/{private_group.slug}/settings/",
    ):
        html = client.get(path).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
        assert not re.search(r"\sstyle=|\son[a-z]+=|hx-on", html), path


# Query counts: flat however many rows ------------------------------------------------------
def _bulk_groups(viewer, n):
    groups = []
    for i in range(n):
        group = GroupFactory(
            name=f"Bulk {i}",
            visibility=["open", "private", "secret"][i % 3],
            cover=png_upload() if i % 5 == 0 else None,
        )
        if i % 2 == 0:
            add_member(group, viewer)
        elif i % 3 == 1:
            request_to_join(group, viewer)
        add_member(group)
        groups.append(group)
    return groups


def test_directory_query_count_is_flat(client, user, django_assert_max_num_queries):
    # Budgets include the base layout (nav moderator check, notification bell, content types).
    _bulk_groups(user, 40)
    _login(client, user)
    with django_assert_max_num_queries(7):
        response = client.get("/groups/")
    assert response.content.decode().count('class="card group-card"') == 30


def test_members_page_query_count_is_flat(client, private_group, owner, django_assert_max_num_queries):
    for _ in range(60):
        add_member(private_group)
    _login(client, owner)
    with django_assert_max_num_queries(14):
        response = client.get(f"/groups/{private_group.slug}/members/")
    assert response.content.decode().count('class="member-row"') == 50


def test_requests_page_query_count_is_flat(client, private_group, owner, django_assert_max_num_queries):
    for _ in range(30):
        request_to_join(private_group, message="please")
    _login(client, owner)
    with django_assert_max_num_queries(12):
        response = client.get(f"/groups/{private_group.slug}/requests/")
    assert response.content.decode().count('class="member-row"') == 30


def test_invitations_inbox_query_count_is_flat(client, user, django_assert_max_num_queries):
    for _ in range(20):
        group = GroupFactory(visibility=Group.Visibility.SECRET)
        Invitation.objects.create(group=group, invitee=user, inviter=group.creator)
    _login(client, user)
    with django_assert_max_num_queries(6):
        response = client.get("/groups/invitations/")
    assert response.content.decode().count('class="card invitation"') == 20


# The group's chat room (messaging) --------------------------------------------------------
def test_group_page_has_a_chat_tab_for_members_only(client, django_capture_on_commit_callbacks):
    from messaging.models import Conversation

    owner = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        group = GroupFactory(name="Chatty", owner=owner)
    member, outsider = add_member(group).user, UserFactory()
    tab = 'href="/chat/group/chatty/">Chat</a>'
    for person in (owner, member):
        assert tab in _login(client, person).get("/groups/chatty/").text
        response = client.get("/chat/group/chatty/")
        room = Conversation.objects.get(group=group)  # created with the group
        assert response["Location"] == f"/chat/{room.pk}/"
    page = _login(client, outsider).get("/groups/chatty/").text
    assert "Chatty" in page
    assert "/chat/group/" not in page
    assert client.get("/chat/group/chatty/").status_code == 404
