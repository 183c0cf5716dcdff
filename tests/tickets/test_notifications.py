"""Who is notified of what on a ticket, by which channel, exactly once, after commit."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction

from portal.models import Notification, NotificationDelivery
from portal.services.notifications import notification_preferences_update
from tests.conftest import make_user
from tickets.services import (
    ticket_assign,
    ticket_claim,
    ticket_reply,
    ticket_status_change,
)
from tickets.services.escalation import sla_tick

from .conftest import rome


@pytest.fixture
def grace(support_team):
    from portal import roles

    user = make_user(
        "grace@example.com", full_name="Grace Hopper", groups=[roles.AGENTS], is_staff=True
    )
    support_team.members.add(user)
    return user


def titles(user) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("title", flat=True))


def test_agent_reply_emails_the_customer_after_commit(
    alice, ada, open_ticket, django_capture_on_commit_callbacks
):
    ticket = open_ticket(alice)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ticket_reply(ticket=ticket, author=ada, body="Try **this**.")
    assert mail.outbox == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    [email] = mail.outbox
    assert email.to == ["alice@example.com"]
    assert email.reply_to == [f"support+T-{ticket.pk}@example.com"]
    assert email.subject == f"[T-{ticket.pk}] New reply from support: Internet keeps dropping"
    assert "Try **this**." in email.body
    assert f"/tickets/{ticket.pk}/" in email.body
    assert titles(alice) == [email.subject]
    delivery = NotificationDelivery.objects.get(channel="email")
    assert delivery.status == "sent" and delivery.attempts == 1


def test_a_rolled_back_reply_sends_nothing(
    alice, ada, open_ticket, django_capture_on_commit_callbacks
):
    ticket = open_ticket(alice)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        ticket_reply(ticket=ticket, author=ada, body="Never mind")
        raise RuntimeError
    assert mail.outbox == []
    assert not NotificationDelivery.objects.exists()
    assert not Notification.objects.exists()


def test_customer_reply_goes_to_the_assignee_or_the_team(
    alice, ada, grace, queues, open_ticket, django_capture_on_commit_callbacks
):
    ticket = open_ticket(alice)  # lands in the General queue of the Support team
    with django_capture_on_commit_callbacks(execute=True):
        ticket_reply(ticket=ticket, author=alice, body="Any news?")
    assert {e.to[0] for e in mail.outbox} == {"ada@example.com", "grace@example.com"}
    mail.outbox.clear()
    ticket_claim(ticket=ticket, agent=grace)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_reply(ticket=ticket, author=alice, body="Hello?")
    assert [e.to for e in mail.outbox] == [["grace@example.com"]]
    assert mail.outbox[0].subject.startswith(f"[T-{ticket.pk}] Customer replied")


def test_new_tickets_reach_the_queue_team_in_the_portal(alice, ada, grace, queues, open_ticket):
    ticket = open_ticket(alice)
    assert titles(ada) == [f"[T-{ticket.pk}] New ticket in General: Internet keeps dropping"]
    assert len(titles(grace)) == 1
    assert not NotificationDelivery.objects.filter(channel="email").exists()  # email is opt-in
    assert not Notification.objects.filter(user=alice).exists()


def test_assignment_by_someone_else(
    alice, ada, grace, open_ticket, django_capture_on_commit_callbacks
):
    ticket = open_ticket(alice)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_assign(ticket=ticket, assignee=grace, actor=ada)
        ticket_assign(ticket=ticket, assignee=ada, actor=ada)  # yourself: no notification
    assert [e.to for e in mail.outbox] == [["grace@example.com"]]
    assert "Assigned to you" in mail.outbox[0].subject


def test_status_changes_reach_the_customer_but_not_claiming(
    alice, ada, open_ticket, django_capture_on_commit_callbacks
):
    ticket = open_ticket(alice)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_claim(ticket=ticket, agent=ada)  # new -> open: not news
        ticket_status_change(ticket=ticket, status="resolved", actor=ada)
    assert [e.subject for e in mail.outbox] == [
        f"[T-{ticket.pk}] Resolved: Internet keeps dropping"
    ]


def test_a_reply_that_changes_the_status_is_one_email(
    alice, ada, open_ticket, django_capture_on_commit_callbacks
):
    ticket = open_ticket(alice)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_reply(ticket=ticket, author=ada, body="Fixed", status_after="resolved")
    [email] = mail.outbox
    assert "Status: Resolved." in email.body


def test_customers_own_actions_do_not_notify_themselves(
    alice, open_ticket, django_capture_on_commit_callbacks
):
    from tickets.services import ticket_close

    ticket = open_ticket(alice)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_close(ticket=ticket, actor=alice)
    assert not Notification.objects.filter(user=alice).exists()
    assert mail.outbox == []


def test_preferences_are_respected(alice, ada, open_ticket, django_capture_on_commit_callbacks):
    notification_preferences_update(user=alice, preferences={"email_ticket_updates": False})
    ticket = open_ticket(alice)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_reply(ticket=ticket, author=ada, body="One")
    assert mail.outbox == [] and len(titles(alice)) == 1
    notification_preferences_update(user=alice, preferences={"web_ticket_updates": False})
    with django_capture_on_commit_callbacks(execute=True):
        ticket_reply(ticket=ticket, author=ada, body="Two")
    assert len(titles(alice)) == 1


def test_escalations_notify_assignee_and_team_lead(
    alice, ada, grace, queues, policies, open_ticket, django_capture_on_commit_callbacks
):
    ticket = open_ticket(alice, now=rome(2026, 3, 2, 10))
    ticket_claim(ticket=ticket, agent=grace, now=rome(2026, 3, 2, 10))
    with django_capture_on_commit_callbacks(execute=True):
        sla_tick(now=rome(2026, 3, 2, 13, 30))
        sla_tick(now=rome(2026, 3, 2, 13, 40))  # again: nothing new
    subjects = sorted((e.to[0], e.subject) for e in mail.outbox)
    assert subjects == [
        ("ada@example.com", f"[T-{ticket.pk}] SLA at risk: Internet keeps dropping"),
        ("grace@example.com", f"[T-{ticket.pk}] SLA at risk: Internet keeps dropping"),
    ]


def test_language_of_the_customer_is_used(
    alice, ada, open_ticket, django_capture_on_commit_callbacks
):
    alice.customer.language = "it"
    alice.customer.save()
    ticket = open_ticket(alice)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_status_change(ticket=ticket, status="resolved", actor=ada)
    [email] = mail.outbox
    assert email.subject.startswith(f"[T-{ticket.pk}] Risolto")
