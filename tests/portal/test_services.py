"""Services in ``portal.services``: the interaction log and customer records."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from portal.models import Channel, Customer, Interaction, InteractionKind, Purchase, User
from portal.services.customers import customer_for_signup, profile_update
from portal.services.interactions import (
    interaction_record,
    interaction_record_bulk,
    interaction_record_many,
    visitor_hash,
)
from portal.signals import interaction_recorded

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    """Interactions delivered through ``interaction_recorded`` during the test."""
    seen: list[Interaction] = []

    def receiver(sender, interaction, **kwargs):
        seen.append(interaction)

    interaction_recorded.connect(receiver, dispatch_uid="test-services-receiver")
    yield seen
    interaction_recorded.disconnect(dispatch_uid="test-services-receiver")


# --- interaction_record -------------------------------------------------------------------


def test_interaction_record_defaults_to_the_users_customer(alice):
    interaction = interaction_record(kind=InteractionKind.KB_VIEW, user=alice)
    interaction.refresh_from_db()
    assert interaction.customer == alice.customer
    assert interaction.user == alice
    assert interaction.channel == Channel.WEB
    assert interaction.visitor == ""


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "teleport"}, "unknown interaction kind"),
        ({"kind": InteractionKind.LOGIN, "channel": "pigeon"}, "unknown channel"),
        (
            {"kind": InteractionKind.LOGIN, "occurred_at": datetime(2026, 1, 1)},  # noqa: DTZ001
            "timezone-aware",
        ),
        ({"kind": InteractionKind.LOGIN, "metadata": {str(n): n for n in range(21)}}, "at most"),
    ],
)
def test_interaction_record_validates(kwargs, message):
    with pytest.raises(ValueError, match=message):
        interaction_record(**kwargs)
    assert Interaction.objects.count() == 0


def test_interactions_are_append_only(carol):
    interaction = interaction_record(kind=InteractionKind.LOGIN, user=carol)
    interaction.kind = InteractionKind.SEARCH
    with pytest.raises(ValueError, match="append-only"):
        interaction.save()
    with pytest.raises(ValueError, match="append-only"):
        interaction_record_many([interaction])
    interaction.refresh_from_db()
    assert interaction.kind == InteractionKind.LOGIN


def test_anonymous_visitor_is_a_hash_of_the_session(client):
    interaction = interaction_record(kind=InteractionKind.SEARCH, session_key="abc123session")
    assert interaction.customer is None
    assert interaction.visitor == visitor_hash("abc123session")
    assert len(interaction.visitor) == 32
    assert "abc123session" not in interaction.visitor
    assert visitor_hash("another-session") != interaction.visitor


def test_known_customer_gets_no_visitor_hash(carol):
    interaction = interaction_record(
        kind=InteractionKind.SEARCH, user=carol, session_key="abc123session"
    )
    assert interaction.visitor == ""
    assert interaction.customer == carol.customer


def test_signal_is_sent_only_after_commit(carol, received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        interaction = interaction_record(kind=InteractionKind.LOGIN, user=carol)
        assert received == []  # not committed yet
    assert len(callbacks) == 1
    assert received == [interaction]
    assert received[0].pk is not None


def test_signal_is_not_sent_on_rollback(carol, received, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        interaction_record(kind=InteractionKind.LOGIN, user=carol)
        raise RuntimeError("the caller's transaction fails")
    assert callbacks == []
    assert received == []
    assert Interaction.objects.count() == 0


def test_bulk_record_sends_saved_rows_after_commit(
    carol, received, django_capture_on_commit_callbacks
):
    when = datetime.fromisoformat("2026-05-01T10:00:00+00:00")
    metadata = {"source": "test"}
    purchase_type = ContentType.objects.get_for_model(Purchase)
    with django_capture_on_commit_callbacks(execute=True):
        pks = interaction_record_bulk(
            kind=InteractionKind.PURCHASE,
            channel=Channel.IMPORT,
            target_type=purchase_type,
            rows=[
                (carol.customer.pk, "1", Decimal("9.99"), metadata, when),
                (None, "2", None, metadata, when),
            ],
        )
        assert received == []
    assert [interaction.pk for interaction in received] == pks
    saved = Interaction.objects.get(pk=pks[0])
    assert saved.customer == carol.customer
    assert saved.value == Decimal("9.99")
    assert saved.metadata == {"source": "test"}
    assert saved.occurred_at == when
    assert saved.target_type == purchase_type
    assert Interaction.objects.get(pk=pks[1]).customer is None


def test_bulk_record_validates():
    when = datetime.fromisoformat("2026-05-01T10:00:00")
    with pytest.raises(ValueError, match="unknown channel"):
        interaction_record_bulk(
            kind=InteractionKind.PURCHASE, channel="x", target_type=None, rows=[]
        )
    with pytest.raises(ValueError, match="timezone-aware"):
        interaction_record_bulk(
            kind=InteractionKind.PURCHASE,
            channel=Channel.IMPORT,
            target_type=None,
            rows=[(None, "1", None, {}, when)],
        )
    assert Interaction.objects.count() == 0


# --- customers ----------------------------------------------------------------------------


def test_customer_for_signup_links_an_unlinked_customer_with_the_same_email():
    known = Customer.objects.create(customer_ref="SHOP-1", email="Dora@Example.com")
    user = User.objects.create_user(email="dora@example.com", full_name="Dora Diaz")

    customer = customer_for_signup(user=user)

    assert customer.pk == known.pk
    known.refresh_from_db()
    assert known.user == user
    assert known.name == "Dora Diaz"
    assert Customer.objects.count() == 1


def test_customer_for_signup_creates_a_customer_otherwise(alice):
    Customer.objects.create(customer_ref="SHOP-2", email="someone.else@example.com")
    user = User.objects.create_user(email="erin@example.com", full_name="Erin")

    customer = customer_for_signup(user=user)

    assert customer.user == user
    assert customer.email == "erin@example.com"
    assert customer.customer_ref.startswith("web-")
    assert Customer.objects.filter(customer_ref="SHOP-2", user__isnull=True).exists()


def test_customer_for_signup_never_takes_a_linked_customer():
    frank = User.objects.create_user(email="frank@example.com")
    linked = Customer.objects.create(customer_ref="SHOP-3", email="grace@example.com", user=frank)
    grace = User.objects.create_user(email="grace@example.com")

    customer = customer_for_signup(user=grace)

    assert customer.pk != linked.pk
    assert customer.user == grace
    linked.refresh_from_db()
    assert linked.user == frank


def test_customer_for_signup_returns_the_existing_record(alice):
    assert customer_for_signup(user=alice) == alice.customer
    assert Customer.objects.count() == 1


def test_profile_update_validates_preference_keys(carol):
    with pytest.raises(ValueError, match="unknown notification preferences: spam"):
        profile_update(
            user=carol,
            full_name="Carol C.",
            language="en",
            notification_preferences={"spam": True},
            consent_surveys=True,
            consent_marketing=False,
        )
    carol.refresh_from_db()
    assert carol.full_name == "Carol Chen"
    assert Interaction.objects.count() == 0


def test_profile_update_saves_and_records(carol):
    profile_update(
        user=carol,
        full_name="  Carol C.  ",
        language="en",
        notification_preferences={"email_surveys": False},
        consent_surveys=False,
        consent_marketing=True,
    )
    carol.refresh_from_db()
    assert carol.full_name == "Carol C."
    assert carol.wants("email_surveys") is False
    assert carol.wants("email_ticket_updates") is True
    carol.customer.refresh_from_db()
    assert carol.customer.consent_marketing is True
    assert carol.customer.name == "Carol C."
    assert (
        Interaction.objects.filter(
            kind=InteractionKind.PROFILE_UPDATE, customer=carol.customer
        ).count()
        == 1
    )
