"""SLA: policies, due times in business hours with holidays and pauses, states, stored
breaches, escalation and auto-close (the periodic task and its command)."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from portal.models import Interaction, InteractionKind
from tickets.models import Holiday, Priority, SlaBreach, SlaPolicy, Status, Ticket
from tickets.services import ticket_claim, ticket_reply, ticket_status_change
from tickets.services.escalation import sla_tick
from tickets.services.sla import sla_policy_for

from .conftest import rome

MONDAY_10 = rome(2026, 3, 2, 10)


def fresh(ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def test_organisation_policy_wins_over_the_general_one(alice, bob, office, policies, open_ticket):
    acme = alice.customer.organisation
    vip = SlaPolicy.objects.create(
        name="Acme normal",
        priority=Priority.NORMAL,
        organisation=acme,
        calendar=office,
        first_response_minutes=30,
        resolution_minutes=120,
    )
    alices = open_ticket(alice, now=MONDAY_10)
    assert alices.sla_policy == vip
    assert alices.first_response_due_at == rome(2026, 3, 2, 10, 30)
    assert open_ticket(bob, now=MONDAY_10).sla_policy == policies[Priority.NORMAL]
    vip.is_active = False
    vip.save()
    assert sla_policy_for(ticket=alices) == policies[Priority.NORMAL]


def test_no_policy_means_no_targets(alice, open_ticket):
    ticket = open_ticket(alice)
    assert ticket.sla_policy is None and ticket.sla_due_at is None
    assert ticket.sla_state() == "none"


def test_due_times_skip_nights_weekends_and_holidays(alice, office, policies, open_ticket):
    Holiday.objects.create(calendar=office, date=date(2026, 3, 9), name="Local holiday")
    friday_4pm = rome(2026, 3, 6, 16)
    ticket = open_ticket(alice, now=friday_4pm)
    # 4 business hours: Friday 16-17, then Monday is a holiday, Tuesday 9-12.
    assert ticket.first_response_due_at == rome(2026, 3, 10, 12)
    # 16 business hours: 1 (Fri) + 8 (Tue) + 7 (Wed until 16:00).
    assert ticket.resolution_due_at == rome(2026, 3, 11, 16)
    assert ticket.sla_warn_at == rome(2026, 3, 10, 11)  # 75% of 4 hours = 3 hours


def test_waiting_on_customer_pauses_across_the_weekend(alice, ada, policies, open_ticket):
    friday_10 = rome(2026, 3, 6, 10)
    ticket = open_ticket(alice, now=friday_10)
    assert ticket.resolution_due_at == rome(2026, 3, 10, 10)  # 7 h Friday, 8 Monday, 1 Tuesday
    ticket_reply(
        ticket=ticket,
        author=ada,
        body="Please send a photo",
        status_after=Status.WAITING_CUSTOMER,
        now=rome(2026, 3, 6, 11),
    )
    ticket = fresh(ticket)
    assert ticket.sla_state(rome(2026, 3, 20, 9)) == "paused"  # weeks later: still paused
    assert ticket.sla_due_at is None
    ticket_reply(ticket=ticket, author=alice, body="Here", now=rome(2026, 3, 9, 10))  # Monday
    ticket = fresh(ticket)
    # Paused Friday 11:00 -> Monday 10:00: 6 h on Friday + 1 h on Monday; the weekend is free.
    assert ticket.sla_paused_seconds == 7 * 3600
    assert ticket.resolution_due_at == rome(2026, 3, 10, 17)
    assert ticket.sla_due_at == ticket.resolution_due_at
    assert not SlaBreach.objects.exists()


def test_states_on_track_at_risk_breached(alice, policies, open_ticket):
    ticket = open_ticket(alice, now=MONDAY_10)
    assert ticket.sla_state(rome(2026, 3, 2, 11)) == "on_track"
    assert ticket.sla_state(rome(2026, 3, 2, 13, 30)) == "at_risk"  # after 3 of 4 hours
    assert ticket.sla_state(rome(2026, 3, 2, 14)) == "breached"


def test_tick_records_breach_once_raises_priority_once(alice, ada, policies, open_ticket):
    ticket = open_ticket(alice, now=MONDAY_10)
    ticket_claim(ticket=ticket, agent=ada, now=MONDAY_10)
    report = sla_tick(now=rome(2026, 3, 2, 13, 15))
    assert report.at_risk == 1 and report.breached == 0
    assert fresh(ticket).escalation_level == 1
    assert sla_tick(now=rome(2026, 3, 2, 13, 20)).at_risk == 0  # once per target

    report = sla_tick(now=rome(2026, 3, 2, 14, 5))
    assert (report.breached, report.priority_raised) == (1, 1)
    ticket = fresh(ticket)
    assert ticket.priority == Priority.HIGH and ticket.priority_escalated
    assert ticket.sla_breached and ticket.sla_state() == "breached"
    breach = SlaBreach.objects.get()
    assert (breach.kind, breach.due_at) == ("first_response", rome(2026, 3, 2, 14))
    assert sla_tick(now=rome(2026, 3, 2, 15)).breached == 0  # nothing twice

    # The late first response moves the clock to resolution; its breach raises no further.
    ticket_reply(ticket=ticket, author=ada, body="Sorry for the wait", now=rome(2026, 3, 2, 15))
    ticket = fresh(ticket)
    assert ticket.escalation_level == 0
    reply = Interaction.objects.filter(kind=InteractionKind.TICKET_REPLY).latest("pk")
    assert reply.metadata["sla_met"] is False
    report = sla_tick(now=rome(2026, 3, 10, 9))
    assert (report.breached, report.priority_raised) == (1, 0)
    assert fresh(ticket).priority == Priority.HIGH
    assert set(SlaBreach.objects.values_list("kind", flat=True)) == {
        "first_response",
        "resolution",
    }
    assert Interaction.objects.filter(kind=InteractionKind.TICKET_SLA_BREACH).count() == 2
    assert Interaction.objects.filter(kind=InteractionKind.TICKET_ESCALATED).count() == 3


def test_urgent_tickets_are_not_raised_further(alice, ada, policies, open_ticket):
    from tickets.services import ticket_priority_change

    ticket = open_ticket(alice, now=MONDAY_10)
    ticket_priority_change(ticket=ticket, priority=Priority.URGENT, actor=ada, now=MONDAY_10)
    assert sla_tick(now=rome(2026, 3, 3, 10)).priority_raised == 0
    assert fresh(ticket).priority == Priority.URGENT


def test_paused_tickets_are_not_escalated(alice, ada, policies, open_ticket):
    ticket = open_ticket(alice, now=MONDAY_10)
    ticket_status_change(
        ticket=ticket, status=Status.WAITING_CUSTOMER, actor=ada, now=rome(2026, 3, 2, 11)
    )
    report = sla_tick(now=rome(2026, 3, 30, 9))
    assert report.breached == report.at_risk == 0
    assert not SlaBreach.objects.exists()


def test_a_breach_before_the_pause_is_kept(alice, ada, policies, open_ticket):
    ticket = open_ticket(alice, now=MONDAY_10)
    ticket_status_change(
        ticket=ticket, status=Status.WAITING_CUSTOMER, actor=ada, now=rome(2026, 3, 2, 15)
    )
    assert SlaBreach.objects.get().kind == "first_response"
    assert fresh(ticket).sla_state() == "breached"


def test_resolved_tickets_close_after_the_configured_days(alice, ada, open_ticket, settings):
    settings.TICKETS_AUTO_CLOSE = timedelta(days=3)
    ticket = open_ticket(alice, now=MONDAY_10)
    ticket_status_change(ticket=ticket, status=Status.RESOLVED, actor=ada, now=MONDAY_10)
    assert sla_tick(now=MONDAY_10 + timedelta(days=2)).auto_closed == 0
    assert sla_tick(now=MONDAY_10 + timedelta(days=3, minutes=1)).auto_closed == 1
    ticket = fresh(ticket)
    assert ticket.status == Status.CLOSED
    assert ticket.events.filter(field="status", actor=None).exists()
    assert sla_tick(now=MONDAY_10 + timedelta(days=4)).auto_closed == 0


def test_resolution_met_is_recorded(alice, ada, policies, open_ticket):
    ticket = open_ticket(alice, now=MONDAY_10)
    ticket_reply(ticket=ticket, author=ada, body="Done", status_after="resolved", now=MONDAY_10)
    resolved = Interaction.objects.get(kind=InteractionKind.TICKET_RESOLVED)
    assert resolved.metadata["sla_met"] is True
    assert resolved.metadata["sla_breached"] is False


def test_the_command_and_the_task(alice, policies, open_ticket):
    open_ticket(alice, now=rome(2025, 1, 6, 10))
    out = StringIO()
    call_command("sla_tick", stdout=out)
    assert "breached: 1" in out.getvalue()
    out = StringIO()
    call_command("sla_tick", "--enqueue", stdout=out)  # the immediate backend runs it now
    assert "queued sla_tick_task" in out.getvalue()
    from tickets.tasks import sla_tick_task

    assert sla_tick_task.call() == {
        "at_risk": 0,
        "breached": 0,
        "priority_raised": 0,
        "auto_closed": 0,
    }


@pytest.mark.parametrize("bad", ["-5"])
def test_the_command_refuses_a_negative_interval(bad):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("sla_tick", "--every", bad, stdout=StringIO())
