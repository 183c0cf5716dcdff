"""The Insights overview in the Wagtail admin: renders with charts and formulas, filters,
exports every table, admins only."""

from __future__ import annotations

import csv
import io

import pytest

from insights.models import SurveyKind
from portal.models import Interaction, InteractionKind
from tests.insights.conftest import answer, at, buy, customer

pytestmark = pytest.mark.django_db
URL = "/admin/insights/"
PERIOD = "?start=2026-01-01&end=2026-03-31"


@pytest.fixture
def data(utc):
    a, b = customer("a"), customer("b")
    buy(a, at(2026, 1, 5), 100)
    buy(a, at(2026, 2, 5), 60)
    buy(b, at(2026, 2, 10), 40)
    answer(a, SurveyKind.NPS, 10, at(2026, 2, 1))
    answer(b, SurveyKind.NPS, 3, at(2026, 3, 1))
    answer(a, SurveyKind.CSAT, 5, at(2026, 3, 1))
    Interaction.objects.create(kind=InteractionKind.KB_VIEW, customer=a, occurred_at=at(2026, 2, 2))
    return a, b


def test_overview_renders_tiles_formulas_and_charts(client_for, root, data):
    response = client_for(root).get(URL + PERIOD)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Net Promoter Score" in body
    assert "the share lost by its end" in body  # the definition in words is on the page
    assert body.count('<svg class="insights-chart"') >= 6
    assert "<title" in body and "<desc" in body  # accessible charts
    assert "Monthly cohort retention" in body and "heat-" in body
    assert "Incident impact" in body


def test_filters_validate(client_for, root):
    response = client_for(root).get(URL + "?start=2026-03-01&end=2026-01-01")
    assert response.status_code == 400
    assert "is before the start date" in response.content.decode()
    assert client_for(root).get(URL + "?start=nonsense").status_code == 400


def test_segment_filter(client_for, root, data, acme):
    a, _b = data
    a.organisation = acme
    a.save(update_fields=["organisation"])
    response = client_for(root).get(URL + PERIOD + f"&organisation={acme.pk}&export=kpis")
    rows = {row[1]: row for row in csv.reader(io.StringIO(response.content.decode()))}
    assert rows["nps"][2] == "100.0"  # only a (a promoter) is in Acme


@pytest.mark.parametrize(
    "table",
    ["kpis", "trends", "nps_distribution", "engagement", "lifecycle", "cohorts", "incidents"],
)
def test_every_table_exports_as_csv_and_xlsx(client_for, root, data, table):
    client = client_for(root)
    response = client.get(URL + PERIOD + f"&export={table}&format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert len(rows) >= 2
    xlsx = client.get(URL + PERIOD + f"&export={table}&format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def export(client, table: str, query: str = PERIOD) -> list[list[str]]:
    response = client.get(URL + query + f"&export={table}&format=csv")
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_kpi_export_numbers(client_for, root, data):
    rows = {row[1]: row for row in export(client_for(root), "kpis")}
    assert rows["key"][2:6] == ["Value", "Previous period", "Currency", "Formula"]
    assert rows["nps"][2] == "0.0"  # one promoter, one detractor
    assert rows["csat"][2] == "1.0"
    assert rows["nps"][4] == ""  # not money
    # money: 200 / 3 to the cent (was 66.666667), in the shop's currency next to it
    assert rows["average_order_value"][2:5] == ["66.67", "", "EUR"]


def test_money_in_exports_follows_the_currency(client_for, root, data, settings):
    settings.PORTAL_DEFAULT_CURRENCY = "JPY"  # no minor unit
    rows = {row[1]: row for row in export(client_for(root), "kpis")}
    assert rows["average_order_value"][2:5] == ["67", "", "JPY"]
    trends = {row[0]: row for row in export(client_for(root), "trends")}
    assert trends["Metric"][:3] == ["Metric", "Currency", "Jan 2026"]
    # January: a's 100; February: 60 + 40 over two orders; March: no orders (a gap)
    assert trends["Average order value"][1:] == ["JPY", "100", "50", ""]
    assert trends["Net Promoter Score"][1:] == ["", "", "100.0", "-100.0"]


def test_cohort_export_names_the_partial_month(client_for, root, data):
    rows = export(client_for(root), "cohorts", "?start=2026-01-01&end=2026-03-15")
    assert rows[0][-1] == "Partial month (not over)"
    # January's cohort (a): M0..M2, March cut on the 15th; February's (b): M0..M1
    assert [(row[0], row[-1]) for row in rows[1:]] == [("2026-01", "M2"), ("2026-02", "M1")]
    assert all(len(row) == len(rows[0]) for row in rows)
    closed = export(client_for(root), "cohorts")  # to Mar 31: nothing is partial
    assert [row[-1] for row in closed[1:]] == ["", ""]


def test_unknown_export_is_a_400(client_for, root):
    assert client_for(root).get(URL + "?export=secrets").status_code == 400
    assert client_for(root).get(URL + "?export=kpis&format=pdf").status_code == 400


def test_only_admins(client_for, ada, alice):
    assert client_for(ada).get(URL).status_code in (302, 403)
    assert client_for(alice).get(URL).status_code == 302


def test_surveys_listed_in_admin(client_for, root, data):
    response = client_for(root).get("/admin/insights/surveys/")
    assert response.status_code == 200
    assert "T-a" in response.content.decode() or "a" in response.content.decode()
