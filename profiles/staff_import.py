"""Import staff from an HR export (CSV): create or update people and their org fields.

Contract (the README's "Importing staff" section documents the columns for HR):
- Every row is checked first; a bad row is reported with its line number and skipped, every
  good row is imported. Rows are all-or-nothing: a refused row changes nothing.
- Re-running the same file changes nothing (rows are matched by e-mail address).
- A manager may be anyone in the file (earlier or later) or already in the directory.
- A manager assignment that would make a loop (A manages B manages A) is refused.
- Only org fields are written; what people edit themselves (bio, skills, phone...) is kept.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django import forms
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from profiles.models import User
from profiles.services import user_manager_set, user_org_upsert

REQUIRED_COLUMNS = ("email", "display_name")
OPTIONAL_COLUMNS = ("title", "department", "location", "manager_email", "start_date", "active")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
TRUE_WORDS = {"yes", "y", "true", "1", "active"}
FALSE_WORDS = {"no", "n", "false", "0", "inactive", "left"}


class StaffRowForm(forms.Form):
    """One CSV row, validated like a form so each problem names its column."""

    email = forms.EmailField(max_length=254)
    display_name = forms.CharField(max_length=120)
    title = forms.CharField(max_length=120, required=False)
    department = forms.CharField(max_length=120, required=False)
    location = forms.CharField(max_length=120, required=False)
    manager_email = forms.EmailField(max_length=254, required=False)
    start_date = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    active = forms.CharField(required=False)

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean_manager_email(self) -> str:
        return self.cleaned_data["manager_email"].strip().lower()

    def clean_active(self) -> bool | None:
        value = self.cleaned_data["active"].strip().lower()
        if not value:
            return None
        if value in TRUE_WORDS:
            return True
        if value in FALSE_WORDS:
            return False
        raise forms.ValidationError(
            gettext_lazy("use yes or no (got “%(value)s”)."), params={"value": value}, code="invalid"
        )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("email") and data.get("email") == data.get("manager_email"):
            self.add_error("manager_email", _("a person cannot be their own manager."))
        return data


@dataclass
class RowProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return _("line %(line)d: %(message)s") % {"line": self.line, "message": self.message}


@dataclass
class _Row:
    line: int
    email: str
    display_name: str
    title: str
    department: str
    location: str
    manager_email: str
    start_date: date | None
    active: bool | None
    columns: frozenset[str]

    def org_fields(self) -> dict:
        """Arguments for user_org_upsert: only columns the file has (others stay unchanged);
        an empty `active` cell also leaves the account as it is."""
        fields = {
            "title": self.title,
            "department_name": self.department,
            "location": self.location,
            "start_date": self.start_date,
        }
        column_of = {"department_name": "department"}
        fields = {k: v for k, v in fields.items() if column_of.get(k, k) in self.columns}
        if self.active is not None:
            fields["is_active"] = self.active
        return fields


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged


class ImportFileError(Exception):
    """The file as a whole cannot be read (not CSV, no header, required column missing)."""


def _read_rows(text: str, report: ImportReport) -> tuple[frozenset[str], list[tuple[int, dict[str, str]]]]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise ImportFileError(_("The file is empty: the first line must name the columns."))
    header = [(name or "").strip().lower() for name in reader.fieldnames]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ImportFileError(
            _("Missing required column(s): %(missing)s. Columns: %(columns)s.")
            % {"missing": ", ".join(missing), "columns": ", ".join(COLUMNS)}
        )
    report.ignored_columns = [h for h in header if h and h not in COLUMNS]
    reader.fieldnames = header
    rows = []
    try:
        for raw in reader:
            if None in raw:
                report.problems.append(RowProblem(reader.line_num, _("more values than columns.")))
                continue
            values = {k: (v or "").strip() for k, v in raw.items() if k in COLUMNS}
            if not any(values.values()):
                continue  # blank line
            rows.append((reader.line_num, values))
    except csv.Error as exc:
        raise ImportFileError(
            _("line %(line)d: not valid CSV (%(error)s).") % {"line": reader.line_num, "error": exc}
        ) from None
    return frozenset(h for h in header if h in COLUMNS), rows


def _validate(
    columns: frozenset[str], rows: Iterable[tuple[int, dict[str, str]]], report: ImportReport
) -> list[_Row]:
    valid: list[_Row] = []
    seen: dict[str, int] = {}
    for line, values in rows:
        form = StaffRowForm(data=values)
        if not form.is_valid():
            messages = [
                f"{name}: {' '.join(str(e) for e in errors)}" if name != "__all__" else " ".join(errors)
                for name, errors in form.errors.items()
            ]
            report.problems.append(RowProblem(line, "; ".join(messages)))
            continue
        data = form.cleaned_data
        if data["email"] in seen:
            report.problems.append(
                RowProblem(
                    line,
                    _("%(email)s already appears on line %(first)d.")
                    % {"email": data["email"], "first": seen[data["email"]]},
                )
            )
            continue
        seen[data["email"]] = line
        fields = {k: data[k] for k in _Row.__dataclass_fields__ if k not in ("line", "columns")}
        valid.append(_Row(line=line, columns=columns, **fields))
    return valid


def _loop_through(managers: dict[str, str | None], email: str) -> list[str] | None:
    """The management loop that passes through `email`, if there is one."""
    path, current = [email], managers.get(email)
    while current:
        if current == email:
            return [*path, email]
        if current in path:
            return None  # a loop further up, found from its own members
        path.append(current)
        current = managers.get(current)
    return None


def _check_managers(rows: list[_Row], report: ImportReport, columns: frozenset[str]) -> list[_Row]:
    """Refuse rows whose manager is unknown, then, one loop at a time, the last row in the file
    that closes a management loop in the final org chart; repeat until nothing changes."""
    if "manager_email" not in columns:
        return rows
    existing = dict(User.objects.values_list("email", "manager__email"))
    accepted = list(rows)
    while True:
        known = set(existing) | {row.email for row in accepted}
        refused: dict[int, str] = {
            row.line: _("manager_email: nobody with the address %(email)s in this file or the directory.")
            % {"email": row.manager_email}
            for row in accepted
            if row.manager_email and row.manager_email not in known
        }
        if not refused:
            managers = dict(existing)
            managers.update({row.email: row.manager_email or None for row in accepted})
            by_email = {row.email: row for row in accepted}
            for row in accepted:
                loop = _loop_through(managers, row.email)
                if loop:
                    culprit = max((by_email[e] for e in loop if e in by_email), key=lambda r: r.line)
                    start = loop.index(culprit.email)
                    shown = [*loop[start:-1], *loop[:start], culprit.email]
                    refused[culprit.line] = _(
                        "manager_email: refused, this would make a management loop (%(loop)s)."
                    ) % {"loop": " → ".join(shown)}
                    break
        if not refused:
            return accepted
        report.problems.extend(RowProblem(line, message) for line, message in refused.items())
        accepted = [row for row in accepted if row.line not in refused]


def import_staff(text: str) -> ImportReport:
    """Import the CSV `text` in one transaction. Raises ImportFileError if the file as a whole
    is unusable; row problems are listed in the report and those rows skipped."""
    report = ImportReport()
    columns, raw_rows = _read_rows(text, report)
    rows = _check_managers(_validate(columns, raw_rows, report), report, columns)
    report.problems.sort(key=lambda p: p.line)
    with transaction.atomic():
        people: dict[str, User] = {}
        created: set[str] = set()
        changed: set[str] = set()
        for row in rows:
            user, was_created, was_changed = user_org_upsert(
                email=row.email, display_name=row.display_name, **row.org_fields()
            )
            people[row.email] = user
            if was_created:
                created.add(row.email)
            if was_changed:
                changed.add(row.email)
        wanted = {row.email: row.manager_email or None for row in rows if "manager_email" in columns}
        missing = {m for m in wanted.values() if m} - set(people)
        people.update({u.email: u for u in User.objects.filter(email__in=missing)})
        current = dict(User.objects.filter(email__in=wanted).values_list("email", "manager__email"))
        moving = [email for email, manager in wanted.items() if current.get(email) != manager]
        # Detach first, then attach: every intermediate org chart is part of the final one,
        # which was checked to have no loop, so no step can create one.
        for email in moving:
            user_manager_set(user=people[email], manager=None)
        for email in moving:
            if wanted[email]:
                user_manager_set(user=people[email], manager=people[wanted[email]])
        changed.update(moving)
    report.created = len(created)
    report.updated = len(changed - created)
    report.unchanged = len(rows) - report.created - report.updated
    return report
