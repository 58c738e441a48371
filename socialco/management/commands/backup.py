"""`manage.py backup DIR`: a consistent copy of the database and the uploaded files."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from socialco.backups import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Write a consistent backup into a new folder DIR: the database (SQLite online backup or "
        "pg_dump), every uploaded file, and manifest.json with row counts and SHA-256 checksums."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, help="a new or empty folder")
        parser.add_argument("--database", default="default", help="the database alias (default: default)")

    def handle(self, *args, directory: Path, database: str, **options) -> None:
        try:
            summary = create_backup(directory, using=database)
        except BackupError as exc:
            raise CommandError(f"backup failed: {exc}") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up the {summary.engine} database ({len(summary.tables)} tables, "
                f"{summary.rows} rows) and {summary.media_files} media files "
                f"({summary.media_bytes} bytes) to {summary.directory}"
            )
        )
