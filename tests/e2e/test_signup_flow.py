"""A new customer in a real browser: sign up, verify the email, sign in, switch to Italian.

Runs against pytest-django's live server with the system Chromium (see conftest.py).
Screenshots of every step go to test-results/screenshots/.
"""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from portal.models import Customer, Interaction, InteractionKind, User

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EMAIL = "zoe.browser@example.com"
PASSWORD = "browser-test-passphrase-2026"


def submit(page, field_name: str) -> None:
    """Click the submit button of the form that holds ``field_name`` (the header has other
    forms: language, sign-out)."""
    page.locator(f"form:has([name='{field_name}'])").locator(
        "button[type=submit], input[type=submit]"
    ).first.click()


def test_signup_verify_login_and_switch_language(
    live_server, mailoutbox, new_page, screenshot, settings
):
    from django.core.cache import cache

    cache.clear()  # allauth rate limits from earlier tests in the same process
    base = live_server.url

    # 1. Sign up.
    page = new_page()
    page.goto(f"{base}/accounts/signup/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.fill("input[name=full_name]", "Zoe Browser")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    screenshot(page, "01-signup-form")
    submit(page, "password1")
    page.wait_for_url(f"{base}/accounts/confirm-email/")
    expect(page.locator("main")).to_contain_text(re.compile("verif", re.IGNORECASE))
    screenshot(page, "02-verification-sent")

    user = User.objects.get(email=EMAIL)
    assert Customer.objects.filter(user=user).exists()
    assert not EmailAddress.objects.get(user=user).verified

    # 2. Signing in before verifying does not get in.
    other = new_page()
    other.goto(f"{base}/accounts/login/")
    other.fill("input[name=login]", EMAIL)
    other.fill("input[name=password]", PASSWORD)
    submit(other, "password")
    other.wait_for_url(f"{base}/accounts/confirm-email/")
    other.goto(f"{base}/me/")
    assert other.url.startswith(f"{base}/accounts/login/"), "no access before verification"

    # 3. Open the link from the email and confirm.
    assert len(mailoutbox) == 1, [m.subject for m in mailoutbox]
    match = re.search(r"https?://\S+/accounts/confirm-email/[^/\s]+/", mailoutbox[0].body)
    assert match, mailoutbox[0].body
    link = match.group(0)
    assert link.startswith(base), f"the link points at this server: {link}"
    page.goto(link)
    expect(page.locator("main")).to_contain_text(EMAIL)
    screenshot(page, "03-confirm-email")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert EmailAddress.objects.get(user=user).verified

    # 4. Sign in from a fresh browser.
    page = new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    screenshot(page, "04-login")
    submit(page, "password")
    page.wait_for_url(f"{base}/")
    expect(page.locator("header")).to_contain_text("Zoe")  # the name asked at sign-up
    expect(page.locator("header")).to_contain_text("My account")
    expect(page.get_by_role("link", name="Sign in")).to_have_count(0)
    screenshot(page, "05-home-signed-in")
    assert Interaction.objects.filter(user=user, kind=InteractionKind.LOGIN).exists()

    page.goto(f"{base}/me/")
    expect(page.locator("main")).to_contain_text(EMAIL)

    # 5. Switch to Italian with the header's language form.
    page.goto(f"{base}/")
    expect(page.locator("h1")).to_contain_text("Welcome back, Zoe")
    page.locator("header form.lang-header").get_by_role("button", name="Italiano").click()
    page.wait_for_url(f"{base}/it/")  # the same page in Italian
    expect(page.locator("html")).to_have_attribute("lang", "it")
    expect(page.locator("h1")).to_contain_text("Ti diamo il bentornato, Zoe")
    expect(page.locator("header")).to_contain_text("Il mio account")
    expect(page.locator("main")).to_contain_text("I tuoi servizi")
    expect(page.locator("header form.lang-header button[value=it]")).to_have_attribute(
        "aria-current", "true"
    )
    screenshot(page, "06-home-italian")
    # allauth's own pages follow (its Italian catalogue).
    page.goto(f"{base}/accounts/email/")
    expect(page.locator("main")).to_contain_text("Indirizzi email")
    screenshot(page, "07-email-addresses-italian")
