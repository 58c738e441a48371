"""Demo notifications, made through notify(): a few new followers for the first employees, and
join requests to the admins of any private groups the groups demo created. Idempotent."""

from __future__ import annotations

from groups.models import Group, Membership
from notifications.kinds import Kind
from notifications.models import Notification
from notifications.services import notify


def _once(*, recipient, kind: Kind, actor, target) -> None:
    exists = Notification.objects.filter(
        recipient=recipient, kind=kind, actor=actor, target_id=target.pk
    ).exists()
    if not exists:
        notify(recipients=[recipient], kind=kind, actor=actor, target=target)


def seed(*, people, rng, stdout) -> None:
    staff = people[1:]
    for recipient in staff[:3]:
        for follower in rng.sample([p for p in staff if p != recipient], k=4):
            _once(recipient=recipient, kind=Kind.NEW_FOLLOWER, actor=follower, target=follower)
    for group in Group.objects.filter(visibility=Group.Visibility.PRIVATE).order_by("pk")[:3]:
        memberships = list(Membership.objects.filter(group=group).select_related("user"))
        admins = [m.user for m in memberships if m.is_admin]
        member_ids = {m.user_id for m in memberships}
        for requester in [p for p in staff if p.pk not in member_ids][:2]:
            for admin in admins:
                _once(recipient=admin, kind=Kind.GROUP_JOIN_REQUEST, actor=requester, target=group)
    stdout.write(f"Notifications: {Notification.objects.count()} in the demo.")
