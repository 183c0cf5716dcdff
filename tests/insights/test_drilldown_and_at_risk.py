"""The customers behind a number (admin drill-down), the stored per-customer scores of the
last fit (value bands, the "valuable customers at risk" list on the admin and the desk,
proactive tickets), the value band segment and the customer timeline."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import numpy as np
import pytest
from django.utils import timezone

from insights.clv import AT_RISK_P_ALIVE, VALUE_BANDS, clv_fit, fit_save
from insights.metrics import METRICS, Period, Segment
from insights.metrics.drilldown import DRILLDOWNS, customers_behind
from insights.models import CustomerScore, SurveyKind, ValueBand
from portal.models import Interaction, InteractionKind
from tests.insights.conftest import answer, at, buy, customer
from tickets.models import Ticket

pytestmark = pytest.mark.django_db
URL = "/admin/insights/customers/"
Q1 = Period(date(2026, 1, 1), date(2026, 3, 31))


# --- drill-down ----------------------------------------------------------------------------
@pytest.fixture
def base(utc):
    """At Jan 1: p, q active (recent orders); at Apr 1: p (ordered in March) and t (new)."""
    p, q, t = customer("p"), customer("q"), customer("t")
    buy(p, at(2025, 12, 1), 10)
    buy(p, at(2026, 3, 15), 10)
    buy(p, at(2026, 3, 16), 10)
    buy(q, at(2025, 11, 15), 10)
    buy(t, at(2026, 2, 1), 10)
    answer(p, SurveyKind.NPS, 10, at(2026, 2, 1))
    answer(q, SurveyKind.NPS, 2, at(2026, 2, 1))
    return p, q, t


def refs(queryset) -> set[str]:
    return {c.name for c in queryset}


def test_the_lists_have_the_customers_the_metrics_count(base, settings):
    settings.INSIGHTS_INACTIVITY_DAYS = 90
    everyone = Segment()
    assert refs(customers_behind("active_start", Q1, everyone)) == {"p", "q"}
    assert refs(customers_behind("active_end", Q1, everyone)) == {"p", "t"}
    assert refs(customers_behind("new", Q1, everyone)) == {"t"}
    assert refs(customers_behind("churned", Q1, everyone)) == {"q"}
    assert METRICS["churn_rate"](Q1) == pytest.approx(1 / 2)  # the same q, of p and q
    assert refs(customers_behind("repeat", Q1, everyone)) == {"p"}
    assert refs(customers_behind("purchasing", Q1, everyone)) == {"p", "t"}
    assert refs(customers_behind("promoters", Q1, everyone)) == {"p"}
    assert refs(customers_behind("detractors", Q1, everyone)) == {"q"}
    assert refs(customers_behind("stage-advocacy", Q1, everyone)) == {"p"}  # a promoter
    assert refs(customers_behind("stage-conversion", Q1, everyone)) == {"q", "t"}
    assert set(DRILLDOWNS) >= {"churned", "at_risk", "stage-advocacy"}


def test_admin_drilldown_pages_and_export(client_for, root, base, settings):
    settings.INSIGHTS_INACTIVITY_DAYS = 90
    query = "?start=2026-01-01&end=2026-03-31&list=churned"
    response = client_for(root).get(URL + query)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Churned customers" in body and "/desk/insights/customers/T-q/" in body
    assert "/desk/insights/customers/T-p/" not in body
    exported = client_for(root).get(URL + query + "&format=csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode())))
    assert rows[0][0] == "Customer number" and [row[0] for row in rows[1:]] == ["T-q"]
    assert client_for(root).get(URL + query + "&format=xlsx").status_code == 200


def test_overview_links_tiles_to_their_customers(client_for, root, base):
    body = client_for(root).get("/admin/insights/?start=2026-01-01&end=2026-03-31").content
    assert b"list=churned" in body and b"list=detractors" in body and b"list=stage-advocacy" in body


def test_drilldown_refuses_bad_input(client_for, root, ada, base):
    assert client_for(root).get(URL + "?list=nonsense").status_code == 400
    assert client_for(root).get(URL + "?list=churned&start=nonsense").status_code == 400
    bad_format = client_for(root).get(URL + "?list=churned&format=pdf")
    assert bad_format.status_code == 400
    assert client_for(ada).get(URL + "?list=churned").status_code in (302, 403)


# --- stored scores, value bands, the at-risk list -------------------------------------------------
def _history(n: int = 40):
    """Customers who bought often and long ago (likely lost) or steadily until now."""
    now = timezone.now()
    people = []
    for i in range(n):
        who = customer(f"h{i}")
        if i % 4 == 0:  # many orders, then silence for most of a year: valuable, at risk
            for k in range(8):
                buy(who, now - timedelta(days=700 - 30 * k - i), 200)
        else:
            for k in range(i % 5 + 1):
                buy(who, now - timedelta(days=300 - 50 * k - i), 20 + 5 * k)
        people.append(who)
    return people


@pytest.fixture
def fitted():
    people = _history()
    fit, data = clv_fit(unit="week")
    fit_save(fit, data)
    return people


def test_the_fit_stores_every_customers_scores_band_and_risk(fitted):
    scores = CustomerScore.objects.all()
    assert scores.count() == len(fitted)
    values = np.array(sorted(s.predicted_value for s in scores))
    top = scores.filter(value_band=ValueBand.TOP)
    assert top.count() == 2  # the top 5% of 40
    cut = values[int(np.ceil(VALUE_BANDS[0][1] * (len(values) - 1)))]
    assert all(s.predicted_value >= cut for s in top)
    assert scores.filter(value_band=ValueBand.LOW).count() == 20  # the bottom half
    at_risk = CustomerScore.objects.at_risk()
    assert at_risk.exists()
    assert all(s.p_alive < AT_RISK_P_ALIVE for s in at_risk)
    # valuable if kept: predicted value / p_alive in the top fifth
    worth = sorted(s.predicted_value / max(s.p_alive, 1e-6) for s in scores)
    top_fifth = worth[int(np.ceil(0.8 * (len(worth) - 1)))]
    assert all(s.predicted_value / max(s.p_alive, 1e-6) >= top_fifth for s in at_risk)
    # the big spenders who went quiet (every fourth customer of the history) are on it
    assert {s.customer.name for s in at_risk} <= {f"h{i}" for i in range(0, 40, 4)}
    # a new fit replaces the scores
    fit_save(*clv_fit(unit="week"))
    assert CustomerScore.objects.count() == len(fitted)


def test_value_band_segment(fitted):
    today = timezone.localdate()
    year = Period(today - timedelta(days=729), today)
    high = Segment(value_band=ValueBand.HIGH)
    members = set(
        CustomerScore.objects.filter(value_band="high").values_list("customer", flat=True)
    )
    assert set(high.customers_qs().values_list("pk", flat=True)) == members
    frequency = METRICS["purchase_frequency"](year, high)
    orders = sum(c.purchases.orders().count() for c in high.customers_qs())
    assert frequency == pytest.approx(orders / len(members))


def test_value_band_filter_in_the_api_and_the_report(client_for, root, fitted):
    response = client_for(root).get("/api/v1/metrics?value_band=high")
    assert response.status_code == 200
    assert client_for(root).get("/api/v1/metrics?value_band=diamond").status_code == 422
    assert client_for(root).get("/admin/insights/?value_band=high").status_code == 200
    assert client_for(root).get("/admin/insights/?value_band=diamond").status_code == 400


def test_desk_at_risk_list_and_export(client_for, ada, alice, fitted):
    response = client_for(ada).get("/desk/insights/at-risk/")
    body = response.content.decode()
    first = CustomerScore.objects.at_risk().first()
    assert response.status_code == 200 and first.customer.customer_ref in body
    assert "Open a proactive ticket" in body
    exported = client_for(ada).get("/desk/insights/at-risk/?format=csv").content.decode()
    rows = list(csv.reader(io.StringIO(exported)))
    assert len(rows) == CustomerScore.objects.at_risk().count() + 1
    assert rows[1][0] == first.customer.customer_ref  # highest predicted value first
    # money to the cent with its currency next to it
    value = rows[0].index("Predicted value, next 12 months")
    assert rows[0][value + 1] == "Currency" and rows[1][value + 1] == "EUR"
    assert rows[1][value] == f"{first.predicted_value:.2f}"
    assert client_for(ada).get("/desk/insights/at-risk/?format=pdf").status_code == 400
    assert client_for(alice).get("/desk/insights/at-risk/").status_code == 403
    admin_list = client_for(ada).get(URL + "?list=at_risk")
    assert admin_list.status_code in (302, 403)  # the admin's list is for admins


def test_proactive_ticket_once_per_customer(client_for, ada, alice, fitted):
    first = CustomerScore.objects.at_risk().first().customer
    url = f"/desk/insights/at-risk/{first.customer_ref}/ticket/"
    response = client_for(ada).post(url)
    ticket = Ticket.objects.get(customer=first)
    assert response.status_code == 302 and response.url == ticket.get_desk_url()
    client_for(ada).post(url)  # again: the same ticket, no second one
    assert Ticket.objects.filter(customer=first).count() == 1
    assert client_for(ada).get(url).status_code == 405
    assert client_for(alice).post(url).status_code == 403
    calm = CustomerScore.objects.filter(at_risk=False).first().customer
    refused = client_for(ada).post(f"/desk/insights/at-risk/{calm.customer_ref}/ticket/")
    assert refused.status_code == 302 and not Ticket.objects.filter(customer=calm).exists()
    assert client_for(ada).post("/desk/insights/at-risk/NOPE/ticket/").status_code == 404


def test_panel_flags_a_customer_at_risk(client_for, ada, fitted):
    first = CustomerScore.objects.at_risk().first().customer
    client_for(ada).post(f"/desk/insights/at-risk/{first.customer_ref}/ticket/")
    ticket = Ticket.objects.get(customer=first)
    body = client_for(ada).get(ticket.get_desk_url()).content.decode()
    assert "Valuable customer at risk" in body and "Value band" in body
    assert f"/desk/insights/customers/{first.customer_ref}/" in body


def test_customer_timeline(client_for, ada, alice, bob):
    who = alice.customer
    Interaction.objects.create(kind=InteractionKind.KB_VIEW, customer=who, channel="web")
    Interaction.objects.create(kind=InteractionKind.CALL, customer=who, channel="phone")
    Interaction.objects.create(kind=InteractionKind.LOGIN, customer=bob.customer)
    response = client_for(ada).get(f"/desk/insights/customers/{who.customer_ref}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Viewed an article" in body and "Phone call" in body and "Logged in" not in body
    assert client_for(ada).get("/desk/insights/customers/NOPE/").status_code == 404
    assert client_for(alice).get(f"/desk/insights/customers/{who.customer_ref}/").status_code == 403


def test_the_fit_command_stores_the_scores():
    from django.core.management import call_command

    people = _history(12)
    call_command("clv_fit", "--json", stdout=io.StringIO())
    assert CustomerScore.objects.count() == len(people)
    call_command("clv_fit", "--json", "--no-save", stdout=io.StringIO())
    assert CustomerScore.objects.count() == len(people)


def test_api_scores_carry_the_value_band_and_the_flag(client_for, root, fitted):
    first = CustomerScore.objects.at_risk().first()
    data = client_for(root).get(f"/api/v1/customers/{first.customer.customer_ref}/scores").json()
    assert data["at_risk"] is True and data["value_band"] == first.value_band
