"""Moderation in three real browsers at once: a colleague reports something, the HR moderator
hides it from the queue, and its author is told why (the decision, its reason and the guideline
section it breaks), while the reporter no longer sees it."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import pytest

from tests.browser.people import DEMO_PASSWORD, TIMEOUT_MS

pytestmark = pytest.mark.browser

SECTION = "Protect confidential and customer data"
REASON = "Customer names and contract values stay in the CRM, not on the social network."


@dataclass
class Cast:
    author: object  # writes the content
    reporter: object  # reports it
    hr: object  # the HR moderator


def _cast(people) -> Cast:
    cast = Cast(author=people.new("Author"), reporter=people.new("Reporter"), hr=people.new("HR"))
    cast.author.sign_in("carlos.martin@example.com", DEMO_PASSWORD)
    cast.reporter.sign_in("admin@example.com", DEMO_PASSWORD)
    cast.hr.sign_in("hr@example.com", DEMO_PASSWORD)
    return cast


def _report(reporter, content, *, what: str, shot: str) -> None:
    """Open the content's Report link, pick the guideline it breaks, send the report."""
    link = content.locator("a.report-link")
    if not link.first.is_visible():  # behind a "more" menu
        content.locator("details:has(a.report-link) > summary").first.click()
    with reporter.page.expect_navigation(timeout=TIMEOUT_MS):
        link.first.click()
    reporter.page.get_by_role("heading", level=1, name=f"Report this {what}").wait_for(timeout=TIMEOUT_MS)
    reporter.page.get_by_label("Which guideline does it break?").select_option(label=SECTION)
    reporter.page.locator("#report-form textarea").fill("Names a customer and the value of their contract.")
    reporter.shoot(f"{shot}-01-report-form")
    reporter.page.get_by_role("button", name="Send the report").click()
    reporter.page.get_by_text("Thank you. A moderator will review your report.").wait_for(timeout=TIMEOUT_MS)
    reporter.shoot(f"{shot}-02-reported")


def _hide_from_the_queue(hr, marker: str, *, shot: str) -> None:
    """The moderator finds the reported item in /moderation/ and hides it, with a reason and section."""
    hr.goto("/moderation/")
    hr.wait_for_socket()
    row = hr.page.locator("li.queue-item", has_text=marker)
    row.wait_for(timeout=TIMEOUT_MS)
    assert SECTION in row.inner_text()
    hr.shoot(f"{shot}-03-queue")
    with hr.page.expect_navigation(timeout=TIMEOUT_MS):
        row.locator("a.queue-excerpt").click()
    hr.page.locator("#reasons-title").wait_for(timeout=TIMEOUT_MS)
    assert SECTION in hr.page.locator("section[aria-labelledby=reasons-title]").inner_text()
    form = hr.page.locator("form[action$='/act/']")
    form.get_by_label("Action").select_option("hide")
    form.get_by_label("Guideline section").select_option(label=SECTION)
    form.get_by_label("Reason (the author sees it)").fill(REASON)
    hr.shoot(f"{shot}-04-item-hide")
    with hr.page.expect_navigation(timeout=TIMEOUT_MS):
        form.get_by_role("button", name="Apply").click()
    hr.page.get_by_text("Done: Hide the content.").wait_for(timeout=TIMEOUT_MS)
    assert hr.page.locator("li.queue-item", has_text=marker).count() == 0
    hr.shoot(f"{shot}-05-queue-after-hide")


def _author_is_told_why(author, unread_before: int, *, shot: str) -> None:
    """The author's bell counts up live; the notification leads to the decision: its reason and
    the guideline section, with a link to that section."""
    author.page.wait_for_function(
        "(before) => { const c = document.querySelector('[data-notification-count]');"
        " return c && !c.hidden && parseInt(c.textContent, 10) > before; }",
        arg=unread_before,
        timeout=TIMEOUT_MS,
    )
    author.goto("/notifications/")
    notice = author.page.locator(".notif-item", has_text="A moderator made a decision about").first
    notice.wait_for(timeout=TIMEOUT_MS)
    author.shoot(f"{shot}-06-author-notified")
    with author.page.expect_navigation(timeout=TIMEOUT_MS):
        notice.locator("a.notif-link").click()
    decision = author.page.locator("main")
    decision.get_by_text(REASON).wait_for(timeout=TIMEOUT_MS)
    guideline = decision.get_by_role("link", name=SECTION)
    assert re.search(r"/guidelines/.*#", guideline.get_attribute("href") or ""), guideline.get_attribute(
        "href"
    )
    assert "Decided by" not in decision.inner_text()  # the moderator stays anonymous to the author
    author.shoot(f"{shot}-07-author-sees-why")


def _unread(person) -> int:
    count = person.page.locator("[data-notification-count]")
    return int(count.inner_text().rstrip("+") or 0) if count.is_visible() else 0


def test_report_an_answer_hr_hides_it_and_the_author_sees_why(people, stack):
    cast = _cast(people)
    marker = f"Acme{int(time.time() * 1000)}"

    # The reporter asks; the author answers with what must not be shared.
    cast.reporter.goto("/questions/ask/")
    cast.reporter.page.fill("#id_title", f"Which customers renewed this quarter? ({marker})")
    cast.reporter.page.fill("#id_body", "For the quarterly newsletter.")
    cast.reporter.submit()
    question_path = cast.reporter.page.url.removeprefix(stack.base_url)
    cast.author.goto(question_path)
    cast.author.page.fill("#answer-form textarea[name=body]", f"{marker} Industries renewed for 1.2M.")
    with cast.author.page.expect_navigation(timeout=TIMEOUT_MS):
        cast.author.page.locator("#answer-form button[type=submit]").click()
    cast.author.page.locator("article.answer", has_text=marker).wait_for(timeout=TIMEOUT_MS)
    cast.author.wait_for_socket()
    unread_before = _unread(cast.author)

    cast.reporter.page.reload()
    _report(
        cast.reporter,
        cast.reporter.page.locator("article.answer", has_text=marker),
        what="answer",
        shot="moderation-answer",
    )
    _hide_from_the_queue(cast.hr, marker, shot="moderation-answer")

    # The reporter (and everyone but its author) no longer sees the answer.
    cast.reporter.goto(question_path)
    assert cast.reporter.page.locator("article.answer", has_text=marker).count() == 0
    cast.reporter.shoot("moderation-answer-08-reporter-no-longer-sees-it")
    _author_is_told_why(cast.author, unread_before, shot="moderation-answer")


def test_report_a_post_hr_hides_it_and_the_author_sees_why(people, stack):
    cast = _cast(people)
    marker = f"Globex{int(time.time() * 1000)}"

    # The author shares what must not be shared, with the whole company.
    cast.author.goto("/")
    composer = cast.author.page.locator("form[data-composer]").first
    composer.locator("textarea[name=body]").fill(f"{marker} signed for 3.4M today, details in the deck!")
    with cast.author.page.expect_navigation(timeout=TIMEOUT_MS):
        composer.locator("button[type=submit]").click()
    post = cast.author.page.locator("article.post-card", has_text=marker).first
    post.wait_for(timeout=TIMEOUT_MS)
    post_id = int(post.get_attribute("id").removeprefix("post-"))
    post_path = f"/feed/posts/{post_id}/"
    cast.author.wait_for_socket()
    unread_before = _unread(cast.author)

    # A colleague reports it from the company feed.
    cast.reporter.goto("/feed/company/")
    _report(
        cast.reporter,
        cast.reporter.page.locator("article.post-card", has_text=marker).first,
        what="post",
        shot="moderation-post",
    )
    _hide_from_the_queue(cast.hr, marker, shot="moderation-post")

    # Gone for everyone else: not in the feed, and its address answers like a missing post.
    cast.reporter.goto("/feed/company/")
    assert cast.reporter.page.locator("article.post-card", has_text=marker).count() == 0
    assert cast.reporter.open_not_found(post_path).status == 404
    cast.reporter.shoot("moderation-post-09-reporter-no-longer-sees-it")

    _author_is_told_why(cast.author, unread_before, shot="moderation-post")
    # The author still sees the post, marked hidden; the badge leads to the same decision.
    cast.author.goto(post_path)
    badge = cast.author.page.locator(f"#post-{post_id} a.badge", has_text="Hidden by a moderator")
    badge.wait_for(timeout=TIMEOUT_MS)
    cast.author.shoot("moderation-post-08-author-sees-the-hidden-post")
    with cast.author.page.expect_navigation(timeout=TIMEOUT_MS):
        badge.click()
    cast.author.page.locator("main").get_by_text(REASON).wait_for(timeout=TIMEOUT_MS)
    cast.author.page.locator("main").get_by_role("link", name=SECTION).wait_for(timeout=TIMEOUT_MS)
