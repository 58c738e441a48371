"""Delete chat messages older than the site's retention policy (off by default)."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from messaging import policy
from messaging.services import messages_purge


class Command(BaseCommand):
    help = "Delete chat messages older than CHAT_RETENTION_DAYS. Does nothing while retention is off."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be deleted; delete nothing."
        )

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        keep = policy.retention()
        if keep is None:
            self.stdout.write("Chat retention is off (CHAT_RETENTION_DAYS is not set): nothing deleted.")
            return
        cutoff = timezone.now() - keep
        count = messages_purge(older_than=cutoff, dry_run=dry_run)
        verb = "Would delete" if dry_run else "Deleted"
        self.stdout.write(f"{verb} {count} chat message(s) sent before {cutoff:%Y-%m-%d %H:%M} UTC.")
