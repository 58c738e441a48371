"""Posts and comments get moderation's `moderation_state` column (docs/moderation.md, step 1).

Post.hidden_at duplicated it: a post hidden that way becomes `hidden`, with a closed item in
moderation's table so a moderator can find and restore it; then the column goes.
"""

from django.db import migrations, models

STATE_CHOICES = [("visible", "Visible"), ("held", "Held for review"), ("hidden", "Hidden by a moderator")]


def hidden_at_to_state(apps, schema_editor):
    Post = apps.get_model("feed", "Post")
    ModerationItem = apps.get_model("moderation", "ModerationItem")
    ContentType = apps.get_model("contenttypes", "ContentType")
    hidden = list(Post.objects.filter(hidden_at__isnull=False).values("pk", "author_id", "body", "hidden_at"))
    if not hidden:
        return
    Post.objects.filter(pk__in=[row["pk"] for row in hidden]).update(moderation_state="hidden")
    content_type, _ = ContentType.objects.get_or_create(app_label="feed", model="post")
    for row in hidden:
        ModerationItem.objects.get_or_create(
            content_type_id=content_type.pk,
            object_id=row["pk"],
            defaults={
                "scope": "posts",
                "author_id": row["author_id"],
                "state": "hidden",
                "is_open": False,
                "excerpt": row["body"][:500],
                "opened_at": row["hidden_at"],
            },
        )


def state_to_hidden_at(apps, schema_editor):
    Post = apps.get_model("feed", "Post")
    from django.utils import timezone

    Post.objects.filter(moderation_state="hidden").update(hidden_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("feed", "0003_post_pinned_announcements_index"),
        ("moderation", "0002_moderators_first_guidelines_shipped_rules"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="comment",
            name="moderation_state",
            field=models.CharField(
                choices=STATE_CHOICES, db_index=True, default="visible", max_length=10, verbose_name="moderation"
            ),
        ),
        migrations.AddField(
            model_name="post",
            name="moderation_state",
            field=models.CharField(
                choices=STATE_CHOICES, db_index=True, default="visible", max_length=10, verbose_name="moderation"
            ),
        ),
        migrations.RunPython(hidden_at_to_state, state_to_hidden_at),
        migrations.RemoveField(model_name="post", name="hidden_at"),
    ]
