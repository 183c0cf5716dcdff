"""Sign-up, email verification and login through allauth, and what they leave behind."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache

from portal.models import Customer, Interaction, InteractionKind, User

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-and-unusual-passphrase-42"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # allauth rate-limit counters
    yield
    cache.clear()


def signup(client, email: str, password: str = PASSWORD):
    return client.post(
        "/accounts/signup/",
        {"full_name": "New Customer", "email": email, "password1": password, "password2": password},
    )


def confirmation_path(message) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)", message.body)
    assert match, f"no confirmation link in:\n{message.body}"
    return match.group(1)


def test_signup_creates_a_user_and_a_customer_and_sends_a_verification_email(client):
    response = signup(client, "Dora@Example.com")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"

    user = User.objects.get(email__iexact="dora@example.com")
    assert user.check_password(PASSWORD)
    assert not user.is_staff
    customer = Customer.objects.get(user=user)
    assert customer.email.lower() == "dora@example.com"
    assert customer.customer_ref.startswith("web-")

    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["dora@example.com"] or message.to == ["Dora@Example.com"]
    assert message.subject.startswith("[Support] ")
    assert confirmation_path(message)
    assert "_auth_user_id" not in client.session, "no session before verification"


def test_signup_records_a_signup_interaction(client):
    signup(client, "erin@example.com")
    user = User.objects.get(email="erin@example.com")
    kinds = list(Interaction.objects.filter(user=user).values_list("kind", flat=True))
    assert kinds == [InteractionKind.SIGNUP]
    interaction = Interaction.objects.get(user=user)
    assert interaction.customer == user.customer
    assert interaction.channel == "web"


def test_signup_links_a_known_customer_without_login(client):
    known = Customer.objects.create(
        customer_ref="SHOP-0042", email="frank@example.com", name="Frank from the shop"
    )
    other = Customer.objects.create(customer_ref="SHOP-0043", email="someone@example.com")
    signup(client, "frank@example.com")
    user = User.objects.get(email="frank@example.com")
    known.refresh_from_db()
    assert known.user == user, "the shop's record becomes the new user's customer record"
    assert user.customer.customer_ref == "SHOP-0042"
    assert Customer.objects.filter(email__iexact="frank@example.com").count() == 1
    other.refresh_from_db()
    assert other.user is None


def test_signup_does_not_take_over_a_customer_that_already_has_a_login(client, alice):
    Customer.objects.filter(user=alice).update(email="grace@example.com")
    signup(client, "grace@example.com")
    user = User.objects.get(email="grace@example.com")
    assert user.customer.customer_ref != "C-ALICE"
    assert Customer.objects.get(customer_ref="C-ALICE").user == alice


def test_signup_rejects_a_weak_password_and_writes_nothing(client):
    response = signup(client, "hal@example.com", password="password")
    assert response.status_code == 200
    assert not User.objects.filter(email="hal@example.com").exists()
    assert not Customer.objects.filter(email="hal@example.com").exists()
    assert mail.outbox == []


def test_login_is_refused_until_the_email_is_verified(client):
    signup(client, "ivy@example.com")
    client.logout()

    response = client.post("/accounts/login/", {"login": "ivy@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session
    # allauth re-sends the verification on a login attempt, at most once per 3 minutes
    # (ACCOUNT_RATE_LIMITS["confirm_email"]): the signup email is still the only one.
    assert len(mail.outbox) == 1
    assert client.get("/me/").status_code == 302

    # Confirming is a POST (a GET only shows the confirmation page).
    path = confirmation_path(mail.outbox[0])
    page = client.get(path)
    assert page.status_code == 200
    assert not EmailAddress.objects.get(email="ivy@example.com").verified
    client.post(path)
    assert EmailAddress.objects.get(email="ivy@example.com").verified

    client.logout()
    response = client.post("/accounts/login/", {"login": "ivy@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    user = User.objects.get(email="ivy@example.com")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get("/me/").status_code == 200


def test_login_records_a_login_interaction(client, alice):
    from tests.conftest import PASSWORD as ALICE_PASSWORD

    before = Interaction.objects.filter(kind=InteractionKind.LOGIN).count()
    response = client.post(
        "/accounts/login/", {"login": "alice@example.com", "password": ALICE_PASSWORD}
    )
    assert response.status_code == 302
    logins = Interaction.objects.filter(kind=InteractionKind.LOGIN)
    assert logins.count() == before + 1
    login = logins.latest("occurred_at")
    assert login.user == alice
    assert login.customer == alice.customer


def test_a_wrong_password_records_nothing(client, alice):
    client.post("/accounts/login/", {"login": "alice@example.com", "password": "nope"})
    assert not Interaction.objects.filter(kind=InteractionKind.LOGIN).exists()
    assert "_auth_user_id" not in client.session


def test_staff_logins_are_not_customer_interactions(client, ada):
    from tests.conftest import PASSWORD as ADA_PASSWORD

    response = client.post("/accounts/login/", {"login": ada.email, "password": ADA_PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(ada.pk)
    assert not Interaction.objects.filter(kind=InteractionKind.LOGIN).exists()
