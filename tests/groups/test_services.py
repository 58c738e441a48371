"""Every membership transition, allowed and forbidden, at the service level."""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone
from PIL import Image

from groups import services, signals
from groups.models import Group, Invitation, JoinRequest, Membership
from tests.factories import GroupFactory, UserFactory, add_member, request_to_join

pytestmark = pytest.mark.django_db

OWNER, ADMIN, MEMBER = Membership.Role.OWNER, Membership.Role.ADMIN, Membership.Role.MEMBER


def _png(size=(60, 40)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, format="PNG")
    return SimpleUploadedFile("cover.png", out.getvalue(), content_type="image/png")


def _role(group, user):
    membership = Membership.objects.filter(group=group, user=user).first()
    return membership.role if membership else None


@pytest.fixture
def private_group():
    return GroupFactory(visibility=Group.Visibility.PRIVATE)


@pytest.fixture
def owner(private_group):
    return Membership.objects.get(group=private_group, role=OWNER).user


# Creating and editing ---------------------------------------------------------------------
def test_group_create_makes_the_creator_owner_and_stores_sanitised_html():
    creator = UserFactory()
    group = services.group_create(
        actor=creator, name="  Data   Guild ", description="**Hi** <script>alert(1)</script>"
    )
    assert group.name == "Data Guild"
    assert group.slug == "data-guild"
    assert group.creator == creator
    assert _role(group, creator) == OWNER
    assert "<strong>Hi</strong>" in group.description_html
    assert "<script>" not in group.description_html


def test_group_create_picks_a_free_slug_and_refuses_reserved_or_taken_ones():
    first = GroupFactory(name="Runners")
    second = GroupFactory(name="Runners")
    assert (first.slug, second.slug) == ("runners", "runners-2")
    assert GroupFactory(name="New").slug == "new-group"
    with pytest.raises(ValidationError) as exc:
        services.group_create(actor=UserFactory(), name="X", slug="invitations")
    assert "slug" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.group_create(actor=UserFactory(), name="X", slug="runners")
    assert "slug" in exc.value.message_dict


def test_group_create_follows_the_creation_policy(set_site_policy):
    set_site_policy(group_creation="staff")
    with pytest.raises(PermissionDenied):
        services.group_create(actor=UserFactory(), name="Not allowed")
    assert services.group_create(actor=UserFactory(is_staff=True), name="Allowed")
    assert not Group.objects.filter(name="Not allowed").exists()


def test_group_create_reencodes_the_cover_and_refuses_a_fake_image():
    group = services.group_create(actor=UserFactory(), name="Photos", cover=_png())
    assert group.has_cover
    assert default_storage.exists(group.cover_large.name)
    assert Image.open(default_storage.open(group.cover_small.name)).format == "JPEG"
    fake = SimpleUploadedFile("x.png", b"<svg onload=alert(1)>", content_type="image/png")
    with pytest.raises(ValidationError) as exc:
        services.group_create(actor=UserFactory(), name="Fake", cover=fake)
    assert "cover" in exc.value.message_dict
    assert not Group.objects.filter(name="Fake").exists()


def test_group_update_by_admin_and_refused_to_members_and_hidden_from_outsiders(
    private_group, owner, django_capture_on_commit_callbacks
):
    admin = add_member(private_group, role=ADMIN).user
    member = add_member(private_group).user
    old = services.group_update(actor=owner, group=private_group, cover=_png()).cover_large.name
    with django_capture_on_commit_callbacks(execute=True):
        services.group_update(
            actor=admin, group=private_group, name="Renamed", description="_new_", cover=_png()
        )
    private_group.refresh_from_db()
    assert private_group.name == "Renamed"
    assert private_group.description_html == "<p><em>new</em></p>\n"
    assert not default_storage.exists(old)  # the replaced cover is deleted after commit
    with pytest.raises(PermissionDenied):
        services.group_update(actor=member, group=private_group, name="Mine now")
    secret = GroupFactory(visibility=Group.Visibility.SECRET)
    with pytest.raises(Http404):
        services.group_update(actor=member, group=secret, name="Found it")


def test_group_update_to_secret_drops_join_requests(private_group, owner):
    request_to_join(private_group)
    services.group_update(actor=owner, group=private_group, visibility=Group.Visibility.SECRET)
    assert not JoinRequest.objects.filter(group=private_group).exists()


# Joining open groups ----------------------------------------------------------------------
def test_group_join_open_is_immediate_and_idempotent():
    group = GroupFactory()
    user = UserFactory()
    first = services.group_join(actor=user, group=group)
    assert services.group_join(actor=user, group=group) == first
    assert _role(group, user) == MEMBER


def test_group_join_refused_for_private_hidden_for_secret_and_closed_when_archived(private_group):
    with pytest.raises(PermissionDenied):
        services.group_join(actor=UserFactory(), group=private_group)
    with pytest.raises(Http404):
        services.group_join(actor=UserFactory(), group=GroupFactory(visibility=Group.Visibility.SECRET))
    archived = GroupFactory()
    services.group_archive(actor=archived.creator, group=archived)
    with pytest.raises(PermissionDenied):
        services.group_join(actor=UserFactory(), group=archived)


# Requests to private groups ---------------------------------------------------------------
def test_join_request_is_pending_until_approved(private_group, owner, django_capture_on_commit_callbacks):
    requester = UserFactory()
    heard = []

    def listener(**kw):
        heard.append(kw["join_request"].user)

    signals.join_requested.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            request = services.join_request_create(actor=requester, group=private_group, message="Hi!")
    finally:
        signals.join_requested.disconnect(listener)  # only ours: other apps' receivers stay
    assert heard == [requester]
    assert services.join_request_create(actor=requester, group=private_group) == request
    assert _role(private_group, requester) is None
    membership = services.join_request_approve(actor=owner, join_request=request)
    assert membership.role == MEMBER
    assert not JoinRequest.objects.filter(pk=request.pk).exists()


def test_join_request_refused_for_open_members_and_hidden_for_secret(private_group, owner):
    with pytest.raises(PermissionDenied):
        services.join_request_create(actor=UserFactory(), group=GroupFactory())
    with pytest.raises(ValidationError):
        services.join_request_create(actor=owner, group=private_group)
    with pytest.raises(Http404):
        services.join_request_create(
            actor=UserFactory(), group=GroupFactory(visibility=Group.Visibility.SECRET)
        )


def test_join_request_cancel_withdraws_it(private_group):
    request = request_to_join(private_group)
    services.join_request_cancel(actor=request.user, group=private_group)
    assert not JoinRequest.objects.filter(pk=request.pk).exists()


@pytest.mark.parametrize("decider_role", [None, MEMBER])
def test_join_request_approve_and_deny_refused_to_members_and_outsiders(private_group, decider_role):
    decider = add_member(private_group).user if decider_role else UserFactory()
    request = request_to_join(private_group)
    with pytest.raises(PermissionDenied):
        services.join_request_approve(actor=decider, join_request=request)
    with pytest.raises(PermissionDenied):
        services.join_request_deny(actor=decider, join_request=request)
    assert JoinRequest.objects.get(pk=request.pk).is_pending
    assert _role(private_group, request.user) is None


def test_join_request_deny_blocks_asking_again_for_a_day(private_group, owner):
    request = request_to_join(private_group)
    admin = add_member(private_group, role=ADMIN).user
    denied = services.join_request_deny(actor=admin, join_request=request)
    assert denied.status == JoinRequest.Status.DENIED
    with pytest.raises(ValidationError):
        services.join_request_approve(actor=owner, join_request=denied)
    with pytest.raises(PermissionDenied):
        services.join_request_create(actor=request.user, group=private_group)
    JoinRequest.objects.filter(pk=request.pk).update(decided_at=timezone.now() - timedelta(days=2))
    again = services.join_request_create(actor=request.user, group=private_group)
    assert again.is_pending


# Invitations ------------------------------------------------------------------------------
@pytest.mark.parametrize("visibility", list(Group.Visibility))
def test_invitation_by_admin_accepted_makes_a_member(visibility):
    group = GroupFactory(visibility=visibility)
    admin = add_member(group, role=ADMIN).user
    invitee = UserFactory()
    invitation = services.invitation_create(actor=admin, group=group, invitee=invitee)
    assert services.invitation_create(actor=admin, group=group, invitee=invitee) == invitation
    assert _role(group, invitee) is None  # an invitation is not membership
    services.invitation_accept(actor=invitee, invitation=invitation)
    assert _role(group, invitee) == MEMBER
    assert not Invitation.objects.filter(pk=invitation.pk).exists()


def test_invitation_refused_to_members_hidden_from_outsiders_and_not_for_members(private_group, owner):
    member = add_member(private_group).user
    with pytest.raises(PermissionDenied):
        services.invitation_create(actor=member, group=private_group, invitee=UserFactory())
    secret = GroupFactory(visibility=Group.Visibility.SECRET)
    with pytest.raises(Http404):
        services.invitation_create(actor=UserFactory(), group=secret, invitee=UserFactory())
    with pytest.raises(ValidationError):
        services.invitation_create(actor=owner, group=private_group, invitee=member)
    assert not Invitation.objects.exists()


def test_invitation_belongs_to_its_invitee_only(private_group, owner):
    invitation = services.invitation_create(actor=owner, group=private_group, invitee=UserFactory())
    stranger = UserFactory()
    with pytest.raises(Http404):
        services.invitation_accept(actor=stranger, invitation=invitation)
    with pytest.raises(Http404):
        services.invitation_decline(actor=stranger, invitation=invitation)
    assert _role(private_group, stranger) is None
    services.invitation_decline(actor=invitation.invitee, invitation=invitation)
    assert not Invitation.objects.exists()


def test_invitation_revoke_by_admin_only(private_group, owner):
    invitation = services.invitation_create(actor=owner, group=private_group, invitee=UserFactory())
    with pytest.raises(PermissionDenied):
        services.invitation_revoke(actor=add_member(private_group).user, invitation=invitation)
    services.invitation_revoke(actor=owner, invitation=invitation)
    assert not Invitation.objects.exists()


def test_invitation_rate_is_limited(private_group, owner, monkeypatch):
    monkeypatch.setattr(services, "INVITATION_RATE", (2, 60))
    for _ in range(2):
        services.invitation_create(actor=owner, group=private_group, invitee=UserFactory())
    with pytest.raises(services.RateLimited):
        services.invitation_create(actor=owner, group=private_group, invitee=UserFactory())


# Leaving, removing, roles, ownership ------------------------------------------------------
def test_membership_leave_for_members_but_not_the_last_owner(private_group, owner):
    member = add_member(private_group).user
    services.membership_leave(actor=member, group=private_group)
    assert _role(private_group, member) is None
    with pytest.raises(PermissionDenied):
        services.membership_leave(actor=owner, group=private_group)
    assert _role(private_group, owner) == OWNER
    with pytest.raises(ValidationError):
        services.membership_leave(actor=UserFactory(), group=private_group)


def test_membership_leave_allowed_to_an_owner_with_a_co_owner(private_group, owner):
    add_member(private_group, role=OWNER)  # co-owners exist only through the Django admin
    services.membership_leave(actor=owner, group=private_group)
    assert _role(private_group, owner) is None


def test_membership_remove_follows_the_role_ladder(private_group, owner):
    admin = add_member(private_group, role=ADMIN)
    other_admin = add_member(private_group, role=ADMIN)
    member = add_member(private_group)
    plain = add_member(private_group)
    owner_membership = Membership.objects.get(group=private_group, user=owner)
    with pytest.raises(PermissionDenied):
        services.membership_remove(actor=plain.user, membership=member)  # a member removing
    with pytest.raises(PermissionDenied):
        services.membership_remove(actor=admin.user, membership=other_admin)  # an admin removing an admin
    with pytest.raises(PermissionDenied):
        services.membership_remove(actor=admin.user, membership=owner_membership)
    services.membership_remove(actor=admin.user, membership=member)
    services.membership_remove(actor=owner, membership=other_admin)
    assert _role(private_group, member.user) is None
    assert _role(private_group, other_admin.user) is None
    with pytest.raises(PermissionDenied):
        services.membership_remove(actor=owner, membership=owner_membership)


def test_membership_set_role_promotes_and_demotes_but_never_touches_the_owner(private_group, owner):
    admin = add_member(private_group, role=ADMIN)
    member = add_member(private_group)
    assert services.membership_set_role(actor=admin.user, membership=member, role=ADMIN).role == ADMIN
    assert services.membership_set_role(actor=owner, membership=member, role=MEMBER).role == MEMBER
    with pytest.raises(PermissionDenied):
        services.membership_set_role(actor=member.user, membership=admin, role=MEMBER)
    owner_membership = Membership.objects.get(group=private_group, user=owner)
    with pytest.raises(PermissionDenied):
        services.membership_set_role(actor=admin.user, membership=owner_membership, role=MEMBER)
    with pytest.raises(ValidationError):
        services.membership_set_role(actor=owner, membership=member, role=OWNER)


def test_group_transfer_ownership_swaps_roles_and_only_the_owner_may(private_group, owner):
    admin = add_member(private_group, role=ADMIN).user
    member = add_member(private_group).user
    with pytest.raises(PermissionDenied):
        services.group_transfer_ownership(actor=admin, group=private_group, new_owner=member)
    with pytest.raises(ValidationError):
        services.group_transfer_ownership(actor=owner, group=private_group, new_owner=UserFactory())
    services.group_transfer_ownership(actor=owner, group=private_group, new_owner=member)
    assert (_role(private_group, member), _role(private_group, owner)) == (OWNER, ADMIN)
    services.membership_leave(actor=owner, group=private_group)  # no longer the last owner


# Archiving --------------------------------------------------------------------------------
def test_archived_group_is_read_only_but_can_be_left_and_unarchived(private_group, owner):
    admin = add_member(private_group, role=ADMIN).user
    member = add_member(private_group).user
    with pytest.raises(PermissionDenied):
        services.group_archive(actor=member, group=private_group)
    services.group_archive(actor=admin, group=private_group)
    assert private_group.is_archived
    with pytest.raises(PermissionDenied):
        services.invitation_create(actor=owner, group=private_group, invitee=UserFactory())
    with pytest.raises(PermissionDenied):
        services.group_update(actor=owner, group=private_group, name="Changed")
    with pytest.raises(PermissionDenied):
        services.join_request_create(actor=UserFactory(), group=private_group)
    with pytest.raises(PermissionDenied):
        services.group_unarchive(actor=member, group=private_group)
    services.membership_leave(actor=member, group=private_group)
    services.group_unarchive(actor=owner, group=private_group)
    assert not Group.objects.get(pk=private_group.pk).is_archived


def test_membership_end_sends_member_left_after_commit(
    private_group, owner, django_capture_on_commit_callbacks
):
    member = add_member(private_group)
    heard = []

    def listener(**kw):
        heard.append((kw["user_id"], kw["removed_by_id"]))

    signals.member_left.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.membership_remove(actor=owner, membership=member)
            assert heard == []  # nothing before the commit
    finally:
        signals.member_left.disconnect(listener)  # only ours: other apps' receivers stay
    assert heard == [(member.user_id, owner.pk)]
