"""Notifications that asked for something stop asking once it is done: an invitation accepted,
declined or revoked leaves no notice behind (live count included); an acknowledged must-read and
an answered expert request are read; following again is not a new event."""

from __future__ import annotations

import datetime

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from feed.questions.services import answer_create, question_create
from feed.services import acknowledgement_create, post_create
from groups.models import Invitation
from groups.services import (
    group_archive,
    group_unarchive,
    invitation_accept,
    invitation_create,
    invitation_decline,
    invitation_revoke,
)
from notifications.kinds import Kind
from notifications.models import Notification
from notifications.selectors import unread_count
from profiles.services import follow_create, follow_delete
from tests import sockets as ws
from tests.factories import GroupFactory, UserFactory, make_person


def _invited(visibility: str = "private"):
    owner, invitee = UserFactory(), UserFactory()
    group = GroupFactory(owner=owner, visibility=visibility)
    invitation = invitation_create(actor=owner, group=group, invitee=invitee)
    return owner, invitee, group, invitation


def _send_invitation_notice(django_capture_on_commit_callbacks, visibility="private"):
    with django_capture_on_commit_callbacks(execute=True):
        owner, invitee, group, invitation = _invited(visibility)
    assert unread_count(user=invitee) == 1
    return owner, invitee, group, invitation


@pytest.mark.django_db
@pytest.mark.parametrize("visibility", ["private", "secret"])
@pytest.mark.parametrize("outcome", ["accept", "decline", "revoke", "group deleted in the admin"])
def test_a_closed_invitation_leaves_no_notification(
    outcome, visibility, client, django_capture_on_commit_callbacks
):
    owner, invitee, group, invitation = _send_invitation_notice(
        django_capture_on_commit_callbacks, visibility
    )
    if outcome == "accept":
        invitation_accept(actor=invitee, invitation=invitation)
    elif outcome == "decline":
        invitation_decline(actor=invitee, invitation=invitation)
    elif outcome == "revoke":
        invitation_revoke(actor=owner, invitation=invitation)
    else:
        group.delete()
    assert not Notification.objects.filter(recipient=invitee).exists()
    assert unread_count(user=invitee) == 0
    client.force_login(invitee)
    assert "invited you" not in client.get("/notifications/").content.decode()


@pytest.mark.django_db
def test_an_invitation_to_an_archived_group_is_hidden_and_back_when_unarchived(
    django_capture_on_commit_callbacks,
):
    owner, invitee, group, _invitation = _send_invitation_notice(django_capture_on_commit_callbacks)
    group_archive(actor=owner, group=group)
    assert unread_count(user=invitee) == 0
    group_unarchive(actor=owner, group=group)
    assert unread_count(user=invitee) == 1


@pytest.mark.django_db
def test_an_open_invitation_keeps_its_notification(django_capture_on_commit_callbacks):
    owner, invitee, group, _invitation = _send_invitation_notice(django_capture_on_commit_callbacks)
    other = UserFactory()
    invitation_create(actor=owner, group=group, invitee=other)
    invitation_decline(actor=other, invitation=Invitation.objects.get(invitee=other))
    assert unread_count(user=invitee) == 1


@pytest.mark.django_db(transaction=True)
async def test_a_revoked_invitation_updates_the_invitees_live_count():
    owner, invitee, _group, invitation = await sync_to_async(_invited)()
    tab = await ws.connect(invitee)
    await sync_to_async(invitation_revoke)(actor=owner, invitation=invitation)
    assert await ws.frames(tab, 1, background=()) == [{"type": "notification.count", "unread": 0}]
    await tab.disconnect()


@pytest.mark.django_db
def test_acknowledging_a_must_read_reads_its_notification(set_site_policy):
    author, reader, other = UserFactory(is_staff=True), UserFactory(), UserFactory()
    post = post_create(author=author, body="Read the new travel policy", is_announcement=True, must_read=True)
    assert unread_count(user=reader) == 1
    acknowledgement_create(post=post, user=reader)
    assert unread_count(user=reader) == 0
    assert Notification.objects.get(recipient=reader, kind=Kind.MUST_READ_ANNOUNCEMENT).read_at is not None
    assert unread_count(user=other) == 1  # only the person who acknowledged


@pytest.mark.django_db
def test_answering_reads_the_experts_request_only(set_site_policy):
    set_site_policy(rate_limit_posts="", rate_limit_comments="")
    asker = UserFactory()
    expert, other_expert = make_person(skills=["Payroll"]), make_person(skills=["Payroll"])
    post = question_create(
        author=asker, title="How do I deploy the payroll service?", body="x", tags="payroll"
    )
    assert unread_count(user=expert) == unread_count(user=other_expert) == 1
    answer_create(question_post=post, author=expert, body="With the pipeline.")
    assert unread_count(user=expert) == 0
    assert unread_count(user=other_expert) == 1


@pytest.mark.django_db
def test_following_again_soon_does_not_notify_again(django_capture_on_commit_callbacks):
    follower, followed = UserFactory(), UserFactory()
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            follow_create(follower=follower, followed=followed)
        follow_delete(follower=follower, followed=followed)
    assert Notification.objects.filter(recipient=followed, kind=Kind.NEW_FOLLOWER).count() == 1


@pytest.mark.django_db
def test_following_again_after_the_notice_was_read_and_a_day_passed_notifies(
    django_capture_on_commit_callbacks,
):
    follower, followed = UserFactory(), UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        follow_create(follower=follower, followed=followed)
    follow_delete(follower=follower, followed=followed)
    Notification.objects.filter(recipient=followed).update(
        read_at=timezone.now(), created_at=timezone.now() - datetime.timedelta(days=2)
    )
    with django_capture_on_commit_callbacks(execute=True):
        follow_create(follower=follower, followed=followed)
    assert Notification.objects.filter(recipient=followed, kind=Kind.NEW_FOLLOWER).count() == 2
