"""Every main page in a real browser, as a colleague sees it: each loads, goes live over the
socket, raises no JavaScript error, and is saved as a screenshot for review."""

from __future__ import annotations

import pytest

from tests.browser.people import DEMO_PASSWORD

pytestmark = pytest.mark.browser

MAIN_PAGES = [
    ("/", "home"),
    ("/feed/company/", "feed-company"),
    ("/feed/new/article/", "feed-write-article"),
    ("/feed/new/praise/", "feed-give-praise"),
    ("/questions/", "questions"),
    ("/questions/ask/", "questions-ask"),
    ("/people/", "people-directory"),
    ("/people/me/", "people-own-profile"),
    ("/people/me/edit/", "people-edit-profile"),
    ("/people/org/", "people-org-chart"),
    ("/groups/", "groups-directory"),
    ("/groups/?mine=1", "groups-mine"),
    ("/groups/python-guild/", "groups-open-group"),
    ("/groups/python-guild/members/", "groups-members"),
    ("/groups/product-council/requests/", "groups-requests"),
    ("/groups/invitations/", "groups-invitations"),
    ("/groups/new/", "groups-create"),
    ("/chat/", "chat"),
    ("/chat/group/product-council/", "chat-group-room"),
    ("/notifications/", "notifications"),
    ("/notifications/preferences/", "notifications-preferences"),
    ("/guidelines/", "guidelines"),
]


def test_every_main_page_loads_live_without_errors(people):
    admin = people.new("Admin")
    admin.sign_in("admin@example.com", DEMO_PASSWORD)
    for path, name in MAIN_PAGES:
        admin.goto(path)
        admin.wait_for_socket()
        admin.page.wait_for_load_state("networkidle")
        admin.shoot(f"pages-{name}")


# What the HR moderator works with (moderators only).
MODERATION_PAGES = [
    ("/moderation/", "moderation-queue"),
    ("/moderation/audit/", "moderation-audit"),
]


def test_moderation_pages_load_live_without_errors(people):
    hr = people.new("HR")
    hr.sign_in("hr@example.com", DEMO_PASSWORD)
    for path, name in MODERATION_PAGES:
        hr.goto(path)
        hr.wait_for_socket()
        hr.page.wait_for_load_state("networkidle")
        hr.shoot(f"pages-{name}")


def test_main_pages_fit_a_phone(people):
    """360 px wide: nothing runs off the side of the main pages."""
    admin = people.new("Admin")
    admin.page.set_viewport_size({"width": 360, "height": 740})
    admin.sign_in("admin@example.com", DEMO_PASSWORD)
    for path, name in [
        ("/", "home"),
        ("/questions/", "questions"),
        ("/people/me/", "profile"),
        ("/groups/python-guild/", "group"),
        ("/chat/", "chat"),
    ]:
        admin.goto(path)
        admin.wait_for_socket()
        overflow = admin.page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        admin.shoot(f"pages-phone-{name}")
        assert overflow <= 0, f"{path} is {overflow}px wider than a 360px screen"
