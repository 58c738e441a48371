"""`manage.py restore DIR`: bring a backup back into an empty instance."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from socialco.backups import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `backup` into an empty database and an empty MEDIA_ROOT. Every "
        "checksum is verified before anything is written; row counts are compared afterwards."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, help="a folder written by `manage.py backup`")
        parser.add_argument("--database", default="default", help="the database alias (default: default)")

    def handle(self, *args, directory: Path, database: str, **options) -> None:
        try:
            summary = restore_backup(directory, using=database)
        except BackupError as exc:
            raise CommandError(f"restore failed: {exc}") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored the {summary.engine} database ({len(summary.tables)} tables, "
                f"{summary.rows} rows, counts verified) and {summary.media_files} media files "
                f"(checksums verified) from {summary.directory}. Run `manage.py migrate` if this "
                "code is newer than the backup."
            )
        )
