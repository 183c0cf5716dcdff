"""No page logs a console error (issue 18, item 10): the main pages of every persona on the demo
data, in a real browser. A page fails on any console error, any console warning about the
security policy (CSP), any uncaught script error, any request answered with 400 or more, and
any request that failed outright (blocked, refused, aborted by the browser).

The class of defect this guards: htmx injecting an indicator <style> that our CSP refuses
(``includeIndicatorStyles: false`` in each htmx-config meta, indicator CSS in our stylesheet),
the admin's Gravatar images over a protocol-relative URL and its update check against
releases.wagtail.org (both refused by the CSP: WAGTAIL_GRAVATAR_PROVIDER_URL=None,
WAGTAIL_ENABLE_UPDATE_CHECK=False).
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from tests.e2e.browser import aborted_by_page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CSP_WORDS = re.compile(r"content security policy|refused to|csp", re.IGNORECASE)


class Problems:
    """Everything wrong the browser reports while the test walks the pages."""

    def __init__(self, page) -> None:
        self.found: list[str] = []
        self.where = ""
        page.on("console", self._console)
        page.on("pageerror", lambda error: self._add(f"page error: {error}"))
        page.on("response", self._response)
        page.on("requestfailed", self._failed)

    def _add(self, text: str) -> None:
        self.found.append(f"{self.where}: {text}")

    def _console(self, message) -> None:
        if message.type == "error" or (
            message.type == "warning" and CSP_WORDS.search(message.text)
        ):
            self._add(f"console {message.type}: {message.text} ({message.location})")

    def _response(self, response) -> None:
        if response.status >= 400:
            self._add(f"HTTP {response.status} {response.request.method} {response.url}")

    def _failed(self, request) -> None:
        if aborted_by_page(request):
            return
        self._add(f"request failed ({request.failure}) {request.method} {request.url}")


def sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", settings.PORTAL_DEMO_PASSWORD)
    page.locator("form:has([name='password'])").locator("button[type=submit]").first.click()
    page.wait_for_url(re.compile(r".*/$"))


def visit(page, problems: Problems, base: str, paths: list[str], who: str) -> None:
    for path in paths:
        problems.where = f"{who} {path}"
        response = page.goto(f"{base}{path}")
        assert response is not None and response.status < 400, f"{who} {path}: {response.status}"
        page.wait_for_load_state("networkidle")


def demo_paths():
    """Paths to real objects of the demo data (an article, a thread, a ticket, an incident)."""
    from community.models import Thread
    from knowledgebase.models import ArticlePage
    from outages.models import Incident
    from portal.models import User
    from tickets.models import Ticket

    article = ArticlePage.objects.live().filter(audience="public").order_by("pk").first()
    thread = Thread.objects.order_by("pk").first()
    alice = User.objects.get(email="alice@example.com")
    ticket = Ticket.objects.visible_to(alice).order_by("pk").first()
    incident = Incident.objects.order_by("-pk").first()
    return {
        "article": article.url,
        "article_id": article.pk,
        "thread": f"/community/t/{thread.pk}/",
        "ticket": f"/tickets/{ticket.pk}/",
        "desk_ticket": f"/desk/tickets/{ticket.pk}/",
        "incident": f"/desk/incidents/{incident.pk}/" if incident else "/desk/incidents/",
    }


def test_main_pages_of_every_persona_log_no_error(demo_server, new_page):
    base = demo_server.url
    objects = demo_paths()

    page = new_page()
    problems = Problems(page)
    visit(
        page,
        problems,
        base,
        [
            "/",
            "/kb/",
            objects["article"],
            "/search/?q=card",
            "/community/",
            objects["thread"],
            "/status/",
            "/accounts/login/",
            "/accounts/signup/",
            "/accounts/password/reset/",
        ],
        "visitor",
    )

    page = new_page()
    problems_alice = Problems(page)
    problems_alice.where = "alice sign-in"
    sign_in(page, base, "alice@example.com")
    visit(
        page,
        problems_alice,
        base,
        [
            "/",
            "/me/",
            "/tickets/",
            objects["ticket"],
            "/tickets/new/",
            "/catalogue/",
            "/requests/",
            objects["article"],
            "/community/",
            "/accounts/email/",
            "/accounts/2fa/",
        ],
        "alice",
    )

    page = new_page()
    problems_ada = Problems(page)
    problems_ada.where = "ada sign-in"
    sign_in(page, base, "ada@example.com")
    visit(
        page,
        problems_ada,
        base,
        ["/desk/", objects["desk_ticket"], "/desk/incidents/", objects["incident"]],
        "ada",
    )

    page = new_page()
    problems_root = Problems(page)
    problems_root.where = "root sign-in"
    sign_in(page, base, "root@example.com")
    visit(
        page,
        problems_root,
        base,
        [
            "/admin/",
            f"/admin/pages/{objects['article_id']}/edit/",
            "/admin/support/queues/",
            "/admin/reports/kb/no-results/",
            "/admin/reports/kb/drafts/",
            "/admin/insights/",
        ],
        "root",
    )

    found = problems.found + problems_alice.found + problems_ada.found + problems_root.found
    assert not found, "\n".join(found)


def test_the_watch_catches_what_the_settings_now_prevent(live_server, new_page, root, settings):
    """The control: with Gravatar avatars and the update check back on, the dashboard logs
    refused requests, and the watch reports them."""
    from django.core.cache import cache

    from tests.conftest import PASSWORD
    from tests.e2e.test_kb_flow import kb_index

    cache.clear()
    kb_index()  # Wagtail's page tree, in case an earlier transactional test flushed it
    settings.WAGTAIL_GRAVATAR_PROVIDER_URL = "//www.gravatar.com/avatar"
    settings.WAGTAIL_ENABLE_UPDATE_CHECK = True
    base = live_server.url
    page = new_page()
    problems = Problems(page)
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", root.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has([name='password'])").locator("button[type=submit]").first.click()
    page.wait_for_url(re.compile(r".*/$"))
    problems.where = "root /admin/ with the old settings"
    page.goto(f"{base}/admin/")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1500)  # the update check runs after load
    assert problems.found, "the refused Gravatar image and update check are reported"
    assert any("gravatar" in problem or "wagtail.org" in problem for problem in problems.found), (
        problems.found
    )
