"""Badges: one registry (portal.badges), awarded once, loyalty's and community's rules,
shown on the member page, next to authors' names and to agents."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from community.models import Category
from community.services import answer_accept, post_answer, thread_ask, vote_cast
from loyalty.models import Referral
from loyalty.services.badges import badges_pass
from portal import badges as registry
from portal.models import BadgeAward, Customer

from .f_helpers import buy, earn


def codes(user) -> set[str]:
    return {award.code for award in registry.badges_of(user)}


def test_first_purchase_badge_is_awarded_once(alice, bob):
    buy(alice.customer, "10.00", "B-1")
    badges_pass()
    badges_pass()
    assert "first-purchase" in codes(alice) and "first-purchase" not in codes(bob)
    assert BadgeAward.objects.filter(user=alice, badge__code="first-purchase").count() == 1


def test_a_refund_is_not_a_first_purchase(alice):
    buy(alice.customer, "-10.00", "B-R")
    badges_pass()
    assert "first-purchase" not in codes(alice)


def test_one_year_a_customer(alice, bob):
    Customer.objects.filter(pk=alice.customer.pk).update(
        created_at=timezone.now() - timedelta(days=366)
    )
    badges_pass()
    assert "one-year" in codes(alice) and "one-year" not in codes(bob)


def test_referral_champion_needs_three_converted_referrals(alice, amy, bob, carol):
    from tests.conftest import make_customer

    for n, friend in enumerate((amy, bob, carol)):
        status = Referral.Status.CONVERTED if n < 2 else Referral.Status.PENDING
        Referral.objects.create(referrer=alice.customer, referred=friend.customer, status=status)
    badges_pass()
    assert "referral-champion" not in codes(alice)
    Referral.objects.create(
        referrer=alice.customer,
        referred=make_customer(None, ref="C-FRIEND"),
        status=Referral.Status.CONVERTED,
    )
    badges_pass()
    assert "referral-champion" in codes(alice)


def test_points_collector_and_top_tier(alice):
    earn(alice.customer, 2500)
    badges_pass()
    assert {"points-collector", "top-tier"} <= codes(alice)


def test_a_badge_is_never_taken_back(alice):
    earn(alice.customer, 2500)
    badges_pass()
    from loyalty.models import PointsEntry

    PointsEntry.objects.filter(customer=alice.customer).delete()
    badges_pass()
    assert "points-collector" in codes(alice)


def test_a_broken_rule_does_not_stop_the_others(alice, monkeypatch):
    def broken(user_ids):
        raise RuntimeError("boom")

    rules = dict(registry._rules)
    monkeypatch.setattr(registry, "_rules", rules)
    registry.badge_rule_register("broken", "Broken", "Never", broken, order=0)
    buy(alice.customer, "10.00", "B-2")
    badges_pass()
    assert "first-purchase" in codes(alice) and "broken" not in codes(alice)


def test_unknown_badge_is_a_programming_error(alice):
    with pytest.raises(ValueError):
        registry.badge_award(user_ids=[alice.pk], code="no-such-badge")


# --- community's badges on the same mechanism ----------------------------------------------------
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


def test_community_badges_come_with_the_event(forum, alice, bob):
    thread = thread_ask(author=alice, category=forum, title="Router reboots", body="Why?")
    assert "first-question" in codes(alice)
    post = post_answer(thread=thread, author=bob, body="Update the firmware.")
    assert "first-answer" in codes(bob) and "accepted" not in codes(bob)
    answer_accept(thread=thread, post=post, user=alice)
    assert "accepted" in codes(bob)


def test_helpful_voter_counts_upvotes(forum, alice, bob, carol):
    thread = thread_ask(author=alice, category=forum, title="Many answers here", body="?")
    posts = [post_answer(thread=thread, author=bob, body=f"Answer number {n}") for n in range(10)]
    for post in posts[:9]:
        vote_cast(post=post, voter=carol, value=1)
    vote_cast(post=posts[9], voter=carol, value=-1)  # a downvote is not an upvote
    assert "helpful-voter" not in codes(carol)
    vote_cast(post=posts[9], voter=carol, value=1)
    assert "helpful-voter" in codes(carol)


def test_badges_are_shown_on_the_forum_and_to_agents(forum, client_for, alice, bob, ada):
    from tickets.services import ticket_open

    thread = thread_ask(author=alice, category=forum, title="Router reboots", body="Why?")
    post_answer(thread=thread, author=bob, body="Update the firmware.")
    page = client_for(None).get(thread.get_absolute_url()).content.decode()
    assert "badge-author" in page and "First answer" in page and "Curious" in page
    member = client_for(None).get(reverse("community:member", args=["bob-baker"]))
    assert "First answer" in member.content.decode()
    ticket = ticket_open(customer=bob.customer, opened_by=bob, subject="Help", body="Please.")
    desk = client_for(ada).get(ticket.get_desk_url()).content.decode()
    assert "First answer" in desk
