"""Issue 18, items 6 and 8 in a real browser: the in-page confirmation dialog (keyboard: focus
on Cancel, Tab to the confirming button, Escape cancels; never the browser's native dialog),
the styled file picker listing the chosen files, image attachments as thumbnails, and the
dates on the ticket and request pages in English and Italian at 1280 and 390 wide.

Screenshots: test-results/screenshots/dates-forms-*.png.
"""

from __future__ import annotations

import io
import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from catalogue.models import CatalogueCategory, CatalogueItem
from catalogue.services import request_submit
from portal.models import Team
from tests.conftest import PASSWORD, make_customer, make_user
from tickets.models import Queue, Status, Ticket
from tickets.services import ticket_open, ticket_reply

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

US_DATE = re.compile(r"\d{1,2}/\d{1,2}/\d{4}")


def picture() -> bytes:
    """A 320x200 PNG with some shapes (a thumbnail worth looking at)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 200), "#dbeafe")
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 300, 60), fill="#1d4ed8")
    draw.ellipse((40, 80, 140, 180), fill="#f59e0b")
    draw.rectangle((170, 90, 300, 180), outline="#0f172a", width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has([name='password'])").locator("button[type=submit]").first.click()
    page.wait_for_url(re.compile(r".*/$"))


def watch(page) -> list[str]:
    """Console errors, failed requests and native dialogs on ``page`` (each is a defect)."""
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))

    def native(dialog):
        problems.append(f"native dialog: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", native)
    return problems


@pytest.fixture
def world(settings, tmp_path):
    from django.core.cache import cache

    cache.clear()
    settings.MEDIA_ROOT = str(tmp_path / "media")
    alice = make_user("alice.h5@example.com", full_name="Alice Archer")
    make_customer(alice, ref="C-H5")
    ada = make_user("ada.h5@example.com", full_name="Ada Agent", is_staff=True)
    from django.contrib.auth.models import Group

    from portal import roles

    ada.groups.add(Group.objects.get_or_create(name=roles.AGENTS)[0])
    team = Team.objects.create(name="Support", slug="support", lead=ada)
    queue = Queue.objects.create(name="General", slug="general", team=team, is_default=True)
    ticket = ticket_open(
        customer=alice.customer,
        opened_by=alice,
        subject="Router shows a red light",
        body="Photo of the router attached.",
        attachments=[SimpleUploadedFile("router-light.png", picture(), "image/png")],
    )
    ticket_reply(ticket=ticket, author=ada, body="Thanks, looking at the photo now.")
    category = CatalogueCategory.objects.create(name="Account", slug="account")
    item = CatalogueItem.objects.create(
        name="New line",
        slug="new-line",
        short_description="A new line",
        category=category,
        fulfilment="manual",
        queue=queue,
    )
    request, _created = request_submit(
        item=item, submitted_by=alice, data={}, idempotency_key=uuid.uuid4().hex
    )
    return {"alice": alice, "ticket": ticket, "request": request}


def test_confirm_dialog_by_keyboard(live_server, new_page, screenshot, world):
    base = live_server.url
    page = new_page()
    problems = watch(page)
    sign_in(page, base, "alice.h5@example.com")
    ticket = world["ticket"]
    page.goto(f"{base}/tickets/{ticket.pk}/")
    close = page.locator(f"form[action$='/tickets/{ticket.pk}/close/'] button[type=submit]")
    dialog = page.locator("dialog#confirm-dialog")

    # Escape cancels: the dialog closes, nothing is submitted, focus is back on the button.
    close.focus()
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Close this ticket?")
    expect(dialog.locator("[data-confirm-cancel]")).to_be_focused()
    screenshot(page, "dates-forms-confirm-dialog-1280")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(close).to_be_focused()
    assert f"/tickets/{ticket.pk}/" in page.url
    ticket.refresh_from_db()
    assert ticket.status != Status.CLOSED

    # Cancel by its button does nothing either.
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    page.keyboard.press("Enter")  # Cancel has the focus
    expect(dialog).to_be_hidden()
    ticket.refresh_from_db()
    assert ticket.status != Status.CLOSED

    # Tab reaches the confirming button; Enter submits the form.
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    page.keyboard.press("Tab")
    expect(dialog.locator("[data-confirm-ok]")).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".ticket-header .status")).to_have_text("Closed", timeout=15_000)
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert problems == []


def test_file_picker_lists_the_chosen_files(live_server, new_page, world):
    base = live_server.url
    page = new_page()
    problems = watch(page)
    sign_in(page, base, "alice.h5@example.com")
    page.goto(f"{base}/tickets/{world['ticket'].pk}/")
    picker = page.locator("input[type=file][name=attachments]")
    picker.set_input_files(
        [
            {"name": "router-back.png", "mimeType": "image/png", "buffer": picture()},
            {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"red light at 9pm"},
        ]
    )
    listed = page.locator(".file-list li")
    expect(listed).to_have_count(2)
    expect(listed.nth(0)).to_contain_text("router-back.png")
    expect(listed.nth(1)).to_contain_text("notes.txt")
    button = page.evaluate(
        "getComputedStyle(document.querySelector('input[type=file]'), '::file-selector-button')"
        ".borderTopLeftRadius"
    )
    assert button == "8px", "the picker's button has the portal's button shape"
    assert problems == []


@pytest.mark.parametrize("lang", ["en", "it"])
def test_ticket_and_request_pages_with_thumbnail(live_server, new_page, screenshot, world, lang):
    base = live_server.url
    page = new_page(locale="en-GB" if lang == "en" else "it-IT")
    problems = watch(page)
    sign_in(page, base, "alice.h5@example.com")
    prefix = "" if lang == "en" else f"/{lang}"  # the URL decides the language (docs/i18n.md)
    ticket = Ticket.objects.get(pk=world["ticket"].pk)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{base}{prefix}/tickets/{ticket.pk}/")
        thumb = page.locator("img.attachment-thumb")
        expect(thumb).to_have_attribute("alt", "router-light.png")
        expect(thumb).to_have_attribute("loading", "lazy")
        thumb.scroll_into_view_if_needed()
        for _attempt in range(50):  # wait_for_function would eval in the page: the CSP says no
            if thumb.evaluate("img => img.complete && img.naturalWidth > 0"):
                break
            page.wait_for_timeout(100)
        assert thumb.evaluate("img => img.naturalWidth") == 320, "the thumbnail loaded"
        body = page.locator("main").inner_text()
        assert not US_DATE.search(body), US_DATE.search(body).group(0)
        assert "a.m." not in body and "p.m." not in body
        assert "0 minutes" not in body and "0 minuti" not in body
        title = page.locator("main time[title]").first.get_attribute("title")
        month = r"[A-Z][a-z]{2}" if lang == "en" else r"[a-z]{3}"
        assert re.fullmatch(rf"\d{{1,2}} {month} \d{{4}}, \d{{2}}:\d{{2}}", title), title
        overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
        assert overflow <= 0, f"{overflow}px of horizontal overflow at {width}"
        screenshot(page, f"dates-forms-ticket-{lang}-{width}")
        page.goto(f"{base}{prefix}/requests/{world['request'].pk}/")
        body = page.locator("main").inner_text()
        assert not US_DATE.search(body)
        assert "a.m." not in body and "p.m." not in body
        screenshot(page, f"dates-forms-request-{lang}-{width}")
    assert problems == []
