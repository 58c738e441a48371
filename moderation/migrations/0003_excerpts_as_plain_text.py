"""Queue excerpts written before they were stored as plain text held raw markdown
(`**Python**`): store the plain text of their rendered markdown, as new ones are
(moderation.services._excerpt). Nothing to undo: the raw text is still on the content itself."""

from django.db import migrations


def excerpts_to_plain_text(apps, schema_editor):
    from socialco.markdown import markdown_to_text

    ModerationItem = apps.get_model("moderation", "ModerationItem")
    changed = []
    for item in ModerationItem.objects.only("id", "excerpt").iterator(chunk_size=500):
        text = markdown_to_text(item.excerpt)
        if text != item.excerpt:
            item.excerpt = text
            changed.append(item)
    ModerationItem.objects.bulk_update(changed, ["excerpt"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("moderation", "0002_moderators_first_guidelines_shipped_rules")]

    operations = [migrations.RunPython(excerpts_to_plain_text, migrations.RunPython.noop)]
