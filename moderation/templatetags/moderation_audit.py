from django import template

from moderation.selectors import audit_value as _audit_value

register = template.Library()


@register.filter
def audit_value(value) -> str:
    """An audit entry's old/new JSON value on one line."""
    return _audit_value(value)
