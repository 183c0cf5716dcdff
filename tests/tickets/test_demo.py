"""seed_demo's tickets: idempotent, varied, through the services, no emails sent."""

from __future__ import annotations

from io import StringIO

from django.apps import apps
from django.core import mail
from django.core.management import call_command

from portal.models import User
from tickets import demo
from tickets.models import Queue, SlaPolicy, Ticket


def test_seed_demo_adds_tickets_once(db, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(demo, "PERSONA_TICKETS", {"C-ALICE": 4, "C-BOB": 3, "C-CAROL": 2})
    monkeypatch.setattr(demo, "OTHER_TICKETS", 6)
    # Only the ticket seeder: the catalogue's and community's demos open tickets of their own
    # (fallen-back requests, converted threads) and have their own tests.
    for config in apps.get_app_configs():
        if config.label != "tickets" and getattr(config, "demo_seed", None):
            monkeypatch.setattr(config, "demo_seed", None)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=StringIO())
    count = Ticket.objects.count()
    assert 10 <= count <= 15
    assert Queue.objects.filter(is_default=True).exists()
    assert SlaPolicy.objects.filter(organisation__slug="acme-logistics").exists()
    ada = User.objects.get(email="ada@example.com")
    assert Ticket.objects.filter(assignee=ada).exists()
    alice = User.objects.get(email="alice@example.com")
    bob = User.objects.get(email="bob@example.com")
    assert Ticket.objects.visible_to(alice).filter(customer__user=alice).count() == 4
    assert not Ticket.objects.visible_to(bob).filter(customer__user=alice).exists()
    assert all(ticket.messages.exists() for ticket in Ticket.objects.all())
    assert mail.outbox == []  # demo data mails nobody
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=out)
    assert Ticket.objects.count() == count
    assert "tickets created: 0" in out.getvalue()
