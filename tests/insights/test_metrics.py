"""Every metric against a small data set whose expected numbers are worked out by hand from
the formula (the arithmetic is in each test's comments)."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from insights.metrics import (
    METRICS,
    Period,
    Segment,
    cohort_retention,
    engagement_by_channel,
)
from insights.metrics.lifecycle import lifecycle_counts
from insights.models import SurveyKind
from portal.models import Channel, Interaction, InteractionKind, Organisation, Product, Subscription
from tests.insights.conftest import answer, at, buy, customer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("utc")]

JAN = Period(date(2026, 1, 1), date(2026, 1, 31))
Q1 = Period(date(2026, 1, 1), date(2026, 3, 31))


def value(name: str, period: Period = JAN, segment: Segment | None = None):
    return METRICS[name](period, segment or Segment())


# --- surveys ------------------------------------------------------------------------------
def test_nps_promoters_minus_detractors():
    a = customer("a")
    for score in (10, 9, 9, 8, 3):
        answer(a, SurveyKind.NPS, score, at(2026, 1, 10))
    answer(a, SurveyKind.NPS, 0, at(2025, 12, 31, 23, 59))  # before the period
    answer(a, SurveyKind.CSAT, 1, at(2026, 1, 10))  # another kind
    # promoters 3 (10, 9, 9), detractors 1 (3), answers 5: 100 * (3 - 1) / 5 = 40
    assert value("nps") == pytest.approx(40.0)


def test_survey_metrics_without_answers_are_none():
    a = customer("a")
    answer(a, SurveyKind.NPS, 10, at(2025, 6, 1))
    for name in ("nps", "csat", "ces", "share_of_wallet", "customer_loyalty_index"):
        assert value(name) is None, name


def test_csat_share_of_four_and_five():
    a = customer("a")
    for score in (5, 4, 3, 1):
        answer(a, SurveyKind.CSAT, score, at(2026, 1, 3))
    assert value("csat") == pytest.approx(0.5)  # 2 of 4


def test_ces_mean():
    a = customer("a")
    for score in (7, 5, 6):
        answer(a, SurveyKind.CES, score, at(2026, 1, 3))
    assert value("ces") == pytest.approx(6.0)  # (7 + 5 + 6) / 3


def test_share_of_wallet_capped_and_net_of_refunds():
    a, b = customer("a"), customer("b")
    buy(a, at(2025, 6, 1), 300)
    buy(a, at(2025, 8, 1), 100)
    buy(a, at(2025, 9, 1), -50)  # refund
    buy(a, at(2024, 12, 1), 999)  # more than 365 days before the answer: not counted
    answer(a, SurveyKind.NPS, 9, at(2026, 1, 15), category_spend=1000)
    buy(b, at(2026, 1, 2), 500)
    answer(b, SurveyKind.NPS, 9, at(2026, 1, 15), category_spend=100)
    answer(b, SurveyKind.NPS, 9, at(2026, 1, 16))  # no stated spend: not counted
    # a: 350 / 1000 = 0.35; b: min(1, 500 / 100) = 1; mean 0.675
    assert value("share_of_wallet") == pytest.approx(0.675)


def test_customer_loyalty_index():
    a = customer("a")
    answer(
        a,
        SurveyKind.NPS,
        9,
        at(2026, 1, 5),
        likely_recommend=10,
        likely_try_other=8,
        likely_return=6,
    )
    answer(
        a,
        SurveyKind.NPS,
        5,
        at(2026, 1, 6),
        likely_recommend=5,
        likely_try_other=5,
        likely_return=5,
    )
    answer(a, SurveyKind.NPS, 5, at(2026, 1, 7), likely_recommend=5)  # incomplete: ignored
    # (24 / 30 + 15 / 30) / 2 = (0.8 + 0.5) / 2 = 0.65
    assert value("customer_loyalty_index") == pytest.approx(0.65)


# --- purchases ----------------------------------------------------------------------------
@pytest.fixture
def orders():
    a, b, c = customer("a"), customer("b"), customer("c")
    buy(a, at(2025, 1, 20), 80)  # before January: lifespan only
    buy(a, at(2026, 1, 5), 100)
    buy(a, at(2026, 1, 20), 50)
    buy(b, at(2026, 1, 10), 30)
    buy(b, at(2026, 1, 12), -30)  # a refund: revenue, not an order
    buy(c, at(2025, 12, 1), 40)  # December only
    return a, b, c


def test_purchase_metrics(orders):
    # January: orders 3 (100, 50, 30), net revenue 150, customers with an order 2 (a, b)
    assert value("repeat_customer_rate") == pytest.approx(0.5)  # a only, of 2
    assert value("purchase_frequency") == pytest.approx(1.5)  # 3 / 2
    assert value("average_order_value") == pytest.approx(50.0)  # 150 / 3


def test_historical_clv(orders):
    # AOV 50; frequency 1.5 per 31 days = 1.5 * 365.25 / 31 per year; lifespans (first to
    # last order, up to Jan 31): a 365 days (2025-01-20 to 2026-01-20), b 0, c 0, mean
    # 365 / 3 days = (365 / 3) / 365.25 years. CLV = 50 * 1.5 * 365 / (3 * 31) = 294.3548...
    assert value("customer_lifetime_value") == pytest.approx(50 * 1.5 * 365 / 93)


def test_one_purchase_customer_has_zero_lifespan():
    a = customer("a")
    buy(a, at(2026, 1, 5), 100)
    assert value("customer_lifetime_value") == pytest.approx(0.0)
    assert value("repeat_customer_rate") == pytest.approx(0.0)


def test_purchase_metrics_without_orders_are_none():
    assert value("average_order_value") is None
    assert value("purchase_frequency") is None
    assert value("repeat_customer_rate") is None
    assert value("customer_lifetime_value") is None


def test_product_segment_counts_only_that_products_orders(orders):
    a, _b, _c = orders
    router = Product.objects.create(name="Router", slug="router")
    buy(a, at(2026, 1, 25), 200, product=router)
    segment = Segment(product=router.pk)
    # only a bought the router: 1 order of 200
    assert value("average_order_value", segment=segment) == pytest.approx(200.0)
    assert value("purchase_frequency", segment=segment) == pytest.approx(1.0)


# --- customers ----------------------------------------------------------------------------
@pytest.fixture
def base(settings):
    """Q1 2026 with a 90-day inactivity window (see the test for who is what)."""
    settings.INSIGHTS_INACTIVITY_DAYS = 90
    fibre = Product.objects.create(name="Fibre", slug="fibre")
    people = {name: customer(name) for name in "pqrstu"}
    p, q, r, s, t, u = people.values()
    buy(p, at(2025, 12, 1), 100)
    buy(p, at(2026, 3, 15), 120)
    buy(q, at(2025, 11, 15), 50)
    Subscription.objects.create(
        customer=r,
        product=fibre,
        since=at(2025, 6, 1),
        ended_at=at(2026, 2, 1),
        status=Subscription.Status.CANCELLED,
    )
    buy(s, at(2025, 12, 20), 50)
    buy(s, at(2026, 2, 10), 40)
    Subscription.objects.create(
        customer=s,
        product=fibre,
        since=at(2025, 1, 1),
        ended_at=at(2026, 3, 1),
        status=Subscription.Status.CANCELLED,
    )
    buy(t, at(2026, 2, 1), 70)
    buy(u, at(2025, 6, 1), 10)
    return people


def test_retention_and_churn(base):
    # At Jan 1: p (order Dec 1), q (Nov 15), r (live subscription), s (Dec 20 + live sub)
    # are active: S = 4; u's last order is too old. At Apr 1: p (Mar 15) and t (new,
    # Feb 1) are active: E = 2, N = 1. Lost: q (no order for 90 days), r (cancelled),
    # s (ordered Feb 10 but cancelled Mar 1, after that order): L = 3.
    assert value("retention_rate", Q1) == pytest.approx((2 - 1) / 4)
    assert value("churn_rate", Q1) == pytest.approx(3 / 4)


def test_no_customers_at_start_gives_none(base):
    early = Period(date(2020, 1, 1), date(2020, 1, 31))
    assert value("retention_rate", early) is None
    assert value("churn_rate", early) is None


def test_net_revenue_retention(base):
    # Existing customers (acquired before Jan 1): p, q, r, s, u. Q1 has 90 days, the
    # previous period is 2025-10-03..2025-12-31. Now: p 120 + s 40 = 160 (t is new: not
    # counted); before: p 100 + q 50 + s 50 = 200. NRR = 0.8
    assert value("net_revenue_retention", Q1) == pytest.approx(0.8)


def test_organisation_segment(base):
    acme = Organisation.objects.create(name="Acme", slug="acme")
    for name in "pq":
        base[name].organisation = acme
        base[name].save(update_fields=["organisation"])
    # Acme: p retained, q lost: retention (1 - 0) / 2, churn 1 / 2
    segment = Segment(organisation=acme.pk)
    assert value("retention_rate", Q1, segment) == pytest.approx(0.5)
    assert value("churn_rate", Q1, segment) == pytest.approx(0.5)


# --- engagement and service -----------------------------------------------------------------
def log(kind, who=None, when=None, channel=Channel.WEB, target=None, **metadata):
    return Interaction.objects.create(
        kind=kind,
        channel=channel,
        customer=who,
        occurred_at=when or at(2026, 1, 10),
        target_type=ContentType.objects.get_for_model(target) if target else None,
        target_id=str(target.pk) if target else "",
        metadata=metadata,
    )


def test_engagement_overall_and_by_channel():
    a, b = customer("a"), customer("b")
    for _i in range(3):
        log(InteractionKind.KB_VIEW, a)
    log(InteractionKind.EMAIL, a, channel=Channel.EMAIL)
    log(InteractionKind.KB_VIEW, b)
    log(InteractionKind.LOGIN, b)
    for _i in range(5):
        log(InteractionKind.KB_VIEW)  # anonymous visitors: not customers
    log(InteractionKind.KB_VIEW, a, when=at(2026, 2, 1))  # after the period
    # 6 interactions by 2 customers: 3.0; web 5 / 2 = 2.5, email 1 / 2 = 0.5
    assert value("engagement") == pytest.approx(3.0)
    rows = {row["channel"]: row for row in engagement_by_channel(JAN, Segment())}
    assert rows["web"]["per_active_customer"] == pytest.approx(2.5)
    assert rows["email"]["per_active_customer"] == pytest.approx(0.5)
    assert rows["email"]["customers"] == 1
    # the channel segment keeps only that channel: 1 email interaction by 1 customer
    assert value("engagement", segment=Segment(channel=Channel.EMAIL)) == pytest.approx(1.0)


def test_service_metrics():
    a = customer("a")
    for _i in range(3):
        log(InteractionKind.DEFLECTION, a)
    log(InteractionKind.TICKET_OPEN, a)
    for _i in range(4):
        log(InteractionKind.CATALOGUE_REQUEST, a)
    log(InteractionKind.CATALOGUE_FULFILLED, a, automated=True)
    log(InteractionKind.CATALOGUE_FULFILLED, a, automated=True)
    log(InteractionKind.CATALOGUE_FULFILLED, a, automated=False)
    log(InteractionKind.TICKET_RESOLVED, a, first_contact_resolution=True, sla_met=True)
    log(InteractionKind.TICKET_RESOLVED, a, first_contact_resolution=True, sla_met=False)
    log(InteractionKind.TICKET_RESOLVED, a, first_contact_resolution=False, sla_met=True)
    log(InteractionKind.TICKET_RESOLVED, a, first_contact_resolution=False, sla_met=None)
    assert value("deflection_rate") == pytest.approx(3 / 4)  # 3 / (3 + 1)
    assert value("catalogue_automation_rate") == pytest.approx(2 / 4)
    assert value("first_contact_resolution") == pytest.approx(2 / 4)
    assert value("sla_compliance") == pytest.approx(2 / 3)  # the one without SLA left out


def test_community_answer_rate():
    a = customer("a")
    threads = [Product.objects.create(name=f"T{i}", slug=f"t{i}") for i in range(4)]
    for thread in threads[:3]:  # as community records a new thread
        log(InteractionKind.FORUM_POST, a, target=thread, thread_kind="question", post=1)
    log(InteractionKind.FORUM_ANSWER, a, target=threads[0], when=at(2026, 2, 3))  # later: fine
    log(InteractionKind.FORUM_ANSWER, a, target=threads[1])
    log(InteractionKind.FORUM_ANSWER, a, target=threads[1])
    assert value("community_answer_rate") == pytest.approx(2 / 3)
    # a discussion: its replies are forum_post without thread_kind; they answer it and are
    # not new threads themselves
    log(InteractionKind.FORUM_POST, a, target=threads[3], thread_kind="discussion", post=2)
    log(InteractionKind.FORUM_POST, a, target=threads[3], post=3)
    log(InteractionKind.FORUM_POST, a, target=threads[3], post=4)
    assert value("community_answer_rate") == pytest.approx(3 / 4)


def test_community_answer_rate_with_the_community_services(alice, bob, settings):
    """The interactions ``community`` really records (the thread is the target)."""
    from community.models import Category, Thread
    from community.services.posting import post_answer, thread_ask

    settings.COMMUNITY_PREMODERATE_FIRST_POSTS = False
    category = Category.objects.create(name="Help", slug="help")
    asked = thread_ask(
        category=category, author=alice, title="How do I pair my router?", body="It blinks."
    )
    talk = thread_ask(
        category=category,
        author=alice,
        title="Show us your home network set-up",
        body="Mine is a mess.",
        kind=Thread.Kind.DISCUSSION,
    )
    thread_ask(category=category, author=bob, title="Nobody answers this one?", body="Hm.")
    post_answer(thread=asked, author=bob, body="Hold the button for five seconds.")
    post_answer(thread=talk, author=bob, body="Mine too, cables everywhere.")
    today = timezone.localdate()
    period = Period(today, today)
    # three threads started (the discussion's reply is not one), two answered
    assert METRICS["community_answer_rate"](period) == pytest.approx(2 / 3)


def test_service_metrics_without_data_are_none():
    for name in (
        "deflection_rate",
        "catalogue_automation_rate",
        "first_contact_resolution",
        "sla_compliance",
        "community_answer_rate",
        "engagement",
    ):
        assert value(name) is None, name


# --- lifecycle and cohorts ----------------------------------------------------------------
def test_lifecycle_stages(alice):
    fibre = Product.objects.create(name="Fibre", slug="fibre")
    advocate, loyal, once, subscriber = (customer(n) for n in ("adv", "ret", "one", "sub"))
    customer("lead")
    buy(advocate, at(2025, 12, 1), 10)
    answer(advocate, SurveyKind.NPS, 10, at(2026, 1, 5))
    buy(loyal, at(2025, 12, 1), 10)
    buy(loyal, at(2026, 1, 2), 10)
    buy(once, at(2026, 1, 2), 10)
    buy(once, at(2026, 1, 3), -10)  # a refund is not a second order
    Subscription.objects.create(customer=subscriber, product=fibre, since=at(2025, 5, 1))
    # alice: a login, nothing bought (acquisition); lead: no login, nothing (awareness)
    moment = timezone.now() + timezone.timedelta(days=1)  # records are created "now"
    assert lifecycle_counts(moment, Segment()) == {
        "awareness": 1,
        "acquisition": 1,
        "conversion": 2,
        "retention": 1,
        "advocacy": 1,
    }


def test_lifecycle_counts_only_records_that_existed(alice):
    once = customer("once")
    buy(once, at(2026, 1, 2), 10)  # imported today, but it ordered in January
    assert lifecycle_counts(JAN.end_at, Segment()) == {
        "awareness": 0,
        "acquisition": 0,  # alice's record is created after January
        "conversion": 1,
        "retention": 0,
        "advocacy": 0,
    }


def test_cohort_retention_table():
    a, b, c = customer("a"), customer("b"), customer("c")
    buy(a, at(2026, 1, 3), 10)
    buy(a, at(2026, 2, 3), 10)
    buy(b, at(2026, 1, 20), 10)
    buy(c, at(2026, 2, 5), 10)
    buy(c, at(2026, 3, 5), 10)
    buy(c, at(2026, 4, 5), 10)  # after the period
    table = cohort_retention(Q1, Segment())
    assert [(row["cohort"], row["size"], row["retention"]) for row in table] == [
        (date(2026, 1, 1), 2, [1.0, 0.5, 0.0]),
        (date(2026, 2, 1), 1, [1.0, 1.0]),
    ]


# --- time zones ---------------------------------------------------------------------------
def test_period_edges_follow_the_site_time_zone(settings):
    settings.TIME_ZONE = "Europe/Rome"
    a = customer("a")
    buy(a, at(2026, 1, 31, 23, 30), 100)  # 00:30 on Feb 1 in Rome
    buy(a, at(2025, 12, 31, 23, 30), 40)  # 00:30 on Jan 1 in Rome
    with timezone.override("Europe/Rome"):
        assert JAN.start_at.isoformat() == "2026-01-01T00:00:00+01:00"
        assert value("average_order_value") == pytest.approx(40.0)
        feb = Period(date(2026, 2, 1), date(2026, 2, 28))
        assert value("average_order_value", feb) == pytest.approx(100.0)


def test_period_rejects_end_before_start():
    with pytest.raises(ValueError):
        Period(date(2026, 2, 1), date(2026, 1, 1))


def test_every_metric_has_a_formula_and_docstring():
    for metric in METRICS.values():
        assert str(metric.formula).strip()
        assert metric.compute.__doc__ and "=" in metric.compute.__doc__, metric.name
