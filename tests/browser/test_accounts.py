"""Accounts in a real browser: sign up with a company address, confirm by e-mail, go live, sign out."""

from __future__ import annotations

import re
import time

import pytest

from tests.browser.people import DEMO_PASSWORD, PASSWORD, TIMEOUT_MS

pytestmark = pytest.mark.browser

CONFIRM_LINK = r"https?://\S+/accounts/confirm-email/\S+/"


def _fill_signup(person, *, name: str, email_address: str) -> None:
    person.goto("/accounts/signup/")
    person.page.fill("#id_display_name", name)
    person.page.fill("#id_email", email_address)
    person.page.fill("#id_password1", PASSWORD)
    person.page.fill("#id_password2", PASSWORD)


def test_signup_confirm_login_live_and_sign_out(people, stack):
    robin = people.new("Robin")
    address = f"robin.browser.{int(time.time() * 1000)}@example.com"

    _fill_signup(robin, name="Robin Browser", email_address=address)
    robin.shoot("01-signup")
    robin.submit()
    assert "/accounts/confirm-email/" in robin.page.url
    robin.shoot("02-verification-sent")

    link = stack.wait_for_link(address, CONFIRM_LINK)
    robin.page.goto(link)
    robin.shoot("03-confirm-email")
    robin.submit()

    # Confirming logs in: the home page greets Robin and its socket goes live through nginx.
    robin.page.wait_for_url(stack.base_url + "/", timeout=TIMEOUT_MS)
    assert "Robin" in robin.page.locator(".usermenu-name").inner_text()
    robin.wait_until_live()
    robin.shoot("04-home-live")

    robin.sign_out()
    robin.shoot("05-signed-out")
    robin.goto("/")
    assert "/accounts/login/" in robin.page.url  # the home page is shut again

    robin.sign_in(address)
    robin.wait_until_live()
    robin.sign_out()


def test_signup_with_foreign_domain_is_refused(people, stack):
    mallory = people.new("Mallory")
    address = f"mallory.{int(time.time() * 1000)}@gmail.com"

    _fill_signup(mallory, name="Mallory Outsider", email_address=address)
    mallory.submit()

    assert "/accounts/signup/" in mallory.page.url
    error = mallory.page.get_by_text(re.compile("Only company addresses can be used here"))
    error.wait_for(timeout=TIMEOUT_MS)
    assert mallory.page.input_value("#id_display_name") == "Mallory Outsider"  # nothing typed is lost
    mallory.shoot("06-signup-refused")
    assert stack.mails_to(address) == []


def test_demo_colleague_pages(people, stack):
    admin = people.new("Admin")
    admin.goto("/accounts/login/")
    admin.shoot("07-login")

    admin.sign_in("admin@example.com", DEMO_PASSWORD)
    admin.wait_until_live()
    # A dropped connection comes back by itself (through nginx, to either daphne process).
    admin.page.evaluate("window.Socialco.socket.dropForTesting()")
    admin.page.wait_for_selector("[data-live-indicator]:not(.is-live)", timeout=TIMEOUT_MS)
    admin.wait_until_live()
    for path, name in [
        ("/guidelines/", "08-guidelines"),
        ("/accounts/email/", "09-account-email"),
        ("/accounts/password/change/", "10-account-password"),
        ("/accounts/2fa/", "11-account-2fa"),
    ]:
        admin.goto(path)
        admin.shoot(name)
    admin.sign_out()
