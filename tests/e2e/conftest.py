"""Browser fixtures for the end-to-end tests: the system Chromium, launched by us.

Playwright's sync API runs an asyncio event loop in the test thread; Django refuses ORM calls
from a thread with a running loop unless DJANGO_ALLOW_ASYNC_UNSAFE is set, so it is set while
a browser is open (the ORM use here is the test's own, in the test thread, so it is safe).
We never download a browser: CHROMIUM (default /usr/bin/chromium) must exist.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"


def chromium_path() -> str:
    configured = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    found = configured if os.access(configured, os.X_OK) else shutil.which(configured)
    if not found:
        pytest.fail(
            f"Chromium not found at {configured!r}: install it (apt-get install chromium) or "
            "set CHROMIUM=/path/to/chromium. `make test` installs it when run as root.",
            pytrace=False,
        )
    return found


@pytest.fixture(scope="session")
def _allow_orm_next_to_playwright() -> Iterator[None]:
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def chromium(_allow_orm_next_to_playwright):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium, _allow_orm_next_to_playwright):
    """``new_page()``: a page in a fresh browser context (its own cookies), closed afterwards."""
    contexts = []

    def make(locale: str = "en-GB"):
        context = chromium.new_context(locale=locale, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot():
    """``screenshot(page, name)`` saves test-results/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def save(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 1000, f"empty screenshot {path}"
        return path

    return save


@pytest.fixture
def demo_server(live_server):
    """The live server over the real ``seed_demo`` (for a browser test of the demo's pages).
    Wagtail's page tree is built first when an earlier transactional test flushed it (the
    demo would then have no help centre), and the cache is cleared of earlier tests' rate
    limits."""
    from django.core.cache import cache
    from django.core.management import call_command

    from tests.e2e.test_kb_flow import kb_index

    cache.clear()
    kb_index()
    call_command("seed_demo", verbosity=0)
    return live_server
