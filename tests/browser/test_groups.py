"""Groups in real browsers: asking to join a private group and being let in by its admin (two
people at once, the admin's bell counting up live), and a secret group nobody outside can find."""

from __future__ import annotations

import time

import pytest

from tests.browser.people import DEMO_PASSWORD, TIMEOUT_MS

pytestmark = pytest.mark.browser


def _create_group(person, name: str, visibility: str) -> str:
    """Create a group through the form; returns its address."""
    person.goto("/groups/new/")
    person.page.fill("#id_name", name)
    person.page.fill("#id_description", f"What **{name}** is about.")
    person.page.locator(f"input[name=visibility][value={visibility}]").check()
    person.submit()
    person.page.get_by_role("heading", level=1, name=name).wait_for(timeout=TIMEOUT_MS)
    return person.page.url.removeprefix(person.stack.base_url)


def _chat_tab(person):
    return person.page.get_by_role("navigation", name="Group sections").get_by_role("link", name="Chat")


def _bell(person) -> int:
    count = person.page.locator("[data-notification-count]")
    return int(count.inner_text() or 0) if count.is_visible() else 0


def test_request_to_join_a_private_group_and_get_approved_by_its_admin(people, stack):
    admin, hr = people.new("Admin"), people.new("HR")
    admin.sign_in("admin@example.com", DEMO_PASSWORD)
    hr.sign_in("hr@example.com", DEMO_PASSWORD)
    hr_name = hr.page.locator(".usermenu-name").inner_text().strip()
    hr_id = hr.own_id()
    name = f"Design Crit {int(time.time() * 1000)}"

    group_path = _create_group(admin, name, "private")
    # The owner's group page, with the Chat tab of the group's room.
    assert _chat_tab(admin).get_attribute("href").startswith("/chat/group/")
    admin.shoot("groups-01-private-group-owner-with-chat-tab")
    admin.wait_for_socket()
    unread_before = _bell(admin)

    # HR sees the group exists, but not inside it, and asks to join.
    hr.goto(group_path)
    assert _chat_tab(hr).count() == 0
    hr.page.locator("summary", has_text="Ask to join").click()
    hr.page.fill("#id_message", "I review the design system every week.")
    hr.shoot("groups-02-ask-to-join")
    hr.page.get_by_role("button", name="Send request").click()
    hr.page.get_by_text("Request pending").wait_for(timeout=TIMEOUT_MS)

    # The admin's bell counts up live, without a reload.
    admin.page.wait_for_function(
        "(before) => { const c = document.querySelector('[data-notification-count]');"
        " return c && !c.hidden && parseInt(c.textContent, 10) > before; }",
        arg=unread_before,
        timeout=TIMEOUT_MS,
    )
    admin.goto("/notifications/")
    notice = admin.page.locator(".notif-item", has_text=f"{hr_name} asked to join {name}").first
    notice.wait_for(timeout=TIMEOUT_MS)
    assert "I review the design system every week." in notice.inner_text()
    admin.shoot("groups-03-notifications-after-join-request")

    # The click opens the group; the requests tab lets the admin approve.
    notice.locator("a.notif-link").click()
    admin.page.wait_for_url(stack.base_url + group_path, timeout=TIMEOUT_MS)
    admin.goto(group_path + "requests/")
    row = admin.page.locator(".member-row", has_text=hr_name)
    admin.shoot("groups-04-requests")
    row.get_by_role("button", name="Approve").click()
    admin.page.get_by_text(f"{hr_name} is now a member.").wait_for(timeout=TIMEOUT_MS)

    # HR is told, and is in: members see the Chat tab, and the room opens.
    hr.goto("/notifications/")
    hr.page.locator(".notif-item", has_text=f"approved your request to join {name}").first.wait_for(
        timeout=TIMEOUT_MS
    )
    hr.shoot("groups-05-requester-notified")
    hr.goto(group_path)
    hr.page.get_by_text("You are a member").wait_for(timeout=TIMEOUT_MS)
    _chat_tab(hr).click()
    hr.page.wait_for_url(f"{stack.base_url}/chat/*/", timeout=TIMEOUT_MS)
    hr.page.get_by_text(f"Room of the group {name}").wait_for(timeout=TIMEOUT_MS)
    hr.shoot("groups-06-group-room")

    # The admin sees the new member's groups on their profile.
    admin.goto(f"/people/{hr_id}/")
    assert admin.page.locator(".profile-groups a", has_text=name).get_attribute("href") == group_path
    admin.shoot("groups-07-profile-with-groups")


def test_a_secret_group_stays_invisible_to_an_outsider(people, stack):
    admin, hr = people.new("Admin"), people.new("HR")
    admin.sign_in("admin@example.com", DEMO_PASSWORD)
    hr.sign_in("hr@example.com", DEMO_PASSWORD)
    word = f"Hushquokka{int(time.time() * 1000)}"
    group_path = _create_group(admin, f"{word} Planning", "secret")
    admin.goto(f"/groups/?q={word}")
    admin.page.locator(".group-card", has_text=word).wait_for(timeout=TIMEOUT_MS)
    admin_id = admin.own_id()

    # Not in the directory, not found by a search, not on its owner's profile.
    hr.goto("/groups/")
    assert word not in hr.page.content()
    hr.shoot("groups-08-directory-outsider")
    hr.page.fill("#group-search", word)
    hr.page.wait_for_url(f"**/groups/?q={word}*", timeout=TIMEOUT_MS)
    hr.page.wait_for_load_state("networkidle")
    hr.page.get_by_text(f"No groups match “{word}”").wait_for(timeout=TIMEOUT_MS)
    assert hr.page.locator(".group-card", has_text=word).count() == 0
    hr.shoot("groups-09-search-outsider")
    hr.goto(f"/people/{admin_id}/")
    assert word not in hr.page.content()

    # Its address answers exactly like a group that does not exist.
    secret = hr.open_not_found(group_path)
    secret_text = hr.page.locator("main").inner_text()
    hr.shoot("groups-10-secret-group-direct-url")
    missing = hr.open_not_found(f"/groups/{word.lower()}-missing/")
    missing_text = hr.page.locator("main").inner_text()
    assert secret.status == missing.status == 404
    assert secret_text == missing_text
    assert word not in secret_text
