"""Notifications for events of the apps notifications depends on: groups and profiles.

Those apps must not import notifications (it imports them: their models are notification
targets), so their services send named domain signals once the transaction has committed
(groups/signals.py, profiles/signals.py), and each receiver here turns one event into one
`notify` (or `withdraw`) call. `notify` applies every target's gate, never tells the actor and
honours preferences, as for any other caller. Apps that notifications does not import (feed,
questions, moderation) call `notify` from their services instead (docs/notifications.md).

Connected once from NotificationsConfig.ready(). A failing receiver is logged and never turns
the committed event into an error for the person who caused it.

One model signal, and only for clean-up: an invitation that is accepted, declined or revoked is
deleted (by groups/services.py, or with its group), and a generic foreign key cannot cascade, so
`invitation_deleted` removes its notification in the same transaction and sends the invitee's
new unread count to their open tabs after the commit. It decides nothing and tells nobody.
"""

from __future__ import annotations

import datetime
import functools
import logging
from collections.abc import Callable
from typing import Any

from django.db.models import Q
from django.db.models.signals import post_delete
from django.utils import timezone

from groups import signals as group_signals
from groups.models import Invitation
from groups.selectors import group_admin_users
from notifications.kinds import Kind
from notifications.models import Notification
from notifications.services import delete_for_target, notify, withdraw
from profiles import signals as profile_signals
from profiles.models import User

logger = logging.getLogger(__name__)


def _after_the_event(receiver: Callable[..., None]) -> Callable[..., None]:
    """The event has committed already: log a failure here instead of failing the request."""

    @functools.wraps(receiver)
    def safe(**kwargs: Any) -> None:
        try:
            receiver(**kwargs)
        except Exception:
            logger.exception("notifications: %s failed; the event itself stands", receiver.__name__)

    return safe


@_after_the_event
def join_requested(*, group, join_request, **_: Any) -> None:
    """A colleague asks to join a private group: its owners and admins hear of it."""
    notify(
        recipients=group_admin_users(group=group),
        kind=Kind.GROUP_JOIN_REQUEST,
        actor=join_request.user,
        target=group,
        excerpt=join_request.message,
    )


def _withdraw_join_request(*, group, requester_id: int) -> None:
    requester = User.objects.filter(pk=requester_id).first()
    if requester is not None:
        withdraw(kind=Kind.GROUP_JOIN_REQUEST, actor=requester, target=group)


@_after_the_event
def join_request_cancelled(*, group, user_id: int, **_: Any) -> None:
    """The requester withdrew: the admins' unread notices of the request go away."""
    _withdraw_join_request(group=group, requester_id=user_id)


@_after_the_event
def join_request_decided(*, group, join_request, approved: bool, actor, **_: Any) -> None:
    """An admin approved or declined: the requester hears who decided; the other admins' unread
    notices of the request go away (it is handled)."""
    _withdraw_join_request(group=group, requester_id=join_request.user_id)
    notify(
        recipients=[join_request.user],
        kind=Kind.GROUP_REQUEST_DECIDED,
        actor=actor,
        target=group,
        data={"approved": bool(approved)},
    )


@_after_the_event
def invitation_created(*, invitation, **_: Any) -> None:
    """The invitee hears of it. The target is the invitation, which only the invitee may see, so
    an invitation to a secret group reaches them (the group itself is still hidden from them)."""
    notify(
        recipients=[invitation.invitee],
        kind=Kind.GROUP_INVITATION,
        actor=invitation.inviter,
        target=invitation,
    )


def invitation_deleted(*, instance: Invitation, **_: Any) -> None:
    """Accepted, declined or revoked: the invitation is gone, and so is its notification (the
    invitee's live count follows after the commit). Runs inside the deleting transaction."""
    delete_for_target(target=instance)


# Following the same person again within this time tells them nothing new.
REFOLLOW_QUIET = datetime.timedelta(days=1)


@_after_the_event
def person_followed(*, follower, followed, **_: Any) -> None:
    """Someone starts following a colleague: the followed person hears of it, once: following,
    unfollowing and following again does not notify again while the first notice is unread or
    less than a day old."""
    already = Notification.objects.filter(
        recipient_id=followed.pk, kind=Kind.NEW_FOLLOWER, actor_id=follower.pk
    ).filter(Q(read_at__isnull=True) | Q(created_at__gt=timezone.now() - REFOLLOW_QUIET))
    if already.exists():
        return
    notify(recipients=[followed], kind=Kind.NEW_FOLLOWER, actor=follower, target=follower)


def connect() -> None:
    """Connect every receiver once (dispatch_uid makes a second call harmless)."""
    connections = [
        (group_signals.join_requested, join_requested),
        (group_signals.join_request_cancelled, join_request_cancelled),
        (group_signals.join_request_decided, join_request_decided),
        (group_signals.invitation_created, invitation_created),
        (profile_signals.person_followed, person_followed),
    ]
    for signal, receiver in connections:
        signal.connect(receiver, weak=False, dispatch_uid=f"notifications.receivers.{receiver.__name__}")
    post_delete.connect(
        invitation_deleted,
        sender=Invitation,
        weak=False,
        dispatch_uid="notifications.receivers.invitation_deleted",
    )
