"""Referrals: the personal link, attribution at signup, refused self-referrals and loops,
points for the referrer at the referred customer's first purchase (once; the catch-up pass
converts when the signal was missed)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from loyalty.models import PointsEntry, Referral
from loyalty.services.errors import LoyaltyError
from loyalty.services.ledger import account_for
from loyalty.services.referrals import (
    SESSION_KEY,
    referral_attach,
    referral_convert,
    referrals_convert_pass,
)
from portal.models import Customer, InteractionKind, Purchase, User
from portal.services.interactions import interaction_record
from portal.services.purchases import PurchaseRow, purchases_import
from tests.conftest import make_customer, make_user

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-and-unusual-passphrase-42"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # allauth rate-limit counters
    yield
    cache.clear()


def newcomer(email: str) -> Customer:
    return make_customer(make_user(email), ref=f"C-{email.split('@')[0].upper()}")


def code_of(customer: Customer) -> str:
    return account_for(customer).referral_code


def order(customer: Customer, ref: str, amount: str = "30.00"):
    return purchases_import(
        rows=[
            PurchaseRow(
                customer_ref=customer.customer_ref,
                ordered_at=timezone.now(),
                amount=Decimal(amount),
                currency="EUR",
                product_id=None,
                order_ref=ref,
            )
        ],
        source="shop",
    )


def referral_points(customer: Customer) -> int:
    return sum(
        PointsEntry.objects.filter(customer=customer, rule="referral_converted").values_list(
            "points", flat=True
        )
    )


def test_link_keeps_the_code_and_the_signup_is_attributed(client, alice):
    code = code_of(alice.customer)
    response = client.get(f"/r/{code}/")
    assert response.status_code == 302 and response["Location"] == "/accounts/signup/"
    assert client.session[SESSION_KEY] == code
    client.post(
        "/accounts/signup/",
        {
            "full_name": "Dana",
            "email": "dana@dana-mail.test",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    dana = User.objects.get(email="dana@dana-mail.test").customer
    referral = Referral.objects.get(referred=dana)
    assert referral.referrer == alice.customer and referral.status == "pending"
    assert SESSION_KEY not in client.session


def test_unknown_link_is_404(client, alice):
    assert client.get("/r/nope/").status_code == 404
    assert SESSION_KEY not in client.session


def test_first_purchase_converts_and_earns_the_referrer_once(alice):
    dana = newcomer("dana@dana-mail.test")
    referral_attach(referred=dana, code=code_of(alice.customer))
    order(dana, "D-1")  # an import records its interactions in bulk: the pass converts
    assert referrals_convert_pass() == 1
    referral = Referral.objects.get(referred=dana)
    assert referral.status == "converted" and referral.purchase_ref == "D-1"
    assert referral_points(alice.customer) == 300
    order(dana, "D-2")
    assert referrals_convert_pass() == 0
    assert referral_points(alice.customer) == 300
    assert referral_points(dana) == 0


def purchase_recorded(customer: Customer, ref: str):
    purchase = Purchase.objects.create(
        customer=customer, ordered_at=timezone.now(), amount="20.00", order_ref=ref
    )
    interaction_record(
        kind=InteractionKind.PURCHASE, customer=customer, target=purchase, value=purchase.amount
    )


def test_the_signal_converts_promptly(alice, django_capture_on_commit_callbacks):
    dana = newcomer("dana@dana-mail.test")
    referral_attach(referred=dana, code=code_of(alice.customer))
    with django_capture_on_commit_callbacks(execute=True):
        purchase_recorded(dana, "D-1")
    assert Referral.objects.get(referred=dana).status == "converted"
    assert referral_points(alice.customer) == 300
    assert referrals_convert_pass() == 0


def test_the_pass_converts_when_the_signal_was_missed(alice, django_capture_on_commit_callbacks):
    dana = newcomer("dana@dana-mail.test")
    referral_attach(referred=dana, code=code_of(alice.customer))
    with django_capture_on_commit_callbacks(execute=False):  # died right after the commit
        purchase_recorded(dana, "D-1")
    assert Referral.objects.get(referred=dana).status == "pending"
    assert referrals_convert_pass() == 1
    assert Referral.objects.get(referred=dana).status == "converted"
    assert referral_points(alice.customer) == 300
    assert referrals_convert_pass() == 0


def test_a_refund_or_free_order_does_not_convert(alice):
    dana = newcomer("dana@dana-mail.test")
    referral_attach(referred=dana, code=code_of(alice.customer))
    order(dana, "D-0", "0.00")
    referrals_convert_pass()
    assert Referral.objects.get(referred=dana).status == "pending"


def test_self_referral_is_refused(alice):
    referral = referral_attach(referred=alice.customer, code=code_of(alice.customer))
    assert referral.status == "refused" and "self-referral" in referral.refused_reason


def test_same_address_on_another_record_is_refused(alice):
    twin = make_customer(None, ref="C-TWIN")
    Customer.objects.filter(pk=twin.pk).update(email="ALICE@example.com")
    twin.refresh_from_db()
    referral = referral_attach(referred=twin, code=code_of(alice.customer))
    assert referral.status == "refused"


def test_same_private_domain_is_refused_but_a_public_provider_is_not(db):
    owner = newcomer("me@my-shop.test")
    other = newcomer("me2@my-shop.test")
    assert referral_attach(referred=other, code=code_of(owner)).status == "refused"
    friend_a = newcomer("ann@gmail.com")
    friend_b = newcomer("ben@gmail.com")
    assert referral_attach(referred=friend_b, code=code_of(friend_a)).status == "pending"


def test_loops_are_refused(db):
    a = newcomer("a@a-mail.test")
    b = newcomer("b@b-mail.test")
    c = newcomer("c@c-mail.test")
    assert referral_attach(referred=b, code=code_of(a)).status == "pending"
    assert referral_attach(referred=c, code=code_of(b)).status == "pending"
    loop = referral_attach(referred=a, code=code_of(c))  # a -> b -> c -> a
    assert loop.status == "refused" and "loop" in loop.refused_reason


def test_an_existing_customer_is_not_a_referral(alice):
    known = newcomer("kim@kim-mail.test")
    order(known, "K-1")
    referral = referral_attach(referred=known, code=code_of(alice.customer))
    assert referral.status == "refused"
    order(known, "K-2")
    assert referral_points(alice.customer) == 0


def test_attach_is_once_per_customer_and_unknown_codes_refused(alice, bob):
    dana = newcomer("dana@dana-mail.test")
    first = referral_attach(referred=dana, code=code_of(alice.customer))
    assert referral_attach(referred=dana, code=code_of(bob.customer)) == first
    with pytest.raises(LoyaltyError) as refused:
        referral_attach(referred=newcomer("eve@eve-mail.test"), code="missing")
    assert refused.value.status_code == 404


def test_a_purchase_from_before_the_referral_does_not_convert(alice):
    dana = newcomer("dana@dana-mail.test")
    referral = referral_attach(referred=dana, code=code_of(alice.customer))
    earlier = referral.created_at - timedelta(days=3)
    assert referral_convert(referred=dana, purchase_ref="OLD", at=earlier) is None
    assert Referral.objects.get(pk=referral.pk).status == "pending"
