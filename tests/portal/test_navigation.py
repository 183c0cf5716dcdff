"""Navigation (issue 18 items 1 and 2): every main section is linked from the header and the
footer for each persona, Status is in the header (with a dot while an incident affects the
customer), the phone menu button works without JavaScript (hidden, links present), and every
/desk/ page carries the desk's own navigation built from the registry in tickets.desk_nav.

The widths themselves (nothing hidden or covered at 320-1280 px) are checked in a browser:
tests/e2e/test_navigation_widths.py.
"""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from portal.models import Product, Subscription
from tickets import desk_nav

pytestmark = pytest.mark.django_db

HOME, KB, COMMUNITY, STATUS = "/", "/kb/", "/community/", "/status/"
SERVICES, TICKETS, DESK, ADMIN = "/catalogue/", "/tickets/", "/desk/", "/admin/"
CUSTOMER_SECTIONS = [HOME, KB, COMMUNITY, SERVICES, TICKETS, STATUS]
AGENT_SECTIONS = [HOME, KB, COMMUNITY, DESK, ADMIN, STATUS]
VISITOR_SECTIONS = [HOME, KB, COMMUNITY, STATUS]


def region(html: str, start: str, end: str) -> str:
    """The markup between the first ``start`` and the next ``end`` after it."""
    begin = html.index(start)
    return html[begin : html.index(end, begin)]


def header_nav(html: str) -> str:
    return region(html, '<nav class="primary-nav"', "</nav>")


def footer(html: str) -> str:
    return region(html, '<footer class="site-footer">', "</footer>")


def hrefs(fragment: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)"', fragment)


def desk_nav_links(html: str) -> dict[str, str]:
    """{data-desk-nav key: href} of the desk navigation (empty when there is none)."""
    if 'class="desk-sections"' not in html:
        return {}
    nav = region(html, '<nav class="desk-sections"', "</nav>")
    return dict(
        (key, href) for href, key in re.findall(r'<a href="([^"]+)" data-desk-nav="([^"]+)"', nav)
    )


def current_desk_item(html: str) -> list[str]:
    nav = region(html, '<nav class="desk-sections"', "</nav>")
    return re.findall(r'data-desk-nav="([^"]+)" aria-current="(?:page|true)"', nav)


@pytest.mark.parametrize(
    ("persona", "sections"),
    [
        (None, VISITOR_SECTIONS),
        ("alice", CUSTOMER_SECTIONS),
        ("amy", CUSTOMER_SECTIONS),
        ("bob", CUSTOMER_SECTIONS),
        ("carol", CUSTOMER_SECTIONS),
        ("mo", CUSTOMER_SECTIONS),
        ("ada", AGENT_SECTIONS),
        ("root", AGENT_SECTIONS),
    ],
)
def test_every_section_is_in_the_header_and_the_footer(client_for, request, persona, sections):
    user = request.getfixturevalue(persona) if persona else None
    html = client_for(user).get("/").content.decode()

    assert hrefs(header_nav(html)) == sections + ([] if user else ["/accounts/signup/"])
    footer_links = hrefs(footer(html))
    for section in sections:
        if section != ADMIN:
            assert section in footer_links, (persona, section)
    # Customers' own sections are not offered where they lead nowhere.
    if user is None or persona in ("ada", "root"):
        assert SERVICES not in hrefs(header_nav(html)) and TICKETS not in hrefs(header_nav(html))
    if persona not in ("ada", "root"):
        assert DESK not in hrefs(header_nav(html)) and DESK not in footer_links


def test_the_current_section_is_marked(client_for, alice):
    html = client_for(alice).get(reverse("tickets:list")).content.decode()
    assert re.findall(r'data-nav="(\w+)" aria-current="page"', header_nav(html)) == ["tickets"]
    html = client_for(alice).get(reverse("outages:status")).content.decode()
    assert re.findall(r'data-nav="(\w+)" aria-current="page"', header_nav(html)) == ["status"]


def test_the_menu_button_is_progressive_enhancement(client):
    """The phone menu button ships hidden and controls the navigation, which is in the page:
    without JavaScript every link is shown (stacked by the stylesheet)."""
    html = client.get("/").content.decode()
    button = re.search(r"<button[^>]*class=\"nav-toggle\"[^>]*>", html).group(0)
    assert 'aria-expanded="false"' in button
    assert 'aria-controls="primary-nav"' in button
    assert " hidden" in button
    assert '<nav class="primary-nav" id="primary-nav"' in html
    assert "overflow-x" not in header_nav(html)


def test_the_language_switch_is_a_compact_form_in_header_account_menu_and_footer(client_for, alice):
    html = client_for(alice).get("/").content.decode()
    for form_class in ("lang-header", "lang-menu", "lang-footer"):
        form = region(html, f'class="lang-form {form_class}"', "</form>")
        assert 'name="language" value="en"' in form and 'name="language" value="it"' in form
        assert re.search(r'value="en"[^>]*aria-current="true"', form)
    # The account menu's copy is inside the account menu.
    menu = region(html, '<div class="user-menu-panel">', "</details>")
    assert "lang-menu" in menu


def test_switching_language_with_the_buttons(client):
    html = client.get("/").content.decode()
    form = region(html, 'class="lang-form lang-header"', "</form>")
    action = re.search(r'action="([^"]+)"', html[html.index('class="lang-form lang-header"') :])
    assert action.group(1) == reverse("set_language")
    assert 'name="next" value="/"' in form
    response = client.post(reverse("set_language"), {"language": "it", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/it/"  # the same page in Italian
    html = client.get(response["Location"]).content.decode()
    form = region(html, 'class="lang-form lang-header"', "</form>")
    assert re.search(r'value="it"[^>]*aria-current="true"', form)


def test_a_long_account_name_is_in_the_header_once_and_whole_in_the_menu(client_for, db):
    from tests.conftest import make_customer, make_user

    user = make_user("margherita.rossi-bianchi.longname@example.com")
    make_customer(user, ref="C-LONG")
    html = client_for(user).get("/").content.decode()
    assert (
        '<span class="user-menu-name">margherita.rossi-bianchi.longname</span>' in html
    )  # cut with an ellipsis by the stylesheet, never wrapped over the navigation
    assert hrefs(header_nav(html)) == CUSTOMER_SECTIONS


def test_status_shows_a_dot_while_an_incident_affects_the_customer(client_for, alice, bob):
    from outages import services

    cache.clear()
    fibre = Product.objects.create(name="Fibre Broadband", slug="fibre-broadband")
    Subscription.objects.create(customer=alice.customer, product=fibre, since=timezone.now())
    html = client_for(alice).get("/").content.decode()
    assert "status-dot" not in header_nav(html)

    incident = services.incident_declare(
        title="Fibre outage", products=[fibre], impact="partial", message="Looking into it."
    )
    services.incident_publish(incident=incident)
    html = client_for(alice).get("/").content.decode()
    assert 'class="status-dot"' in header_nav(html)
    assert "Fibre outage" in html  # the banner still shows (the context is resolved once)
    html = client_for(bob).get("/").content.decode()
    assert "status-dot" not in header_nav(html)
    cache.clear()


# --- the desk's navigation -------------------------------------------------------------------
DESK_PAGES = [
    ("desk:index", "queue", "page"),
    ("outages_desk:list", "incidents", "page"),
    ("outages_desk:new", "incidents", "true"),
    ("insights_desk:at_risk", "at_risk", "page"),
]


@pytest.mark.parametrize(("url_name", "current", "aria"), DESK_PAGES)
def test_every_desk_page_has_the_desk_navigation(client_for, ada, url_name, current, aria):
    response = client_for(ada).get(reverse(url_name))
    assert response.status_code == 200
    html = response.content.decode()
    links = desk_nav_links(html)
    assert list(links) == ["queue", "incidents", "at_risk", "saved_views"]
    assert links == {
        "queue": "/desk/",
        "incidents": "/desk/incidents/",
        "at_risk": "/desk/insights/at-risk/",
        "saved_views": "/desk/#saved-views",
    }
    assert current_desk_item(html) == [current]
    assert f'data-desk-nav="{current}" aria-current="{aria}"' in html


def test_the_desk_ticket_and_timeline_pages_have_it_too(client_for, ada, alice):
    from tickets.services.workflow import ticket_open

    ticket = ticket_open(customer=alice.customer, subject="Router", body="Help", opened_by=alice)
    html = client_for(ada).get(reverse("desk:ticket", args=[ticket.pk])).content.decode()
    assert current_desk_item(html) == ["queue"]
    assert 'aria-current="true"' in region(html, '<nav class="desk-sections"', "</nav>")
    html = (
        client_for(ada)
        .get(reverse("insights_desk:timeline", args=[alice.customer.customer_ref]))
        .content.decode()
    )
    assert "incidents" in desk_nav_links(html)


def test_saved_views_anchor_exists_on_the_queue(client_for, ada):
    html = client_for(ada).get(reverse("desk:index")).content.decode()
    assert 'id="saved-views"' in html


def test_admins_also_get_canned_replies(client_for, root):
    links = desk_nav_links(client_for(root).get(reverse("desk:index")).content.decode())
    assert links["canned_replies"] == reverse("support_canned_replies:index")
    assert list(links)[-1] == "canned_replies"


@pytest.mark.parametrize("persona", [None, "alice", "carol", "mo"])
def test_no_desk_navigation_for_customers(client_for, request, persona):
    user = request.getfixturevalue(persona) if persona else None
    for path in ("/", "/kb/", "/community/", "/status/") + (("/tickets/",) if user else ()):
        assert desk_nav_links(client_for(user).get(path).content.decode()) == {}, path
    # and the desk pages themselves stay closed
    assert client_for(user).get(reverse("desk:index")).status_code in (302, 403, 404)


def test_the_registry_orders_filters_and_marks_the_current_section(ada, alice):
    key = "test_nav_item"
    try:
        desk_nav.register(
            key, "Only for alice", "desk:index", order=15, permission=lambda u: u == alice
        )
        desk_nav.register("test_missing", "Gone", "no_such:url", order=16)
        keys = [link.key for link in desk_nav.links_for(ada, "/desk/incidents/4/")]
        assert key not in keys and "test_missing" not in keys
        links = desk_nav.links_for(alice, "/desk/incidents/4/")
        assert [link.key for link in links][:3] == ["queue", key, "incidents"]
        current = {link.key: link.current for link in links if link.current}
        assert current == {"incidents": "true"}  # the longest matching address wins
        current = {link.key: link.current for link in desk_nav.links_for(ada, "/desk/")}
        assert current["queue"] == "page" and current["saved_views"] == ""
    finally:
        desk_nav.unregister(key)
        desk_nav.unregister("test_missing")
    assert key not in [item.key for item in desk_nav.registered()]
