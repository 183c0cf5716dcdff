"""seed_demo's forum: 50+ threads with answers, votes and accepted answers, idempotent, no
emails, private category only for its organisation, something in the moderation queue."""

from __future__ import annotations

from io import StringIO

from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from community import demo
from community.models import Category, Flag, Post, ReputationEntry, Thread, Vote
from community.services import reputation_recompute
from portal.models import User
from tickets import demo as tickets_demo


def test_seed_demo_adds_the_forum_once(db, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(tickets_demo, "PERSONA_TICKETS", {"C-ALICE": 1})
    monkeypatch.setattr(tickets_demo, "OTHER_TICKETS", 1)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=StringIO())
    threads = Thread.objects.count()
    assert threads >= 50
    assert Category.objects.count() >= 5
    assert Post.objects.filter(is_question=False).count() >= 50
    assert Vote.objects.exists() and ReputationEntry.objects.exists()
    assert Thread.objects.filter(is_solved=True).count() >= 15
    assert Thread.objects.filter(answer_count=0, kind="question").exists()
    assert Thread.objects.filter(is_pending=True).count() == 1
    assert Flag.objects.filter(status="open").count() == 1
    assert Post.objects.filter(is_staff_answer=True, is_question=False).exists()
    bob = User.objects.get(email="bob@example.com")
    alice = User.objects.get(email="alice@example.com")
    private = Thread.objects.filter(category__slug="acme-team")
    assert private.exists()
    assert not Thread.objects.visible_to(bob).filter(category__slug="acme-team").exists()
    assert Thread.objects.visible_to(alice).filter(category__slug="acme-team").exists()
    assert reputation_recompute() == {}, "the ledger agrees with the votes"
    community_mail = [
        m.subject
        for m in mail.outbox
        if "New answer in" in m.subject or "mentioned you" in m.subject
    ]
    assert community_mail == [], "the forum's demo mails nobody"
    summary = demo.seed(now=timezone.now())
    assert summary.startswith("0 threads and 0 answers added")
    assert Thread.objects.count() == threads
