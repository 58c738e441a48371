"""Writing the site policy: validation, the append-only change history."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from socialco.models import SitePolicy, SitePolicyChange
from socialco.policy import get_policy
from socialco.policy_services import record_policy_change, site_policy_update
from socialco.policy_values import RateLimit, parse_rate_limit

pytestmark = pytest.mark.django_db


def test_each_changed_setting_is_recorded_with_who_old_and_new(staff_user):
    site_policy_update(
        actor=staff_user, company_name="Globex", upload_max_megapixels=Decimal("25"), chat_retention_days=90
    )
    rows = {c.field: c for c in SitePolicyChange.objects.all()}
    assert set(rows) == {"company_name", "chat_retention_days"}  # 25 MP was already the value
    assert rows["company_name"].old_value == "Example Corp"
    assert rows["company_name"].new_value == "Globex"
    assert rows["chat_retention_days"].old_value is None
    assert rows["chat_retention_days"].new_value == 90
    assert all(c.actor == staff_user and c.actor_label == staff_user.email for c in rows.values())


def test_notification_defaults_are_recorded_kind_by_kind(staff_user):
    site_policy_update(
        actor=staff_user, notification_defaults={**get_policy().notification_defaults, "reaction": "off"}
    )
    change = SitePolicyChange.objects.get()
    assert (change.field, change.old_value, change.new_value) == (
        "notification_defaults.reaction",
        "digest",
        "off",
    )


def test_an_unchanged_save_records_nothing(staff_user):
    site_policy_update(actor=staff_user, company_name=get_policy().company_name)
    assert not SitePolicyChange.objects.exists()


def test_history_is_append_only(staff_user):
    change = record_policy_change(actor=staff_user, field="company_name", old_value="A", new_value="B")
    change.new_value = "C"
    with pytest.raises(ValidationError):
        change.save()
    with pytest.raises(ValidationError):
        change.delete()
    assert SitePolicyChange.objects.get().new_value == "B"


def test_history_keeps_who_after_the_account_is_deleted(staff_user):
    email = staff_user.email
    site_policy_update(actor=staff_user, company_name="Globex")
    staff_user.delete()
    change = SitePolicyChange.objects.get()
    assert change.actor is None
    assert change.actor_label == email


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"signup_email_domains": ["not a domain"]}, "signup_email_domains"),
        ({"signup_email_domains": ["Example.com"]}, "signup_email_domains"),
        ({"signup_email_domains": [], "signup_mode": "open"}, "signup_email_domains"),
        ({"rate_limit_posts": "lots"}, "rate_limit_posts"),
        ({"rate_limit_chat_messages": "0/m"}, "rate_limit_chat_messages"),
        ({"notification_defaults": {"mention": "carrier pigeon"}}, "notification_defaults"),
        ({"notification_defaults": {"gossip": "email"}}, "notification_defaults"),
        ({"upload_max_bytes": 10}, "upload_max_bytes"),
        ({"chat_retention_days": 0}, "chat_retention_days"),
        ({"group_creation": "nobody"}, "group_creation"),
    ],
)
def test_invalid_settings_are_refused_with_a_field_error_and_nothing_changes(staff_user, values, field):
    before = get_policy()
    with pytest.raises(ValidationError) as exc:
        site_policy_update(actor=staff_user, **values)
    assert field in exc.value.message_dict
    assert get_policy() == before
    assert not SitePolicyChange.objects.exists()


def test_invitation_only_mode_may_have_no_domains(staff_user):
    site_policy_update(actor=staff_user, signup_mode="invitation", signup_email_domains=[])
    assert get_policy().invitation_only


def test_unknown_settings_are_a_programming_error(staff_user):
    with pytest.raises(ValueError, match="not site policy settings"):
        site_policy_update(actor=staff_user, colour="blue")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10/m", RateLimit(10, 60)),
        ("20/10s", RateLimit(20, 10)),
        ("100/1h", RateLimit(100, 3600)),
        ("5/30", RateLimit(5, 30)),
        (" 3 / 2d ", RateLimit(3, 172800)),
        ("", None),
    ],
)
def test_rate_limit_text_is_parsed(text, expected):
    assert parse_rate_limit(text) == expected


@pytest.mark.parametrize("text", ["10", "ten/m", "10/m/ip", "10/0s", "10/8d", "-1/m"])
def test_bad_rate_limit_text_is_refused(text):
    with pytest.raises(ValidationError):
        parse_rate_limit(text)


def test_singleton_constraint_refuses_a_second_row():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        SitePolicy.objects.create(pk=2, **SitePolicy.defaults_from_settings())


def test_kinds_stored_before_an_upgrade_do_not_block_saving(staff_user):
    SitePolicy.objects.update(notification_defaults={"mention": "off", "retired_kind": "email"})
    site_policy_update(actor=staff_user, company_name="Globex")
    policy = SitePolicy.objects.get()
    assert policy.notification_defaults == {"mention": "off"}
    assert get_policy().notification_defaults["mention"] == "off"


def test_policy_notification_kinds_match_the_notifications_app():
    kinds = pytest.importorskip("notifications.kinds")
    from socialco.policy_values import (
        DEFAULT_NOTIFICATION_PREFERENCES,
        NOTIFICATION_DELIVERIES,
        NOTIFICATION_KINDS,
    )

    assert set(NOTIFICATION_KINDS) == {k.value for k in kinds.Kind}
    assert set(NOTIFICATION_DELIVERIES) == {d.value for d in kinds.Delivery}
    assert {
        k.value: s.default_delivery.value for k, s in kinds.KIND_SPECS.items()
    } == DEFAULT_NOTIFICATION_PREFERENCES
