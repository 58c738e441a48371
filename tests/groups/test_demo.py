import pytest
from django.core.management import call_command

from groups.models import Group, Invitation, JoinRequest, Membership

pytestmark = pytest.mark.django_db


def _snapshot():
    return (
        sorted(Group.objects.values_list("slug", "visibility", "is_archived", "description_html")),
        sorted(Membership.objects.values_list("group__slug", "user__email", "role")),
        sorted(JoinRequest.objects.values_list("group__slug", "user__email", "status", "message")),
        sorted(Invitation.objects.values_list("group__slug", "invitee__email")),
    )


def test_demo_builds_groups_of_every_visibility_and_is_idempotent():
    call_command("seed_demo", quiet_logins=True)
    first = _snapshot()
    call_command("seed_demo", quiet_logins=True)
    assert _snapshot() == first
    assert 9 <= Group.objects.count() <= 12
    assert set(Group.objects.values_list("visibility", flat=True)) == {"open", "private", "secret"}
    assert Group.objects.filter(is_archived=True).exists()
    assert JoinRequest.objects.filter(status=JoinRequest.Status.PENDING).exists()
    assert Invitation.objects.exists()
    for group in Group.objects.all():
        assert group.memberships.filter(role=Membership.Role.OWNER).count() == 1
        assert group.memberships.filter(role=Membership.Role.ADMIN).exists()
    # The admin login has requests to decide; the sample employee is in a secret group.
    admin_group = Group.objects.get(memberships__user__email="admin@example.com", visibility="private")
    assert admin_group.join_requests.filter(status="pending").exists()


def test_demo_runs_again_after_people_used_the_site():
    from groups import services

    call_command("seed_demo", quiet_logins=True)
    request = JoinRequest.objects.filter(status="pending").select_related("group").first()
    owner = request.group.memberships.get(role=Membership.Role.OWNER).user
    services.join_request_approve(actor=owner, join_request=request)
    invitation = Invitation.objects.first()
    services.invitation_accept(actor=invitation.invitee, invitation=invitation)
    call_command("seed_demo", quiet_logins=True)
    assert Membership.objects.filter(group=request.group, user=request.user).exists()
