"""The customer's story on the desk: lifecycle stage and since when, and a timeline whose
entries link to what they are about and show agents' actions as the agent's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from insights.models import SurveyKind
from insights.story import customer_stage, timeline_entries
from portal.models import Customer, Interaction, InteractionKind, Subscription
from tests.insights.conftest import answer, at, buy, customer
from tickets.services.workflow import ticket_open, ticket_reply

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("utc")]

NOW = at(2026, 6, 1)


def test_a_known_contact_is_in_awareness_since_their_record(settings):
    lead = customer("lead")
    Customer.objects.filter(pk=lead.pk).update(created_at=at(2026, 1, 2))
    lead.refresh_from_db()
    stage = customer_stage(lead, NOW)
    assert (stage.key, stage.since, stage.position) == ("awareness", at(2026, 1, 2), 1)


def test_acquisition_since_the_login(alice):
    stage = customer_stage(alice.customer, timezone.now())
    assert stage.key == "acquisition"
    assert stage.since == max(alice.customer.created_at, alice.date_joined)


def test_conversion_retention_and_free_orders():
    c = customer("c")
    Customer.objects.filter(pk=c.pk).update(created_at=at(2025, 1, 1))
    buy(c, at(2026, 2, 1), 0)  # a free order is an order
    stage = customer_stage(c, NOW)
    assert (stage.key, stage.since) == ("conversion", at(2026, 2, 1))
    buy(c, at(2026, 3, 1), -10)  # a refund is not
    assert customer_stage(c, NOW).key == "conversion"
    buy(c, at(2026, 4, 1), 25)
    stage = customer_stage(c, NOW)
    assert (stage.key, stage.since) == ("retention", at(2026, 4, 1))


def test_conversion_by_subscription_counts_from_its_start(fibre_product):
    c = customer("s")
    Customer.objects.filter(pk=c.pk).update(created_at=at(2025, 1, 1))
    Subscription.objects.create(customer=c, product=fibre_product, since=at(2026, 1, 15))
    buy(c, at(2026, 3, 1), 10)
    assert customer_stage(c, NOW).since == at(2026, 1, 15)


def test_advocacy_since_the_unbroken_run_of_promoter_answers():
    c = customer("p")
    Customer.objects.filter(pk=c.pk).update(created_at=at(2023, 1, 1))
    buy(c, at(2023, 6, 1), 10)
    answer(c, SurveyKind.NPS, 10, at(2024, 1, 10))  # more than a year before the next one
    answer(c, SurveyKind.NPS, 9, at(2025, 3, 1))
    answer(c, SurveyKind.NPS, 3, at(2025, 9, 1))  # a detractor answer is not advocacy
    answer(c, SurveyKind.NPS, 9, at(2026, 2, 1))  # within a year of the one before
    stage = customer_stage(c, NOW)
    assert (stage.key, stage.since) == ("advocacy", at(2025, 3, 1))


def test_a_record_created_later_without_orders_has_no_stage_yet():
    c = customer("later")
    assert customer_stage(c, c.created_at - timedelta(days=1)) is None


def test_timeline_links_tickets_and_names_the_agent(alice, ada):
    ticket = ticket_open(
        customer=alice.customer, opened_by=alice, subject="Router down", body="No light."
    )
    ticket_reply(ticket=ticket, author=ada, body="We are on it.")
    rows = Interaction.objects.filter(customer=alice.customer).order_by("occurred_at", "pk")
    entries = timeline_entries(rows, alice.customer, ada)
    about_ticket = [entry for entry in entries if entry.url == ticket.get_desk_url()]
    assert len(about_ticket) >= 2
    assert all(ticket.number in entry.title for entry in about_ticket)
    actors = {entry.actor for entry in about_ticket}
    assert "" in actors  # alice opened it herself
    assert (ada.get_full_name() or ada.email) in actors  # ada's reply is ada's


def test_timeline_survives_a_stale_or_malformed_target(alice, ada):
    kinds = ContentType.objects.get_for_model(Customer)
    for target_id in ("not-a-number", "987654"):
        Interaction.objects.create(
            kind=InteractionKind.OTHER,
            customer=alice.customer,
            target_type=kinds,
            target_id=target_id,
        )
    entries = timeline_entries(
        Interaction.objects.filter(customer=alice.customer), alice.customer, ada
    )
    assert [(entry.title, entry.url) for entry in entries] == [("", ""), ("", "")]


@pytest.fixture
def fibre_product(db):
    from portal.models import Product

    return Product.objects.create(name="Fibre", slug="fibre")


def test_the_desk_timeline_and_the_customer_panel_tell_the_story(client_for, alice, ada):
    from django.urls import reverse

    ticket = ticket_open(
        customer=alice.customer, opened_by=alice, subject="Router down", body="No light."
    )
    ticket_reply(ticket=ticket, author=ada, body="We are on it.")
    page = client_for(ada).get(reverse("insights_desk:timeline", args=["C-ALICE"]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Acquisition (2 of 5)" in html and "since" in html
    assert f'href="{ticket.get_desk_url()}"' in html
    assert f"by {ada.get_full_name()}" in html
    desk = client_for(ada).get(ticket.get_desk_url()).content.decode()
    assert "Acquisition (2 of 5)" in desk
    # the panel's recent interactions: ada's reply is ada's, alice's ticket is alice's
    recent = desk.split("Recent interactions", 1)[1]
    assert f"by {ada.get_full_name()}" in recent
    assert f"by {alice.get_full_name()}" not in recent
