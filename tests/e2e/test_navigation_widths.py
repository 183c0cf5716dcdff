"""Navigation at every width (issue 18 items 1, 2 and 9), in a real browser.

At 320, 390, 768 and 1280 px, a customer whose header name is long
("margherita.rossi-bianchi.longname", as every signup without a name gets) and an agent:
every link of the main navigation is visible and clickable (the element at its centre is the
link itself, nothing lies on top of it), on phones after opening the Menu button, which opens
and closes; the desk's own navigation is there on every desk page; and no main page scrolls
sideways (``scrollWidth <= innerWidth``). The help centre's topic cards line up in their grid.

Screenshots at 390 and 1280 go to test-results/screenshots/nav-*.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal import roles
from tests.conftest import PASSWORD, make_customer, make_user
from tests.e2e.test_kb_flow import kb_index
from tests.knowledgebase.conftest import make_category

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = (320, 390, 768, 1280)
LONG_NAME = "margherita.rossi-bianchi.longname"
CUSTOMER_LINKS = ["home", "kb", "community", "services", "tickets", "status"]
AGENT_LINKS = ["home", "kb", "community", "desk", "admin", "status"]
DESK_LINKS = ["queue", "incidents", "at_risk", "saved_views"]

# Is the element at the centre of each matched element the element itself (or inside it)?
HIT_TEST = """(elements) => elements.map((el) => {
  const box = el.getBoundingClientRect();
  const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
  return {
    name: el.dataset.nav || el.dataset.deskNav || el.textContent.trim(),
    visible: box.width > 0 && box.height > 0,
    inside: box.left >= 0 && box.right <= window.innerWidth,
    hit: hit !== null && (hit === el || el.contains(hit)),
    hitWhat: hit ? hit.tagName + "." + hit.className : "nothing",
  };
})"""


def sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has([name='password'])").locator("button[type=submit]").first.click()
    page.wait_for_url(re.compile(r".*/$"))


def no_sideways_scroll(page, where: str) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{where}: page is {widths[0]} px wide in {widths[1]} px"


def is_phone(page) -> bool:
    return page.locator(".nav-toggle").is_visible()


def open_menu(page) -> None:
    toggle = page.locator(".nav-toggle")
    if is_phone(page) and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")


def assert_all_clickable(page, selector: str, expected: list[str], where: str) -> None:
    results = page.locator(selector).evaluate_all(HIT_TEST)
    assert [result["name"] for result in results] == expected, where
    for result in results:
        assert result["visible"] and result["inside"], f"{where}: {result}"
        assert result["hit"], f"{where}: {result['name']} is covered by {result['hitWhat']}"


def check_header(page, base: str, links: list[str], width: int, who: str, screenshot) -> None:
    page.goto(f"{base}/")
    phone = width < 768
    assert is_phone(page) is phone, f"{who} at {width}: menu button shown={not phone}"
    if phone:
        nav = page.locator("#primary-nav")
        expect(nav).to_be_hidden()
        toggle = page.locator(".nav-toggle")
        expect(toggle).to_have_attribute("aria-controls", "primary-nav")
        open_menu(page)
        expect(nav).to_be_visible()
        if width == 390:
            screenshot(page, f"nav-{who}-390-menu-open")
    assert_all_clickable(page, "#primary-nav a", links, f"{who} at {width}")
    # The account menu opens and its language switch works from there on phones.
    page.locator(".user-menu-toggle").click()
    expect(page.locator(".user-menu-panel")).to_be_visible()
    if phone:
        expect(page.locator("#primary-nav")).to_be_hidden()  # one panel at a time
        expect(page.locator(".user-menu-panel .lang-menu")).to_be_visible()
        expect(page.locator("header .lang-header")).to_be_hidden()
    else:
        expect(page.locator("header .lang-header")).to_be_visible()
    assert_all_clickable(
        page,
        ".user-menu-panel li a",
        page.locator(".user-menu-panel li a").evaluate_all(
            "els => els.map((el) => el.textContent.trim())"
        ),
        f"{who} menu at {width}",
    )
    page.keyboard.press("Escape")
    expect(page.locator(".user-menu-panel")).to_be_hidden()
    # The footer links every main section too.
    footer_links = page.locator(".site-footer .footer-links a").evaluate_all(
        "els => els.map((el) => el.getAttribute('href'))"
    )
    for path in ("/", "/kb/", "/community/", "/status/"):
        assert path in footer_links
    if width in (390, 1280):
        screenshot(page, f"nav-{who}-{width}-home")


def test_customer_with_a_long_name_reaches_every_section(live_server, new_page, screenshot):
    from django.core.cache import cache

    cache.clear()
    base = live_server.url
    index = kb_index()
    for title in ("Account and billing", "Cards and payments", "Connectivity", "Devices"):
        make_category(index, title)
    user = make_user(f"{LONG_NAME}@example.com")
    make_customer(user, ref="C-LONG")
    page = new_page()
    sign_in(page, base, user.email)

    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        check_header(page, base, CUSTOMER_LINKS, width, "customer", screenshot)
        name = page.locator(".user-menu-name")
        if width >= 768:
            expect(name).to_be_visible()
            # cut with an ellipsis, not wrapped or pushed over the navigation
            assert name.evaluate("el => el.scrollWidth > el.clientWidth")
            box = name.bounding_box()
            assert box["height"] < 30
        else:
            expect(name).to_be_hidden()
        for path in ("/", "/kb/", "/community/", "/tickets/", "/catalogue/", "/status/"):
            page.goto(f"{base}{path}")
            no_sideways_scroll(page, f"customer {path} at {width}")
            if width in (390, 1280) and path in ("/kb/", "/tickets/"):
                screenshot(page, f"nav-customer-{width}-{path.strip('/')}")
        # The help centre's topic cards start level in each row (no margin from .card + .card).
        page.goto(f"{base}/kb/")
        cards = page.locator(".kb-category-grid > .card").evaluate_all(
            "els => els.map((el) => [Math.round(el.getBoundingClientRect().top),"
            " getComputedStyle(el).marginTop])"
        )
        assert len(cards) == 4
        assert {margin for _, margin in cards} == {"0px"}, cards
        if width >= 768:
            assert cards[0][0] == cards[1][0], cards

    # On a phone the Menu button opens and closes the navigation (click, Escape, outside).
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"{base}/")
    toggle, nav = page.locator(".nav-toggle"), page.locator("#primary-nav")
    toggle.click()
    expect(nav).to_be_visible()
    toggle.click()
    expect(nav).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    page.keyboard.press("Escape")
    expect(nav).to_be_hidden()
    expect(toggle).to_be_focused()
    toggle.click()
    page.locator("main").click(position={"x": 5, "y": 300})
    expect(nav).to_be_hidden()
    # A link in the opened menu leads to its section.
    open_menu(page)
    page.locator("#primary-nav a[data-nav=tickets]").click()
    page.wait_for_url(f"{base}/tickets/")
    expect(page.locator("#primary-nav a[data-nav=tickets]")).to_have_attribute(
        "aria-current", "page"
    )


def test_agent_reaches_every_section_and_the_desk_pages(live_server, new_page, screenshot):
    from django.core.cache import cache

    from tickets.services.workflow import ticket_open

    cache.clear()
    base = live_server.url
    make_user("ada.nav@example.com", full_name="Ada Agent", groups=[roles.AGENTS], is_staff=True)
    customer_user = make_user(f"{LONG_NAME}@example.com")
    customer = make_customer(customer_user, ref="C-LONG")
    ticket = ticket_open(
        customer=customer,
        subject="Cannot reach https://a-very-long-hostname.example.com/with/a/long/path/name",
        body="It fails every time.",
        opened_by=customer_user,
    )
    from outages import services as outages
    from portal.models import Product

    incident = outages.incident_declare(
        title="Fibre outage in the north",
        products=[Product.objects.create(name="Fibre Broadband", slug="fibre-broadband")],
        impact="partial",
        message="We are looking into it.",
    )
    page = new_page()
    sign_in(page, base, "ada.nav@example.com")
    desk_pages = {
        "queue": "/desk/",
        "ticket": f"/desk/tickets/{ticket.pk}/",
        "incidents": "/desk/incidents/",
        "incident": f"/desk/incidents/{incident.pk}/",
        "declare": "/desk/incidents/new/",
        "at-risk": "/desk/insights/at-risk/",
        "timeline": "/desk/insights/customers/C-LONG/",
    }
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        check_header(page, base, AGENT_LINKS, width, "agent", screenshot)
        for name, path in desk_pages.items():
            page.goto(f"{base}{path}")
            assert_all_clickable(page, ".desk-sections a", DESK_LINKS, f"desk {name} at {width}")
            no_sideways_scroll(page, f"agent {path} at {width}")
            if width in (390, 1280) and name in ("queue", "ticket", "incidents"):
                screenshot(page, f"nav-agent-{width}-desk-{name}")
        for path in ("/", "/kb/", "/community/"):
            page.goto(f"{base}{path}")
            no_sideways_scroll(page, f"agent {path} at {width}")

    # The desk's navigation leads to the incidents and marks where the agent is.
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{base}/desk/")
    expect(page.locator(".desk-sections a[data-desk-nav=queue]")).to_have_attribute(
        "aria-current", "page"
    )
    page.locator(".desk-sections a[data-desk-nav=incidents]").click()
    page.wait_for_url(f"{base}/desk/incidents/")
    expect(page.locator(".desk-sections a[data-desk-nav=incidents]")).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.locator("h1")).to_have_text("Incidents")
    page.locator(".desk-sections a[data-desk-nav=at_risk]").click()
    page.wait_for_url(f"{base}/desk/insights/at-risk/")
