"""`{% feed_time value %}`: a post's or comment's `<time>` element ("3 hours ago", with the
full date in the viewer's time zone as its title).

Inside a cached post card (feed/cards.py renders with `card_slots` in the context) it writes a
slot instead, filled on every request for the viewer's time zone, language and "now".
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from django import template
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.utils import dateformat, formats, timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()

TIME_SLOT = "\x00t:{}\x00"  # NUL never reaches a page from input (RejectNullBytesMiddleware)


def time_element(value: datetime) -> SafeString:
    """The `<time>` element for `value`, as the viewer sees it now."""
    zone = timezone.get_current_timezone() if timezone.is_aware(value) else None
    opening = _time_opening(value, zone, get_language())
    return mark_safe(f"{opening}{escape(naturaltime(value))}</time>")  # noqa: S308 - escaped parts


@lru_cache(maxsize=4096)
def _time_opening(value: datetime, zone, language: str | None) -> str:
    """`<time datetime=... title=...>` for `value` in `zone` and `language`: what does not
    change with "now" (a feed page has ~60 of them, and the same posts recur on every page),
    so it is formatted once per process; only the relative text is computed per request."""
    local = timezone.localtime(value, zone) if zone is not None else value
    iso = escape(dateformat.format(local, "c"))
    title = escape(formats.date_format(local, "DATETIME_FORMAT"))
    return f'<time datetime="{iso}" title="{title}">'


@register.simple_tag(takes_context=True)
def feed_time(context, value: datetime) -> SafeString:
    if context.get("card_slots"):
        return mark_safe(TIME_SLOT.format(value.isoformat()))  # noqa: S308 - our own marker
    return time_element(value)
