"""Delete chat messages older than the site policy's retention (off by default)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from messaging.services import messages_purge
from socialco.policy import chat_retention_cutoff


class Command(BaseCommand):
    help = (
        "Delete chat messages older than the site policy's chat retention (set in admin). "
        "Does nothing while retention is off."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be deleted; delete nothing."
        )

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        cutoff = chat_retention_cutoff()
        if cutoff is None:
            self.stdout.write("Chat retention is off in the site policy: nothing deleted.")
            return
        count = messages_purge(older_than=cutoff, dry_run=dry_run)
        verb = "Would delete" if dry_run else "Deleted"
        self.stdout.write(f"{verb} {count} chat message(s) sent before {cutoff:%Y-%m-%d %H:%M} UTC.")
