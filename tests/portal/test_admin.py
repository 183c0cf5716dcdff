"""The admins' side in the Wagtail admin: the Customers menu, read-only logs, API tokens."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from portal.models import (
    ApiToken,
    Channel,
    Customer,
    Interaction,
    InteractionKind,
    Organisation,
    Product,
    Purchase,
    Subscription,
)
from portal.services.interactions import interaction_record
from portal.services.tokens import api_token_authenticate, api_token_create

INDEXES = [
    "customers",
    "organisations",
    "teams",
    "products",
    "subscriptions",
    "purchases",
    "interactions",
    "api_tokens",
]


@pytest.fixture
def data(alice, amy, bob):
    """A little of everything, so the listings render rows."""
    product = Product.objects.create(name="Fibre 1G", slug="fibre-1g")
    customer = Customer.objects.get(customer_ref="C-ALICE")
    Subscription.objects.create(customer=customer, product=product, since=timezone.now())
    Purchase.objects.create(
        customer=customer,
        ordered_at=timezone.now(),
        amount=Decimal("19.90"),
        product=product,
        source="shop",
        order_ref="O-1",
    )
    interaction_record(kind=InteractionKind.CALL, channel=Channel.PHONE, customer=customer)
    return customer


@pytest.fixture
def admin_client(client, root):
    client.force_login(root)
    return client


@pytest.fixture
def agent_in_admin(ada):
    """An agent who was given access to the Wagtail admin (e.g. to edit KB pages)."""
    ada.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    return ada


def create_token(client, **data):
    return client.post(reverse("api_tokens:add"), {"name": "Shop", "expires_at": "", **data})


# --- menu and listings --------------------------------------------------------------------


def test_root_sees_the_customers_menu(admin_client):
    html = admin_client.get("/admin/").content.decode()
    assert "Customers" in html
    for name in INDEXES:
        assert reverse(f"{name}:index") in html


@pytest.mark.parametrize("name", INDEXES)
def test_root_opens_every_listing(admin_client, data, name):
    response = admin_client.get(reverse(f"{name}:index"))
    assert response.status_code == 200


def test_customer_listing_search_and_filter(admin_client, data, acme):
    url = reverse("customers:index")
    by_name = admin_client.get(url, {"q": "alice"}).content.decode()
    assert "C-ALICE" in by_name
    assert "C-BOB" not in by_name
    by_ref = admin_client.get(url, {"q": "C-BOB"}).content.decode()
    assert "C-BOB" in by_ref
    assert "C-ALICE" not in by_ref
    by_email = admin_client.get(url, {"q": "amy@example"}).content.decode()
    assert "C-AMY" in by_email
    assert "C-ALICE" not in by_email
    in_acme = admin_client.get(url, {"organisation": acme.pk}).content.decode()
    assert "C-ALICE" in in_acme
    assert "C-AMY" in in_acme
    assert "C-BOB" not in in_acme


def test_root_edits_a_customer(admin_client, data, globex):
    response = admin_client.post(
        reverse("customers:edit", args=[data.pk]),
        {
            "customer_ref": "C-ALICE",
            "name": "Alice A. Archer",
            "email": "alice@example.com",
            "organisation": globex.pk,
            "is_org_admin": "",
            "language": "it",
            "consent_surveys": "on",
        },
    )
    assert response.status_code == 302
    data.refresh_from_db()
    assert data.name == "Alice A. Archer"
    assert data.organisation == globex
    assert data.language == "it"
    assert data.user.email == "alice@example.com"  # the login link is not on the form


def test_customer_form_enforces_org_admin_needs_organisation(admin_client, carol):
    customer = Customer.objects.get(customer_ref="C-CAROL")
    response = admin_client.post(
        reverse("customers:edit", args=[customer.pk]),
        {"customer_ref": "C-CAROL", "name": "Carol", "language": "en", "is_org_admin": "on"},
    )
    assert response.status_code == 200  # the form again, with the error
    customer.refresh_from_db()
    assert customer.is_org_admin is False


def test_root_creates_an_organisation(admin_client):
    response = admin_client.post(
        reverse("organisations:add"), {"name": "Initech", "slug": "initech"}
    )
    assert response.status_code == 302
    assert Organisation.objects.filter(slug="initech").exists()


# --- the interaction log is read-only ---------------------------------------------------------


@pytest.mark.parametrize("view", ["add", "edit", "delete", "copy"])
def test_interaction_viewset_has_no_write_urls(view):
    with pytest.raises(NoReverseMatch):
        reverse(f"interactions:{view}", args=[] if view == "add" else [1])


@pytest.mark.parametrize("path", ["new/", "edit/{pk}/", "delete/{pk}/"])
def test_interaction_write_paths_do_not_exist(admin_client, data, path):
    pk = Interaction.objects.get(kind=InteractionKind.CALL).pk
    response = admin_client.get("/admin/interactions/" + path.format(pk=pk))
    assert response.status_code == 404


def test_interaction_inspect_and_filters(admin_client, data):
    call = Interaction.objects.get(kind=InteractionKind.CALL)
    assert admin_client.get(reverse("interactions:inspect", args=[call.pk])).status_code == 200
    url = reverse("interactions:index")
    calls = admin_client.get(url, {"kind": "call"}).context["object_list"]
    assert [i.pk for i in calls] == [call.pk]
    assert not admin_client.get(url, {"channel": "chat"}).context["object_list"]
    today = timezone.localdate()
    in_range = admin_client.get(
        url,
        {"occurred_at_from": today.isoformat(), "occurred_at_to": today.isoformat()},
    ).context["object_list"]
    assert call.pk in [i.pk for i in in_range]
    long_ago = admin_client.get(
        url, {"occurred_at_from": "2000-01-01", "occurred_at_to": "2000-01-31"}
    ).context["object_list"]
    assert not long_ago


def test_interaction_listing_offers_no_add_button(admin_client, data):
    html = admin_client.get(reverse("interactions:index")).content.decode()
    assert "/admin/interactions/new/" not in html


@pytest.mark.parametrize("name", ["purchases", "subscriptions"])
def test_purchases_and_subscriptions_are_read_only(name):
    with pytest.raises(NoReverseMatch):
        reverse(f"{name}:add")
    with pytest.raises(NoReverseMatch):
        reverse(f"{name}:edit", args=[1])


# --- integration API tokens ---------------------------------------------------------------


def test_root_creates_an_integration_token_and_sees_it_once(admin_client, root):
    form = admin_client.get(reverse("api_tokens:add"))
    assert form.status_code == 200

    response = create_token(admin_client, name="Shop")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get()
    assert token.kind == ApiToken.Kind.INTEGRATION
    assert token.user == root
    assert token.name == "Shop"
    plaintext = response.context["plaintext"]
    assert plaintext in response.content.decode()
    assert hashlib.sha256(plaintext.encode()).hexdigest() == token.digest
    assert api_token_authenticate(plaintext) == token

    # never again: not in the listing, not on the inspect page
    listing = admin_client.get(reverse("api_tokens:index")).content.decode()
    assert token.prefix in listing
    assert plaintext not in listing
    inspect = admin_client.get(reverse("api_tokens:inspect", args=[token.pk]))
    assert plaintext not in inspect.content.decode()


def test_token_with_expiry(admin_client):
    when = (timezone.localtime() + timedelta(days=30)).strftime("%Y-%m-%d %H:%M")
    response = create_token(admin_client, name="Call centre", expires_at=when)
    assert response.status_code == 200
    assert ApiToken.objects.get().expires_at is not None


def test_token_expiry_in_the_past_is_refused(admin_client):
    when = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    response = create_token(admin_client, expires_at=when)
    assert response.status_code == 200
    assert "future" in response.content.decode()
    assert "plaintext" not in response.context
    assert not ApiToken.objects.exists()


def test_token_needs_a_name(admin_client):
    response = create_token(admin_client, name="")
    assert response.status_code == 200
    assert not ApiToken.objects.exists()


def test_root_revokes_a_token(admin_client, root):
    token, raw = api_token_create(name="Shop", kind=ApiToken.Kind.INTEGRATION, user=root)
    url = reverse("api_tokens:revoke", args=[token.pk])
    listing = admin_client.get(reverse("api_tokens:index")).content.decode()
    assert url in listing
    confirm = admin_client.get(url)
    assert confirm.status_code == 200
    assert "Yes, revoke" in confirm.content.decode()
    response = admin_client.post(url)
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api_token_authenticate(raw) is None
    assert ApiToken.objects.filter(pk=token.pk).exists()  # revoked, not deleted
    listing = admin_client.get(reverse("api_tokens:index")).content.decode()
    assert "Revoked" in listing
    assert url not in listing


def test_root_can_revoke_a_personal_token(admin_client, alice):
    token, raw = api_token_create(name="laptop", kind=ApiToken.Kind.PERSONAL, user=alice)
    admin_client.post(reverse("api_tokens:revoke", args=[token.pk]))
    assert api_token_authenticate(raw) is None


# --- who may not ---------------------------------------------------------------------------


def _token_urls(token: ApiToken) -> list[str]:
    return [
        reverse("api_tokens:index"),
        reverse("api_tokens:add"),
        reverse("api_tokens:inspect", args=[token.pk]),
        reverse("api_tokens:revoke", args=[token.pk]),
    ]


@pytest.mark.parametrize("persona", ["alice", "ada", "mo"])
def test_non_admins_get_no_token_views(client, request, root, persona):
    user = request.getfixturevalue(persona)
    token, raw = api_token_create(name="Shop", kind=ApiToken.Kind.INTEGRATION, user=root)
    client.force_login(user)
    for url in _token_urls(token):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/")
    create_token(client, name="Sneaky")
    client.post(reverse("api_tokens:revoke", args=[token.pk]))
    assert ApiToken.objects.count() == 1
    assert api_token_authenticate(raw) is not None


def test_agent_inside_the_admin_gets_no_token_views(client, agent_in_admin, root, data):
    token, raw = api_token_create(name="Shop", kind=ApiToken.Kind.INTEGRATION, user=root)
    client.force_login(agent_in_admin)
    home = client.get("/admin/")
    assert home.status_code == 200
    assert reverse("api_tokens:index") not in home.content.decode()
    for url in _token_urls(token):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == "/admin/"
    response = create_token(client, name="Sneaky")
    assert response.status_code == 302
    client.post(reverse("api_tokens:revoke", args=[token.pk]))
    assert ApiToken.objects.count() == 1
    assert api_token_authenticate(raw) is not None


def test_agent_inside_the_admin_reads_customers_only(client, agent_in_admin, data):
    client.force_login(agent_in_admin)
    home = client.get("/admin/").content.decode()
    assert reverse("customers:index") in home
    assert reverse("purchases:index") not in home
    assert reverse("interactions:index") not in home
    assert client.get(reverse("customers:index")).status_code == 200
    assert client.get(reverse("organisations:index")).status_code == 200
    assert client.get(reverse("customers:inspect", args=[data.pk])).status_code == 200
    for url in [
        reverse("customers:add"),
        reverse("customers:edit", args=[data.pk]),
        reverse("purchases:index"),
        reverse("interactions:index"),
        reverse("teams:index"),
    ]:
        assert client.get(url)["Location"] == "/admin/", url
    client.post(reverse("customers:edit", args=[data.pk]), {"customer_ref": "HACKED"})
    data.refresh_from_db()
    assert data.customer_ref == "C-ALICE"
