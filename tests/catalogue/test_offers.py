"""Forms offer only what the action can apply to (issue 18, item 8): the pause form does not
list paused subscriptions, the cancel form lists active and paused ones, the page says so when
nothing applies, and an automation narrows its choices through ``Automation.offer``."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from catalogue.forms import RequestForm
from portal.models import Product, Subscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def subs(alice, fibre):
    tv = Product.objects.create(name="TV Premium", slug="tv-premium")
    phone = Product.objects.create(name="Phone Flat", slug="phone-flat")
    now = timezone.now()
    make = Subscription.objects.create
    return {
        "active": make(customer=alice.customer, product=fibre, since=now),
        "paused": make(
            customer=alice.customer, product=tv, since=now, status=Subscription.Status.PAUSED
        ),
        "cancelled": make(
            customer=alice.customer, product=phone, since=now, status=Subscription.Status.CANCELLED
        ),
    }


def _offered(form: RequestForm) -> set[int]:
    return {sub.pk for sub in form.fields["subscription"].queryset}


def test_pause_offers_only_active_subscriptions(items, alice, subs):
    form = RequestForm(item=items["pause"], customer=alice.customer)
    assert _offered(form) == {subs["active"].pk}
    posted = RequestForm(
        {"subscription": str(subs["paused"].pk)}, item=items["pause"], customer=alice.customer
    )
    assert not posted.is_valid()


def test_cancel_offers_active_and_paused(items, alice, subs):
    form = RequestForm(item=items["cancel"], customer=alice.customer)
    assert _offered(form) == {subs["active"].pk, subs["paused"].pk}


def test_pause_page_lists_no_paused_subscription(items, alice, subs, client_for):
    page = client_for(alice).get("/catalogue/pause-subscription/").content.decode()
    select = re.search(r'<select name="subscription".*?</select>', page, re.S).group(0)
    assert "Fibre 1000" in select
    assert "TV Premium" not in select
    assert "Phone Flat" not in select


def test_the_page_says_when_nothing_applies(items, alice, subs, client_for):
    subs["active"].status = Subscription.Status.PAUSED
    subs["active"].save()
    page = client_for(alice).get("/catalogue/pause-subscription/").content.decode()
    assert "None of your subscriptions can be chosen for this" in page


def test_submitting_a_paused_subscription_to_pause_is_a_form_error(items, alice, subs, client_for):
    client = client_for(alice)
    token = re.search(
        r'name="form_token" value="([0-9a-f]+)"',
        client.get("/catalogue/pause-subscription/").content.decode(),
    ).group(1)
    response = client.post(
        "/catalogue/pause-subscription/",
        {"form_token": token, "subscription": str(subs["paused"].pk)},
    )
    assert response.status_code == 400
    assert "Choose one of your subscriptions." in response.content.decode()
