"""Home, /me/ (profile, API tokens), language switching, error pages and the CSP-safe markup."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.models import ApiToken, Interaction, InteractionKind, Product, Purchase, Subscription
from portal.services.tokens import api_token_authenticate, api_token_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def fibre(db) -> Product:
    return Product.objects.create(name="Fibre 1000", slug="fibre-1000", category="Internet")


@pytest.fixture
def alice_services(alice, fibre):
    customer = alice.customer
    now = timezone.now()
    Subscription.objects.create(customer=customer, product=fibre, since=now - timedelta(days=30))
    tv = Product.objects.create(name="TV Premium", slug="tv-premium")
    Subscription.objects.create(
        customer=customer,
        product=tv,
        status=Subscription.Status.CANCELLED,
        since=now - timedelta(days=400),
        ended_at=now - timedelta(days=100),
    )
    Purchase.objects.create(
        customer=customer,
        ordered_at=now - timedelta(days=2),
        amount=Decimal("39.90"),
        currency="EUR",
        product=fibre,
        order_ref="ORD-1",
    )
    return customer


def profile_data(**overrides) -> dict:
    data = {
        "full_name": "Alice A. Archer",
        "language": "it",
        "email_ticket_updates": "on",
        "email_outage_notices": "on",
        "consent_marketing": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


class _MarkupAudit(HTMLParser):
    """Collects what a strict CSP would block: inline scripts and style attributes/elements."""

    def __init__(self):
        super().__init__()
        self.inline_scripts: list[str] = []
        self.style_attributes: list[str] = []
        self.style_elements = 0
        self.inputs_without_label: list[str] = []
        self._labels: set[str] = set()
        self._inputs: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and "src" not in attributes:
            self.inline_scripts.append(self.get_starttag_text())
        if "style" in attributes:
            self.style_attributes.append(self.get_starttag_text())
        if tag == "style":
            self.style_elements += 1
        if tag == "label" and attributes.get("for"):
            self._labels.add(attributes["for"])
        if tag in ("input", "select", "textarea") and attributes.get("type") not in (
            "hidden",
            "submit",
        ):
            self._inputs.append((attributes.get("id") or "", self.get_starttag_text()))

    def close(self):
        super().close()
        self.inputs_without_label = [
            text for input_id, text in self._inputs if not input_id or input_id not in self._labels
        ]


def audit(html: str) -> _MarkupAudit:
    parser = _MarkupAudit()
    parser.feed(html)
    parser.close()
    return parser


# --- Home -----------------------------------------------------------------------------------


def test_home_for_anonymous_explains_the_portal_and_offers_sign_in(client):
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Support that works around you" in html
    assert f'href="{reverse("account_signup")}"' in html
    assert f'href="{reverse("account_login")}"' in html
    assert "Welcome back" not in html
    assert 'href="/admin/"' not in html


def test_home_for_customer_shows_live_subscriptions_and_account(client_for, alice, alice_services):
    response = client_for(alice).get(reverse("portal:home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Welcome back, Alice" in html
    assert "Fibre 1000" in html
    assert "badge-active" in html
    assert "TV Premium" not in html  # cancelled subscriptions are not "your services"
    assert "Acme" in html
    assert "Organisation admin" in html
    assert 'href="/admin/"' not in html  # customers get no admin link
    assert f'action="{reverse("account_logout")}"' in html


def test_home_shows_only_own_subscriptions(client_for, amy, alice_services):
    html = client_for(amy).get(reverse("portal:home")).content.decode()
    assert "Fibre 1000" not in html  # alice's service, not amy's
    assert "You have no active subscriptions" in html


def test_home_links_agents_to_the_admin(client_for, ada):
    html = client_for(ada).get(reverse("portal:home")).content.decode()
    assert 'href="/admin/"' in html
    assert "Agent tools" in html


# --- /me/ -----------------------------------------------------------------------------------


def test_me_requires_login(client):
    response = client.get(reverse("portal:me"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_me_shows_profile_form_and_summary(client_for, alice, alice_services):
    response = client_for(alice).get(reverse("portal:me"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="full_name"' in html
    assert 'value="Alice Archer"' in html
    assert "<legend>Email notifications</legend>" in html
    assert "Acme" in html
    assert "Organisation admin" in html
    assert "TV Premium" in html  # /me/ lists every subscription, with its status
    assert "Cancelled" in html
    assert "39.90 EUR" in html
    for name in ("account_email", "account_change_password", "mfa_index"):
        assert f'href="{reverse(name)}"' in html


def test_me_post_saves_through_the_service_and_redirects(client_for, alice):
    response = client_for(alice).post(reverse("portal:me"), profile_data())
    assert response.status_code == 302
    assert response["Location"] == "/it/me/"  # /me/ in the language just chosen
    alice.refresh_from_db()
    customer = alice.customer
    customer.refresh_from_db()
    assert alice.full_name == "Alice A. Archer"
    assert customer.language == "it"
    assert customer.consent_marketing is True
    assert customer.consent_surveys is False
    assert alice.wants("email_ticket_updates") is True
    assert alice.wants("email_request_updates") is False
    assert Interaction.objects.filter(
        customer=customer, kind=InteractionKind.PROFILE_UPDATE
    ).exists()
    assert response.cookies["django_language"].value == "it"


def test_me_post_with_unknown_language_is_a_400_and_changes_nothing(client_for, alice):
    response = client_for(alice).post(reverse("portal:me"), profile_data(language="xx"))
    assert response.status_code == 400
    assert "form" in response.context
    assert "language" in response.context["form"].errors
    assert 'aria-invalid="true"' in response.content.decode()
    alice.refresh_from_db()
    alice.customer.refresh_from_db()
    assert alice.full_name == "Alice Archer"
    assert alice.customer.language == "en"
    assert not Interaction.objects.filter(kind=InteractionKind.PROFILE_UPDATE).exists()


# --- API tokens -----------------------------------------------------------------------------


def test_token_create_shows_the_plaintext_once(client_for, alice):
    client = client_for(alice)
    response = client.post(reverse("portal:token_create"), {"name": "Reporting script"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw = response.context["new_token"]
    assert raw.startswith("hdp_")
    html = response.content.decode()
    assert f'value="{raw}"' in html
    assert "Copy it now" in html
    token = ApiToken.objects.get(user=alice)
    assert token.name == "Reporting script"
    assert token.kind == ApiToken.Kind.PERSONAL
    assert api_token_authenticate(raw) == token
    # never again
    assert raw not in client.get(reverse("portal:me")).content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "This field is required."),
        ({"name": "   "}, "This field is required."),
        (
            {"name": "old", "expires_on": (timezone.localdate() - timedelta(days=1)).isoformat()},
            "The expiry date must be in the future.",
        ),
        (
            {"name": "today", "expires_on": timezone.localdate().isoformat()},
            "The expiry date must be in the future.",
        ),
    ],
)
def test_token_create_rejects_bad_input_with_400(client_for, alice, data, message):
    response = client_for(alice).post(reverse("portal:token_create"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "The token was not created" in html
    assert response.context["new_token"] == ""
    assert not ApiToken.objects.exists()


def test_token_create_with_future_expiry(client_for, alice):
    expires = timezone.localdate() + timedelta(days=30)
    response = client_for(alice).post(
        reverse("portal:token_create"), {"name": "CI", "expires_on": expires.isoformat()}
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(user=alice)
    assert timezone.localdate(token.expires_at) == expires


def test_revoke_own_token(client_for, alice):
    token, _raw = api_token_create(name="laptop", kind=ApiToken.Kind.PERSONAL, user=alice)
    response = client_for(alice).post(reverse("portal:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:me")
    token.refresh_from_db()
    assert token.revoked_at is not None
    html = client_for(alice).get(reverse("portal:me")).content.decode()
    assert "Revoked" in html
    assert reverse("portal:token_revoke", args=[token.pk]) not in html


def test_revoking_another_users_token_is_a_404(client_for, alice, bob):
    token, _raw = api_token_create(name="bob's", kind=ApiToken.Kind.PERSONAL, user=bob)
    response = client_for(alice).post(reverse("portal:token_revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoke_needs_post(client_for, alice):
    token, _raw = api_token_create(name="laptop", kind=ApiToken.Kind.PERSONAL, user=alice)
    response = client_for(alice).get(reverse("portal:token_revoke", args=[token.pk]))
    assert response.status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


# --- Language, error pages, markup ----------------------------------------------------------


def test_switching_to_italian_translates_the_page(client):
    english = client.get(reverse("portal:home")).content.decode()
    assert '<html lang="en">' in english
    response = client.post(reverse("set_language"), {"language": "it", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/it/"
    html = client.get(response["Location"]).content.decode()
    assert '<html lang="it">' in html
    assert "Crea un account" in html
    assert "Create an account" not in html


def test_unknown_url_uses_our_404_page(client):
    response = client.get("/no-such-page-here/")
    assert response.status_code == 404
    assert "404.html" in [template.name for template in response.templates]
    html = response.content.decode()
    assert "We can\u2019t find that page" in html
    assert f'href="{reverse("portal:home")}"' in html


def test_500_page_renders_without_a_request_context():
    from django.test import RequestFactory
    from django.views.defaults import server_error

    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html
    assert 'href="/"' in html


@pytest.mark.parametrize("who", ["anonymous", "customer"])
def test_home_markup_is_csp_safe_and_labelled(client_for, alice, alice_services, who):
    html = client_for(alice if who == "customer" else None).get("/").content.decode()
    result = audit(html)
    assert result.inline_scripts == []
    assert result.style_attributes == []
    assert result.style_elements == 0
    assert result.inputs_without_label == []
    assert '<script src="/static/portal/js/portal.js" defer>' in html


def test_me_markup_is_csp_safe_and_labelled(client_for, alice, alice_services):
    client = client_for(alice)
    api_token_create(name="existing", kind=ApiToken.Kind.PERSONAL, user=alice)
    for response in (
        client.get(reverse("portal:me")),
        client.post(reverse("portal:token_create"), {"name": "fresh"}),
        client.post(reverse("portal:me"), profile_data(language="xx")),
    ):
        result = audit(response.content.decode())
        assert result.inline_scripts == []
        assert result.style_attributes == []
        assert result.style_elements == 0
        assert result.inputs_without_label == []


def test_login_page_uses_our_layout(client):
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="skip-link"' in html
    assert "auth-card" in html
    assert audit(html).inline_scripts == []
    assert audit(html).inputs_without_label == []
