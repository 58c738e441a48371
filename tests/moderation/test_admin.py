"""Admin: rules validated and audited, guidelines published through an action, who has not
accepted (CSV), and an audit log nobody can change, superusers included."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group as AuthGroup
from django.contrib.auth.models import Permission
from django.urls import reverse

from moderation import services
from moderation.models import AuditEntry, GuidelineVersion, Rule
from profiles.models import MODERATORS_GROUP
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, guidelines):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def _rule_form(**overrides):
    data = {
        "name": "Project names",
        "kind": "pattern",
        "terms": "(unclosed",
        "whole_word": "on",
        "scopes": ["posts", "chat"],
        "action": "block",
        "section": "be-respectful",
        "explanation": "Code names stay internal.",
        "is_enabled": "on",
        "change_reason": "new leak",
    }
    data.update(overrides)
    return data


def test_admin_refuses_an_invalid_pattern_with_the_reason(admin_client):
    response = admin_client.post(reverse("admin:moderation_rule_add"), _rule_form())
    assert response.status_code == 200
    assert "missing )" in response.content.decode()
    assert not Rule.objects.exists()


def test_admin_saves_a_valid_rule_and_audits_it(admin_client):
    response = admin_client.post(reverse("admin:moderation_rule_add"), _rule_form(terms=r"falcon\d+"))
    assert response.status_code == 302
    rule = Rule.objects.get()
    assert rule.scopes == ["posts", "chat"]
    entry = AuditEntry.objects.get(action="rule.create")
    assert entry.new_value["terms"] == r"falcon\d+"
    assert entry.reason == "new leak"


def test_admin_publishes_a_draft_and_freezes_it(admin_client, guidelines):
    admin_client.post(
        reverse("admin:moderation_guidelineversion_add"),
        {
            "title": "Usage guidelines",
            "body": "## New\n\nText",
            "change": "major",
            "change_summary": "Rewrite",
        },
    )
    draft = GuidelineVersion.objects.get(published_at__isnull=True)
    response = admin_client.post(
        reverse("admin:moderation_guidelineversion_changelist"),
        {"action": "publish", "_selected_action": [draft.pk]},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.number == "2.0"
    page = admin_client.get(reverse("admin:moderation_guidelineversion_change", args=[draft.pk]))
    assert 'name="body"' not in page.content.decode()  # read-only once published
    assert AuditEntry.objects.filter(action="guidelines.publish", new_value__version="2.0").exists()


def test_people_who_have_not_accepted_and_csv(admin_client, guidelines):
    UserFactory(email="late@example.com", accepted_guidelines=False)
    UserFactory(email="ontime@example.com")
    page = admin_client.get(reverse("admin:moderation_peopletoaccept_changelist")).content.decode()
    assert "late@example.com" in page
    assert "ontime@example.com" not in page
    from moderation.selectors import people_not_accepted

    ids = list(people_not_accepted().values_list("pk", flat=True))
    response = admin_client.post(
        reverse("admin:moderation_peopletoaccept_changelist"),
        {"action": "export_csv", "_selected_action": ids},
    )
    csv_text = b"".join(response.streaming_content).decode()
    assert "late@example.com" in csv_text
    assert "ontime@example.com" not in csv_text


def test_nobody_can_change_or_delete_the_audit_log_in_admin(admin_client):
    entry = services.record_audit(actor=None, action="policy.change", reason="original")
    change_url = reverse("admin:moderation_auditentry_change", args=[entry.pk])
    assert admin_client.get(change_url).status_code == 200  # viewable, read-only
    assert admin_client.post(change_url, {"reason": "edited"}).status_code == 403
    assert (
        admin_client.post(
            reverse("admin:moderation_auditentry_delete", args=[entry.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert admin_client.get(reverse("admin:moderation_auditentry_add")).status_code == 403
    changelist = admin_client.get(reverse("admin:moderation_auditentry_changelist")).content.decode()
    assert "delete_selected" not in changelist
    assert AuditEntry.objects.get(pk=entry.pk).reason == "original"


def test_moderators_group_has_view_and_export_but_no_change_permissions(db):
    from importlib import import_module

    from django.apps import apps

    import_module("moderation.migrations.0002_moderators_first_guidelines_shipped_rules").forwards(apps, None)
    group, _ = AuthGroup.objects.get_or_create(name=MODERATORS_GROUP)
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"view_moderationitem", "view_auditentry", "export_auditentry"} <= codenames
    assert not any(c.startswith(("change_", "delete_")) for c in codenames)
    assert not Permission.objects.filter(
        content_type__app_label="moderation", codename="change_auditentry"
    ).exists()
    assert not Permission.objects.filter(
        content_type__app_label="moderation", codename="delete_auditentry"
    ).exists()
