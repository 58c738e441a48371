"""python manage.py import_staff FILE.csv: create or update staff from an HR export."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from profiles.staff_import import COLUMNS, ImportFileError, import_staff


class Command(BaseCommand):
    help = (
        "Create or update staff and their org fields (title, department, location, manager, start date, "
        f"active) from a UTF-8 CSV file with a header line. Columns: {', '.join(COLUMNS)}. "
        "Bad rows are reported with their line number and skipped; the rest is imported. Idempotent."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="Path to the CSV file ('-' reads standard input).")

    def handle(self, *args, file: str, **options) -> None:
        try:
            if file == "-":
                import sys

                text = sys.stdin.read()
            else:
                text = Path(file).read_bytes().decode("utf-8-sig")
        except FileNotFoundError:
            raise CommandError(f"No such file: {file}") from None
        except UnicodeDecodeError as exc:
            raise CommandError(
                f"{file} is not UTF-8 text (byte {exc.start}). Save the export as UTF-8 CSV."
            ) from None
        try:
            report = import_staff(text.removeprefix("\ufeff"))
        except ImportFileError as exc:
            raise CommandError(str(exc)) from None

        if report.ignored_columns:
            self.stderr.write(f"Ignored unknown column(s): {', '.join(report.ignored_columns)}")
        for problem in report.problems:
            self.stderr.write(self.style.ERROR(str(problem)))
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {report.imported} row(s): {report.created} created, {report.updated} updated, "
                f"{report.unchanged} unchanged."
            )
        )
        if report.problems:
            raise CommandError(
                f"{len(report.problems)} row(s) refused (listed above); the others were imported."
            )
