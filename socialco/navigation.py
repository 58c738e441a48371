"""The top navigation: each entry appears once its app provides the URL it points to."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    # Which users see the entry: "all", "moderators" or "staff".
    audience: str = "all"


NAV_ITEMS = (
    NavItem(_("Feed"), "feed:home"),
    NavItem(_("Questions"), "questions:list"),
    NavItem(_("People"), "profiles:directory"),
    NavItem(_("Groups"), "groups:directory"),
    NavItem(_("Chat"), "messaging:index"),
    NavItem(_("Moderation"), "moderation:queue", audience="moderators"),
    NavItem(_("Admin"), "admin:index", audience="staff"),
)


@cache
def _resolved_items() -> tuple[tuple[NavItem, str], ...]:
    resolved = []
    for item in NAV_ITEMS:
        try:
            resolved.append((item, reverse(item.url_name)))
        except NoReverseMatch:
            continue
    return tuple(resolved)


def nav_for(user, current_path: str) -> list[dict]:
    """Entries this user may see, with the one containing the current page marked active."""
    is_moderator = getattr(user, "is_moderator", False)
    entries = []
    for item, url in _resolved_items():
        if item.audience == "staff" and not user.is_staff:
            continue
        if item.audience == "moderators" and not is_moderator:
            continue
        active = current_path.startswith(url) if url != "/" else current_path == "/"
        entries.append({"label": item.label, "url": url, "active": active})
    return entries
