"""The "HR moderators" group with its permissions, the first published guidelines (1.0) so a new
install works, and the shipped screening rules, switched off, ready to switch on in admin.

Idempotent: the group may already exist (seed_demo, the site policy app); nothing is duplicated.
"""

from pathlib import Path

from django.db import migrations
from django.utils import timezone

MODERATORS_GROUP = "HR moderators"
MODERATOR_PERMISSIONS = [
    "view_moderationitem",
    "view_report",
    "view_decision",
    "view_suspension",
    "view_appeal",
    "view_auditentry",
    "export_auditentry",
    "view_guidelineversion",
    "view_guidelineacceptance",
    "export_acceptances",
    "view_rule",
    "view_peopletoaccept",
]
ALL_SCOPES = ["posts", "comments", "answers", "chat", "profiles", "groups"]
DATA_SECTION = "protect-confidential-and-customer-data"
SHIPPED_RULES = [
    {
        "name": "Payment card numbers",
        "kind": "card_numbers",
        "terms": "",
        "whole_word": False,
        "scopes": ALL_SCOPES,
        "section": DATA_SECTION,
        "action": "block",
        "explanation": (
            "This looks like a payment card number. Card numbers must never be shared here: "
            "remove it (customer payments go through the payment system)."
        ),
    },
    {
        "name": "E-mail addresses outside the company",
        "kind": "outside_emails",
        "terms": "",
        "whole_word": False,
        "scopes": ["posts", "comments", "answers"],
        "section": DATA_SECTION,
        "action": "warn",
        "explanation": (
            "This contains an e-mail address outside the company. If it belongs to a customer or "
            "partner, please remove it: customer data stays in the CRM."
        ),
    },
    {
        "name": "Profanity",
        "kind": "words",
        "terms": "\n".join(
            ["fuck", "fucking", "fucked", "shit", "bullshit", "asshole", "bastard", "bitch",
             "wanker", "bollocks", "piss off", "dickhead", "motherfucker"]
        ),
        "whole_word": True,
        "scopes": ALL_SCOPES,
        "section": "keep-language-professional",
        "action": "warn",
        "explanation": "Please keep the language professional: anyone in the company may read this.",
    },
]


def forwards(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    from moderation.rendering import render_guidelines

    # Permissions are normally created after all migrations; create them now so the group gets them.
    for app_config in apps.get_app_configs():
        original = getattr(app_config, "models_module", None)
        app_config.models_module = original or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = original

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=MODERATORS_GROUP)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="moderation", codename__in=MODERATOR_PERMISSIONS)
    )

    GuidelineVersion = apps.get_model("moderation", "GuidelineVersion")
    if not GuidelineVersion.objects.filter(published_at__isnull=False).exists():
        body = (Path(__file__).resolve().parent.parent / "guidelines_v1.md").read_text(encoding="utf-8")
        html, sections = render_guidelines(body)
        version = GuidelineVersion.objects.create(
            title="Usage guidelines",
            body=body,
            body_html=html,
            sections=sections,
            change="major",
            change_summary="First version.",
            major=1,
            minor=0,
            published_at=timezone.now(),
        )
        apps.get_model("moderation", "AuditEntry").objects.create(
            actor_repr="system (installation)",
            action="guidelines.publish",
            target_type="moderation.guidelineversion",
            target_id=str(version.pk),
            target_repr="Usage guidelines (1.0)",
            new_value={"version": "1.0", "change": "major", "title": "Usage guidelines"},
            reason="First version.",
        )

    Rule = apps.get_model("moderation", "Rule")
    for spec in SHIPPED_RULES:
        if not Rule.objects.filter(name=spec["name"]).exists():
            Rule.objects.create(is_enabled=False, **spec)


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
