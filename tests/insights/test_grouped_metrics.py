"""Grouped metrics computed the way the dashboard, the API and the command compute them.

The metrics share aggregates inside ``shared_queries`` under keys that name the period and
the segment. A segment of explicit customers used to compare equal to the whole population
(its customer set was left out of the comparison), so inside that block the incident-impact
groups all read the population's churn and repeat rate. Each test here computes inside the
block, next to other segments, and checks against a hand count or a standalone computation.
"""

from __future__ import annotations

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from insights.dashboard import dashboard
from insights.metrics import METRICS, Period, Segment, incident_impact, report, shared_queries
from insights.metrics.incidents import incident_groups
from insights.models import SurveyKind
from outages.models import CompensationGrant, CompensationOffer, Incident, IncidentAudience
from portal.models import ApiToken, Customer, Organisation, Product
from portal.services.tokens import api_token_create
from tests.insights.conftest import answer, at, buy, customer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("utc")]

Q1 = Period(date(2026, 1, 1), date(2026, 3, 31))

# customers, churn (lost / active at start), NPS, repeat (2+ orders / buyers in Q1)
EXPECTED = {
    "affected": (3, 1 / 3, 100 * (2 - 1) / 3, 1 / 2),  # b lost; promoters a, c; a repeats
    "unaffected": (2, 1 / 2, 100 * (0 - 1) / 2, 1.0),  # e lost; e detracts; d repeats
    "compensated": (1, 0.0, 100.0, 1.0),  # a
    "not_compensated": (2, 1 / 2, 0.0, 0.0),  # b, c
}


@pytest.fixture
def outage(settings):
    """An incident published and started in Q1 affects a, b and c; a was compensated.
    90-day window: active at Jan 1 = an order since Oct 3; at Apr 1 = an order since Jan 1.
    The population (a-e): churn 2/5, repeat rate 2/3, different from every group."""
    settings.INSIGHTS_INACTIVITY_DAYS = 90
    a, b, c, d, e = (customer(name) for name in "abcde")
    for who, when in [
        (a, at(2025, 12, 1)),
        (a, at(2026, 2, 10)),
        (a, at(2026, 3, 20)),  # a: retained, two orders in Q1
        (b, at(2025, 12, 15)),  # b: lost (nothing since)
        (c, at(2025, 11, 1)),
        (c, at(2026, 3, 1)),  # c: retained, one order in Q1
        (d, at(2025, 12, 20)),
        (d, at(2026, 1, 5)),
        (d, at(2026, 1, 6)),  # d: retained, two orders in Q1
        (e, at(2025, 10, 20)),  # e: lost
    ]:
        buy(who, when, 50)
    for who, score in [(a, 10), (b, 2), (c, 9), (d, 8), (e, 0)]:
        answer(who, SurveyKind.NPS, score, at(2026, 2, 20))
    incident = Incident.objects.create(
        title="Fibre down",
        impact=Incident.Impact.MAJOR,
        starts_at=at(2026, 2, 1),
        published_at=at(2026, 2, 1, 13),
    )
    for who in (a, b, c):
        IncidentAudience.objects.create(incident=incident, customer=who)
    CompensationGrant.objects.create(
        incident=incident, customer=a, kind=CompensationOffer.Kind.CREDIT, amount=10
    )
    return {"a": a, "b": b, "c": c, "d": d, "e": e}


def _command_rows() -> list[dict]:
    out = StringIO()
    call_command("metrics", "--json", "--start", "2026-01-01", "--end", "2026-03-31", stdout=out)
    return json.loads(out.getvalue())["incident_impact"]


def _api_rows(client, agent) -> list[dict]:
    _token, raw = api_token_create(name="t", kind=ApiToken.Kind.PERSONAL, user=agent)
    response = client.get(
        "/api/v1/metrics?start=2026-01-01&end=2026-03-31", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert response.status_code == 200
    return response.json()["incident_impact"]


WAYS = {
    "alone": lambda client, agent: incident_impact(Q1, Segment()),
    "report": lambda client, agent: report(Q1, Segment())["incident_impact"],
    "dashboard": lambda client, agent: dashboard(Q1, Segment()).incidents,
    "command": lambda client, agent: _command_rows(),
    "api": _api_rows,
}


@pytest.mark.parametrize("way", WAYS)
def test_incident_impact_by_hand_every_way_it_is_read(outage, client, ada, way):
    rows = {row["group"]: row for row in WAYS[way](client, ada)}
    for group, (customers, churn, nps_value, repeat) in EXPECTED.items():
        row = rows[group]
        assert row["customers"] == customers, group
        assert row["churn_rate"] == pytest.approx(churn), group
        assert row["nps"] == pytest.approx(nps_value), group
        assert row["repeat_customer_rate"] == pytest.approx(repeat), group


def test_incident_groups_keep_the_segments_product(outage):
    """A product segment's groups count only the product's orders (the groups used to
    drop every filter but the channel)."""
    fibre = Product.objects.create(name="Fibre", slug="fibre")
    other = Product.objects.create(name="Mobile", slug="mobile")
    a, d = outage["a"], outage["d"]
    buy(a, at(2026, 1, 10), 20, product=fibre)
    buy(a, at(2026, 1, 11), 20, product=other)
    buy(d, at(2026, 1, 12), 20, product=fibre)
    buy(d, at(2026, 1, 13), 20, product=fibre)
    with shared_queries():
        rows = {row["group"]: row for row in incident_impact(Q1, Segment(product=fibre.pk))}
    # affected buyers of fibre in Q1: a (one fibre order); unaffected: d (two fibre orders)
    assert rows["affected"]["customers"] == 1
    assert rows["affected"]["repeat_customer_rate"] == pytest.approx(0.0)
    assert rows["unaffected"]["repeat_customer_rate"] == pytest.approx(1.0)


def test_segments_of_different_customers_never_share_a_result(outage):
    one = Customer.objects.filter(pk=outage["a"].pk)
    same_rows = Customer.objects.filter(pk=outage["a"].pk)
    assert Segment(customers=one) == Segment(customers=one)
    assert hash(Segment(customers=one)) == hash(Segment(customers=one))
    assert Segment(customers=one) != Segment(customers=same_rows)  # another set object
    assert Segment(customers=one) != Segment()
    assert Segment(customers=one, channel="web") != Segment(customers=one)


def test_every_metric_of_interleaved_segments_matches_its_standalone_value(outage):
    """The class of the bug: inside one ``shared_queries`` block, every metric of every
    kind of segment (everyone, an organisation, a product, explicit groups) is the number
    it has when computed on its own."""
    acme = Organisation.objects.create(name="Acme", slug="acme")
    for name in "ab":
        outage[name].organisation = acme
        outage[name].save(update_fields=["organisation"])
    fibre = Product.objects.create(name="Fibre", slug="fibre")
    buy(outage["c"], at(2026, 2, 2), 30, product=fibre)
    segments = [Segment(), Segment(organisation=acme.pk), Segment(product=fibre.pk)]
    segments += [group for _key, _label, group in incident_groups(Q1, Segment())]
    alone = {
        (index, name): metric(Q1, segment)
        for index, segment in enumerate(segments)
        for name, metric in METRICS.items()
    }
    with shared_queries():
        together = {
            (index, name): metric(Q1, segment)
            for name, metric in METRICS.items()
            for index, segment in enumerate(segments)
        }
    for key, expected in alone.items():
        assert together[key] == (pytest.approx(expected) if expected is not None else None), key
