"""The persona journeys' harness: one seeded demo, one browser, one live server, a page guard.

- ``journey_data`` (package scope) flushes the test database once, puts back what the data
  migrations make (Wagtail's tree with the help centre, the loyalty defaults) and runs the real
  ``seed_demo``: every journey walks the demo that ``make run`` shows. The journeys share it, so
  ``transactional_db`` is overridden here: it opens the database to the test and the live server
  without flushing after each test (a transactional test's flush would throw the demo away).
  When the package is done the database is flushed, as any transactional test leaves it.
- ``journey(persona, width)`` opens a fresh browser context at that width with a
  :class:`PageGuard` that records console errors (and security-policy reports), uncaught page
  errors, failed requests and responses >= 400 (except the ones a step says it expects). Each
  ``journey.step(name)`` then checks horizontal overflow (naming the widest element past the
  right edge), runs axe-core (serious and critical violations) and saves a screenshot to
  ``artifacts/screenshots/<persona>/<width>/<NN>-<step>.png``. The test fails at the end with
  every problem found, step by step.

axe-core comes from the npm registry (``make axe``: tests/e2e/package-lock.json). It is
evaluated in the page through the DevTools protocol, which the page's security policy does not
govern, so no ``bypass_csp`` is needed and the page's own policy stays in force for the checks.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.e2e.browser import aborted_by_page

ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "artifacts" / "screenshots"
AXE_JS = ROOT / "tests" / "e2e" / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (1280, 390)
HEIGHT = {1280: 900, 390: 844}
DEMO_PASSWORD = "portal-demo-2026"
BLOCKING_IMPACTS = ("serious", "critical")

# The widest element past the right edge when the document scrolls sideways: elements inside a
# scrolling or clipping box do not count (the box holds them), nor do fixed elements parked
# off-screen on purpose (a closed drawer).
OVERFLOW_JS = """() => {
  const width = window.innerWidth;
  const scroll = document.documentElement.scrollWidth;
  if (scroll <= width) return null;
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (s.overflowX !== 'visible' || s.position === 'fixed') return true;
    }
    return false;
  };
  let worst = null, worstRight = width;
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= worstRight + 0.5) continue;
    if (getComputedStyle(el).position === 'fixed' || clipped(el)) continue;
    worst = el; worstRight = r.right;
  }
  const describe = (el) => {
    if (!el) return 'no single element (margins or transforms)';
    let name = el.tagName.toLowerCase();
    if (el.id) name += '#' + el.id;
    if (el.classList.length) name += '.' + [...el.classList].join('.');
    const text = (el.innerText || '').trim().replace(/\\s+/g, ' ').slice(0, 40);
    const shown = text ? ' ("' + text + '")' : '';
    return name + shown + ', right edge at ' + Math.round(worstRight) + ' px';
  };
  return {scroll, width, element: describe(worst)};
}"""

AXE_RUN_JS = """async (impacts) => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations
    .filter((v) => impacts.includes(v.impact))
    .map((v) => ({
      id: v.id, impact: v.impact, help: v.help, url: v.helpUrl,
      targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
      count: v.nodes.length,
    }));
}"""


@pytest.fixture(scope="package")
def journey_data(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[None]:
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import override_settings

    from portal.demo.seed import seed_demo
    from tests.e2e.test_kb_flow import kb_index

    media = tmp_path_factory.mktemp("journey-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=str(media)):
        call_command("flush", interactive=False, verbosity=0)
        from django.apps import apps

        kb_index()
        importlib.import_module("loyalty.migrations.0003_defaults").create(apps, None)
        seed_demo()
        cache.clear()
        yield
        call_command("flush", interactive=False, verbosity=0)
        cache.clear()


@pytest.fixture
def transactional_db(journey_data, django_db_blocker) -> Iterator[None]:
    """Database access for the journeys (and their live server) over the shared demo, without
    the flush a transactional test does at its end (see the module's docstring)."""
    with django_db_blocker.unblock():
        yield


@dataclass
class PageGuard:
    """Everything that went wrong on the pages of one journey, in order."""

    persona: str
    width: int
    problems: list[str] = field(default_factory=list)
    expected: list[tuple[int, str]] = field(default_factory=list)
    # Browser events arrive while the next page loads, before its step is named: they wait
    # here and are filed under the step that checks that page (or "after the last step").
    pending: list[str] = field(default_factory=list)

    def add(self, kind: str, text: str) -> None:
        self.pending.append(f"{kind}: {text}")

    def file_under(self, step: str) -> None:
        self.problems.extend(f"[{step}] {problem}" for problem in self.pending)
        self.pending.clear()

    def on_console(self, message) -> None:
        text = message.text
        if message.type == "error" or "Content Security Policy" in text:
            where = message.location.get("url", "") if message.location else ""
            # Chromium also logs an expected error response ("Failed to load resource").
            failed = re.match(r"Failed to load resource: .* status of (\d+)", text)
            if failed and self.is_expected(int(failed.group(1)), where):
                return
            self.add(f"console {message.type}", f"{text} ({where})" if where else text)

    def on_page_error(self, error) -> None:
        self.add("uncaught error", str(error))

    def on_request_failed(self, request) -> None:
        if aborted_by_page(request):
            return
        failure = request.failure or ""
        self.add("request failed", f"{request.method} {request.url} ({failure})")

    def is_expected(self, status: int, url: str) -> bool:
        return any(status == s and part in url for s, part in self.expected)

    def on_response(self, response) -> None:
        if response.status < 400 or self.is_expected(response.status, response.url):
            return
        self.add("HTTP error", f"{response.status} {response.request.method} {response.url}")


class Journey:
    """One persona's walk at one width: ``page``, ``goto``, ``step`` and the final ``finish``."""

    def __init__(self, browser, base: str, persona: str, width: int, locale: str = "en-GB") -> None:
        self.base = base
        self.persona = persona
        self.width = width
        self.guard = PageGuard(persona, width)
        self.context = browser.new_context(
            locale=locale, viewport={"width": width, "height": HEIGHT[width]}
        )
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.page.on("console", self.guard.on_console)
        self.page.on("pageerror", self.guard.on_page_error)
        self.page.on("requestfailed", self.guard.on_request_failed)
        self.page.on("response", self.guard.on_response)
        self.folder = ARTIFACTS / persona / str(width)
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.steps = 0
        self.last_step = "start"
        self.closed = False
        self.axe_source = AXE_JS.read_text(encoding="utf-8")

    def goto(self, path: str, *, expect_status: int | None = None):
        if expect_status is not None:
            self.expect_status(expect_status, path)
        response = self.page.goto(self.base + path)
        self.page.wait_for_load_state("load")
        return response

    def expect_status(self, status: int, url_part: str) -> None:
        """A response the next steps expect (a refused action, a 404 on purpose)."""
        self.guard.expected.append((status, url_part))

    def sign_in(self, email: str, password: str = DEMO_PASSWORD) -> None:
        self.goto("/accounts/login/")
        self.step("sign-in")
        self.page.fill("input[name=login]", email)
        self.page.fill("input[name=password]", password)
        self.page.locator("form:has([name='password'])").locator(
            "button[type=submit]"
        ).first.click()
        self.page.wait_for_url(lambda url: "/accounts/login/" not in url)
        self.page.wait_for_load_state("load")

    def step(self, name: str) -> Path:
        """Check the page as it is now and save its screenshot."""
        self.steps += 1
        page = self.page
        page.wait_for_load_state("load")
        self.last_step = f"{self.steps:02d}-{name} {page.url.removeprefix(self.base)}"
        overflow = page.evaluate(OVERFLOW_JS)
        if overflow:
            self.guard.add(
                "horizontal overflow",
                f"page is {overflow['scroll']} px wide in a {overflow['width']} px window; "
                f"widest: {overflow['element']}",
            )
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.evaluate(self.axe_source)
        for v in page.evaluate(AXE_RUN_JS, list(BLOCKING_IMPACTS)):
            self.guard.add(
                f"axe {v['impact']}",
                f"{v['id']} ({v['help']}) on {v['count']} element(s): "
                f"{'; '.join(v['targets'])} — {v['url']}",
            )
        path = self.folder / f"{self.steps:02d}-{re.sub(r'[^a-z0-9-]+', '-', name.lower())}.png"
        page.screenshot(path=str(path), full_page=True)
        self.guard.file_under(self.last_step)
        return path

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.context.close()

    def finish(self) -> None:
        self.close()
        self.guard.file_under(f"after {self.last_step}")
        if self.guard.problems:
            lines = "\n  ".join(self.guard.problems)
            pytest.fail(
                f"{self.persona} at {self.width} px: {len(self.guard.problems)} problem(s)\n  "
                f"{lines}\nScreenshots: {self.folder}",
                pytrace=False,
            )


@pytest.fixture
def journey(chromium, live_server, transactional_db) -> Iterator:
    """``journey(persona, width, locale="en-GB")``: a :class:`Journey` in its own browser
    context (``locale``: the browser's language, sent as Accept-Language)."""
    if not AXE_JS.exists():
        pytest.fail(f"axe-core is missing at {AXE_JS}: run `make axe`.", pytrace=False)
    opened: list[Journey] = []

    def start(persona: str, width: int, locale: str = "en-GB") -> Journey:
        from django.core.cache import cache

        cache.clear()  # sign-in rate limits of the journeys before
        walk = Journey(chromium, live_server.url, persona, width, locale)
        opened.append(walk)
        return walk

    yield start
    for walk in opened:
        walk.close()
