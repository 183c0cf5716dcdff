"""Every allauth page in the portal's look (issue 18, item 7): the portal layout, a title in
sentence case, our form fields, the password rule in one line; sign-up asks for the name and
the header then greets by first name; bad input is a form error, never a 500."""

from __future__ import annotations

import re
from html import unescape

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.core.cache import cache

from portal.account_forms import password_rule
from portal.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-and-unusual-passphrase-42"
LAYOUT_MARKERS = ('class="site-header"', "/static/portal/css/portal.css", 'class="site-footer"')


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # allauth rate limits and reauthentication state
    yield
    cache.clear()


def page_of(response) -> tuple[str, str, str]:
    """(html, <title> before the site name, the <h1> text) of a page."""
    html = response.content.decode()
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    h1 = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1)
    clean = lambda text: " ".join(unescape(re.sub(r"<[^>]+>", "", text)).split())  # noqa: E731
    return html, clean(title).split(" · ")[0], clean(h1)


def assert_portal_page(response, heading: str) -> str:
    assert response.status_code == 200, response.status_code
    html, title, h1 = page_of(response)
    for marker in LAYOUT_MARKERS:
        assert marker in html, f"{marker} missing: not the portal layout"
    assert title == heading and h1 == heading, (title, h1)
    later_words = heading.split()[1:]
    assert all(not word[:1].isupper() for word in later_words), f"not sentence case: {heading}"
    assert html.count("<h1") == 1
    assert 'class="card ' in html and "auth-content" in html, "the page sits in a card"
    return html


ANONYMOUS_PAGES = [
    ("/accounts/login/", "Sign in"),
    ("/accounts/signup/", "Create your account"),
    ("/accounts/password/reset/", "Reset your password"),
    ("/accounts/password/reset/done/", "Check your email"),
    ("/accounts/password/reset/key/1-not-a-key/", "This link no longer works"),
    ("/accounts/password/reset/key/done/", "Your password is changed"),
    ("/accounts/confirm-email/", "Confirm your email address"),
    ("/accounts/confirm-email/not-a-key/", "Confirm your email address"),
]


@pytest.mark.parametrize(("path", "heading"), ANONYMOUS_PAGES)
def test_public_account_pages_use_the_portal_layout(client, path, heading):
    assert_portal_page(client.get(path), heading)


SIGNED_IN_PAGES = [
    ("/accounts/email/", "Email addresses"),
    ("/accounts/password/change/", "Change your password"),
    ("/accounts/logout/", "Sign out"),
    ("/accounts/2fa/", "Two-factor authentication"),
    ("/accounts/reauthenticate/", "Confirm it is you"),
]


@pytest.mark.parametrize(("path", "heading"), SIGNED_IN_PAGES)
def test_account_settings_pages_use_the_portal_layout(client, alice, path, heading):
    client.force_login(alice)
    html = assert_portal_page(client.get(path), heading)
    if path != "/accounts/reauthenticate/":  # a step of its own, like signing in
        assert 'class="side-nav"' in html, "the account settings navigation"


def test_expired_confirmation_link_says_so(client):
    html = assert_portal_page(
        client.get("/accounts/confirm-email/not-a-key/"), "Confirm your email address"
    )
    assert "has expired or is not valid" in html


def test_signup_page_asks_for_the_name_and_states_the_password_rule_in_one_line(client):
    html = assert_portal_page(client.get("/accounts/signup/"), "Create your account")
    form = re.search(r'<form method="post" action="/accounts/signup/".*?</form>', html, re.S)
    names = re.findall(r'<input[^>]* name="(\w+)"', form.group(0))
    assert [n for n in names if n != "csrfmiddlewaretoken"] == [
        "full_name",
        "email",
        "password1",
        "password2",
    ]
    assert '<label for="id_full_name">Your name</label>' in html
    rule = password_rule()
    assert rule == (
        "At least 8 characters, not only numbers, not a common password, "
        "not like your name or email."
    )
    assert rule in html
    assert "similar to your other personal information" not in unescape(html), "not Django's list"
    assert 'aria-describedby="id_password1_helptext"' in html


def test_password_rule_follows_the_configured_validators(settings):
    settings.AUTH_PASSWORD_VALIDATORS = [
        {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
        {
            "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
            "OPTIONS": {"min_length": 10},
        },
        {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    ]
    assert password_rule() == "At least 10 characters, not only numbers, not a common password."


def test_signup_stores_the_name_and_the_header_greets_by_first_name(client):
    response = client.post(
        "/accounts/signup/",
        {
            "full_name": "  Dora Explorer ",
            "email": "dora@example.com",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="dora@example.com")
    assert user.full_name == "Dora Explorer"
    assert user.customer.name == "Dora Explorer", "the customer record gets the name too"
    client.force_login(user)
    html = client.get("/me/").content.decode()
    assert '<span class="user-menu-name">Dora</span>' in html


BAD_SIGNUPS = [
    ({}, ["Tell us your name.", "This field is required."]),
    ({"full_name": "   "}, ["Tell us your name."]),
    ({"full_name": "x" * 151}, ["at most 150 characters"]),
    ({"full_name": "Nul\x00Byte"}, ["Null characters are not allowed."]),
    ({"email": "not-an-email"}, ["Enter a valid email address."]),
    ({"password1": "12345678", "password2": "12345678"}, ["This password is entirely numeric."]),
    ({"password1": "short", "password2": "short"}, ["too short"]),
    ({"password2": "something-else-entirely-9"}, ["You must type the same password each time."]),
]


@pytest.mark.parametrize(("changes", "messages"), BAD_SIGNUPS)
def test_bad_signup_input_is_shown_as_form_errors(client, changes, messages):
    data = {
        "full_name": "Dora Explorer",
        "email": "dora@example.com",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    data = {**data, **changes} if changes else {}  # {}: nothing filled in
    response = client.post("/accounts/signup/", data)
    html = assert_portal_page(response, "Create your account")
    assert "has-error" in html or "alert-danger" in html
    for message in messages:
        assert message in unescape(html), message
    assert not User.objects.filter(email="dora@example.com").exists()


def test_wrong_password_is_a_clear_error_on_the_login_page(client, alice):
    response = client.post("/accounts/login/", {"login": alice.email, "password": "wrong"})
    html = assert_portal_page(response, "Sign in")
    assert "alert-danger" in html
    assert "not correct" in unescape(html)


def test_password_reset_from_a_real_link_asks_for_a_new_password(client, alice):
    client.post("/accounts/password/reset/", {"email": alice.email})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mail.outbox[-1].body)
    response = client.get(link.group(1), follow=True)
    html = assert_portal_page(response, "Choose a new password")
    assert password_rule() in html
    response = client.post(
        response.redirect_chain[-1][0], {"password1": "short", "password2": "short"}
    )
    html = assert_portal_page(response, "Choose a new password")
    assert "too short" in html


def test_mfa_pages_use_the_portal_layout(client, alice):
    client.force_login(alice)
    response = client.get("/accounts/2fa/totp/activate/", follow=True)
    assert_portal_page(response, "Confirm it is you")
    response = client.post(response.redirect_chain[-1][0], {"password": "wrong"})
    assert "has-error" in assert_portal_page(response, "Confirm it is you")
    response = client.post("/accounts/reauthenticate/?next=/accounts/2fa/", {"password": PASSWORD})
    assert response.status_code == 302
    activate = client.get("/accounts/2fa/totp/activate/")
    html = assert_portal_page(activate, "Set up an authenticator app")
    assert 'class="qr"' in html
    response = client.post("/accounts/2fa/totp/activate/", {"code": "000000"})
    html = assert_portal_page(response, "Set up an authenticator app")
    assert "has-error" in html

    TOTP.activate(alice, generate_totp_secret())
    RecoveryCodes.activate(alice)
    assert_portal_page(client.get("/accounts/2fa/recovery-codes/"), "Recovery codes")
    assert_portal_page(
        client.get("/accounts/2fa/recovery-codes/generate/"), "Make new recovery codes"
    )
    assert_portal_page(
        client.get("/accounts/2fa/totp/deactivate/"), "Turn off the authenticator app"
    )
    html = assert_portal_page(client.get("/accounts/2fa/"), "Two-factor authentication")
    assert "Turn off" in html


def test_mfa_code_page_at_sign_in(client, alice):
    TOTP.activate(alice, generate_totp_secret())
    response = client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/authenticate/"
    assert_portal_page(client.get("/accounts/2fa/authenticate/"), "Enter your sign-in code")
    response = client.post("/accounts/2fa/authenticate/", {"code": "12"})
    html = assert_portal_page(response, "Enter your sign-in code")
    assert "has-error" in html
