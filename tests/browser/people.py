"""People using Socialco in their own browsers, for the browser scenarios.

`People.new(name)` opens a fresh browser context (its own cookies, like another computer) and
returns a `Person` whose page records every console error and uncaught exception.
"""

from __future__ import annotations

import email
import re
import time
from dataclasses import dataclass, field
from email import policy
from pathlib import Path
from typing import Any

PASSWORD = "a-Long-unusual-pass-42"
DEMO_PASSWORD = "socialco-demo"
TIMEOUT_MS = 15_000
CONFIRM_LINK = r"https?://\S+/accounts/confirm-email/\S+/"


@dataclass(frozen=True)
class Stack:
    """The running production stack: where to browse and where its e-mails land."""

    base_url: str
    mail_dir: Path

    def mails_to(self, address: str) -> list[email.message.EmailMessage]:
        """Every e-mail the stack wrote to `address` (file-based backend), oldest first."""
        found = []
        if not self.mail_dir.is_dir():
            return found
        for path in sorted(self.mail_dir.glob("*.log"), key=lambda p: p.stat().st_mtime):
            # The file-based backend separates messages with a line of 79 dashes.
            for chunk in path.read_text(errors="replace").split("-" * 79):
                if not chunk.strip():
                    continue
                message = email.message_from_string(chunk.strip() + "\n", policy=policy.default)
                if address.lower() in (message.get("To") or "").lower():
                    found.append(message)
        return found

    def wait_for_link(self, address: str, pattern: str, timeout: float = 20.0) -> str:
        """The first URL matching `pattern` in the newest e-mail to `address`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in reversed(self.mails_to(address)):
                body = message.get_body(preferencelist=("plain", "html"))
                text = body.get_content() if body is not None else ""
                match = re.search(pattern, text)
                if match:
                    return match.group(0)
            time.sleep(0.3)
        raise AssertionError(f"no e-mail to {address} with a link matching {pattern!r} in {self.mail_dir}")


@dataclass
class Person:
    name: str
    context: Any
    page: Any
    stack: Stack
    screenshots: Path
    errors: list[str] = field(default_factory=list)
    # Addresses opened with `open_not_found`: the browser's own "404" console line is expected there.
    expected_not_found: set[str] = field(default_factory=set)

    def goto(self, path: str) -> None:
        response = self.page.goto(self.stack.base_url + path)
        assert response is not None
        assert response.ok, f"{path} answered {response.status}"

    def open_not_found(self, path: str) -> Any:
        """Open an address that must answer 404; returns the response. Chromium logs a failed
        page load as a console error: expected for this address, still an error anywhere else."""
        url = self.stack.base_url + path
        self.expected_not_found.add(url)
        return self.page.goto(url)

    def shoot(self, name: str) -> Path:
        """Save a full-page screenshot as ci-artifacts/screenshots/<name>.png (from the top of
        the page: a scrolled page would draw the sticky top bar in its middle)."""
        path = self.screenshots / f"{name}.png"
        self.page.evaluate("window.scrollTo(0, 0)")
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def wait_until_live(self) -> None:
        """The live indicator turns on: the page's WebSocket is open (through nginx to daphne)."""
        self.page.wait_for_selector("[data-live-indicator].is-live", timeout=TIMEOUT_MS)

    def sign_in(self, email_address: str, password: str = PASSWORD) -> None:
        self.goto("/accounts/login/")
        self.page.fill("#id_login", email_address)
        self.page.fill("#id_password", password)
        self.submit()
        self.page.wait_for_url(self.stack.base_url + "/", timeout=TIMEOUT_MS)

    def submit(self) -> None:
        """Press the main form's submit button and wait for the next page."""
        with self.page.expect_navigation(timeout=TIMEOUT_MS):
            self.page.locator("main form button[type=submit]").first.click()

    def wait_for_socket(self) -> None:
        """The page's shared WebSocket is open (any page, not only the home page's indicator)."""
        self.page.wait_for_function(
            "() => window.Socialco && window.Socialco.socket.isOpen()", timeout=TIMEOUT_MS
        )

    def sign_up(self, display_name: str, email_address: str) -> None:
        """Sign up with a company address, confirm it from the e-mail, land signed in at home."""
        self.goto("/accounts/signup/")
        self.page.fill("#id_display_name", display_name)
        self.page.fill("#id_email", email_address)
        self.page.fill("#id_password1", PASSWORD)
        self.page.fill("#id_password2", PASSWORD)
        self.submit()
        self.page.goto(self.stack.wait_for_link(email_address, CONFIRM_LINK))
        self.submit()
        self.page.wait_for_url(self.stack.base_url + "/", timeout=TIMEOUT_MS)

    def accept_guidelines(self) -> None:
        """A new colleague reads and accepts the usage guidelines (needed before writing)."""
        self.goto("/guidelines/accept/")
        self.page.click("form.accept-form button[type=submit]")
        self.page.wait_for_load_state("networkidle")

    def own_id(self) -> int:
        """The signed-in person's user id (their profile address)."""
        self.goto("/people/me/")
        match = re.search(r"/people/(\d+)/$", self.page.url)
        assert match, self.page.url
        return int(match.group(1))

    def sign_out(self) -> None:
        self.page.locator("details.usermenu summary").click()
        self.page.get_by_role("button", name="Sign out").click()
        self.page.wait_for_url(re.compile(r".*/accounts/login/.*"), timeout=TIMEOUT_MS)


class People:
    def __init__(self, browser: Any, stack: Stack, screenshots: Path, *, test_name: str) -> None:
        self.browser = browser
        self.stack = stack
        self.screenshots = screenshots
        self.test_name = test_name
        self.everyone: list[Person] = []

    def new(self, name: str) -> Person:
        context = self.browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        person = Person(name, context, page, self.stack, self.screenshots)

        def on_console(message: Any) -> None:
            expected = (
                "status of 404" in message.text
                and (message.location or {}).get("url") in person.expected_not_found
            )
            if message.type == "error" and not expected:
                person.errors.append(f"[{self.test_name} / {name}] console: {message.text} ({page.url})")

        def on_page_error(error: Any) -> None:
            person.errors.append(f"[{self.test_name} / {name}] uncaught: {error} ({page.url})")

        page.on("console", on_console)
        page.on("pageerror", on_page_error)
        self.everyone.append(person)
        return person

    def close(self) -> list[str]:
        errors = []
        for person in self.everyone:
            errors.extend(person.errors)
            person.context.close()
        return errors
