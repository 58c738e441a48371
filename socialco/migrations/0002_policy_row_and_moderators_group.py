"""Data: the one SitePolicy row (first values from the settings) and the HR moderators group."""

from decimal import Decimal

from django.conf import settings
from django.db import migrations

# Kept here rather than imported: a migration must not change when app code does.
MODERATORS_GROUP = "HR moderators"


def create_policy_and_group(apps, schema_editor):
    SitePolicy = apps.get_model("socialco", "SitePolicy")
    Group = apps.get_model("auth", "Group")
    SitePolicy.objects.get_or_create(
        pk=1,
        defaults={
            "company_name": settings.COMPANY_NAME,
            "signup_email_domains": list(settings.SIGNUP_EMAIL_DOMAINS),
            "upload_max_bytes": min(settings.UPLOAD_MAX_BYTES, 100 * 1024 * 1024),
            "upload_max_megapixels": (Decimal(settings.UPLOAD_MAX_PIXELS) / Decimal(1_000_000)).quantize(
                Decimal("0.01")
            ),
        },
    )
    Group.objects.get_or_create(name=MODERATORS_GROUP)


class Migration(migrations.Migration):
    dependencies = [
        ("socialco", "0001_site_policy"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_policy_and_group, migrations.RunPython.noop)]
