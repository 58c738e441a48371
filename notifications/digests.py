"""The e-mail digest: unread notifications the person chose to get "in the digest", plus sections
other apps plug in (the feed's most-reacted posts), daily or weekly.

Other apps add a section in their AppConfig.ready() with `register_digest_section(key, provider)`;
feed/digests.py (the most-reacted posts you have not seen) is the worked example.

A section provider must apply its own app's visibility gate for `user` and cost a fixed number of
queries (it is called once per person). Nothing is sent to a
person whose digest would be empty, and a person gets at most one digest per period (one
`DigestRun` row per user, period and day or ISO week).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from notifications import emails
from notifications.kinds import Delivery, DigestPeriod, Kind, default_delivery, default_digest_period
from notifications.models import DigestRun, DigestSubscription, NotificationPreference
from notifications.selectors import NotificationItem, notifications_visible, present
from notifications.unsubscribe import DIGEST_TOPIC

if TYPE_CHECKING:
    from profiles.models import User

logger = logging.getLogger(__name__)

PERIOD_LENGTH = {
    DigestPeriod.DAILY: datetime.timedelta(days=1),
    DigestPeriod.WEEKLY: datetime.timedelta(days=7),
}
MAX_NOTIFICATIONS = 50


@dataclass(frozen=True)
class DigestItem:
    text: str
    url: str  # absolute, or a path (made absolute when mailed)
    detail: str = ""


@dataclass(frozen=True)
class DigestSection:
    title: str
    items: list[DigestItem]


SectionProvider = Callable[..., DigestSection | None]
_sections: dict[str, SectionProvider] = {}


def register_digest_section(key: str, provider: SectionProvider) -> None:
    """Add a digest section: `provider(user, *, since, period) -> DigestSection | None`."""
    _sections[key] = provider


def unregister_digest_section(key: str) -> None:
    _sections.pop(key, None)


@dataclass
class Digest:
    user: User
    period: DigestPeriod
    since: datetime.datetime
    notifications: list[NotificationItem] = field(default_factory=list)
    more_count: int = 0
    sections: list[DigestSection] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.notifications and not any(section.items for section in self.sections)


def period_key(period: DigestPeriod, now: datetime.datetime) -> str:
    """The day ("2026-11-23") or ISO week ("2026-W48") a run at `now` (UTC) belongs to."""
    day = now.astimezone(datetime.UTC).date()
    if period == DigestPeriod.WEEKLY:
        year, week, _weekday = day.isocalendar()
        return f"{year}-W{week:02d}"
    return day.isoformat()


def digest_kinds(user: User, chosen: dict[str, str]) -> list[str]:
    """The kinds this person wants in the digest."""
    return [
        kind.value
        for kind in Kind
        if Delivery(chosen.get(kind.value, default_delivery(kind))) == Delivery.DIGEST
    ]


def subscribers(period: DigestPeriod) -> Iterator[User]:
    """Active people whose digest period (their own, else the site default) is `period`, each with
    `last_digest_at`: when their previous digest of this period went out (None if never)."""
    from profiles.models import User

    own = DigestSubscription.objects.filter(user_id=OuterRef("pk")).values("period")[:1]
    last = (
        DigestRun.objects.filter(user_id=OuterRef("pk"), period=period)
        .order_by("-sent_at")
        .values("sent_at")[:1]
    )
    return (
        User.objects.filter(is_active=True)
        .exclude(email="")
        .annotate(
            digest_period=Coalesce(Subquery(own), Value(default_digest_period().value)),
            last_digest_at=Subquery(last),
        )
        .filter(digest_period=period.value)
        .order_by("pk")
        .iterator(chunk_size=500)
    )


def build_digest(user: User, *, period: DigestPeriod, now: datetime.datetime) -> Digest:
    """What a digest for `user` would hold now: news since their last digest of this period
    (at most one period back). `user.last_digest_at`, annotated by `subscribers()`, saves the
    query for the previous digest."""
    if hasattr(user, "last_digest_at"):
        last = [user.last_digest_at] if user.last_digest_at is not None else []
    else:
        last = list(
            DigestRun.objects.filter(user=user, period=period)
            .order_by("-sent_at")
            .values_list("sent_at", flat=True)[:1]
        )
    since = max([now - PERIOD_LENGTH[period], *last])
    chosen = dict(NotificationPreference.objects.filter(user_id=user.pk).values_list("kind", "delivery"))
    kinds = digest_kinds(user, chosen)
    digest = Digest(user=user, period=period, since=since)
    if kinds:
        qs = notifications_visible(user=user).filter(
            read_at__isnull=True, kind__in=kinds, updated_at__gt=since
        )
        rows = list(qs[: MAX_NOTIFICATIONS + 1])
        digest.notifications = present(rows[:MAX_NOTIFICATIONS])
        digest.more_count = qs.count() - MAX_NOTIFICATIONS if len(rows) > MAX_NOTIFICATIONS else 0
    for key, provider in _sections.items():
        try:
            section = provider(user, since=since, period=period)
        except Exception:  # one app's broken section must not stop everyone's digest
            logger.exception("notifications: digest section %s failed for user %s", key, user.pk)
            continue
        if section is not None and section.items:
            digest.sections.append(section)
    return digest


def digest_message(digest: Digest):
    count = len(digest.notifications) + digest.more_count
    if digest.period == DigestPeriod.WEEKLY:
        subject = ngettext(
            "Your weekly digest: %(n)d new notification", "Your weekly digest: %(n)d new notifications", count
        )
    else:
        subject = ngettext(
            "Your daily digest: %(n)d new notification", "Your daily digest: %(n)d new notifications", count
        )
    if not count:
        subject = _("Your weekly digest") if digest.period == DigestPeriod.WEEKLY else _("Your daily digest")
    sections = [
        DigestSection(
            title=section.title,
            items=[
                DigestItem(text=i.text, url=emails.absolute(i.url), detail=i.detail) for i in section.items
            ],
        )
        for section in digest.sections
    ]
    items = [
        {
            "text": item.text,
            "excerpt": item.notification.excerpt,
            "url": emails.absolute(reverse("notifications:open", kwargs={"pk": item.id})),
            "when": item.notification.updated_at,
        }
        for item in digest.notifications
    ]
    return emails.build_message(
        user=digest.user,
        subject=subject % {"n": count} if count else subject,
        template="digest",
        context={
            "digest": digest,
            "items": items,
            "more_count": digest.more_count,
            "sections": sections,
            "list_url": emails.absolute(reverse("notifications:list")),
            "period_label": digest.period.label,
        },
        unsubscribe_topic=DIGEST_TOPIC,
    )


@dataclass
class DigestReport:
    sent: int = 0
    empty: int = 0
    already_sent: int = 0
    failed: int = 0


def send_digests(*, period: DigestPeriod | str, now: datetime.datetime | None = None) -> DigestReport:
    """Mail this period's digest to everyone subscribed to it who has something new.

    A `DigestRun` row is claimed before sending (unique per user, period and period key), so a
    second run for the same day or week, even concurrent, sends nothing twice; a failed send
    releases the claim so the next run retries. Costs a fixed number of queries per person
    (their notifications and each section are gated per person) and one mail connection for
    the whole run.
    """
    period = DigestPeriod(period)
    if period == DigestPeriod.NEVER:
        raise ValueError("there is no digest to send for 'never'")
    now = now or timezone.now()
    key = period_key(period, now)
    report = DigestReport()
    done = set(DigestRun.objects.filter(period=period, period_key=key).values_list("user_id", flat=True))
    with emails.connection() as connection:
        for user in subscribers(period):
            _send_one(user, period=period, key=key, now=now, done=done, report=report, connection=connection)
    return report


def _send_one(
    user: User, *, period: DigestPeriod, key: str, now, done: set[int], report: DigestReport, connection
) -> None:
    """Build, claim and mail one person's digest, counting the outcome in `report`."""
    if user.pk in done:
        report.already_sent += 1
        return
    digest = build_digest(user, period=period, now=now)
    if digest.is_empty:
        report.empty += 1
        return
    try:
        with transaction.atomic():
            run = DigestRun.objects.create(
                user=user,
                period=period,
                period_key=key,
                sent_at=now,
                notification_count=len(digest.notifications),
            )
    except IntegrityError:
        report.already_sent += 1
        return
    if emails.send([digest_message(digest)], connection=connection):
        report.sent += 1
    else:
        run.delete()
        report.failed += 1
