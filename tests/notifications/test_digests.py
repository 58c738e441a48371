"""send_digests: content, sections plugged in by other apps, idempotence, the empty case."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from notifications.digests import (
    DigestItem,
    DigestSection,
    register_digest_section,
    send_digests,
    unregister_digest_section,
)
from notifications.kinds import Delivery, DigestPeriod, Kind
from notifications.models import DigestRun, Notification, NotificationPreference
from notifications.services import notifications_mark_all_read, notify, preferences_update
from tests.factories import UserFactory
from tests.notifications.conftest import make_group

pytestmark = pytest.mark.django_db


def follow(followed, *, name="Ana Silva"):
    follower = UserFactory(display_name=name)
    notify(recipients=[followed], kind=Kind.NEW_FOLLOWER, actor=follower, target=follower)
    return follower


def mails_to(user) -> list:
    return [m for m in mail.outbox if m.to == [user.email]]


def test_digest_lists_unread_digest_kinds_in_html_and_text():
    user = UserFactory(email="dana@example.com", display_name="Dana Kim")
    follow(user, name="Ana Silva")
    follow(user, name="Ben Okafor")
    report = send_digests(period=DigestPeriod.DAILY)
    assert report.sent == 1
    (message,) = mails_to(user)
    assert "Your daily digest: 2 new notifications" in message.subject
    assert "Ana Silva started following you" in message.body
    assert "Ben Okafor started following you" in message.body
    assert "You get this daily digest because of your notification preferences." in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "Ana Silva started following you" in html
    assert "/notifications/unsubscribe/" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_digest_leaves_out_read_notifications_and_kinds_not_set_to_digest():
    user = UserFactory()
    follow(user)
    notifications_mark_all_read(user=user)
    owner = UserFactory()
    notify(
        recipients=[user], kind=Kind.GROUP_INVITATION, actor=owner, target=make_group(owner=owner)
    )  # e-mail kind
    assert send_digests(period=DigestPeriod.DAILY).sent == 0
    assert mails_to(user) == []


def test_digest_hides_targets_the_person_can_no_longer_see():
    user, owner = UserFactory(), UserFactory()
    preferences_update(user=user, deliveries={Kind.GROUP_INVITATION: Delivery.DIGEST})
    group = make_group(visibility="open", owner=owner, name="Soon Secret")
    notify(recipients=[user], kind=Kind.GROUP_INVITATION, actor=owner, target=group)
    group.visibility = "secret"
    group.save()
    assert send_digests(period=DigestPeriod.DAILY).sent == 0


def test_nothing_new_sends_nothing():
    UserFactory()
    report = send_digests(period=DigestPeriod.DAILY)
    assert report.sent == 0
    assert report.empty >= 1
    assert mail.outbox == []
    assert not DigestRun.objects.exists()


def test_running_twice_for_the_same_period_sends_nothing_twice():
    user = UserFactory()
    follow(user)
    now = timezone.now()
    assert send_digests(period=DigestPeriod.DAILY, now=now).sent == 1
    follow(user, name="Late Follower")
    second = send_digests(period=DigestPeriod.DAILY, now=now + datetime.timedelta(minutes=5))
    assert second.sent == 0
    assert second.already_sent == 1
    assert len(mails_to(user)) == 1


def test_next_period_sends_only_what_is_new_since_the_last_digest():
    user = UserFactory()
    follow(user, name="First Follower")
    now = timezone.now()
    send_digests(period=DigestPeriod.DAILY, now=now)
    later = now + datetime.timedelta(days=1)
    row = notify(
        recipients=[user],
        kind=Kind.NEW_FOLLOWER,
        actor=UserFactory(display_name="Next Follower"),
        target=user,
    )
    Notification.objects.filter(pk__in=[r.pk for r in row]).update(
        updated_at=later - datetime.timedelta(hours=1)
    )
    assert send_digests(period=DigestPeriod.DAILY, now=later).sent == 1
    latest = mails_to(user)[-1]
    assert "Next Follower" in latest.body
    assert "First Follower" not in latest.body


def test_weekly_subscribers_are_left_out_of_the_daily_run():
    daily, weekly = UserFactory(), UserFactory()
    preferences_update(user=weekly, deliveries={}, digest_period=DigestPeriod.WEEKLY)
    follow(daily)
    follow(weekly)
    assert send_digests(period=DigestPeriod.DAILY).sent == 1
    assert mails_to(weekly) == []
    assert send_digests(period=DigestPeriod.WEEKLY).sent == 1
    assert len(mails_to(weekly)) == 1


def test_digest_never_and_inactive_people_get_nothing():
    never, gone = UserFactory(), UserFactory()
    preferences_update(user=never, deliveries={}, digest_period=DigestPeriod.NEVER)
    follow(never)
    follow(gone)
    gone.is_active = False
    gone.save()
    assert send_digests(period=DigestPeriod.DAILY).sent == 0


def test_sections_from_other_apps_are_included():
    user = UserFactory()

    def top_posts(person, *, since, period):
        return DigestSection(
            title="Most-reacted posts", items=[DigestItem(text="Our Q3 launch", url="/feed/posts/1/")]
        )

    register_digest_section("test.top_posts", top_posts)
    try:
        assert send_digests(period=DigestPeriod.DAILY).sent >= 1
    finally:
        unregister_digest_section("test.top_posts")
    (message,) = mails_to(user)
    assert "Most-reacted posts" in message.body
    assert "http://localhost/feed/posts/1/" in message.body


def test_a_broken_section_does_not_stop_the_digest():
    user = UserFactory()
    follow(user)

    def broken(person, *, since, period):
        raise RuntimeError("feed is down")

    register_digest_section("test.broken", broken)
    try:
        assert send_digests(period=DigestPeriod.DAILY).sent == 1
    finally:
        unregister_digest_section("test.broken")


def test_digest_unsubscribe_link_stops_the_digest():
    user = UserFactory()
    follow(user)
    send_digests(period=DigestPeriod.DAILY)
    link = re.search(r"http://localhost(/notifications/unsubscribe/[^\s]+/)", mails_to(user)[0].body).group(1)
    response = Client().get(link)
    assert response.status_code == 200
    assert "You will no longer receive the e-mail digest." in response.content.decode()
    follow(user, name="Another")
    assert send_digests(period=DigestPeriod.DAILY, now=timezone.now() + datetime.timedelta(days=1)).sent == 0


def test_immediate_mail_unsubscribe_link_turns_that_kind_off(django_capture_on_commit_callbacks):
    user = UserFactory()
    preferences_update(user=user, deliveries={Kind.NEW_FOLLOWER: Delivery.EMAIL})
    with django_capture_on_commit_callbacks(execute=True):
        follow(user)
    link = re.search(r"http://localhost(/notifications/unsubscribe/[^\s]+/)", mails_to(user)[0].body).group(1)
    assert Client().get(link).status_code == 200
    assert NotificationPreference.objects.get(user=user, kind="new_follower").delivery == Delivery.OFF


def test_send_digests_command_reports_what_it_did():
    user = UserFactory()
    follow(user)
    from io import StringIO

    out = StringIO()
    call_command("send_digests", "--period", "daily", stdout=out)
    assert "daily digest: 1 sent" in out.getvalue()
    out = StringIO()
    call_command("send_digests", "--period", "daily", stdout=out)
    assert "0 sent" in out.getvalue()
    assert "1 already sent this period" in out.getvalue()


class CountingBackend(locmem.EmailBackend):
    """The test backend, counting how often a connection is opened."""

    opened = 0

    def open(self):
        CountingBackend.opened += 1
        return super().open()


class DownBackend(BaseEmailBackend):
    """A mail server that is down: opening and sending both fail."""

    def open(self):
        raise OSError("SMTP is down")

    def send_messages(self, messages):
        raise OSError("SMTP is down")


def test_a_digest_run_uses_one_mail_connection(settings):
    settings.EMAIL_BACKEND = "tests.notifications.test_digests.CountingBackend"
    CountingBackend.opened = 0
    people = [UserFactory() for _ in range(3)]
    for person in people:
        follow(person)
    assert send_digests(period=DigestPeriod.DAILY).sent == 3
    assert CountingBackend.opened == 1
    assert all(len(mails_to(person)) == 1 for person in people)


def test_a_failed_digest_is_sent_by_the_next_run(settings):
    user = UserFactory()
    follow(user)
    now = timezone.now()
    settings.EMAIL_BACKEND = "tests.notifications.test_digests.DownBackend"
    report = send_digests(period=DigestPeriod.DAILY, now=now)
    assert (report.sent, report.failed) == (0, 1)
    assert not DigestRun.objects.filter(user=user).exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_digests(period=DigestPeriod.DAILY, now=now + datetime.timedelta(minutes=5)).sent == 1
    assert len(mails_to(user)) == 1


class FlakyBackend(locmem.EmailBackend):
    """Like the SMTP backend: `open()` keeps an existing connection, sending opens one if there is
    none. The server drops the first connection while sending; a fresh one works."""

    drops_left = 1

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.connection = None

    def open(self):
        if self.connection is not None:
            return False
        self.connection = "fresh"
        return True

    def close(self):
        self.connection = None

    def send_messages(self, messages):
        self.open()
        if self.connection == "dropped":
            raise OSError("the server closed the connection")
        if FlakyBackend.drops_left:
            FlakyBackend.drops_left -= 1
            self.connection = "dropped"
            raise OSError("the server closed the connection")
        return super().send_messages(messages)


def test_a_dropped_mail_connection_fails_one_digest_not_the_rest(settings):
    settings.EMAIL_BACKEND = "tests.notifications.test_digests.FlakyBackend"
    FlakyBackend.drops_left = 1
    people = [UserFactory() for _ in range(3)]
    for person in people:
        follow(person)
    report = send_digests(period=DigestPeriod.DAILY)
    assert (report.sent, report.failed) == (2, 1)
    assert DigestRun.objects.count() == 2
