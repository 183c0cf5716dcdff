"""Every persona's main journey over the seeded demo, in Chromium at 1280 and 390 px wide.

Each page the journey reaches is checked by the page guard (tests/e2e/journeys/conftest.py):
no console error or security-policy report, no failed request, no unexpected HTTP error, no
sideways scrolling, no serious or critical axe-core violation. Screenshots of every step:
artifacts/screenshots/<persona>/<width>/.
"""

from __future__ import annotations

import io
import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.e2e.journeys.conftest import WIDTHS

pytestmark = [pytest.mark.e2e]

by_width = pytest.mark.parametrize("width", WIDTHS)
PASSPHRASE = "journey-passphrase-2026"


def png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def submit(page, field_name: str) -> None:
    """Click the main submit button of the form that holds ``field_name`` (the header has other
    forms: search, language, sign-out)."""
    with page.expect_navigation():
        page.locator(f"form:has([name='{field_name}'])").locator(
            "button[type=submit]:not([formaction]), input[type=submit]"
        ).last.click()


@by_width
def test_visitor(journey, width):
    walk = journey("visitor", width)
    page = walk.page
    walk.goto("/")
    expect(page.locator("h1").first).to_be_visible()
    walk.step("home")

    walk.goto("/search/?q=card")
    expect(page.get_by_role("link", name="Lost or stolen card").first).to_be_visible()
    walk.step("search")

    page.get_by_role("link", name="Lost or stolen card").first.click()
    page.wait_for_url(re.compile(r".*/kb/.+/lost-or-stolen-card/$"))
    expect(page.locator("h1")).to_have_text("Lost or stolen card")
    walk.step("article")

    walk.goto("/kb/")
    walk.step("help-centre")
    page.locator("main a[href^='/kb/'][href$='/']:not([href='/kb/'])").first.click()
    page.wait_for_url(re.compile(r".*/kb/[^/]+/$"))
    walk.step("help-topic")

    walk.goto("/status/")
    walk.step("status")
    page.locator("main a[href*='/status/incidents/']").first.click()
    page.wait_for_url(re.compile(r".*/status/incidents/\d+/$"))
    walk.step("status-incident")

    walk.goto("/community/")
    walk.step("community")
    page.locator("main a[href*='/community/t/']").first.click()
    page.wait_for_url(re.compile(r".*/community/t/\d+/"))
    walk.step("community-thread")

    walk.goto("/accounts/signup/")
    expect(page.locator("input[name=email]")).to_be_visible()
    walk.step("signup-page")
    walk.goto("/accounts/password/reset/")
    walk.step("password-reset")
    walk.finish()


@by_width
def test_new_customer(journey, width):
    from portal.models import User
    from tickets.models import Ticket

    email = f"nina.{width}@example.com"
    walk = journey("new-customer", width)
    page = walk.page
    walk.goto("/accounts/signup/")
    for name, value in (("full_name", "Nina Newcomer"), ("name", "Nina Newcomer")):
        if page.locator(f"input[name={name}]").count():
            page.fill(f"input[name={name}]", value)
    page.fill("input[name=email]", email)
    page.fill("input[name=password1]", PASSPHRASE)
    if page.locator("input[name=password2]").count():
        page.fill("input[name=password2]", PASSPHRASE)
    walk.step("signup-filled")
    submit(page, "password1")
    page.wait_for_url(re.compile(r".*/accounts/confirm-email/$"))
    walk.step("verification-sent")

    messages = [m for m in mail.outbox if email in m.to]
    assert messages, "no verification email"
    link = re.search(r"https?://\S+/accounts/confirm-email/[^/\s]+/", messages[-1].body)
    assert link, messages[-1].body
    walk.page.goto(link.group(0))
    walk.step("confirm-email")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    assert User.objects.get(email=email).emailaddress_set.get().verified

    walk.goto("/tickets/new/")
    if "/accounts/login/" in page.url:  # not signed in by the confirmation: sign in
        walk.sign_in(email, PASSPHRASE)
        walk.goto("/tickets/new/")
    page.fill("input[name=subject]", f"Invoice PDF does not open ({width})")
    page.select_option("select[name=category]", "problem")
    page.fill("textarea[name=description]", "The invoice download shows an empty page.")
    page.set_input_files(
        "input[name=attachments]",
        files=[{"name": "screen.png", "mimeType": "image/png", "buffer": png_bytes()}],
    )
    walk.step("new-ticket-filled")
    page.locator("form:has([name='description'])").locator(
        "button[type=submit].btn-primary"
    ).click()
    page.wait_for_url(re.compile(r".*/tickets/\d+/$"))
    expect(page.locator("h1")).to_have_text(f"Invoice PDF does not open ({width})")
    expect(page.locator("main")).to_contain_text("screen.png")
    walk.step("ticket-opened")
    ticket = Ticket.objects.get(subject=f"Invoice PDF does not open ({width})")
    assert ticket.customer.email == email
    assert ticket.messages.get().attachments.count() == 1

    walk.goto("/tickets/")
    expect(page.locator("main")).to_contain_text(f"Invoice PDF does not open ({width})")
    walk.step("my-tickets")
    walk.finish()


@by_width
def test_customer_with_organisation(journey, width):
    from catalogue.models import PaymentCard, RequestStatus, ServiceRequest
    from portal.models import Customer

    alice = Customer.objects.get(customer_ref="C-ALICE")
    last_four = f"{width:04d}"[-4:]
    card, _ = PaymentCard.objects.get_or_create(
        customer=alice, last_four=last_four, defaults={"brand": "Visa"}
    )
    walk = journey("organisation-customer", width)
    page = walk.page
    walk.sign_in("alice@example.com")
    walk.step("home-signed-in")

    walk.goto("/tickets/")
    expect(page.locator("main")).to_contain_text("colleagues at Acme")
    expect(page.locator("main")).to_contain_text("opened by")  # a colleague's ticket
    walk.step("organisation-tickets")

    walk.goto("/catalogue/")
    walk.step("catalogue")
    page.get_by_role("link", name=re.compile("Report a lost or stolen card")).first.click()
    page.wait_for_url(re.compile(r".*/catalogue/lost-card/$"))
    page.fill("input[name=last_four]", last_four)
    page.locator("input[name=what][value=lost]").check()
    page.locator("input[name=unknown_payments][value=no]").check()
    walk.step("lost-card-form")
    submit(page, "last_four")
    page.wait_for_url(re.compile(r".*/requests/\d+/$"))
    walk.step("lost-card-request")
    request = ServiceRequest.objects.filter(submitted_by__email="alice@example.com").latest("pk")
    assert request.data["last_four"] == last_four
    assert request.status == RequestStatus.FULFILLED
    card.refresh_from_db()
    assert card.status == PaymentCard.Status.BLOCKED

    walk.goto("/requests/")
    walk.step("my-requests")
    walk.goto("/me/")
    walk.step("me")
    walk.goto("/me/loyalty/")
    walk.step("loyalty")
    walk.goto("/me/notifications/")
    walk.step("notifications")
    walk.finish()


@by_width
def test_agent(journey, width):
    from tickets.models import Message, Ticket

    walk = journey("agent", width)
    page = walk.page
    walk.sign_in("ada@example.com")
    walk.goto("/desk/")
    walk.step("desk-queue")

    page.locator("main a[href*='/desk/tickets/']").first.click()
    page.wait_for_url(re.compile(r".*/desk/tickets/\d+/"))
    walk.step("desk-ticket")
    ticket = Ticket.objects.get(pk=int(re.search(r"/desk/tickets/(\d+)/", page.url).group(1)))
    before = Message.objects.filter(ticket=ticket).count()

    page.fill("textarea[name=body]", f"Thanks, we are looking into it ({width}).")
    with page.expect_navigation():
        page.locator("#composer").get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("main")).to_contain_text(f"we are looking into it ({width})")
    walk.step("desk-replied")

    page.locator("input[name=kind][value=note]").check()
    page.fill("textarea[name=body]", f"Checked the logs: line card fault ({width}).")
    with page.expect_navigation():
        page.locator("#composer").get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("main")).to_contain_text(f"line card fault ({width})")
    walk.step("desk-internal-note")
    assert Message.objects.filter(ticket=ticket).count() == before + 2
    assert Message.objects.filter(ticket=ticket, body__contains="line card fault").get().internal

    walk.goto("/desk/incidents/")
    walk.step("incidents")
    page.locator("main a[href*='/desk/incidents/']:not([href$='/new/'])").first.click()
    page.wait_for_url(re.compile(r".*/desk/incidents/\d+/"))
    walk.step("incident")

    walk.goto("/desk/insights/at-risk/")
    walk.step("at-risk")
    walk.goto("/desk/insights/customers/C-ALICE/")
    expect(page.locator("h1")).to_contain_text("Alice")
    walk.step("customer-timeline")
    walk.finish()


@by_width
def test_moderator(journey, width):
    from django.test import override_settings

    from community.models import Category, Post
    from community.services.posting import thread_ask
    from tests.conftest import make_user

    newcomer = make_user(f"newbie.{width}@example.com", full_name=f"Newbie {width}")
    title = f"Can I keep my number when I move? ({width})"
    with override_settings(COMMUNITY_PREMODERATE_FIRST_POSTS=True):
        thread = thread_ask(
            author=newcomer,
            category=Category.objects.order_by("pk").first(),
            title=title,
            body="Moving to another city next month.",
        )
    question = Post.objects.get(thread=thread, is_question=True)

    walk = journey("moderator", width)
    page = walk.page
    walk.sign_in("mo@example.com")
    walk.goto("/community/moderation/")
    item = page.locator("article.queue-item", has_text=title)
    expect(item).to_be_visible()
    walk.step("moderation-queue")
    with page.expect_navigation():
        item.get_by_role("button", name="Reject").click()
    expect(page.locator("article.queue-item", has_text=title)).to_have_count(0)
    walk.step("post-rejected")
    question.refresh_from_db()
    assert question.status == Post.Status.REJECTED

    walk.goto("/community/moderation/log/")
    walk.step("moderation-log")
    walk.finish()


@by_width
def test_admin(journey, width):
    walk = journey("admin", width)
    page = walk.page
    walk.sign_in("root@example.com")
    walk.goto("/admin/")
    expect(page.locator("main, #main").first).to_be_visible()
    walk.step("wagtail-dashboard")
    walk.goto("/admin/reports/kb/top-articles/")
    walk.step("report-top-articles")
    walk.goto("/admin/insights/")
    walk.step("insights-overview")
    page.locator(".insights a[href*='/admin/insights/customers/?']").first.click()
    page.wait_for_url(re.compile(r".*/admin/insights/customers/\?.*list="))
    walk.step("insights-customers")
    walk.finish()
