"""The pages: list grouped by day, marking read, opening, preferences, unsubscribe, the bell."""

from __future__ import annotations

import datetime
import json
import re
import zoneinfo

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from groups.models import Group
from notifications.kinds import Delivery, DigestPeriod, Kind
from notifications.models import DigestSubscription, Notification, NotificationPreference
from notifications.services import notify
from notifications.unsubscribe import DIGEST_TOPIC, make_token
from tests.factories import UserFactory
from tests.notifications.conftest import make_group

pytestmark = pytest.mark.django_db

CSRF_VALUE = re.compile(r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+')


def page(response) -> str:
    """The body as a visitor compares it: per-request CSRF tokens masked."""
    return CSRF_VALUE.sub(r"\1…", response.content.decode())


def invite(recipient, *, group=None, actor=None):
    actor = actor or UserFactory()
    group = group or make_group(visibility="private", owner=actor)
    return notify(recipients=[recipient], kind=Kind.GROUP_INVITATION, actor=actor, target=group)[0]


def test_list_shows_notifications_grouped_by_day_in_the_viewers_time_zone(client):
    user = UserFactory(time_zone="Asia/Tokyo")
    late = invite(user, group=make_group(visibility="private", name="Late Group"))
    early = invite(user, group=make_group(visibility="private", name="Early Group"))
    now = timezone.now()
    tokyo_today = now.astimezone(zoneinfo.ZoneInfo("Asia/Tokyo")).date()
    # 00:30 today in Tokyo is yesterday in UTC: it belongs under "Today" for this viewer.
    just_after_midnight = datetime.datetime.combine(
        tokyo_today, datetime.time(0, 30), tzinfo=zoneinfo.ZoneInfo("Asia/Tokyo")
    )
    Notification.objects.filter(pk=late.pk).update(updated_at=just_after_midnight)
    Notification.objects.filter(pk=early.pk).update(
        updated_at=just_after_midnight - datetime.timedelta(hours=1)
    )
    client.force_login(user)
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert (
        body.index("Today") < body.index("Late Group") < body.index("Yesterday") < body.index("Early Group")
    )


def test_list_page_queries_stay_flat_with_100_notifications(client, django_assert_max_num_queries):
    user = UserFactory()
    actors = [UserFactory() for _ in range(5)]
    groups = [make_group(visibility="open", owner=actors[i % 5]) for i in range(10)]
    for i in range(50):
        notify(recipients=[user], kind=Kind.GROUP_INVITATION, actor=actors[i % 5], target=groups[i % 10])
        notify(recipients=[user], kind=Kind.NEW_FOLLOWER, actor=actors[i % 5], target=actors[i % 5])
    assert Notification.objects.filter(recipient=user).count() == 100
    client.force_login(user)
    # user, list rows (actors joined, gate inside), one per target type (people, groups),
    # the nav's moderator check, the bell's count (which target types are unread, then the
    # gated count of those; one query when nothing is unread): flat however many rows there are.
    with django_assert_max_num_queries(7):
        response = client.get(reverse("notifications:list"))
    assert response.status_code == 200
    assert response.content.decode().count('class="notif-item') == 50
    assert "Show older notifications" in response.content.decode()


def test_list_loads_older_pages_with_the_cursor(client):
    user = UserFactory()
    owner = UserFactory()
    for _ in range(55):
        invite(user, actor=owner)
    client.force_login(user)
    first = client.get(reverse("notifications:list"))
    cursor = first.context["next_cursor"]
    older = client.get(reverse("notifications:list"), {"cursor": cursor}, headers={"HX-Request": "true"})
    assert older.status_code == 200
    assert older.content.decode().count('class="notif-item') == 5
    assert "<html" not in older.content.decode()


def test_list_shows_only_the_viewers_visible_notifications(client):
    user, other = UserFactory(), UserFactory()
    invite(other, group=make_group(visibility="private", name="Not Yours"))
    secret_owner = UserFactory()
    hidden = make_group(visibility="open", owner=secret_owner, name="Soon Secret")
    invite(user, group=hidden, actor=secret_owner)
    Group.objects.filter(pk=hidden.pk).update(visibility="secret")
    client.force_login(user)
    body = client.get(reverse("notifications:list")).content.decode()
    assert "Not Yours" not in body
    assert "Soon Secret" not in body
    assert "No notifications yet" in body


def test_unread_filter(client):
    user = UserFactory()
    read = invite(user, group=make_group(visibility="private", name="Already Read"))
    invite(user, group=make_group(visibility="private", name="Still New"))
    Notification.objects.filter(pk=read.pk).update(read_at=timezone.now())
    client.force_login(user)
    body = client.get(reverse("notifications:list"), {"filter": "unread"}).content.decode()
    assert "Still New" in body
    assert "Already Read" not in body


def test_mark_one_read_with_htmx_returns_the_row_and_the_new_count(client):
    user = UserFactory()
    notification = invite(user)
    invite(user)
    client.force_login(user)
    response = client.post(
        reverse("notifications:mark_read", args=[notification.pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "is-unread" not in response.content.decode()
    assert response["HX-Trigger"] == '{"notifications:count": {"unread": 1}}'
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_mark_read_of_someone_elses_notification_is_404_like_a_missing_one(client):
    owner, stranger = UserFactory(), UserFactory()
    notification = invite(owner)
    client.force_login(stranger)
    theirs = client.post(reverse("notifications:mark_read", args=[notification.pk]))
    missing = client.post(reverse("notifications:mark_read", args=[notification.pk + 1000]))
    assert theirs.status_code == missing.status_code == 404
    assert page(theirs) == page(missing)
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read(client):
    user = UserFactory()
    for _ in range(3):
        invite(user)
    client.force_login(user)
    response = client.post(reverse("notifications:mark_all_read"))
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=user, read_at__isnull=True).exists()


def test_mark_read_needs_post(client):
    user = UserFactory()
    notification = invite(user)
    client.force_login(user)
    assert client.get(reverse("notifications:mark_read", args=[notification.pk])).status_code == 405


def test_open_marks_read_and_redirects_to_the_target(client):
    user = UserFactory()
    notification = invite(user)
    client.force_login(user)
    response = client.get(reverse("notifications:open", args=[notification.pk]))
    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_open_of_a_hidden_target_answers_like_a_missing_notification(client):
    user, owner = UserFactory(), UserFactory()
    group = make_group(visibility="open", owner=owner)
    notification = invite(user, group=group, actor=owner)
    Group.objects.filter(pk=group.pk).update(visibility="secret")
    client.force_login(user)
    hidden = client.get(reverse("notifications:open", args=[notification.pk]))
    missing = client.get(reverse("notifications:open", args=[notification.pk + 999]))
    assert hidden.status_code == missing.status_code == 404
    assert page(hidden) == page(missing)


def test_bell_shows_the_unread_count(client):
    user = UserFactory()
    invite(user)
    invite(user)
    client.force_login(user)
    body = client.get(reverse("home")).content.decode()
    assert "data-notification-count>2</span>" in body
    assert 'aria-label="Notifications, 2 unread"' in body
    assert "notifications/notifications.js" in body


def test_pages_need_login(client):
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# --- Preferences --------------------------------------------------------------------------------


def _prefs_post(**overrides) -> dict:
    data = {f"kind_{kind.value}": Delivery.IN_APP.value for kind in Kind}
    data["digest_period"] = DigestPeriod.WEEKLY.value
    data.update(overrides)
    return data


def test_preferences_page_shows_defaults_and_saves_choices(client):
    user = UserFactory()
    client.force_login(user)
    page = client.get(reverse("notifications:preferences"))
    assert page.status_code == 200
    assert "Group invitations" in page.content.decode()
    response = client.post(reverse("notifications:preferences"), _prefs_post(kind_mention="off"))
    assert response.status_code == 302
    assert NotificationPreference.objects.get(user=user, kind="mention").delivery == "off"
    assert DigestSubscription.objects.get(user=user).period == "weekly"


def test_preferences_invalid_choice_re_renders_with_the_error_and_keeps_the_rest(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("notifications:preferences"), _prefs_post(kind_mention="carrier-pigeon", kind_reply="off")
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Please correct the choices marked below." in body
    assert 'name="kind_reply" value="off" id="id_kind_reply_3" checked' in body
    assert not NotificationPreference.objects.filter(user=user).exists()


# --- Unsubscribe --------------------------------------------------------------------------------


def test_unsubscribe_link_turns_the_kind_off_without_login():
    user = UserFactory()
    token = make_token(user_id=user.pk, topic=Kind.MENTION.value)
    response = Client().get(reverse("notifications:unsubscribe", args=[token]))
    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    assert "Mentions of me" in response.content.decode()
    assert NotificationPreference.objects.get(user=user, kind="mention").delivery == Delivery.OFF


def test_unsubscribe_one_click_post_works_without_csrf_token():
    user = UserFactory()
    token = make_token(user_id=user.pk, topic=DIGEST_TOPIC)
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("notifications:unsubscribe", args=[token]), {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    assert DigestSubscription.objects.get(user=user).period == DigestPeriod.NEVER


def test_tampered_unsubscribe_token_changes_nothing_and_says_so():
    user, victim = UserFactory(), UserFactory()
    token = make_token(user_id=user.pk, topic=Kind.MENTION.value)
    _payload, stamp, signature = token.split(":")
    victim_payload = json.dumps({"u": victim.pk, "t": "mention"}, separators=(",", ":")).encode()
    forged = ":".join([signing.b64_encode(victim_payload).decode(), stamp, signature])
    for bad in (token[:-2] + "xx", forged, "nonsense"):
        response = Client().get(reverse("notifications:unsubscribe", args=[bad]))
        assert response.status_code == 400
        assert "This unsubscribe link is not valid" in response.content.decode()
    assert not NotificationPreference.objects.exists()


def test_expired_unsubscribe_token_changes_nothing_and_says_so(settings):
    user = UserFactory()
    token = make_token(user_id=user.pk, topic=Kind.MENTION.value)
    settings.NOTIFICATIONS_UNSUBSCRIBE_MAX_AGE = -1
    response = Client().get(reverse("notifications:unsubscribe", args=[token]))
    assert response.status_code == 400
    assert "This unsubscribe link has expired" in response.content.decode()
    assert not NotificationPreference.objects.exists()
