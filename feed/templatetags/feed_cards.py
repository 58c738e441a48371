"""`{% feed_time value %}`: a post's or comment's `<time>` element ("3 hours ago", with the
full date in the viewer's time zone as its title).

Inside a cached post card (feed/cards.py renders with `card_slots` in the context) it writes a
slot instead, filled on every request for the viewer's time zone, language and "now".
"""

from __future__ import annotations

from datetime import datetime

from django import template
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.utils import dateformat, formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

TIME_SLOT = "\x00t:{}\x00"  # NUL never reaches a page from input (RejectNullBytesMiddleware)


def time_element(value: datetime) -> SafeString:
    """The `<time>` element for `value`, as the viewer sees it now."""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        dateformat.format(local, "c"),
        formats.date_format(local, "DATETIME_FORMAT"),
        naturaltime(value),
    )


@register.simple_tag(takes_context=True)
def feed_time(context, value: datetime) -> SafeString:
    if context.get("card_slots"):
        return mark_safe(TIME_SLOT.format(value.isoformat()))  # noqa: S308 - our own marker
    return time_element(value)
