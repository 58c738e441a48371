"""Every write to notifications. Other apps call `notify` (and `withdraw`) from their services.

Contract for callers (docs/notifications.md has the one-step recipe):
- Call `notify` once per event, from the service that performs the event, inside its
  transaction. Never from `post_save`.
- Pass every person who should hear about it; `notify` itself drops the actor, inactive
  accounts, anyone whose preference for the kind is "off", and anyone who may not see the
  target according to the target app's registered gate.
- Delivery happens after commit: the unread count over the socket to every tab, and an
  e-mail at once to those whose preference says so. A rolled-back event sends nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from notifications import emails
from notifications.events import push_unread_counts_on_commit
from notifications.kinds import Delivery, DigestPeriod, Kind, spec_for
from notifications.models import DigestSubscription, Notification, NotificationActor, NotificationPreference
from notifications.permissions import check_view_notification_permission
from notifications.selectors import deliveries_for, notifications_visible, present, with_targets
from notifications.targets import target_type_for
from notifications.unsubscribe import DIGEST_TOPIC

if TYPE_CHECKING:
    from profiles.models import User

EXCERPT_LENGTH = 280


def _eligible(
    *, recipients: Iterable[User], actor: User | None, exclude: Iterable[User | int]
) -> dict[int, User]:
    excluded = {r if isinstance(r, int) else r.pk for r in exclude}
    if actor is not None:
        excluded.add(actor.pk)
    eligible: dict[int, User] = {}
    for recipient in recipients:
        if recipient is None or recipient.pk in excluded or not recipient.is_active:
            continue
        eligible.setdefault(recipient.pk, recipient)
    return eligible


@transaction.atomic
def notify(
    *,
    recipients: Iterable[User],
    kind: Kind,
    actor: User | None,
    target: Model,
    data: Mapping[str, Any] | None = None,
    excerpt: str = "",
    exclude: Iterable[User | int] = (),
) -> list[Notification]:
    """Tell `recipients` that `actor` did `kind` to `target`; returns the rows created or updated.

    - Never to the actor, to inactive accounts, to anyone in `exclude` (e.g. people a mention
      already reached for the same comment), or to anyone whose preference for `kind` is off.
    - Only to recipients for whom the target's registered `can_view(recipient, target)` is true;
      raises `UnregisteredTarget` if the target's model was never registered.
    - Aggregated kinds (reactions) keep one row per recipient and target: a new actor is added
      to it, moves it to the top and makes it unread again; an actor already counted changes
      nothing.
    - After commit: each recipient's unread count goes to their sockets; e-mail goes at once to
      those whose delivery is "e-mail" (for an aggregated row, only when it is new or re-opened).
    """
    kind = Kind(kind)
    spec = spec_for(kind)
    target_type = target_type_for(target)
    eligible = _eligible(recipients=recipients, actor=actor, exclude=exclude)
    if not eligible:
        return []
    deliveries = deliveries_for(user_ids=eligible.keys(), kind=kind)
    people = [
        person
        for user_id, person in eligible.items()
        if deliveries[user_id] != Delivery.OFF and target_type.can_view(person, target)
    ]
    if not people:
        return []
    content_type = ContentType.objects.get_for_model(target)
    now = timezone.now()
    fields = {
        "kind": kind,
        "actor": actor,
        "target_type": content_type,
        "target_id": target.pk,
        "data": dict(data or {}),
        "excerpt": excerpt[:EXCERPT_LENGTH],
    }
    to_email: list[Notification] = []
    if spec.aggregated:
        rows = []
        for person in people:
            row, alert = _aggregate(person=person, actor=actor, now=now, fields=fields)
            if row is None:
                continue
            rows.append(row)
            if alert and deliveries[person.pk] == Delivery.EMAIL:
                to_email.append(row)
    else:
        rows = Notification.objects.bulk_create(
            [Notification(recipient=person, created_at=now, updated_at=now, **fields) for person in people]
        )
        to_email = [row for row in rows if deliveries[row.recipient_id] == Delivery.EMAIL]
    touched = [row.recipient for row in rows]
    push_unread_counts_on_commit(users=touched)
    if to_email:
        ids = [row.pk for row in to_email]
        transaction.on_commit(lambda: send_notification_emails(notification_ids=ids))
    return rows


def _aggregate(
    *, person: User, actor: User | None, now, fields: dict[str, Any]
) -> tuple[Notification | None, bool]:
    """Add `actor` to the person's one row for this kind and target. Returns (row, should_alert)."""
    row, created = Notification.objects.select_for_update().get_or_create(
        recipient=person,
        kind=fields["kind"],
        target_type=fields["target_type"],
        target_id=fields["target_id"],
        is_aggregate=True,
        defaults={**fields, "created_at": now, "updated_at": now, "actor_count": 1 if actor else 0},
    )
    if actor is None:
        return (row, created)
    _, new_actor = NotificationActor.objects.get_or_create(notification=row, actor=actor)
    if created:
        return (row, True)
    if not new_actor:
        return (None, False)
    was_read = row.read_at is not None
    row.actor = actor
    row.actor_count = NotificationActor.objects.filter(notification=row).count()
    row.updated_at = now
    row.read_at = None
    row.excerpt = fields["excerpt"]
    row.save(update_fields=["actor", "actor_count", "updated_at", "read_at", "excerpt"])
    return (row, was_read)


@transaction.atomic
def withdraw(*, kind: Kind, actor: User, target: Model) -> int:
    """Undo `actor`'s part in `kind` notifications about `target` (a reaction removed, a join
    request cancelled). Aggregated rows lose the actor and vanish with the last one; other
    kinds lose their unread rows by that actor. Returns the number of rows changed or deleted."""
    kind = Kind(kind)
    content_type = ContentType.objects.get_for_model(target)
    rows = Notification.objects.filter(kind=kind, target_type=content_type, target_id=target.pk)
    changed: list[Notification] = []
    if spec_for(kind).aggregated:
        NotificationActor.objects.filter(notification__in=rows, actor=actor).delete()
        for row in rows.select_for_update().select_related("recipient"):
            remaining = list(
                NotificationActor.objects.filter(notification=row)
                .order_by("-created_at")
                .values_list("actor_id", flat=True)
            )
            if not remaining:
                row.delete()
            elif len(remaining) != row.actor_count or row.actor_id == actor.pk:
                row.actor_id = remaining[0]
                row.actor_count = len(remaining)
                row.save(update_fields=["actor", "actor_count"])
            else:
                continue
            changed.append(row)
    else:
        doomed = list(rows.filter(actor=actor, read_at__isnull=True).select_related("recipient"))
        Notification.objects.filter(pk__in=[row.pk for row in doomed]).delete()
        changed = doomed
    push_unread_counts_on_commit(users={row.recipient_id: row.recipient for row in changed}.values())
    return len(changed)


@transaction.atomic
def delete_for_target(*, target: Model) -> int:
    """Remove every notification about `target` (call before hard-deleting it). Lists hide rows of
    deleted targets anyway; this keeps the table clean and updates live counts."""
    content_type = ContentType.objects.get_for_model(target)
    rows = list(
        Notification.objects.filter(target_type=content_type, target_id=target.pk).select_related("recipient")
    )
    Notification.objects.filter(pk__in=[row.pk for row in rows]).delete()
    push_unread_counts_on_commit(users={row.recipient_id: row.recipient for row in rows}.values())
    return len(rows)


def send_notification_emails(*, notification_ids: list[int]) -> int:
    """E-mail these notifications now (run after the commit that created them, whose gate check
    still holds). Rows already e-mailed are skipped, so a repeated call sends nothing twice."""
    rows = with_targets(
        Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True).select_related(
            "recipient"
        )
    )
    messages, sent_ids = [], []
    for item in present(rows):
        recipient = item.notification.recipient
        if not recipient.is_active or not recipient.email:
            continue
        messages.append(emails.notification_message(user=recipient, item=item))
        sent_ids.append(item.id)
    sent = emails.send(messages)
    if sent:
        Notification.objects.filter(pk__in=sent_ids).update(emailed_at=timezone.now())
    return sent


# --- Reading -----------------------------------------------------------------------------------


@transaction.atomic
def notifications_mark_read_for_target(*, user: User, target: Model, kinds: Iterable[Kind | str]) -> int:
    """The person has done what these notifications asked of them (acknowledged the must-read,
    answered the question they were asked to help with): their unread notifications of `kinds`
    about `target` become read, so none lingers as a call to action. Returns how many changed;
    the new unread count goes to their tabs after commit."""
    content_type = ContentType.objects.get_for_model(target)
    changed = Notification.objects.filter(
        recipient_id=user.pk,
        kind__in=[Kind(kind) for kind in kinds],
        target_type=content_type,
        target_id=target.pk,
        read_at__isnull=True,
    ).update(read_at=timezone.now())
    if changed:
        push_unread_counts_on_commit(users=[user])
    return changed


@transaction.atomic
def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    """Mark one of the user's visible notifications read; Http404 for anything else."""
    notification = check_view_notification_permission(user, notification_id=notification_id)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        push_unread_counts_on_commit(users=[user])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of the user read; returns how many changed."""
    changed = Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if changed:
        push_unread_counts_on_commit(users=[user])
    return changed


def notification_open(*, user: User, notification_id: int) -> str:
    """Mark the notification read and return where its target lives; Http404 if hidden or not yours."""
    notification = notification_mark_read(user=user, notification_id=notification_id)
    item = present(notifications_visible(user=user).filter(pk=notification.pk))
    return item[0].target_url


# --- Preferences -------------------------------------------------------------------------------


@transaction.atomic
def preferences_update(
    *,
    user: User,
    deliveries: Mapping[Kind | str, Delivery | str],
    digest_period: DigestPeriod | str | None = None,
) -> None:
    """Store the user's delivery per kind (only the kinds given) and, if given, the digest period."""
    for kind, delivery in deliveries.items():
        preference = NotificationPreference(user=user, kind=Kind(kind), delivery=Delivery(delivery))
        preference.full_clean(exclude=["user"], validate_unique=False, validate_constraints=False)
        NotificationPreference.objects.update_or_create(
            user=user, kind=Kind(kind), defaults={"delivery": Delivery(delivery)}
        )
    if digest_period is not None:
        DigestSubscription.objects.update_or_create(
            user=user, defaults={"period": DigestPeriod(digest_period)}
        )


def unsubscribe_apply(*, user: User, topic: str) -> None:
    """Turn off one kind (topic = a Kind value) or the digest (topic = "digest") for the user."""
    if topic == DIGEST_TOPIC:
        preferences_update(user=user, deliveries={}, digest_period=DigestPeriod.NEVER)
    else:
        preferences_update(user=user, deliveries={Kind(topic): Delivery.OFF})
