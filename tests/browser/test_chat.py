"""Chat in two real browsers: the typing line and live delivery, then a connection that drops
while messages are on the wire, and a reconnect that loses nothing and shows nothing twice."""

from __future__ import annotations

import re
import time

import pytest

from tests.browser.people import DEMO_PASSWORD, TIMEOUT_MS

pytestmark = pytest.mark.browser


def _open_direct_chat(person, partner_id: int, first_words: str) -> int:
    """Open the direct chat with `partner_id` (starting it with `first_words` if it is new)."""
    person.goto(f"/chat/with/{partner_id}/")
    person.wait_for_socket()
    if person.page.locator("[data-draft]").count():
        person.page.fill("#chat-input", first_words)
        person.page.press("#chat-input", "Enter")
    pane = person.page.locator("[data-pane]")
    pane.wait_for(timeout=TIMEOUT_MS)
    return int(pane.get_attribute("data-conversation"))


def _messages(person, text: str):
    return person.page.locator("[data-messages] li.msg", has_text=text)


def _send(person, text: str) -> None:
    person.page.fill("#chat-input", text)
    person.page.press("#chat-input", "Enter")


def _stored_once(person, text: str) -> None:
    """The message shows exactly once, stored (it has its id) and no longer pending."""
    person.page.wait_for_function(
        "(text) => { const found = Array.from(document.querySelectorAll('[data-messages] li.msg'))"
        ".filter((li) => li.textContent.includes(text));"
        " return found.length === 1 && found[0].dataset.id && !found[0].classList.contains('is-pending'); }",
        arg=text,
        timeout=TIMEOUT_MS,
    )


def test_chat_typing_live_delivery_and_a_reconnect_that_loses_nothing(people, stack):
    ana, ben = people.new("Admin"), people.new("HR")
    # Ana's socket goes through a switch the test controls: while it is "held", what the server
    # sends her is lost on the wire (the page does not notice), as on a dying mobile connection.
    held = {"on": False}

    def through_a_flaky_network(ws) -> None:
        server = ws.connect_to_server()
        server.on_message(lambda message: None if held["on"] else ws.send(message))

    ana.page.route_web_socket(re.compile(r".*/ws/$"), through_a_flaky_network)
    ana.sign_in("admin@example.com", DEMO_PASSWORD)
    ben.sign_in("hr@example.com", DEMO_PASSWORD)
    ben_name = ben.page.locator(".usermenu-name").inner_text().strip()
    ben_id = ben.own_id()
    run = str(int(time.time() * 1000))

    conversation = _open_direct_chat(ana, ben_id, f"Hello Ben ({run})")
    ben.goto(f"/chat/{conversation}/")
    ben.wait_for_socket()

    # Ben types: Ana sees the typing line, then the message arrives live.
    ben.page.locator("#chat-input").press_sequentially(f"Lunch at noon? {run}", delay=20)
    ana.page.locator("[data-typing]", has_text=f"{ben_name} is typing").wait_for(timeout=TIMEOUT_MS)
    ana.shoot("chat-01-typing")
    ben.page.press("#chat-input", "Enter")
    _stored_once(ana, f"Lunch at noon? {run}")
    assert ana.page.locator("[data-typing]").inner_text().strip() == ""
    ana.shoot("chat-02-live-delivery")

    # The connection dies silently: Ben's next messages, and the acknowledgement of Ana's
    # own message, never reach her page.
    held["on"] = True
    _send(ben, f"missed one {run}")
    _send(ben, f"missed two {run}")
    _stored_once(ben, f"missed two {run}")
    _send(ana, f"sent into the void {run}")
    _stored_once(ben, f"sent into the void {run}")  # the server has it, and Ben sees it
    ana.page.wait_for_timeout(1000)
    assert _messages(ana, f"missed one {run}").count() == 0
    assert "is-pending" in (_messages(ana, f"sent into the void {run}").get_attribute("class") or "")
    ana.shoot("chat-03-connection-lost")

    # The browser notices (forced here) and reconnects by itself: it resends its outbox with the
    # same client ids and asks for what it missed. Everything shows, once.
    ana.page.evaluate("window.Socialco.socket.dropForTesting()")
    held["on"] = False
    ana.page.wait_for_function("() => !window.Socialco.socket.isOpen()", timeout=TIMEOUT_MS)
    ana.wait_for_socket()
    for text in (
        f"missed one {run}",
        f"missed two {run}",
        f"sent into the void {run}",
        f"Lunch at noon? {run}",
    ):
        _stored_once(ana, text)
    _stored_once(ben, f"sent into the void {run}")
    ana.shoot("chat-04-after-reconnect")

    # What the server stored is what both see after a reload: no message twice, none missing.
    for person in (ana, ben):
        person.page.reload()
        person.wait_for_socket()
        for text in (f"missed one {run}", f"missed two {run}", f"sent into the void {run}"):
            _stored_once(person, text)
    order = ana.page.locator("[data-messages] li.msg .msg-body").all_inner_texts()
    mine = [t for t in order if run in t]
    assert mine[-3:] == [f"missed one {run}", f"missed two {run}", f"sent into the void {run}"]
