"""Keyboard only: a customer opens a ticket and reports a lost card with Tab, typing, Space
and Enter, never the mouse, and sees where the focus is at every stop.

The page guard of the journeys applies (console, requests, overflow, axe-core); screenshots go
to artifacts/screenshots/keyboard/1280/.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e]

# The focused element and whether its focus shows: an outline or a focus ring (box-shadow)
# that differs from the same element without focus is enough.
FOCUS_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return {name: 'body', visible: false};
  const shows = (s) => (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0)
    || (s.boxShadow && s.boxShadow !== 'none');
  // A file input draws its focus on its button (::file-selector-button).
  const visible = shows(getComputedStyle(el))
    || (el.type === 'file' && shows(getComputedStyle(el, '::file-selector-button')));
  let name = el.tagName.toLowerCase();
  if (el.name) name += '[name=' + el.name + ']';
  if (el.type && el.tagName === 'INPUT') name += '[type=' + el.type + ']';
  const text = (el.innerText || el.value || '').trim().slice(0, 30);
  return {name: text ? name + ' "' + text + '"' : name, visible};
}"""


def tab_to(page, selector: str, *, limit: int = 60, visited: list[str] | None = None) -> None:
    """Press Tab until ``selector`` has the focus, checking the focus is visible at every
    stop on the way."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS_JS)
        if visited is not None:
            visited.append(focus["name"])
        assert focus["visible"], f"focus not visible on {focus['name']}"
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} not reached with {limit} Tabs: {visited}")


def test_ticket_and_lost_card_by_keyboard_only(journey):
    from catalogue.models import PaymentCard, ServiceRequest
    from portal.models import Customer
    from tickets.models import Ticket

    carol = Customer.objects.get(customer_ref="C-CAROL")
    card, _ = PaymentCard.objects.get_or_create(
        customer=carol, last_four="7007", defaults={"brand": "Visa"}
    )
    walk = journey("keyboard", 1280)
    page = walk.page
    walk.sign_in("carol@example.com")

    # The ticket form: Tab into the subject, type, on to the description, type, Enter on Send.
    walk.goto("/tickets/new/")
    stops: list[str] = []
    tab_to(page, "input[name=subject]", visited=stops)
    page.keyboard.type("Cannot sign in on the TV box")
    tab_to(page, "textarea[name=description]", visited=stops)
    page.keyboard.type("It says the password is wrong, on the website it works.")
    walk.step("ticket-typed")
    tab_to(page, "button[type=submit].btn-primary", visited=stops)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/tickets/\d+/$"))
    expect(page.locator("h1")).to_have_text("Cannot sign in on the TV box")
    walk.step("ticket-sent")
    ticket = Ticket.objects.get(subject="Cannot sign in on the TV box")
    assert ticket.customer_id == carol.pk

    # The catalogue: reach the lost-card item from the list by keyboard, fill it, Enter.
    walk.goto("/catalogue/")
    tab_to(page, "a[href$='/catalogue/lost-card/']", visited=stops)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/catalogue/lost-card/$"))
    tab_to(page, "input[name=last_four]", visited=stops)
    page.keyboard.type("7007")
    tab_to(page, "input[name=what]", visited=stops)
    page.keyboard.press("Space")  # the first choice: Lost
    tab_to(page, "input[name=unknown_payments]", visited=stops)
    page.keyboard.press("ArrowDown")  # from Yes to No (arrows move and check within a group)
    expect(page.locator("input[name=what][value=lost]")).to_be_checked()
    expect(page.locator("input[name=unknown_payments][value=no]")).to_be_checked()
    walk.step("lost-card-typed")
    tab_to(page, "form.form-stack button[type=submit]", visited=stops)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/requests/\d+/$"))
    walk.step("lost-card-sent")
    request = ServiceRequest.objects.filter(submitted_by=carol.user).latest("pk")
    assert request.data["last_four"] == "7007" and request.data["what"] == "lost"
    assert request.data["unknown_payments"] in ("no", False)
    card.refresh_from_db()
    assert card.status == PaymentCard.Status.BLOCKED
    walk.finish()
