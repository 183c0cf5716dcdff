"""The page guard itself: a page with every kind of defect makes the journey fail, listing each
one (so a green journey means something). No live server or demo needed: the page is set
directly in the browser."""

from __future__ import annotations

import pytest

from tests.e2e.journeys.conftest import AXE_JS, Journey

pytestmark = [pytest.mark.e2e]

BAD_PAGE = """<!doctype html><html lang="en"><head><title>Bad page</title></head><body>
<main><h1>A page with every defect</h1>
<div id="too-wide" style="width: 900px">A box wider than a phone</div>
<img src="http://127.0.0.1:9/missing.png" alt="">
<p style="color: #bbb; background: #fff">Grey text on white</p>
</main><script>console.error("boom from the page")</script></body></html>"""


def test_guard_fails_the_journey_with_every_problem_listed(chromium):
    assert AXE_JS.exists(), "run `make axe`"
    walk = Journey(chromium, "http://127.0.0.1:9", "guard-self-test", 390)
    walk.page.set_content(BAD_PAGE)
    walk.step("bad-page")
    problems = "\n".join(walk.guard.problems)
    assert "horizontal overflow" in problems and "div#too-wide" in problems
    assert "console error: boom from the page" in problems
    assert "request failed: GET http://127.0.0.1:9/missing.png" in problems
    assert "axe serious: color-contrast" in problems and "dequeuniversity.com" in problems
    with pytest.raises(pytest.fail.Exception, match=r"guard-self-test at 390 px: \d+ problem"):
        walk.finish()


def test_guard_passes_a_clean_page(chromium):
    walk = Journey(chromium, "http://127.0.0.1:9", "guard-self-test", 1280)
    walk.page.set_content(
        '<!doctype html><html lang="en"><head><title>Fine</title></head><body><main>'
        "<h1>A fine page</h1><p>Readable text.</p></main></body></html>"
    )
    walk.step("clean-page")
    walk.finish()  # does not fail
