"""Every read the notification pages, API, e-mails and digests need, starting from the gate."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import TYPE_CHECKING

from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from notifications.kinds import (
    Delivery,
    DigestPeriod,
    Kind,
    default_delivery,
    default_digest_period,
    spec_for,
)
from notifications.models import DigestSubscription, Notification, NotificationPreference
from notifications.permissions import filter_visible_notifications
from notifications.targets import UnregisteredTarget, registered_types, target_type_for, visible_q

if TYPE_CHECKING:
    from profiles.models import User


@dataclass(frozen=True)
class NotificationItem:
    """One notification as a person sees it: the sentence, where it leads, who acted."""

    notification: Notification
    text: str
    target_url: str
    actor_name: str
    show_actor: bool

    @property
    def id(self) -> int:
        return self.notification.pk

    @property
    def is_unread(self) -> bool:
        return self.notification.read_at is None


@dataclass(frozen=True)
class Day:
    date: datetime.date
    label: str
    items: list[NotificationItem]


def with_targets(qs: QuerySet[Notification]) -> QuerySet[Notification]:
    """Load actors in the same query and targets with one query per target type."""
    return qs.select_related("actor").prefetch_related(
        GenericPrefetch("target", [t.base_queryset() for t in registered_types()])
    )


def notifications_visible(*, user: User) -> QuerySet[Notification]:
    """The user's visible notifications, newest activity first, ready to present."""
    return with_targets(filter_visible_notifications(user).order_by("-updated_at", "-id"))


def unread_count(*, user: User) -> int:
    """Unread notifications the user may still see, the gate included.

    Every page asks this (the bell), and building the gate of every target type costs more
    than the query itself, so one cheap query first reads which target types the unread rows
    have: none (the usual case) answers 0 at once; otherwise the gated count checks only
    those types (two queries in all).
    """
    if not (user is not None and user.is_authenticated and user.is_active):
        return 0
    unread = Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True)
    type_ids = list(unread.order_by().values_list("target_type_id", flat=True).distinct())
    if not type_ids:
        return 0
    return unread.filter(visible_q(user, type_ids=type_ids)).count()


def present(notifications: Iterable[Notification]) -> list[NotificationItem]:
    """Turn loaded notifications into sentences (no query if targets were prefetched)."""
    items = []
    for notification in notifications:
        target = notification.target
        if target is None:
            continue
        try:
            target_type = target_type_for(target)
        except UnregisteredTarget:
            continue
        spec = spec_for(notification.kind)
        actor = notification.actor
        actor_name = (actor.display_name or actor.email) if actor is not None else _("A former colleague")
        text = spec.sentence(
            actor_name, notification.actor_count, target_type.describe(target), notification.data
        )
        items.append(
            NotificationItem(
                notification=notification,
                text=text,
                target_url=target_type.url(target),
                actor_name=actor_name if spec.show_actor else "",
                show_actor=spec.show_actor and actor is not None,
            )
        )
    return items


def group_by_day(items: Sequence[NotificationItem], *, today: datetime.date | None = None) -> list[Day]:
    """Items grouped by the day of their latest activity in the active (viewer's) time zone."""
    today = today or timezone.localdate()
    days = []
    for date, day_items in groupby(
        items, key=lambda item: timezone.localtime(item.notification.updated_at).date()
    ):
        if date == today:
            label = _("Today")
        elif date == today - datetime.timedelta(days=1):
            label = _("Yesterday")
        else:
            label = date_format(date, "l j F Y" if date.year != today.year else "l j F")
        days.append(Day(date=date, label=label, items=list(day_items)))
    return days


def deliveries_for(*, user_ids: Iterable[int], kind: Kind | str) -> dict[int, Delivery]:
    """Each user's delivery for one kind: their own choice, else the site default (one query)."""
    ids = list(user_ids)
    default = default_delivery(kind)
    chosen = dict(
        NotificationPreference.objects.filter(user_id__in=ids, kind=Kind(kind)).values_list(
            "user_id", "delivery"
        )
    )
    return {user_id: Delivery(chosen.get(user_id, default)) for user_id in ids}


@dataclass(frozen=True)
class KindPreference:
    kind: Kind
    label: str
    delivery: Delivery
    is_default: bool


def preferences_for(*, user: User) -> list[KindPreference]:
    """The user's delivery for every kind, in the order of the Kind enum (one query)."""
    chosen = dict(NotificationPreference.objects.filter(user_id=user.pk).values_list("kind", "delivery"))
    return [
        KindPreference(
            kind=kind,
            label=str(kind.label),
            delivery=Delivery(chosen.get(kind.value, default_delivery(kind))),
            is_default=kind.value not in chosen,
        )
        for kind in Kind
    ]


def digest_period_for(*, user: User) -> DigestPeriod:
    period = DigestSubscription.objects.filter(user_id=user.pk).values_list("period", flat=True).first()
    return DigestPeriod(period) if period else default_digest_period()
