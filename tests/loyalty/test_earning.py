"""Earning from the interaction log: purchases and refunds, community answers (and undoing
them), surveys, outage compensation, anniversaries; the catch-up pass and the listener."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from community.models import Category
from community.services import (
    answer_accept,
    answer_promote,
    answer_unaccept,
    post_answer,
    post_hide,
    thread_ask,
    vote_cast,
)
from knowledgebase.models import CategoryPage
from loyalty.models import Cursor, PointsEntry, RuleKey
from loyalty.services import earning
from loyalty.services.earning import anniversaries_pass, interactions_process
from portal.models import Customer, Interaction, InteractionKind
from portal.services.interactions import interaction_record

from .f_helpers import balance, buy

E = PointsEntry.Kind


def entries(customer, **filters):
    return list(PointsEntry.objects.filter(customer=customer, **filters).order_by("pk"))


# --- purchases ---------------------------------------------------------------------------------
def test_purchase_earns_points_per_currency_unit_once(alice):
    buy(alice.customer, "123.90", "ORD-1")
    assert interactions_process() >= 1
    interactions_process()  # processed twice: still one earn
    (entry,) = entries(alice.customer)
    assert (entry.kind, entry.points, entry.rule) == (E.EARN, 123, RuleKey.PURCHASE)
    assert entry.source_type == "purchase"
    assert balance(alice.customer) == 123


def test_the_same_interaction_handled_twice_earns_once(alice):
    buy(alice.customer, "50.00", "ORD-2")
    row = Interaction.objects.get(kind=InteractionKind.PURCHASE)
    event = earning._events(Interaction.objects.filter(pk=row.pk))[0]
    earning.interaction_handle(event)
    earning.interaction_handle(event)
    assert balance(alice.customer) == 50 and len(entries(alice.customer)) == 1


def test_signal_lost_after_commit_the_pass_catches_up(alice):
    """In a test transaction ``on_commit`` never runs: the signal is never sent, as when the
    process dies right after the commit. The periodic pass earns it."""
    buy(alice.customer, "40.00", "ORD-3")
    assert entries(alice.customer) == []
    interactions_process()
    assert balance(alice.customer) == 40
    cursor = Cursor.objects.get(name=earning.CURSOR)
    assert cursor.last_interaction_id == Interaction.objects.latest("pk").pk


def test_signal_delivered_earns_at_once(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        buy(alice.customer, "30.00", "ORD-4")
    assert balance(alice.customer) == 30, "the listener ran the pass after the commit"
    interactions_process()
    assert balance(alice.customer) == 30


def test_full_refund_reverses_the_order(alice):
    buy(alice.customer, "80.00", "ORD-5")
    buy(alice.customer, "-80.00", "ORD-5-R")
    interactions_process()
    earned, reversed_ = entries(alice.customer)
    assert (earned.points, reversed_.points, reversed_.kind) == (80, -80, E.REVERSE)
    assert balance(alice.customer) == 0


def test_partial_refunds_reverse_in_proportion_never_more_than_earned(alice):
    buy(alice.customer, "200.00", "ORD-6")
    interactions_process()
    buy(alice.customer, "-50.00", "ORD-6-R")
    interactions_process()
    assert balance(alice.customer) == 150
    buy(alice.customer, "-150.00", "ORD-6-R2")
    buy(alice.customer, "-20.00", "ORD-6-R3")  # refunding more than was paid
    interactions_process()
    reversals = [e.points for e in entries(alice.customer, kind=E.REVERSE)]
    assert reversals == [-50, -150], "the third refund finds nothing left to reverse"
    assert balance(alice.customer) == 0


def test_refund_of_an_unknown_order_reverses_at_the_earn_rate(alice):
    buy(alice.customer, "100.00", "ORD-7")
    buy(alice.customer, "-30.00", "SOMETHING-ELSE")
    interactions_process()
    assert balance(alice.customer) == 70


def test_free_order_earns_nothing(alice):
    buy(alice.customer, "0.00", "ORD-FREE")
    interactions_process()
    assert entries(alice.customer) == []


# --- community ---------------------------------------------------------------------------------
@pytest.fixture
def forum(settings, db):
    settings.COMMUNITY_PREMODERATE_FIRST_POSTS = False
    settings.COMMUNITY_RATES = {
        **settings.COMMUNITY_RATES,
        "post": (1000, 600),
        "vote": (1000, 600),
    }
    cache.clear()
    return Category.objects.create(name="Broadband", slug="broadband")


@pytest.fixture
def thread(forum, alice):
    return thread_ask(author=alice, category=forum, title="Router keeps rebooting", body="Why?")


def test_accepted_answer_earns_its_author(thread, alice, bob):
    post = post_answer(thread=thread, author=bob, body="Update the firmware.")
    answer_accept(thread=thread, post=post, user=alice)
    interactions_process()
    (entry,) = entries(bob.customer)
    assert (entry.rule, entry.points, entry.source_id) == (
        RuleKey.ACCEPTED_ANSWER,
        50,
        str(post.pk),
    )
    assert entries(alice.customer) == []


def test_accepting_ones_own_answer_earns_nothing(thread, alice):
    post = post_answer(thread=thread, author=alice, body="Found it myself: firmware.")
    answer_accept(thread=thread, post=post, user=alice)
    interactions_process()
    assert entries(alice.customer) == []


def test_unaccepting_or_accepting_another_answer_reverses(thread, alice, bob, carol):
    by_bob = post_answer(thread=thread, author=bob, body="Update the firmware.")
    by_carol = post_answer(thread=thread, author=carol, body="Replace the power supply.")
    answer_accept(thread=thread, post=by_bob, user=alice)
    interactions_process()
    assert balance(bob.customer) == 50
    answer_accept(thread=thread, post=by_carol, user=alice)
    interactions_process()
    assert balance(bob.customer) == 0 and balance(carol.customer) == 50
    answer_unaccept(thread=thread, user=alice)
    interactions_process()
    assert balance(carol.customer) == 0
    answer_accept(thread=thread, post=by_carol, user=alice)  # accept, unaccept, accept...
    interactions_process()
    assert balance(carol.customer) == 0, "toggling an accept does not farm points"


def test_hidden_post_loses_what_it_earned(thread, alice, bob, mo):
    post = post_answer(thread=thread, author=bob, body="Update the firmware.")
    answer_accept(thread=thread, post=post, user=alice)
    interactions_process()
    assert balance(bob.customer) == 50
    post_hide(post=post, moderator=mo, reason="Spam link")
    interactions_process()
    assert balance(bob.customer) == 0
    assert entries(bob.customer, kind=E.REVERSE)[0].source_type == "forum_accepted"


def test_upvote_earns_and_a_reversed_vote_takes_it_back(thread, alice, bob, carol):
    post = post_answer(thread=thread, author=bob, body="Update the firmware.")
    vote_cast(post=post, voter=carol, value=1)
    interactions_process()
    assert balance(bob.customer) == 5
    vote_cast(post=post, voter=carol, value=0)
    interactions_process()
    assert balance(bob.customer) == 0
    vote_cast(post=post, voter=carol, value=1)  # voting again earns nothing more
    interactions_process()
    assert balance(bob.customer) == 0


def test_upvoting_a_question_earns_nothing(thread, alice, bob):
    from community.models import Post

    question = Post.objects.get(thread=thread, is_question=True)
    vote_cast(post=question, voter=bob, value=1)
    interactions_process()
    assert entries(alice.customer) == []


def test_answer_promoted_to_an_article_earns_its_author(thread, alice, bob, mo, kb_category):
    post = post_answer(thread=thread, author=bob, body="Update the firmware.")
    answer_accept(thread=thread, post=post, user=alice)
    answer_promote(thread=thread, moderator=mo, parent=kb_category)
    interactions_process()
    rules = sorted(e.rule for e in entries(bob.customer))
    assert rules == [RuleKey.ACCEPTED_ANSWER, RuleKey.PROMOTED_ANSWER]
    assert balance(bob.customer) == 250


@pytest.fixture
def kb_category(db):
    from wagtail.models import Page

    root = Page.objects.get(depth=1)
    home = root.get_children().first() or root
    category = CategoryPage(title="Help", slug="help-f")
    home.add_child(instance=category)
    return category


# --- surveys, compensation, anniversaries --------------------------------------------------------
def test_survey_response_earns_once(alice):
    row = interaction_record(
        kind=InteractionKind.SURVEY_RESPONSE, customer=alice.customer, value=9, metadata={}
    )
    interactions_process()
    earning.interaction_handle(earning._events(Interaction.objects.filter(pk=row.pk))[0])
    assert balance(alice.customer) == 20


def test_points_compensation_credits_once_per_customer_and_incident(alice):
    for _ in range(2):  # granted twice (a retried fan-out): credited once
        interaction_record(
            kind=InteractionKind.COMPENSATION,
            customer=alice.customer,
            value=250,
            metadata={"incident": 7, "kind": "points", "claimed": False},
        )
    interaction_record(
        kind=InteractionKind.COMPENSATION,
        customer=alice.customer,
        value=10,
        metadata={"incident": 8, "kind": "discount", "claimed": False},
    )
    interactions_process()
    (entry,) = entries(alice.customer)
    assert (entry.points, entry.source_type, entry.source_id, entry.rule) == (
        250,
        "outage_compensation",
        "7",
        "",
    )


def test_loyalty_interactions_are_not_processed(alice, root):
    from loyalty.services.ledger import points_adjust

    points_adjust(customer=alice.customer, points=5, reason="Thanks", actor=root)
    interactions_process()
    assert balance(alice.customer) == 5
    assert Interaction.objects.filter(kind=InteractionKind.LOYALTY).count() == 1


def test_anniversary_earns_once_a_year(alice):
    Customer.objects.filter(pk=alice.customer.pk).update(
        created_at=timezone.now() - timedelta(days=365 * 2 + 1)
    )
    assert anniversaries_pass() == 1
    anniversaries_pass()
    (entry,) = entries(alice.customer)
    assert (entry.rule, entry.points, entry.source_id) == (RuleKey.ANNIVERSARY, 100, "2")


def test_a_gap_in_the_log_is_looked_at_again(alice):
    """An interaction whose transaction committed after the pass went past its id (PostgreSQL
    takes ids before commit) is found when the pass looks at the remembered gap."""
    buy(alice.customer, "10.00", "ORD-LATE")
    late = Interaction.objects.get(kind=InteractionKind.PURCHASE)
    cursor, _ = Cursor.objects.get_or_create(name=earning.CURSOR)
    cursor.last_interaction_id = late.pk
    cursor.gaps = [[late.pk, late.pk, timezone.now().isoformat()]]
    cursor.save()
    interactions_process()
    assert balance(alice.customer) == 10
    assert earning._gaps_after(3, [5, 6, 9]) == [(4, 4), (7, 8)]


def test_an_old_gap_is_forgotten(alice):
    cursor, _ = Cursor.objects.get_or_create(name=earning.CURSOR)
    cursor.gaps = [[10**9, 10**9, (timezone.now() - timedelta(hours=1)).isoformat()]]
    cursor.save()
    interactions_process()
    cursor.refresh_from_db()
    assert cursor.gaps == []


def test_a_failing_interaction_does_not_stop_the_pass(alice, bob, monkeypatch):
    buy(alice.customer, "10.00", "ORD-A")
    buy(bob.customer, "20.00", "ORD-B")
    real = earning.HANDLERS[InteractionKind.PURCHASE]

    def flaky(event):
        if event.customer_id == alice.customer.pk:
            raise RuntimeError("boom")
        real(event)

    monkeypatch.setitem(earning.HANDLERS, InteractionKind.PURCHASE, flaky)
    interactions_process()
    assert balance(bob.customer) == 20 and balance(alice.customer) == 0


def test_a_bulk_import_runs_the_pass_once(alice, django_capture_on_commit_callbacks, monkeypatch):
    """One signal per imported row; the first runs the pass (which covers every row of the
    committed batch), the others are skipped without a query."""
    from decimal import Decimal

    from loyalty import tasks
    from portal.services.purchases import PurchaseRow, purchases_import

    runs = []
    real = tasks.interactions_process
    monkeypatch.setattr(tasks, "interactions_process", lambda: runs.append(1) or real())
    rows = [
        PurchaseRow(
            alice.customer.customer_ref, timezone.now(), Decimal("2.00"), "EUR", None, f"B-{n}"
        )
        for n in range(30)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        purchases_import(rows=rows)
    assert balance(alice.customer) == 60
    assert len(runs) == 1
