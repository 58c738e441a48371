"""notify(): who hears about what, aggregation, preferences, e-mail at once, withdrawal."""

from __future__ import annotations

import pytest
from django.core import mail

from groups.models import Group, Membership
from notifications.kinds import Delivery, Kind
from notifications.models import Notification
from notifications.selectors import notifications_visible, present, unread_count
from notifications.services import (
    delete_for_target,
    notifications_mark_all_read,
    notify,
    preferences_update,
    withdraw,
)
from notifications.targets import UnregisteredTarget
from tests.factories import UserFactory
from tests.notifications.conftest import make_group

pytestmark = pytest.mark.django_db


def texts(user) -> list[str]:
    return [item.text for item in present(notifications_visible(user=user))]


def recipients_of(kind: Kind) -> set[int]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient_id", flat=True))


def test_notify_new_follower_reaches_the_followed_person_once_and_never_the_follower():
    follower = UserFactory(display_name="Ana Silva")
    followed = UserFactory()
    notify(recipients=[followed, followed, follower], kind=Kind.NEW_FOLLOWER, actor=follower, target=follower)
    assert recipients_of(Kind.NEW_FOLLOWER) == {followed.pk}
    assert texts(followed) == ["Ana Silva started following you"]
    assert texts(follower) == []


def test_notify_skips_inactive_people_and_excluded_ones():
    actor, active, inactive, excluded = (
        UserFactory(),
        UserFactory(),
        UserFactory(is_active=False),
        UserFactory(),
    )
    notify(
        recipients=[active, inactive, excluded],
        kind=Kind.NEW_FOLLOWER,
        actor=actor,
        target=actor,
        exclude=[excluded],
    )
    assert recipients_of(Kind.NEW_FOLLOWER) == {active.pk}


@pytest.mark.parametrize("visibility", ["open", "private", "secret"])
def test_group_join_request_reaches_the_groups_admins_but_not_the_requester(visibility):
    owner, admin, member = UserFactory(), UserFactory(), UserFactory()
    group = make_group(
        visibility=visibility, owner=owner, admins=[admin], members=[member], name="Design Guild"
    )
    requester = UserFactory(display_name="Ben Okafor")
    notify(recipients=[owner, admin, requester], kind=Kind.GROUP_JOIN_REQUEST, actor=requester, target=group)
    assert recipients_of(Kind.GROUP_JOIN_REQUEST) == {owner.pk, admin.pk}
    assert texts(admin) == ["Ben Okafor asked to join Design Guild"]


def test_secret_group_notifications_never_reach_someone_outside_it():
    owner = UserFactory(display_name="Cleo Admin")
    secret = make_group(visibility="secret", owner=owner, name="Layoff Planning")
    outsider = UserFactory()
    for kind in (Kind.GROUP_INVITATION, Kind.GROUP_REQUEST_DECIDED, Kind.GROUP_JOIN_REQUEST):
        notify(recipients=[outsider], kind=kind, actor=owner, target=secret)
    assert not Notification.objects.filter(recipient=outsider).exists()
    assert unread_count(user=outsider) == 0


@pytest.mark.parametrize("visibility", ["open", "private"])
def test_group_invitation_reaches_the_invitee_of_a_group_they_may_see(visibility):
    owner = UserFactory(display_name="Cleo Admin")
    group = make_group(visibility=visibility, owner=owner, name="Runners")
    invitee = UserFactory()
    notify(recipients=[invitee, owner], kind=Kind.GROUP_INVITATION, actor=owner, target=group)
    assert recipients_of(Kind.GROUP_INVITATION) == {invitee.pk}
    assert texts(invitee) == ["Cleo Admin invited you to join Runners"]


@pytest.mark.parametrize(("approved", "sentence"), [(True, "approved"), (False, "declined")])
def test_group_request_decided_tells_the_requester_the_outcome(approved, sentence):
    owner = UserFactory(display_name="Cleo Admin")
    group = make_group(visibility="private", owner=owner, name="Runners")
    requester = UserFactory()
    notify(
        recipients=[requester],
        kind=Kind.GROUP_REQUEST_DECIDED,
        actor=owner,
        target=group,
        data={"approved": approved},
    )
    assert texts(requester) == [f"Cleo Admin {sentence} your request to join Runners"]


def test_notify_refuses_a_target_no_app_registered():
    someone = UserFactory()
    membership = Membership.objects.create(group=make_group(), user=someone)
    with pytest.raises(UnregisteredTarget):
        notify(recipients=[someone], kind=Kind.MENTION, actor=None, target=membership)


# --- Aggregation --------------------------------------------------------------------------------


def test_reactions_aggregate_into_one_row_per_recipient_and_target():
    author = UserFactory()
    group = make_group(owner=author, name="Launch")
    reactors = [UserFactory(display_name=name) for name in ("Ana", "Ben", "Chloe", "Dev")]
    for reactor in reactors:
        notify(recipients=[author], kind=Kind.REACTION, actor=reactor, target=group)
    rows = Notification.objects.filter(recipient=author, kind=Kind.REACTION)
    assert rows.count() == 1
    assert texts(author) == ["Dev and 3 others reacted to Launch"]
    assert unread_count(user=author) == 1


def test_reaction_from_someone_already_counted_changes_nothing():
    author, ana, ben = UserFactory(), UserFactory(display_name="Ana"), UserFactory(display_name="Ben")
    group = make_group(owner=author, name="Launch")
    notify(recipients=[author], kind=Kind.REACTION, actor=ana, target=group)
    notify(recipients=[author], kind=Kind.REACTION, actor=ben, target=group)
    notifications_mark_all_read(user=author)
    notify(recipients=[author], kind=Kind.REACTION, actor=ana, target=group)
    assert texts(author) == ["Ben and 1 other reacted to Launch"]
    assert unread_count(user=author) == 0


def test_new_reaction_after_reading_makes_the_row_unread_again():
    author = UserFactory()
    group = make_group(owner=author, name="Launch")
    notify(recipients=[author], kind=Kind.REACTION, actor=UserFactory(), target=group)
    notifications_mark_all_read(user=author)
    notify(recipients=[author], kind=Kind.REACTION, actor=UserFactory(display_name="Eve"), target=group)
    assert unread_count(user=author) == 1
    assert texts(author) == ["Eve and 1 other reacted to Launch"]


def test_reactions_on_different_targets_stay_separate():
    author = UserFactory()
    first, second = make_group(owner=author, name="One"), make_group(owner=author, name="Two")
    reactor = UserFactory(display_name="Ana")
    notify(recipients=[author], kind=Kind.REACTION, actor=reactor, target=first)
    notify(recipients=[author], kind=Kind.REACTION, actor=reactor, target=second)
    assert sorted(texts(author)) == ["Ana reacted to One", "Ana reacted to Two"]


def test_withdraw_removes_an_actor_and_the_row_with_the_last_one():
    author, ana, ben = UserFactory(), UserFactory(display_name="Ana"), UserFactory(display_name="Ben")
    group = make_group(owner=author, name="Launch")
    notify(recipients=[author], kind=Kind.REACTION, actor=ana, target=group)
    notify(recipients=[author], kind=Kind.REACTION, actor=ben, target=group)
    withdraw(kind=Kind.REACTION, actor=ben, target=group)
    assert texts(author) == ["Ana reacted to Launch"]
    withdraw(kind=Kind.REACTION, actor=ana, target=group)
    assert texts(author) == []


def test_withdraw_a_join_request_removes_it_from_the_admins_list():
    owner, requester = UserFactory(), UserFactory()
    group = make_group(visibility="private", owner=owner)
    notify(recipients=[owner], kind=Kind.GROUP_JOIN_REQUEST, actor=requester, target=group)
    assert withdraw(kind=Kind.GROUP_JOIN_REQUEST, actor=requester, target=group) == 1
    assert unread_count(user=owner) == 0


# --- Visibility when shown ----------------------------------------------------------------------


def test_group_turned_secret_disappears_for_those_outside_it():
    owner, outsider = UserFactory(), UserFactory()
    group = make_group(visibility="open", owner=owner, name="Runners")
    notify(recipients=[outsider], kind=Kind.GROUP_INVITATION, actor=owner, target=group)
    assert unread_count(user=outsider) == 1
    Group.objects.filter(pk=group.pk).update(visibility=Group.Visibility.SECRET)
    assert texts(outsider) == []
    assert unread_count(user=outsider) == 0
    Membership.objects.create(group=group, user=outsider)
    assert texts(outsider) == [f"{owner.display_name} invited you to join Runners"]


def test_deleted_target_disappears_and_delete_for_target_cleans_up():
    owner, invitee = UserFactory(), UserFactory()
    group = make_group(owner=owner)
    notify(recipients=[invitee], kind=Kind.GROUP_INVITATION, actor=owner, target=group)
    other = make_group(owner=owner)
    notify(recipients=[invitee], kind=Kind.GROUP_INVITATION, actor=owner, target=other)
    Group.objects.filter(pk=group.pk).delete()
    assert unread_count(user=invitee) == 1
    assert delete_for_target(target=other) == 1
    assert Notification.objects.filter(recipient=invitee).count() == 1  # the deleted group's row, hidden


# --- Preferences and e-mail ---------------------------------------------------------------------


def test_preference_off_creates_nothing(django_capture_on_commit_callbacks):
    follower, followed = UserFactory(), UserFactory()
    preferences_update(user=followed, deliveries={Kind.NEW_FOLLOWER: Delivery.OFF})
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[followed], kind=Kind.NEW_FOLLOWER, actor=follower, target=follower)
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_preference_email_sends_one_mail_after_commit_with_unsubscribe(django_capture_on_commit_callbacks):
    owner = UserFactory(display_name="Cleo Admin")
    group = make_group(visibility="private", owner=owner, name="Runners")
    invitee = UserFactory(email="ivy@example.com")
    preferences_update(user=invitee, deliveries={Kind.GROUP_INVITATION: Delivery.EMAIL})
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify(recipients=[invitee], kind=Kind.GROUP_INVITATION, actor=owner, target=group)
        assert mail.outbox == []  # nothing leaves before the commit
    assert callbacks
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ivy@example.com"]
    assert "Cleo Admin invited you to join Runners" in message.subject
    assert "/notifications/unsubscribe/" in message.body
    assert message.extra_headers["List-Unsubscribe"].startswith("<http")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "Runners" in html
    assert Notification.objects.get(recipient=invitee).emailed_at is not None


@pytest.mark.parametrize("delivery", [Delivery.IN_APP, Delivery.DIGEST])
def test_in_app_and_digest_preferences_send_no_mail_at_once(delivery, django_capture_on_commit_callbacks):
    owner = UserFactory()
    group = make_group(visibility="private", owner=owner)
    invitee = UserFactory()
    preferences_update(user=invitee, deliveries={Kind.GROUP_INVITATION: delivery})
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[invitee], kind=Kind.GROUP_INVITATION, actor=owner, target=group)
    assert recipients_of(Kind.GROUP_INVITATION) == {invitee.pk}
    assert mail.outbox == []


def test_site_default_applies_without_a_preference(set_site_policy, django_capture_on_commit_callbacks):
    from socialco.policy import default_notification_preferences

    set_site_policy(notification_defaults={**default_notification_preferences(), "new_follower": "email"})
    follower, followed = UserFactory(), UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[followed], kind=Kind.NEW_FOLLOWER, actor=follower, target=follower)
    assert len(mail.outbox) == 1


def test_aggregated_reactions_email_once_while_unread(django_capture_on_commit_callbacks):
    author = UserFactory()
    preferences_update(user=author, deliveries={Kind.REACTION: Delivery.EMAIL})
    group = make_group(owner=author)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            notify(recipients=[author], kind=Kind.REACTION, actor=UserFactory(), target=group)
    assert len(mail.outbox) == 1


def test_a_failing_mail_server_does_not_break_the_event(settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "tests.notifications.test_services.BrokenBackend"
    follower, followed = UserFactory(), UserFactory()
    preferences_update(user=followed, deliveries={Kind.NEW_FOLLOWER: Delivery.EMAIL})
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[followed], kind=Kind.NEW_FOLLOWER, actor=follower, target=follower)
    row = Notification.objects.get(recipient=followed)
    assert row.emailed_at is None


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise OSError("SMTP is down")


# --- From the groups and profiles services (notifications/receivers.py) --------------------------
# Those services send named signals after commit; each event becomes one notification.


def _group_with_admins(visibility: str):
    from tests.factories import GroupFactory, add_member

    owner = UserFactory(display_name="Olga Owner")
    group = GroupFactory(owner=owner, visibility=visibility, name="Design Guild")
    admin = add_member(group, UserFactory(display_name="Adam Admin"), role=Membership.Role.ADMIN).user
    member = add_member(group, UserFactory(display_name="Mia Member")).user
    return group, owner, admin, member


def test_join_request_notifies_each_group_admin_once_and_not_the_requester_or_members(
    django_capture_on_commit_callbacks,
):
    from groups.services import join_request_create

    group, owner, admin, member = _group_with_admins("private")
    departed = UserFactory(display_name="Gone Admin")
    Membership.objects.create(group=group, user=departed, role=Membership.Role.ADMIN)
    departed.is_active = False
    departed.save()
    requester = UserFactory(display_name="Ben Okafor")
    with django_capture_on_commit_callbacks(execute=True):
        join_request_create(actor=requester, group=group, message="I run the design system")
    with django_capture_on_commit_callbacks(execute=True):  # asking again while pending: no repeat
        join_request_create(actor=requester, group=group)

    assert sorted(
        Notification.objects.filter(kind=Kind.GROUP_JOIN_REQUEST).values_list("recipient_id", flat=True)
    ) == sorted([owner.pk, admin.pk])
    assert texts(admin) == ["Ben Okafor asked to join Design Guild"]
    assert Notification.objects.get(recipient=admin).excerpt == "I run the design system"
    assert texts(member) == texts(requester) == texts(departed) == []


def test_cancelled_join_request_takes_back_the_admins_unread_notices(django_capture_on_commit_callbacks):
    from groups.services import join_request_cancel, join_request_create

    group, owner, admin, _member = _group_with_admins("private")
    requester = UserFactory(display_name="Ben Okafor")
    with django_capture_on_commit_callbacks(execute=True):
        join_request_create(actor=requester, group=group)
    with django_capture_on_commit_callbacks(execute=True):
        join_request_cancel(actor=requester, group=group)
    assert texts(owner) == texts(admin) == []
    assert unread_count(user=admin) == 0


@pytest.mark.parametrize(("approve", "sentence"), [(True, "approved"), (False, "declined")])
def test_decided_join_request_tells_only_the_requester(django_capture_on_commit_callbacks, approve, sentence):
    from groups.services import join_request_approve, join_request_create, join_request_deny

    group, owner, admin, member = _group_with_admins("private")
    requester = UserFactory(display_name="Ben Okafor")
    with django_capture_on_commit_callbacks(execute=True):
        request = join_request_create(actor=requester, group=group)
    with django_capture_on_commit_callbacks(execute=True):
        decide = join_request_approve if approve else join_request_deny
        decide(actor=admin, join_request=request)

    assert texts(requester) == [f"Adam Admin {sentence} your request to join Design Guild"]
    assert set(
        Notification.objects.filter(kind=Kind.GROUP_REQUEST_DECIDED).values_list("recipient_id", flat=True)
    ) == {requester.pk}
    # The request is handled: no admin keeps an unread notice of it.
    assert unread_count(user=owner) == unread_count(user=admin) == 0
    assert texts(member) == []


@pytest.mark.parametrize("visibility", ["open", "private", "secret"])
def test_invitation_reaches_the_invitee_even_to_a_secret_group_and_nobody_else(
    django_capture_on_commit_callbacks, client, visibility
):
    from groups.services import invitation_create

    group, _owner, admin, _member = _group_with_admins(visibility)
    group.name = "Layoff Planning"
    group.save()
    invitee = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitation_create(actor=admin, group=group, invitee=invitee)

    assert set(
        Notification.objects.filter(kind=Kind.GROUP_INVITATION).values_list("recipient_id", flat=True)
    ) == {invitee.pk}
    assert texts(invitee) == ["Adam Admin invited you to join Layoff Planning"]
    assert unread_count(user=invitee) == 1
    # The click leads to the invitee's inbox, where they accept or decline.
    client.force_login(invitee)
    notification = Notification.objects.get(recipient=invitee)
    response = client.get(f"/notifications/{notification.pk}/open/")
    assert response.status_code == 302
    assert response["Location"] == "/groups/invitations/"
    assert "Layoff Planning" in client.get("/groups/invitations/").text
    # Declined: the invitation is gone, and so is its notification.
    invitation.delete()
    assert texts(invitee) == []


def test_invitation_gate_lets_only_the_invitee_see_it():
    from groups.models import Invitation
    from groups.permissions import can_view_invitation, filter_visible_invitations
    from groups.services import invitation_create

    group, _owner, admin, member = _group_with_admins("secret")
    invitee, outsider = UserFactory(), UserFactory()
    invitation = invitation_create(actor=admin, group=group, invitee=invitee)
    assert can_view_invitation(invitee, invitation)
    assert list(filter_visible_invitations(invitee, Invitation.objects.all())) == [invitation]
    for someone in (outsider, member, admin):
        assert not can_view_invitation(someone, invitation)
        assert not filter_visible_invitations(someone, Invitation.objects.all()).exists()
    # Nobody else can be sent a notification about it, either.
    notify(recipients=[outsider, member], kind=Kind.GROUP_INVITATION, actor=admin, target=invitation)
    assert not Notification.objects.exists()


def test_new_follower_notifies_the_followed_person_once(django_capture_on_commit_callbacks):
    from profiles.services import follow_create

    follower, followed, bystander = UserFactory(display_name="Ana Silva"), UserFactory(), UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        follow_create(follower=follower, followed=followed)
    with django_capture_on_commit_callbacks(execute=True):
        follow_create(follower=follower, followed=followed)  # already following: nothing new
    assert texts(followed) == ["Ana Silva started following you"]
    assert set(Notification.objects.values_list("recipient_id", flat=True)) == {followed.pk}
    assert texts(follower) == texts(bystander) == []


def test_a_failing_notification_never_breaks_the_event(django_capture_on_commit_callbacks, monkeypatch):
    from groups.models import JoinRequest
    from groups.services import join_request_create
    from notifications import receivers

    def broken(**kwargs):
        raise RuntimeError("mail server on fire")

    monkeypatch.setattr(receivers, "notify", broken)
    group, _owner, admin, _member = _group_with_admins("private")
    requester = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        join_request_create(actor=requester, group=group)
    assert JoinRequest.objects.filter(group=group, user=requester).exists()
    assert texts(admin) == []


def test_notify_costs_the_same_queries_for_20_or_200_recipients(django_capture_on_commit_callbacks):
    """A must-read for the whole company: no query per recipient in the request (the live counts
    are counted by each open socket, see notifications/consumers.py)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    actor = UserFactory()
    counts = []
    for size in (20, 200):
        people = [UserFactory() for _ in range(size)]
        with django_capture_on_commit_callbacks(execute=True):  # warm the caches
            notify(recipients=[people[0]], kind=Kind.MENTION, actor=actor, target=actor)
        with CaptureQueriesContext(connection) as ctx, django_capture_on_commit_callbacks(execute=True):
            rows = notify(recipients=people, kind=Kind.MENTION, actor=actor, target=actor)
        assert len(rows) == size
        # The rows go in with bulk INSERTs (several on SQLite, whose statements hold ~90 rows).
        counts.append(len([q for q in ctx.captured_queries if not q["sql"].startswith("INSERT")]))
    assert counts[0] == counts[1] <= 6, counts
