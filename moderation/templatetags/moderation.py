"""Template helpers for content apps. No database queries."""

from __future__ import annotations

from django import template
from django.urls import reverse

register = template.Library()


@register.simple_tag
def report_url(obj) -> str:
    """The "Report" link for any registered reportable object: {% report_url post %}."""
    return reverse("moderation:report", kwargs={"type_key": obj._meta.label_lower, "pk": obj.pk})


@register.inclusion_tag("moderation/includes/report_link.html")
def report_link(obj, label: str = "") -> dict:
    """A small "Report" link that opens the report form: {% report_link post %}."""
    return {"url": report_url(obj), "label": label}
