"""Questions in real browsers: a colleague asks, another answers (the asker's bell counts up
live), the asker accepts the answer and both see it marked accepted."""

from __future__ import annotations

import time

import pytest

from tests.browser.people import DEMO_PASSWORD, TIMEOUT_MS

pytestmark = pytest.mark.browser


def _bell_above(person, before: int) -> None:
    person.page.wait_for_function(
        "(before) => { const c = document.querySelector('[data-notification-count]');"
        " return c && !c.hidden && parseInt(c.textContent, 10) > before; }",
        arg=before,
        timeout=TIMEOUT_MS,
    )


def _bell(person) -> int:
    count = person.page.locator("[data-notification-count]")
    return int(count.inner_text().rstrip("+") or 0) if count.is_visible() else 0


def test_ask_a_question_a_colleague_answers_and_the_asker_accepts(people, stack):
    admin, hr = people.new("Admin"), people.new("HR")
    admin.sign_in("admin@example.com", DEMO_PASSWORD)
    hr.sign_in("hr@example.com", DEMO_PASSWORD)
    admin_name = admin.page.locator(".usermenu-name").inner_text().strip()
    hr_name = hr.page.locator(".usermenu-name").inner_text().strip()
    run = str(int(time.time() * 1000))
    title = f"How do I book parental leave in the HR portal? ({run})"

    # Admin asks.
    admin.goto("/questions/ask/")
    admin.page.fill("#id_title", title)
    admin.page.fill("#id_body", "I cannot find the **leave** form anywhere. Which menu is it under?")
    admin.page.fill("#id_tags", "leave, hr-portal")
    admin.shoot("questions-01-ask")
    admin.submit()
    admin.page.get_by_role("heading", level=1, name=title).wait_for(timeout=TIMEOUT_MS)
    question_path = admin.page.url.removeprefix(stack.base_url)
    admin.page.get_by_text("No answers yet").wait_for(timeout=TIMEOUT_MS)
    admin.wait_for_socket()
    admin.shoot("questions-02-asked")
    unread_before = _bell(admin)

    # HR finds it in the list of questions and answers.
    hr.goto("/questions/")
    hr.page.locator("a.question-title", has_text=title).click()
    hr.page.wait_for_url(stack.base_url + question_path, timeout=TIMEOUT_MS)
    assert hr.page.get_by_role("button", name="Accept this answer").count() == 0  # not hers to accept
    hr.page.fill(
        "#answer-form textarea[name=body]", "Open **Time off → New request** and pick *Parental leave*."
    )
    hr.shoot("questions-03-answer-form")
    with hr.page.expect_navigation(timeout=TIMEOUT_MS):
        hr.page.locator("#answer-form button[type=submit]").click()
    answer = hr.page.locator("article.answer", has_text="Time off → New request")
    answer.wait_for(timeout=TIMEOUT_MS)
    answer_id = answer.get_attribute("id")
    assert "is-accepted" not in (answer.get_attribute("class") or "")

    # The asker's bell counts up while she still looks at her question; the notice leads back.
    _bell_above(admin, unread_before)
    admin.goto("/notifications/")
    notice = admin.page.locator(".notif-item", has_text=f"{hr_name} answered").first
    notice.wait_for(timeout=TIMEOUT_MS)
    admin.shoot("questions-04-answer-notification")
    notice.locator("a.notif-link").click()
    admin.page.wait_for_url(f"{stack.base_url}{question_path}*", timeout=TIMEOUT_MS)

    # She accepts it: the answer is marked accepted, the question answered.
    mine = admin.page.locator(f"#{answer_id}")
    with admin.page.expect_navigation(timeout=TIMEOUT_MS):
        mine.get_by_role("button", name="Accept this answer").click()
    mine = admin.page.locator(f"#{answer_id}")
    mine.locator(".badge", has_text="Accepted answer").wait_for(timeout=TIMEOUT_MS)
    assert "is-accepted" in mine.get_attribute("class")
    assert "Answered" in admin.page.get_by_role("heading", level=1).inner_text()
    assert mine.get_by_role("button", name="Unaccept").is_visible()
    admin.shoot("questions-05-accepted")

    # The one who answered is told, and sees the same; the list shows the question answered.
    hr.goto("/notifications/")
    hr.page.locator(".notif-item", has_text=f"{admin_name} accepted your answer").first.wait_for(
        timeout=TIMEOUT_MS
    )
    hr.shoot("questions-06-accepted-notification")
    hr.goto(question_path)
    hr.page.locator(f"#{answer_id}.is-accepted .badge", has_text="Accepted answer").wait_for(
        timeout=TIMEOUT_MS
    )
    hr.goto("/questions/")
    row = hr.page.locator("li.question-row", has_text=title)
    row.locator(".badge", has_text="Answered").wait_for(timeout=TIMEOUT_MS)
    hr.shoot("questions-07-list-answered")
