"""Admin actions every ModelAdmin gets (registered site-wide in socialco/admin.py).

`export_selected_as_csv` writes the selected rows with the changelist's own columns
(`list_display`), from the changelist's own queryset (so its `list_select_related` and
annotations apply and the export stays within the changelist's query budget). It needs only
the view permission. Cells that a spreadsheet would run as a formula are neutralised.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import label_for_field, lookup_field
from django.db import models
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext_lazy as _

# A spreadsheet treats a cell starting with one of these as a formula (CSV injection).
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def _cell(value: Any, field: models.Field | None) -> str:
    if value is None:
        return ""
    if field is not None and getattr(field, "flatchoices", None):
        value = dict(field.flatchoices).get(value, value)
    if isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, datetime):
        text = timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
    elif isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, models.Model):
        text = str(value)
    else:
        text = strip_tags(str(value))
    if text.startswith(_FORMULA_PREFIXES):
        text = "'" + text
    return text


def _columns(modeladmin: admin.ModelAdmin, request: HttpRequest) -> list[str]:
    return [name for name in modeladmin.get_list_display(request) if name != "action_checkbox"]


def _rows(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset) -> Iterator[list[str]]:
    columns = _columns(modeladmin, request)
    model = modeladmin.model
    yield [capfirst(str(label_for_field(name, model, modeladmin))) for name in columns]
    for obj in queryset:
        row = []
        for name in columns:
            try:
                field, _attr, value = lookup_field(name, obj, modeladmin)
            except (AttributeError, models.ObjectDoesNotExist):
                field, value = None, None
            row.append(_cell(value, field))
        yield row


@admin.action(description=_("Export selected rows as CSV"), permissions=["view"])
def export_selected_as_csv(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset
) -> StreamingHttpResponse:
    """Stream the selected rows as CSV with the changelist's columns."""
    writer = csv.writer(_Echo())
    filename = "{}-{}.csv".format(
        slugify(str(modeladmin.model._meta.verbose_name_plural)) or "export",
        timezone.now().strftime("%Y%m%d-%H%M"),
    )
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in _rows(modeladmin, request, queryset)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
