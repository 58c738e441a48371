"""The feed in real browsers: a post with an image and an @mention, and the mentioned colleague,
already on another page in another browser, sees the notification arrive live (no reload)."""

from __future__ import annotations

import io
import re
import time

import pytest
from PIL import Image

from tests.browser.people import DEMO_PASSWORD, TIMEOUT_MS

pytestmark = pytest.mark.browser


def _picture(tmp_path) -> str:
    """A real PNG photo-like picture (the upload is decoded and re-encoded by the server)."""
    image = Image.new("RGB", (800, 600), (250, 250, 250))
    for x in range(0, 800, 50):
        for y in range(0, 600, 50):
            image.paste((30 + x // 4, 90 + y // 5, 160), (x, y, x + 40, y + 40))
    path = tmp_path / "whiteboard.png"
    out = io.BytesIO()
    image.save(out, format="PNG")
    path.write_bytes(out.getvalue())
    return str(path)


def _mark_all_read(person) -> None:
    """Start from an empty bell, so that one new notification shows as "1"."""
    person.goto("/notifications/")
    person.wait_for_socket()
    with person.page.expect_navigation(timeout=TIMEOUT_MS):  # the page refreshes itself
        person.page.get_by_role("button", name="Mark all as read").click()
    person.page.locator("[data-notification-count]").wait_for(state="hidden", timeout=TIMEOUT_MS)


def _mention(person, field, typed: str, handle: str) -> None:
    """Type `@typed` into the `field` locator and pick `handle` from the autocomplete list."""
    field.press_sequentially(f"@{typed}", delay=30)
    option = person.page.locator(f"ul.mention-list li[data-handle='{handle}']")
    option.wait_for(timeout=TIMEOUT_MS)
    assert field.get_attribute("aria-expanded") == "true"  # the list is announced as open
    option.click()


def test_post_with_an_image_and_a_mention_and_the_colleague_is_told_live(people, stack, tmp_path):
    admin, hr = people.new("Admin"), people.new("HR")
    admin.sign_in("admin@example.com", DEMO_PASSWORD)
    hr.sign_in("hr@example.com", DEMO_PASSWORD)
    hr_name = hr.page.locator(".usermenu-name").inner_text().strip()
    admin_name = admin.page.locator(".usermenu-name").inner_text().strip()
    run = str(int(time.time() * 1000))

    # HR reads everything, then moves on to the directory and stays there.
    _mark_all_read(hr)
    hr.goto("/people/")
    hr.wait_for_socket()
    hr.page.evaluate("window.__stillTheSamePage = true")

    # Admin writes a post on the home page: text, an @mention picked from the autocomplete
    # list, a #tag and a picture.
    admin.goto("/")
    admin.wait_for_socket()
    composer = admin.page.locator("form[data-composer]").first
    body = composer.locator("textarea[name=body]")
    body.fill(f"Whiteboard from the planning session {run}, thanks ")
    _mention(admin, body, hr_name.split()[0][:4], "hr")
    body.press_sequentially("#planning")
    assert "thanks @hr #planning" in body.input_value()
    composer.locator("input[type=file][name=images]").set_input_files(_picture(tmp_path))
    admin.shoot("feed-01-composer-with-mention-and-image")
    with admin.page.expect_navigation(timeout=TIMEOUT_MS):
        composer.locator("button[type=submit]").click()

    # The post is at the top of the author's feed: the mention is a link to HR, the picture shows.
    post = admin.page.locator("article.post-card", has_text=f"planning session {run}").first
    post.wait_for(timeout=TIMEOUT_MS)
    assert post.locator(".prose a, .post-content a", has_text="@").first.is_visible()
    picture = post.locator(".post-images img").first
    picture.scroll_into_view_if_needed()
    admin.page.wait_for_function(
        "(el) => el.complete && el.naturalWidth > 0", arg=picture.element_handle(), timeout=TIMEOUT_MS
    )
    post_id = int(post.get_attribute("id").removeprefix("post-"))
    admin.shoot("feed-02-post-with-image-and-mention")

    # HR's bell, on the page she never left, shows the new notification.
    hr.page.wait_for_function(
        "() => { const c = document.querySelector('[data-notification-count]');"
        " return c && !c.hidden && c.textContent.trim() === '1'; }",
        timeout=TIMEOUT_MS,
    )
    assert hr.page.evaluate("window.__stillTheSamePage") is True  # live: no reload happened
    assert (
        hr.page.locator("[data-notification-bell]").get_attribute("aria-label") == "Notifications, 1 unread"
    )
    hr.shoot("feed-03-bell-counts-up-live")

    # The notification names Admin and opens the post, picture included.
    hr.page.locator("[data-notification-bell]").click()
    hr.page.wait_for_url(stack.base_url + "/notifications/", timeout=TIMEOUT_MS)
    notice = hr.page.locator(".notif-item", has_text=f"{admin_name} mentioned you").first
    notice.wait_for(timeout=TIMEOUT_MS)
    hr.shoot("feed-04-mention-notification")
    notice.locator("a.notif-link").click()
    hr.page.wait_for_url(re.compile(rf".*/feed/posts/{post_id}/.*"), timeout=TIMEOUT_MS)
    hr.page.get_by_text(f"Whiteboard from the planning session {run}").wait_for(timeout=TIMEOUT_MS)
    hr.page.wait_for_function(
        "() => { const i = document.querySelector('.post-images img');"
        " return i && i.complete && i.naturalWidth > 0; }",
        timeout=TIMEOUT_MS,
    )
    hr.wait_for_socket()
    hr.shoot("feed-05-mentioned-post-detail")
