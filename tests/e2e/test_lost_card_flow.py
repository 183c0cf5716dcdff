"""In a real browser: a customer reports a lost card from the catalogue, sees the form's
error, corrects it, and lands on the request fulfilled with the card blocked.

Uses the shared browser fixtures of tests/e2e (system Chromium). Screenshots go to
test-results/screenshots/catalogue-*.png."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from catalogue.models import (
    CatalogueCategory,
    CatalogueItem,
    FormField,
    PaymentCard,
    RequestStatus,
    ServiceRequest,
)
from tests.conftest import PASSWORD, make_customer, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_customer_blocks_a_lost_card(live_server, new_page, screenshot, settings, tmp_path):
    from django.core.cache import cache

    cache.clear()
    settings.MEDIA_ROOT = str(tmp_path)
    base = live_server.url
    user = make_user("carla.e2e@example.com", full_name="Carla Card")
    make_customer(user, ref="C-E2E-CARD")
    category = CatalogueCategory.objects.create(name="Billing and cards", slug="billing")
    item = CatalogueItem.objects.create(
        name="Report a lost or stolen card",
        slug="lost-card",
        short_description="Block your card at once.",
        category=category,
        icon="card",
        fulfilment="card_block",
    )
    FormField.objects.create(item=item, key="last_four", label="Last four digits", pattern=r"\d{4}")
    card = PaymentCard.objects.create(customer=user.customer, last_four="4242", brand="Visa")

    page = new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", "carla.e2e@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has([name='password'])").locator("button[type=submit]").first.click()
    page.wait_for_url(re.compile(r".*/$"))

    page.goto(f"{base}/catalogue/")
    page.get_by_role("link", name=re.compile("Report a lost or stolen card")).click()
    page.fill("input[name=last_four]", "42")
    page.locator("form.form-stack button[type=submit]").click()
    expect(page.locator(".errorlist")).to_contain_text("Enter a value in the format asked for.")
    screenshot(page, "catalogue-e2e-01-error")
    page.fill("input[name=last_four]", "4242")
    page.locator("form.form-stack button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/requests/\d+/$"))
    expect(page.locator(".result-card")).to_contain_text("is blocked")
    expect(page.locator(".page-header .badge")).to_have_text("Fulfilled")
    screenshot(page, "catalogue-e2e-02-fulfilled")

    request = ServiceRequest.objects.get()
    assert request.status == RequestStatus.FULFILLED
    card.refresh_from_db()
    assert card.status == PaymentCard.Status.BLOCKED
