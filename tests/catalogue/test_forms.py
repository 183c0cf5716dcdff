"""Form definitions (each field type, bad definitions refused) and the request form built
from them (server-side validation with clear messages)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from catalogue.forms import RequestForm, answers_display
from catalogue.models import CatalogueItem, FieldType
from portal.models import Product, Purchase, Subscription
from tests.catalogue.conftest import field

pytestmark = pytest.mark.django_db

ALL_TYPES = [
    field("name", FieldType.SHORT_TEXT, min_value=Decimal(2), max_value=Decimal(20)),
    field("story", FieldType.LONG_TEXT, required=False),
    field("contact", FieldType.EMAIL),
    field("amount", FieldType.NUMBER, min_value=Decimal(1), max_value=Decimal(10)),
    field("day", FieldType.DATE),
    field("colour", FieldType.CHOICE, choices="red | Red\nblue | Blue"),
    field("extras", FieldType.MULTIPLE_CHOICE, choices="tv\nphone\nwifi", required=False),
    field("urgent", FieldType.YES_NO),
    field("subscription", FieldType.SUBSCRIPTION),
    field("purchase", FieldType.PURCHASE),
]


@pytest.fixture
def every_type(make_item) -> CatalogueItem:
    return make_item("everything", fields=ALL_TYPES)


def _valid_data(sub, purchase) -> dict:
    return {
        "name": "Alice",
        "story": "",
        "contact": "alice@example.org",
        "amount": "2.5",
        "day": "2026-12-01",
        "colour": "red",
        "extras": ["tv", "wifi"],
        "urgent": "no",
        "subscription": str(sub.pk),
        "purchase": str(purchase.pk),
    }


def test_every_field_type_validates_and_stores_json(every_type, alice, alice_sub, alice_purchase):
    form = RequestForm(
        _valid_data(alice_sub, alice_purchase), item=every_type, customer=alice.customer
    )
    assert form.is_valid(), form.errors
    assert form.answers() == {
        "name": "Alice",
        "contact": "alice@example.org",
        "amount": 2.5,
        "day": "2026-12-01",
        "colour": "red",
        "extras": ["tv", "wifi"],
        "urgent": False,
        "subscription": alice_sub.pk,
        "purchase": alice_purchase.pk,
    }
    shown = dict(answers_display(every_type, form.answers()))
    assert shown["Colour"] == "Red"
    assert shown["Urgent"] == "No"
    assert shown["Subscription"] == "Fibre 1000"
    assert shown["Purchase"] == "ORD-1001"


def test_clear_messages_for_each_rule(every_type, alice, alice_sub, alice_purchase, bob):
    other_sub = Subscription.objects.create(
        customer=bob.customer,
        product=Product.objects.create(name="TV", slug="tv"),
        since=timezone.now(),
    )
    other_purchase = Purchase.objects.create(
        customer=bob.customer,
        ordered_at=timezone.now(),
        amount="5",
        source="test",
        order_ref="BOB-1",
    )
    data = {
        "name": "A",  # too short
        "contact": "not-an-email",
        "amount": "11",  # above max
        "day": "31/31/2026",
        "colour": "green",  # not a choice
        "extras": ["tv", "fax"],
        "urgent": "",  # required
        "subscription": str(other_sub.pk),  # bob's
        "purchase": str(other_purchase.pk),  # bob's
    }
    form = RequestForm(data, item=every_type, customer=alice.customer)
    assert not form.is_valid()
    errors = {key: " ".join(messages) for key, messages in form.errors.items()}
    assert "at least 2 characters" in errors["name"]
    assert "valid email" in errors["contact"]
    assert "less than or equal to 10" in errors["amount"]
    assert "valid date" in errors["day"]
    assert "green is not one of the available choices" in errors["colour"]
    assert "fax is not one of the available choices" in errors["extras"]
    assert "required" in errors["urgent"]
    assert errors["subscription"] == "Choose one of your subscriptions."
    assert errors["purchase"] == "Choose one of your purchases."


def test_pattern_must_match_the_whole_answer(make_item, alice):
    item = make_item("card", fields=[field("last_four", pattern=r"\d{4}")])
    for bad in ("123", "12345", "12a4", "x1234"):
        form = RequestForm({"last_four": bad}, item=item, customer=alice.customer)
        assert not form.is_valid()
        assert form.errors["last_four"] == ["Enter a value in the format asked for."]
    assert RequestForm({"last_four": "1234"}, item=item, customer=alice.customer).is_valid()


def test_cancelled_subscriptions_are_not_offered(make_item, alice, alice_sub):
    item = make_item("cancel", fields=[field("subscription", FieldType.SUBSCRIPTION)])
    alice_sub.status = Subscription.Status.CANCELLED
    alice_sub.save()
    form = RequestForm({"subscription": str(alice_sub.pk)}, item=item, customer=alice.customer)
    assert not form.is_valid()


def test_json_values_are_normalised(every_type, alice, alice_sub, alice_purchase):
    payload = {
        **_valid_data(alice_sub, alice_purchase),
        "amount": 3,
        "urgent": True,
        "subscription": alice_sub.pk,
        "purchase": alice_purchase.pk,
    }
    form = RequestForm.from_json(payload, item=every_type, customer=alice.customer)
    assert form.is_valid(), form.errors
    assert form.answers()["urgent"] is True
    assert form.answers()["amount"] == 3
    assert form.unknown_keys({**payload, "is_staff": True}) == ["is_staff"]


@pytest.mark.parametrize(
    ("row", "field_name"),
    [
        (field("Bad Key"), "key"),
        (field("1abc"), "key"),
        (field("colour", FieldType.CHOICE), "choices"),
        (field("colour", FieldType.CHOICE, choices="a\na"), "choices"),
        (field("note", FieldType.SHORT_TEXT, choices="a"), "choices"),
        (field("day", FieldType.DATE, min_value=Decimal(1)), "min_value"),
        (field("n", FieldType.NUMBER, min_value=Decimal(5), max_value=Decimal(1)), "max_value"),
        (field("t", FieldType.SHORT_TEXT, min_value=Decimal("1.5")), "min_value"),
        (field("t", FieldType.SHORT_TEXT, pattern="([a-z"), "pattern"),
        (field("t", FieldType.EMAIL, pattern="x"), "pattern"),
    ],
)
def test_bad_definitions_are_refused(make_item, row, field_name):
    item = make_item("bad-defs")
    row.item = item
    with pytest.raises(ValidationError) as caught:
        row.full_clean()
    assert field_name in caught.value.message_dict


def test_item_rules(make_item, fibre):
    with pytest.raises(ValidationError) as caught:
        make_item("subs", audience="subscribers")
    assert "audience_product" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        make_item("hook", "webhook", automation_config={"url": "ftp://x", "secret": "short"})
    assert "automation_config" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        make_item("nope", "does_not_exist")
    assert "fulfilment" in caught.value.message_dict
