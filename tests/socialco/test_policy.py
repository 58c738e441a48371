"""The cached site policy: defaults, one shared cached copy, no query when warm, live changes."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group as AuthGroup
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from profiles.models import MODERATORS_GROUP
from socialco.models import SitePolicy
from socialco.policy import (
    NOTIFICATION_KINDS,
    POLICY_CACHE_KEY,
    Policy,
    can_create_group,
    can_post_announcement,
    chat_edit_window,
    chat_message_editable,
    chat_retention_cutoff,
    check_create_group_permission,
    check_post_announcement_permission,
    default_notification_preferences,
    get_policy,
    question_escalation_delay,
    read_receipts_enabled,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(serialized_rollback=True)
def test_migrations_create_the_policy_row_and_the_moderators_group():
    """What the data migrations made (restored for this test, since transactional tests flush)."""
    assert SitePolicy.objects.filter(pk=1).count() == 1
    assert AuthGroup.objects.filter(name=MODERATORS_GROUP).exists()


def test_get_policy_creates_the_row_from_settings_when_missing(settings):
    SitePolicy.objects.all().delete()
    cache.clear()
    settings.COMPANY_NAME = "Initech"
    settings.SIGNUP_EMAIL_DOMAINS = ["initech.test", "initrode.test"]
    settings.UPLOAD_MAX_BYTES = 2_000_000
    settings.UPLOAD_MAX_PIXELS = 12_500_000
    policy = get_policy()
    assert policy.company_name == "Initech"
    assert policy.signup_email_domains == ("initech.test", "initrode.test")
    assert policy.upload_max_bytes == 2_000_000
    assert policy.upload_max_pixels == 12_500_000
    assert policy.signup_mode == SitePolicy.SignupMode.OPEN
    assert policy.chat_retention_days is None  # retention is off by default
    assert policy.chat_read_receipts is True
    assert SitePolicy.objects.count() == 1


def test_get_policy_costs_no_query_once_warm(django_assert_num_queries):
    cache.clear()
    with django_assert_num_queries(1):
        get_policy()
    with django_assert_num_queries(0):
        for _ in range(50):
            policy = get_policy()
            read_receipts_enabled()
            chat_edit_window()
            chat_retention_cutoff()
            question_escalation_delay()
            default_notification_preferences()
            policy.rate_limit("post")
    assert isinstance(policy, Policy)


def test_a_saved_change_replaces_the_shared_cached_copy_on_commit(
    set_site_policy, django_capture_on_commit_callbacks, django_assert_num_queries
):
    get_policy()
    with django_capture_on_commit_callbacks(execute=True):
        set_site_policy(company_name="Globex", chat_read_receipts=False)
    # Every process reads this one cached copy: it already holds the new values.
    assert cache.get(POLICY_CACHE_KEY)["company_name"] == "Globex"
    with django_assert_num_queries(0):
        assert get_policy().company_name == "Globex"
        assert read_receipts_enabled() is False


def test_a_change_is_seen_at_once_even_before_commit(set_site_policy):
    assert get_policy().company_name != "Hooli"
    set_site_policy(company_name="Hooli")
    assert get_policy().company_name == "Hooli"


def test_a_plain_model_save_publishes_too(django_capture_on_commit_callbacks):
    get_policy()
    policy = SitePolicy.objects.get()
    policy.chat_edit_window_minutes = 3
    with django_capture_on_commit_callbacks(execute=True):
        policy.save()
    assert chat_edit_window() == timedelta(minutes=3)


def test_a_slow_reader_never_overwrites_a_fresher_save(set_site_policy, django_capture_on_commit_callbacks):
    cache.clear()
    stale = Policy.from_model(SitePolicy.objects.get())  # a reader fetched the row before the save
    with django_capture_on_commit_callbacks(execute=True):
        set_site_policy(company_name="Fresh Co")
    cache.add(POLICY_CACHE_KEY, stale.to_cache())  # ... and tries to fill the cache afterwards
    assert get_policy().company_name == "Fresh Co"


def test_snapshot_carries_every_model_field():
    model_fields = {f.name for f in SitePolicy._meta.concrete_fields} - {"id"}
    assert model_fields == set(Policy.__dataclass_fields__)


@pytest.mark.parametrize(
    ("audience", "expected"),
    [
        (SitePolicy.Audience.EVERYONE, {"plain": True, "staff": True, "holder": True, "inactive": False}),
        (SitePolicy.Audience.STAFF, {"plain": False, "staff": True, "holder": False, "inactive": False}),
        (SitePolicy.Audience.PERMISSION, {"plain": False, "staff": False, "holder": True, "inactive": False}),
    ],
)
def test_group_creation_and_announcements_follow_the_policy_at_once(set_site_policy, audience, expected):
    holders = AuthGroup.objects.create(name="Communications")
    holders.permissions.add(
        Permission.objects.get(codename="create_group"), Permission.objects.get(codename="post_announcement")
    )
    people = {
        "plain": UserFactory(),
        "staff": UserFactory(is_staff=True),
        "holder": UserFactory(),
        "inactive": UserFactory(is_active=False),
    }
    people["holder"].groups.add(holders)
    set_site_policy(group_creation=audience, announcement_posting=audience)
    for name, user in people.items():
        assert can_create_group(user) is expected[name], name
        assert can_post_announcement(user) is expected[name], name
    assert can_create_group(UserFactory(is_superuser=True))


def test_check_helpers_raise_permission_denied(set_site_policy, user):
    set_site_policy(group_creation="staff", announcement_posting="staff")
    with pytest.raises(PermissionDenied):
        check_create_group_permission(user)
    with pytest.raises(PermissionDenied):
        check_post_announcement_permission(user)
    set_site_policy(group_creation="everyone", announcement_posting="everyone")
    check_create_group_permission(user)
    check_post_announcement_permission(user)


def test_chat_edit_window_applies_at_once(set_site_policy):
    sent = timezone.now() - timedelta(minutes=10)
    assert chat_message_editable(sent)  # default: 15 minutes
    set_site_policy(chat_edit_window_minutes=5)
    assert not chat_message_editable(sent)
    set_site_policy(chat_edit_window_minutes=0)
    assert chat_edit_window() == timedelta(0)
    assert not chat_message_editable(timezone.now())


def test_chat_retention_is_off_by_default_and_applies_at_once(set_site_policy):
    now = timezone.now()
    assert chat_retention_cutoff(now=now) is None
    set_site_policy(chat_retention_days=30)
    assert chat_retention_cutoff(now=now) == now - timedelta(days=30)
    set_site_policy(chat_retention_days=None)
    assert chat_retention_cutoff(now=now) is None


def test_read_receipts_switch_at_once(set_site_policy):
    assert read_receipts_enabled()
    set_site_policy(chat_read_receipts=False)
    assert not read_receipts_enabled()


def test_question_escalation_delay(set_site_policy):
    assert question_escalation_delay() == timedelta(hours=24)  # the default
    set_site_policy(question_escalation_hours=None)
    assert question_escalation_delay() is None


def test_default_notification_preferences_cover_every_kind(set_site_policy):
    prefs = default_notification_preferences()
    assert set(prefs) == set(NOTIFICATION_KINDS)
    set_site_policy(notification_defaults={"reaction": "off"})
    prefs = default_notification_preferences()
    assert prefs["reaction"] == "off"
    assert set(prefs) == set(NOTIFICATION_KINDS)  # missing kinds fall back to the built-in default


def test_upload_megapixels_become_pixels(set_site_policy):
    set_site_policy(upload_max_megapixels=Decimal("2.5"))
    assert get_policy().upload_max_pixels == 2_500_000
