"""No developer words in front of users (issue 18, item 5): the main pages of every persona,
rendered over the demo data, show no shell command, code name or stack term in their visible
text: no ``manage.py``, ``_fit``, ``None``, ``null``, ``queryset``, ``cron`` and no snake_case
identifier outside code and links. Export buttons are only offered on lists that have rows."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.core.cache import cache

from catalogue.models import ServiceRequest
from community.models import MemberProfile, Thread
from outages.models import Incident
from portal.models import Customer, User
from tickets.models import Ticket

#: Words never shown to customers, agents or managers (whole words; case as written).
FORBIDDEN = [
    r"manage\.py",
    r"\w*_fit\b",
    r"\bNone\b",
    r"\bnull\b",
    r"\bquerysets?\b",
    r"\bcron\b",
    r"\bmodel fitted\b",
    r"\bTraceback\b",
]
#: A snake_case identifier: lower-case words joined by underscores.
SNAKE = re.compile(r"(?<![\w@./:-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w@/-]|\.\w)")
#: Elements whose text is code, not prose (or not text at all).
SKIP = {"script", "style", "code", "pre", "kbd", "samp", "template", "noscript", "svg"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
URL = re.compile(r"(?:https?://|/)\S+|\S+@\S+")


class _Text(HTMLParser):
    """The visible text of a page: text nodes outside code, scripts and styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skipping: list[str] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in SKIP:
            self.skipping.append(tag)

    def handle_endtag(self, tag):
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def developer_words(html: str) -> list[str]:
    text = URL.sub(" ", visible_text(html))
    found = [m.group(0) for pattern in FORBIDDEN for m in re.finditer(pattern, text)]
    found += SNAKE.findall(text)
    return found


def test_the_scanner_finds_what_it_must_and_leaves_code_and_links():
    html = (
        "<main><p>No model fitted: run manage.py clv_fit</p><p>risk_level None</p>"
        "<code>manage.py tick</code><a href='/a_b/'>https://x.test/a_b</a>"
        "<p>mail ada_lovelace@example.com</p><script>var none_here = null</script></main>"
    )
    assert set(developer_words(html)) == {
        "manage.py",
        "clv_fit",
        "None",
        "model fitted",
        "risk_level",
    }


@pytest.fixture
def demo(seeded_demo, db):
    """The personas of the demo, seeded once for the module (tests/conftest.py)."""
    return {name: User.objects.get(pk=seeded_demo[name]) for name in PERSONAS}


PERSONAS = ("alice", "bob", "carol", "ada", "mo", "root")
LISTS = ("at_risk", "churned")


def _pages(demo) -> dict[str | None, list[str]]:
    alice = demo["alice"]
    ticket = Ticket.objects.filter(customer=alice.customer).order_by("pk").first()
    thread = Thread.objects.filter(is_deleted=False).order_by("pk").first()
    incident = Incident.objects.filter(published_at__isnull=False).order_by("pk").first()
    customer = Customer.objects.get(user=alice)
    public = ["/", "/kb/", "/community/", "/status/", "/search/?q=router"]
    if thread:
        public.append(thread.get_absolute_url())
    if incident:
        public.append(f"/status/incidents/{incident.pk}/")
    customer_pages = [*public, "/me/", "/me/notifications/", "/tickets/", "/tickets/new/"]
    customer_pages += ["/catalogue/", "/requests/", "/me/loyalty/"]
    alice_pages = list(customer_pages)
    if ticket:
        alice_pages.append(f"/tickets/{ticket.pk}/")
    request = ServiceRequest.objects.filter(customer=alice.customer).order_by("pk").first()
    if request:
        alice_pages.append(f"/requests/{request.pk}/")
    profile = MemberProfile.objects.order_by("pk").first()
    if profile:
        public.append(profile.get_absolute_url())
    desk = ["/desk/", "/desk/incidents/", "/desk/incidents/new/", "/desk/insights/at-risk/"]
    desk.append(f"/desk/insights/customers/{customer.customer_ref}/")
    if ticket:
        desk.append(f"/desk/tickets/{ticket.pk}/")
    if incident:
        desk.append(f"/desk/incidents/{incident.pk}/")
    moderator = [*public, "/community/moderation/", "/community/moderation/log/"]
    admin = [
        "/admin/",
        "/admin/insights/",
        *(f"/admin/insights/customers/?list={k}" for k in LISTS),
    ]
    return {
        None: public,
        "alice": alice_pages,
        "bob": customer_pages,
        "carol": ["/", "/me/", "/tickets/", "/requests/", "/me/loyalty/"],
        "ada": [*desk, *public],
        "mo": moderator,
        "root": [*admin, *desk],
    }


def _scan(client, demo, pages: dict) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    for persona, paths in pages.items():
        client.logout()
        if persona:
            client.force_login(demo[persona])
        for path in paths:
            response = client.get(path)
            if response.status_code != 200:
                problems[f"{persona or 'visitor'} {path}"] = [f"HTTP {response.status_code}"]
                continue
            words = developer_words(response.content.decode())
            if words:
                problems[f"{persona or 'visitor'} {path}"] = sorted(set(words))
    return problems


def test_main_pages_of_every_persona_speak_plain_words(demo, client):
    """Over the demo, then again before lifetime values were ever estimated (the customer
    panel once said "no model fitted: manage.py clv_fit")."""
    from insights.models import ClvFit

    pages = _pages(demo)
    problems = _scan(client, demo, pages)
    ClvFit.objects.all().delete()  # the scores go with their fit
    cache.clear()
    without_fit = {p: pages[p] for p in ("alice", "ada", "root")}
    problems.update(
        {f"{k} (no estimate yet)": v for k, v in _scan(client, demo, without_fit).items()}
    )
    assert not problems, problems


def test_empty_lists_offer_no_download(demo, client):
    """An export button is offered on a list with rows only (the at-risk list of the desk and
    the admin's drill-down of customers)."""
    from insights.models import CustomerScore

    client.force_login(demo["root"])
    scores = CustomerScore.objects.order_by("-predicted_value", "pk")
    assert scores.exists()  # the demo estimated lifetime values
    scores.filter(pk=scores.first().pk).update(at_risk=True)  # somebody on the list
    html = client.get("/desk/insights/at-risk/").content.decode()
    assert "format=csv" in html and "format=xlsx" in html
    CustomerScore.objects.update(at_risk=False)
    cache.clear()
    html = client.get("/desk/insights/at-risk/").content.decode()
    assert "Nobody on the list" in html
    assert "format=csv" not in html and "format=xlsx" not in html
    html = client.get("/admin/insights/customers/?list=at_risk").content.decode()
    assert "No customers." in html
    assert "format=csv" not in html and "format=xlsx" not in html
