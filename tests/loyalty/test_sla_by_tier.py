"""Tier benefits read by tickets: the SLA targets and policy by tier, a higher default
priority, and the desk showing the tier and why the target is what it is."""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal

import pytest

from loyalty.models import Tier
from loyalty.services.ledger import account_for
from tickets.businesshours import business_time_between
from tickets.models import BusinessCalendar, Priority, SlaPolicy
from tickets.services import ticket_open


@pytest.fixture
def office(db):
    return BusinessCalendar.objects.create(
        name="Office", timezone="Europe/Rome", day_start=time(9), day_end=time(17)
    )


@pytest.fixture
def policies(office):
    targets = {Priority.LOW: (480, 2400), Priority.NORMAL: (240, 960), Priority.HIGH: (60, 480)}
    targets[Priority.URGENT] = (30, 240)
    return {
        priority: SlaPolicy.objects.create(
            name=f"{priority.label} tickets",
            priority=priority,
            calendar=office,
            first_response_minutes=first,
            resolution_minutes=resolution,
        )
        for priority, (first, resolution) in targets.items()
    }


def in_tier(customer, slug):
    account = account_for(customer)
    account.tier = Tier.objects.get(slug=slug)
    account.save(update_fields=["tier"])


def open_for(user, **extra):
    return ticket_open(
        customer=user.customer, opened_by=user, subject="No signal", body="Since noon.", **extra
    )


def targets(ticket) -> tuple[int, int]:
    schedule = ticket.sla_policy.calendar.schedule
    start = ticket.sla_started_at
    first = business_time_between(start, ticket.first_response_due_at, schedule)
    resolution = business_time_between(start, ticket.resolution_due_at, schedule)
    return int(first / timedelta(minutes=1)), int(resolution / timedelta(minutes=1))


def test_bronze_ticket_keeps_the_policy_targets(alice, policies):
    in_tier(alice.customer, "bronze")
    ticket = open_for(alice)
    assert ticket.priority == Priority.NORMAL and ticket.sla_policy == policies[Priority.NORMAL]
    assert targets(ticket) == (240, 960)


def test_silver_targets_are_shortened_by_the_tier_factor(alice, policies):
    in_tier(alice.customer, "silver")  # factor 0.75, no priority boost
    ticket = open_for(alice)
    assert ticket.priority == Priority.NORMAL
    assert targets(ticket) == (180, 720)


def test_gold_opens_higher_and_faster(alice, bob, policies):
    in_tier(alice.customer, "gold")  # factor 0.5, one priority step
    gold = open_for(alice)
    plain = open_for(bob)
    assert (gold.priority, plain.priority) == (Priority.HIGH, Priority.NORMAL)
    assert gold.sla_policy == policies[Priority.HIGH]
    assert targets(gold) == (30, 240) and targets(plain) == (240, 960)


def test_an_agent_chosen_priority_is_not_boosted(alice, ada, policies):
    in_tier(alice.customer, "gold")
    ticket = ticket_open(
        customer=alice.customer,
        opened_by=ada,
        subject="Call me",
        body="Phone call.",
        priority=Priority.LOW,
    )
    assert ticket.priority == Priority.LOW


def test_boost_stops_at_the_highest_priority(alice, policies):
    Tier.objects.filter(slug="gold").update(priority_boost=3)
    in_tier(alice.customer, "gold")
    assert open_for(alice).priority == Priority.URGENT


def test_a_tiers_own_policy_is_chosen(alice, bob, office, policies):
    vip = SlaPolicy.objects.create(
        name="Gold care",
        priority=Priority.HIGH,
        calendar=office,
        first_response_minutes=20,
        resolution_minutes=120,
        is_active=False,  # applies through the tier only, never by priority for everyone
    )
    Tier.objects.filter(slug="gold").update(sla_policy=vip, sla_factor=Decimal("1.00"))
    in_tier(alice.customer, "gold")
    ticket = open_for(alice)
    assert ticket.sla_policy == vip and targets(ticket) == (20, 120)
    urgent = open_for(alice, impact="all")  # high by impact, boosted to urgent
    assert urgent.priority == Priority.URGENT and urgent.sla_policy == policies[Priority.URGENT]
    assert open_for(bob).sla_policy == policies[Priority.NORMAL]


def test_desk_shows_tier_badge_and_why(client_for, alice, ada, policies):
    in_tier(alice.customer, "gold")
    ticket = open_for(alice)
    html = client_for(ada).get(ticket.get_desk_url()).content.decode()
    assert "loyalty-tier-badge" in html and "Gold" in html
    assert "multiplies the targets by 0.5" in html
    assert "priority step(s) higher" in html


def test_desk_shows_the_entry_tier_before_any_points(client_for, bob, ada, policies):
    ticket = open_for(bob)
    html = client_for(ada).get(ticket.get_desk_url()).content.decode()
    assert "loyalty-tier-badge" in html and "Bronze" in html
    assert "Policy “Normal tickets” applies to normal tickets" in html


@pytest.mark.django_db
def test_tier_badge_carries_its_colour_without_a_style_attribute():
    """The security policy (style-src 'self') blocks style attributes: the desk's tier badge
    logged a console error on every ticket (issue 18). Its colour is an SVG fill now."""
    from loyalty.benefits import tier_badge_html
    from loyalty.models import Tier

    gold = Tier.objects.get(slug="gold")
    html = tier_badge_html(gold)
    assert "style=" not in html
    assert f'fill="{gold.colour}"' in html and "Gold" in html
