"""Daily rollups: the same numbers as the live queries, idempotent re-runs, today live, and
late rows taken in on a re-run."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from insights.metrics import METRICS, Period, Segment, engagement_by_channel, report
from insights.metrics import rollup as rollups
from insights.models import (
    CustomerActivity,
    DailyActiveCustomers,
    DailyBuyers,
    DailyInteractions,
    DailyPurchases,
    DailySurveys,
    RollupDay,
    SurveyKind,
)
from insights.services.rollups import RollupError, rollup_day, rollup_pending, rollup_run
from portal.models import Channel, Interaction, InteractionKind
from tests.insights.conftest import answer, buy, customer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("utc")]
K = InteractionKind


def ago(days: int, hour: int = 12) -> datetime:
    """``days`` before today at ``hour`` o'clock (today: ``days=0``)."""
    day = timezone.localdate() - timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hour)))


def touch(who, kind, when, channel=Channel.WEB, **metadata):
    return Interaction.objects.create(
        kind=kind, channel=channel, customer=who, occurred_at=when, metadata=metadata
    )


@pytest.fixture
def activity():
    """Ten days of everything, for alice, bob, carol and an anonymous visitor."""
    alice, bob, carol = customer("alice"), customer("bob"), customer("carol")
    buy(alice, ago(40), 80)  # before the period: cohort, acquisition, lifespan
    for days, who, amount in [
        (9, alice, 100),
        (9, alice, 20),  # two orders on one day
        (7, bob, 30),
        (6, bob, -30),  # refund
        (4, carol, 55.5),
        (2, alice, 10),
        (0, bob, 70),  # today
    ]:
        buy(who, ago(days, 10), amount)
    for days, who, kind, channel, meta in [
        (9, alice, K.KB_VIEW, Channel.WEB, {}),
        (9, alice, K.TICKET_OPEN, Channel.EMAIL, {}),
        (8, bob, K.DEFLECTION, Channel.WEB, {}),
        (8, None, K.KB_VIEW, Channel.WEB, {}),  # anonymous
        (
            7,
            alice,
            K.TICKET_RESOLVED,
            Channel.EMAIL,
            {"first_contact_resolution": True, "sla_met": True},
        ),
        (
            5,
            bob,
            K.TICKET_RESOLVED,
            Channel.WEB,
            {"first_contact_resolution": False, "sla_met": False},
        ),
        (5, carol, K.CATALOGUE_REQUEST, Channel.WEB, {}),
        (4, carol, K.CATALOGUE_FULFILLED, Channel.WEB, {"automated": True}),
        (3, carol, K.LOGIN, Channel.API, {}),
        (2, alice, K.LOGIN, Channel.WEB, {}),
        (1, bob, K.SEARCH, Channel.PHONE, {}),
        (0, carol, K.LOGIN, Channel.WEB, {}),  # today
        (0, alice, K.CHAT, Channel.CHAT, {}),  # today
    ]:
        touch(who, kind, ago(days), channel, **meta)
    for days, who, kind, score in [
        (9, alice, SurveyKind.NPS, 10),
        (6, bob, SurveyKind.NPS, 3),
        (5, carol, SurveyKind.NPS, 8),
        (4, alice, SurveyKind.CSAT, 5),
        (3, bob, SurveyKind.CSAT, 2),
        (2, carol, SurveyKind.CES, 6),
        (0, alice, SurveyKind.NPS, 9),  # today
    ]:
        answer(who, kind, score, ago(days))
    return alice, bob, carol


def periods() -> list[Period]:
    today = timezone.localdate()
    return [
        Period(today - timedelta(days=9), today),  # rolled part + today live
        Period(today - timedelta(days=8), today - timedelta(days=3)),  # closed days only
        Period(today - timedelta(days=4), today - timedelta(days=4)),  # one day
    ]


def snapshot() -> list:
    out = []
    for period in periods():
        numbers = report(period, Segment())
        out.append(
            (
                {name: numbers[name] for name in METRICS},
                numbers["engagement_by_channel"],
                numbers["cohort_retention"],
                numbers["lifecycle_stages"],
                engagement_by_channel(period, Segment(channel=Channel.WEB)),
                METRICS["engagement"](period, Segment(channel=Channel.WEB)),
            )
        )
    return out


def test_rollups_give_the_same_numbers_as_the_live_queries(activity):
    live = snapshot()
    summary = rollup_run()
    assert summary["days"] == 40  # from the first purchase (40 days ago) to yesterday
    assert rollups.split(periods()[0])[0] is not None  # the rollups are read now
    assert snapshot() == live


def test_the_rolled_up_numbers_by_hand(activity):
    rollup_run()
    today = timezone.localdate()
    closed = Period(today - timedelta(days=9), today - timedelta(days=1))
    # orders 100, 20, 30, 55.5, 10 (5); net revenue 215.5 - 30 = 185.5; buyers alice, bob,
    # carol (3; alice twice on day -9 and again on day -2)
    assert METRICS["purchase_frequency"](closed) == pytest.approx(5 / 3)
    assert METRICS["average_order_value"](closed) == pytest.approx(185.5 / 5)
    # interactions of customers 10 (the anonymous one is not engagement), 3 customers
    assert METRICS["engagement"](closed) == pytest.approx(10 / 3)
    # deflection 1 / (1 + 1 ticket opened)
    assert METRICS["deflection_rate"](closed) == pytest.approx(0.5)
    assert METRICS["first_contact_resolution"](closed) == pytest.approx(0.5)
    assert METRICS["sla_compliance"](closed) == pytest.approx(0.5)
    assert METRICS["catalogue_automation_rate"](closed) == pytest.approx(1.0)
    # NPS 10, 3, 8: (1 - 1) / 3 = 0
    assert METRICS["nps"](closed) == pytest.approx(0.0)
    assert METRICS["csat"](closed) == pytest.approx(0.5)


def test_rerunning_replaces_days_and_never_double_counts(activity):
    rollup_run()
    tables = (
        DailyInteractions,
        DailyActiveCustomers,
        DailyPurchases,
        DailyBuyers,
        DailySurveys,
        RollupDay,
        CustomerActivity,
    )
    before = {model: model.objects.count() for model in tables}
    numbers = snapshot()
    rollup_run()
    rollup_day(day=timezone.localdate() - timedelta(days=9))
    assert {model: model.objects.count() for model in tables} == before
    assert snapshot() == numbers
    day = DailyPurchases.objects.get(day=timezone.localdate() - timedelta(days=9))
    assert (day.orders, float(day.revenue)) == (2, 120.0)


def test_today_is_live(activity):
    alice, bob, _carol = activity
    rollup_run()
    period = periods()[0]
    orders_before = METRICS["purchase_frequency"](period) * 3  # 6 orders, 3 buyers
    buy(alice, ago(0, 11), 5)
    touch(bob, K.KB_VIEW, ago(0, 13), Channel.COMMUNITY)
    answer(bob, SurveyKind.NPS, 0, ago(0, 14))
    # 7 orders by the same 3 buyers; NPS today: 10, 3, 8, 9, 0 -> (2 - 2) / 5 = 0
    assert METRICS["purchase_frequency"](period) == pytest.approx((orders_before + 1) / 3)
    assert METRICS["nps"](period) == pytest.approx(0.0)
    channels = {row["channel"]: row for row in engagement_by_channel(period, Segment())}
    assert channels["community"]["customers"] == 1
    assert not RollupDay.objects.filter(day=timezone.localdate()).exists()


def test_a_late_purchase_gets_in_on_a_rerun(activity):
    _alice, _bob, carol = activity
    rollup_run()
    closed = periods()[1]  # -8 .. -3
    assert METRICS["purchase_frequency"](closed) == pytest.approx(1.0)  # bob 30, carol 55.5
    buy(carol, ago(6, 9), 45)  # imported late for a rolled-up day
    # not in yet: the closed days are read from the rollups
    assert METRICS["purchase_frequency"](closed) == pytest.approx(1.0)
    call_command("insights_rollup", "--since", (timezone.localdate() - timedelta(6)).isoformat())
    # 3 orders by 2 buyers; carol's first order is now 6 days ago
    assert METRICS["purchase_frequency"](closed) == pytest.approx(1.5)
    assert CustomerActivity.objects.get(customer=carol).first_order_at == ago(6, 9)


def test_a_period_with_a_day_not_rolled_up_is_live(activity):
    alice, _bob, _carol = activity
    rollup_run()
    period = periods()[1]
    RollupDay.objects.filter(day=timezone.localdate() - timedelta(days=5)).delete()
    assert rollups.split(period) == (None, period)
    buy(alice, ago(4, 9), 1)  # live: seen at once
    # orders 30, 55.5 and 1, net of bob's refund of 30: 56.5 / 3
    assert METRICS["average_order_value"](period) == pytest.approx(56.5 / 3)


def test_only_closed_days_are_rolled_up(activity):
    with pytest.raises(RollupError):
        rollup_day(day=timezone.localdate())
    with pytest.raises(CommandError):
        call_command("insights_rollup", "--until", timezone.localdate().isoformat())
    with pytest.raises(CommandError):
        call_command("insights_rollup", "--since", "yesterday")
    with pytest.raises(CommandError):
        call_command("insights_rollup", "--since", "2026-02-10", "--until", "2026-02-01")
    assert not RollupDay.objects.exists()


def test_the_periodic_pass_rolls_missing_days_then_replays_the_last_ones(activity):
    first = rollup_pending(max_days=30)
    assert first == {"rolled": 30, "replayed": 0}
    second = rollup_pending(max_days=30)
    assert second == {"rolled": 10, "replayed": 0}  # caught up to yesterday; fresh rollups
    RollupDay.objects.update(rolled_at=timezone.now() - timedelta(hours=2))
    assert rollup_pending() == {"rolled": 0, "replayed": 3}
    call_command("insights_rollup", "--pending", stdout=(out := StringIO()))
    assert "rolled up 0 days" in out.getvalue()


def test_the_rollup_keeps_each_customers_last_active_day(activity):
    from insights.models import CustomerChannelActivity

    alice, bob, _carol = activity
    today = timezone.localdate()
    rollup_day(day=today - timedelta(days=9))  # the day path first: alice's day -9 only
    assert CustomerActivity.objects.get(customer=alice).last_active_day == today - timedelta(9)
    rollup_run()  # then the range: today's chat is not rolled up (today is live)
    assert CustomerActivity.objects.get(customer=alice).last_active_day == today - timedelta(2)
    assert CustomerActivity.objects.get(customer=bob).last_active_day == today - timedelta(1)
    email = CustomerChannelActivity.objects.get(customer=alice, channel=Channel.EMAIL)
    assert email.last_day == today - timedelta(days=7)
    rollup_day(day=today - timedelta(days=9))  # re-rolling an old day moves nothing back
    assert CustomerActivity.objects.get(customer=alice).last_active_day == today - timedelta(2)


def test_community_answer_rate_from_the_thread_rollup(activity):
    from django.contrib.contenttypes.models import ContentType

    from insights.models import CommunityThread
    from portal.models import Product

    alice, bob, _carol = activity
    kind = ContentType.objects.get_for_model(Product)

    def forum(who, days, number, *, start=None, answer=False):
        return Interaction.objects.create(
            kind=K.FORUM_ANSWER if answer else K.FORUM_POST,
            channel=Channel.COMMUNITY,
            customer=who,
            occurred_at=ago(days),
            target_type=kind,
            target_id=str(number),
            metadata={"thread_kind": start} if start else {"post": 1},
        )

    forum(alice, 8, 1, start="question")
    forum(bob, 6, 1, answer=True)  # answered two days later
    forum(alice, 7, 2, start="question")
    forum(bob, 0, 2, answer=True)  # answered today (live)
    forum(alice, 5, 3, start="discussion")
    forum(bob, 5, 3)  # a reply in the discussion: its answer
    forum(alice, 4, 4, start="question")  # never answered
    forum(alice, 0, 5, start="question")  # started today
    forum(bob, 0, 5, answer=True)
    period = periods()[0]
    live = METRICS["community_answer_rate"](period)
    assert live == pytest.approx(4 / 5)  # threads 1, 2, 3, 5 of 1-5
    rollup_run()
    assert CommunityThread.objects.count() == 4  # thread 5 starts today: not rolled up
    assert CommunityThread.objects.get(target_id="1").answered_on == ago(6).date()
    assert CommunityThread.objects.get(target_id="2").answered_on is None  # today's answer
    assert rollups.split(period)[0] is not None
    assert METRICS["community_answer_rate"](period) == pytest.approx(4 / 5)
    closed = periods()[1]  # days -8..-3: threads 1-4, answered 1 and 3 by then, 2 today
    assert METRICS["community_answer_rate"](closed) == pytest.approx(3 / 4)
    web = Segment(channel=Channel.WEB)
    assert METRICS["community_answer_rate"](period, web) is None  # all on the community
    rollup_run()  # again: the same rows
    assert CommunityThread.objects.count() == 4


def test_free_orders_are_orders_in_the_rollups_as_live(activity):
    alice, _bob, carol = activity
    dan = customer("dan")
    buy(dan, ago(8, 10), 0)  # free orders only: a buyer all the same
    buy(dan, ago(3, 10), 0)
    buy(carol, ago(2, 10), 0)  # carol's second order, a free one
    buy(alice, ago(0, 9), 0)  # today (live), free
    live = snapshot()
    rollup_run()
    assert rollups.split(periods()[0])[0] is not None  # the rollups are read now
    assert snapshot() == live
    today = timezone.localdate()
    closed = Period(today - timedelta(days=9), today - timedelta(days=1))
    # orders 100, 20, 30, 55.5, 10 and the free 0, 0, 0 (8); buyers alice, bob, carol, dan
    # (4); net revenue 185.5 over 8 orders
    assert METRICS["purchase_frequency"](closed) == pytest.approx(8 / 4)
    assert METRICS["average_order_value"](closed) == pytest.approx(185.5 / 8)
    assert METRICS["repeat_customer_rate"](closed) == pytest.approx(3 / 4)  # alice, carol, dan
    day = DailyPurchases.objects.get(day=today - timedelta(days=8))
    assert (day.orders, day.refunds, float(day.revenue)) == (1, 0, 0.0)
    assert DailyBuyers.objects.filter(day=today - timedelta(days=3)).exists()
    assert CustomerActivity.objects.get(customer=dan).first_order_at == ago(8, 10)
    assert CustomerActivity.objects.get(customer=dan).second_order_at == ago(3, 10)
    # today's orders (bob's 70, alice's free one) are live: 10 orders by the same 4 buyers
    assert METRICS["purchase_frequency"](periods()[0]) == pytest.approx(10 / 4)
