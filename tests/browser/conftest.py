"""The browser suite: Playwright for Python driving Debian's Chromium against `make prod-run`.

It runs only when asked for with `-m browser` (CI job 4), against the stack at
SOCIALCO_BROWSER_BASE_URL (default: the one `make prod-run` starts with the same environment,
http://127.0.0.1:$PROD_HTTP_PORT, port 8080 unless set), reading e-mails from
SOCIALCO_BROWSER_MAIL_DIR (default $PROD_STATE_DIR/mail, var/prod/mail unless set).
Without Chromium it is skipped with a message, except in CI (CI=true), where that is a
failure; a stack that does not answer is always a failure. Screenshots go to
ci-artifacts/screenshots/; any JavaScript console error or uncaught exception fails the test
that caused it.

Scenarios are plain test functions taking `people` (see tests/browser/people.py): open two or
three browsers at once with `people.new()` and walk what staff do.
"""

from __future__ import annotations

import os
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.people import People, Stack

ROOT = Path(__file__).resolve().parents[2]
BROWSER_DIR = Path(__file__).resolve().parent
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM = os.environ.get("SOCIALCO_CHROMIUM", "/usr/bin/chromium")
# Chromium as CI runs it here: no sandbox (root), no GPU, and no calls home on a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(os.environ.get("SOCIALCO_SCREENSHOT_DIR", ROOT / "ci-artifacts" / "screenshots"))


def _in_browser_dir(item: pytest.Item) -> bool:
    return BROWSER_DIR in Path(str(item.fspath)).resolve().parents


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave the browser suite out of plain runs (`make test`): it needs the running stack."""
    if "browser" in (config.option.markexpr or ""):
        return
    deselected = [item for item in items if _in_browser_dir(item)]
    if deselected:
        items[:] = [item for item in items if not _in_browser_dir(item)]
        config.hook.pytest_deselected(items=deselected)


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the browser suite must run)", pytrace=False)
    pytest.skip(f"{reason}; the browser suite is skipped outside CI")


@pytest.fixture(scope="session")
def stack() -> Stack:
    port = os.environ.get("PROD_HTTP_PORT", "8080")
    state_dir = Path(os.environ.get("PROD_STATE_DIR", ROOT / "var" / "prod"))
    base_url = os.environ.get("SOCIALCO_BROWSER_BASE_URL", f"http://127.0.0.1:{port}").rstrip("/")
    mail_dir = Path(os.environ.get("SOCIALCO_BROWSER_MAIL_DIR", state_dir / "mail"))
    try:
        with urllib.request.urlopen(f"{base_url}/healthz", timeout=10) as response:
            healthy = response.status == 200
    except OSError as exc:
        healthy = False
        problem = str(exc)
    else:
        problem = "not healthy"
    if not healthy:
        pytest.fail(
            f"no Socialco stack at {base_url} ({problem}): start it with `make prod-run`", pytrace=False
        )
    return Stack(base_url=base_url, mail_dir=mail_dir)


@pytest.fixture(scope="session")
def chromium():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        _unavailable(f"Chromium is not installed at {CHROMIUM} (Debian: apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed (requirements-dev.txt)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def people(chromium, stack, request) -> Iterator[People]:
    """Open browser contexts (one per person); fails the test on any console error in any of them."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    crowd = People(chromium, stack, SCREENSHOTS, test_name=request.node.name)
    try:
        yield crowd
    finally:
        errors = crowd.close()
    if errors:
        pytest.fail("JavaScript console errors:\n" + "\n".join(errors), pytrace=False)
