"""The admin overview reads without help: every tile compares with the previous period or
says why it cannot, definitions in words with the API key in small print, native date
pickers, readable charts (value axis with units, text never scaled down, ``None`` a gap),
a running cohort month marked partial; and the lifetime value fit explained without shell
commands: when it last ran, that it runs by itself (periodic pass), a button for admins."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from insights.charts import Axis, Point, bar_chart, column_chart, line_chart
from insights.dashboard import NO_VALUE, TREND_METRICS, Tile, axis_for, formatted
from insights.metrics import METRICS
from insights.models import ClvFit, SurveyKind
from insights.overview import cohort_cells
from insights.services.lifetime_value import FIT_EVERY, clv_fit_due, clv_fit_run
from insights.tasks import clv_fit_task
from portal.models import Interaction, InteractionKind
from tests.insights.conftest import answer, at, buy, customer

pytestmark = pytest.mark.django_db
URL = "/admin/insights/"


def tiles_of(body: str) -> dict[str, str]:
    """Each tile's HTML by its API key."""
    found = {}
    for chunk in body.split('<li class="insights-tile">')[1:]:
        key = re.search(r"<code>([a-z_]+)</code>", chunk)
        found[key.group(1)] = chunk.split("</li>")[0]
    return found


@pytest.fixture
def two_periods(utc):
    """Orders and NPS answers in March 2026 and in February 2026 (the previous period of
    March), CSAT only in March, CES only in January."""
    a, b = customer("a"), customer("b")
    buy(a, at(2026, 2, 5), 100)
    buy(b, at(2026, 2, 10), 40)
    buy(a, at(2026, 3, 5), 60)
    buy(a, at(2026, 3, 20), 30)
    answer(a, SurveyKind.NPS, 10, at(2026, 2, 1))
    answer(b, SurveyKind.NPS, 3, at(2026, 3, 1))
    answer(a, SurveyKind.CSAT, 5, at(2026, 3, 2))
    answer(b, SurveyKind.CES, 6, at(2026, 1, 20))  # before both periods of the tiles test
    Interaction.objects.create(kind=InteractionKind.KB_VIEW, customer=a, occurred_at=at(2026, 3, 3))
    return a, b


def test_tiles_compare_with_the_previous_period_or_say_why_not(client_for, root, two_periods):
    body = client_for(root).get(URL + "?start=2026-03-01&end=2026-03-31").content.decode()
    tiles = tiles_of(body)
    assert set(tiles) >= set(METRICS)
    # NPS in both months: the change and the previous value (100 -> -100)
    assert "previous period: 100.0" in tiles["nps"] and "-200.0" in tiles["nps"]
    # CSAT only in March: why there is no comparison, in words
    assert "No comparison:" in tiles["csat"]
    assert "No CSAT answers in the previous period." in tiles["csat"]
    assert "No comparison: No customers at the start of the previous period." in tiles["churn_rate"]
    # no survey answers at all: the tile says why it has no value
    assert "No CES answers in this period." in tiles["ces"]
    for key, tile in tiles.items():
        assert "before: -" not in tile, key
        assert "previous period:" in tile or "No comparison:" in tile, key


#: Every metric is defined in words (a metric added later must be too).
DEFINED_IN_WORDS = tuple(METRICS)


def test_every_metric_has_its_reasons_and_a_definition_in_words():
    for name in DEFINED_IN_WORDS:
        formula = str(METRICS[name].formula)
        assert formula[0].isupper() and formula.endswith("."), name  # a sentence
        assert " / " not in formula and "=" not in formula, name  # not a code formula
    for name in ("nps", "csat", "ces", "retention_rate", "average_order_value", "engagement"):
        now, before = (str(text) for text in NO_VALUE[name])
        assert "this period" in now and "previous period" in before


def test_formula_in_words_and_key_in_small_print(client_for, root, two_periods):
    body = client_for(root).get(URL + "?start=2026-03-01&end=2026-03-31").content.decode()
    assert "<code>churn_rate</code> =" not in body  # the old code-name formula
    assert "Of the customers active at the start of the period, the share lost" in body
    assert re.search(r'<p class="insights-key">API key: <code>churn_rate</code></p>', body)


def test_date_pickers_are_native_and_need_no_script(client_for, root):
    body = client_for(root).get(URL).content.decode()
    assert re.search(r'<input type="date" name="start"', body)
    assert re.search(r'<input type="date" name="end"', body)
    assert "initDateChooser" not in body


def test_a_typed_date_filters_the_period(client_for, root, two_periods):
    response = client_for(root).get(URL + "?start=2026-03-01&end=2026-03-31")
    assert response.status_code == 200
    assert 'value="2026-03-01"' in response.content.decode()  # shown back in ISO for the picker


def test_money_is_shown_with_its_currency(client_for, root, settings, two_periods):
    settings.PORTAL_DEFAULT_CURRENCY = "EUR"
    assert formatted(1317.4, "money") == "1,317.40 EUR"
    body = client_for(root).get(URL + "?start=2026-03-01&end=2026-03-31").content.decode()
    assert "45.00 EUR" in tiles_of(body)["average_order_value"]  # (60 + 30) / 2
    assert '<text class="chart-unit" x="-8" y="16" text-anchor="end">EUR</text>' in body


def test_charts_are_not_scaled_and_have_a_value_axis(client_for, root, two_periods):
    body = client_for(root).get(URL + "?start=2026-01-01&end=2026-03-31").content.decode()
    charts = re.findall(r"<svg class=\"insights-chart\".*?</svg>", body, re.S)
    assert len(charts) >= 7
    for chart in charts:
        assert "viewBox" not in chart  # a viewBox shrinks the text with the chart
        assert 'width="100%"' in chart
    line = [chart for chart in charts if 'data-chart="line"' in chart]
    assert len(line) == len(TREND_METRICS)
    for chart in line:
        assert chart.count('class="chart-tick"') >= 3
    assert ">100%</text>" in line[1]  # CSAT: a rate from 0 to 100 %
    assert ">-100</text>" in line[0] and ">100</text>" in line[0]  # NPS: -100..100


def test_none_is_a_gap_and_never_a_crash():
    points = [
        Point("Jan 2026", 10.0),
        Point("Feb 2026", None),
        Point("Mar 2026", 30.0),
        Point("Apr 2026", 40.0),
    ]
    svg = str(line_chart(points, title="NPS", axis=Axis("score", "NPS", -100, 100)))
    lines = re.findall(r'<line class="chart-line" x1="([\d.]+)%"[^>]*x2="([\d.]+)%"', svg)
    assert lines == [("62.50", "87.50")]  # March to April only: no line across February
    assert svg.count('<circle class="chart-dot"') == 3  # January stands alone, as a dot
    assert "Feb 2026: " not in svg  # no point for the gap
    # all missing, or missing values in bars and columns: drawn, no exception
    assert "No data" in str(line_chart([Point("Jan", None)], title="t", empty="No data"))
    assert "<svg" in str(bar_chart([Point("a", None), Point("b", 2.0)], title="t"))
    assert "<svg" in str(column_chart([Point("0", None), Point("1", 3)], title="t"))
    assert "No data." in str(bar_chart([], title="t"))


def test_chart_text_is_not_shrunk():
    svg = str(line_chart([Point(f"M{i} 2026", float(i)) for i in range(12)], title="t"))
    assert "viewBox" not in svg and "font-size" not in svg  # the stylesheet's 12 px applies


def test_axes_of_the_trend_metrics():
    assert axis_for(METRICS["nps"]) == Axis("score", "NPS", -100, 100)
    assert axis_for(METRICS["csat"]).unit == "rate"
    assert axis_for(METRICS["average_order_value"]).unit == "money"


def test_a_partial_cohort_month_says_partial():
    row = {"cohort": at(2026, 3, 1).date(), "size": 2, "retention": [1.0, 0.0], "partial": True}
    cells = cohort_cells(row, 3)
    assert cells[-1] is None and cells[1]["partial"] and not cells[0]["partial"]
    assert cells[1]["level"] == "heat-partial"
    complete = cohort_cells({**row, "partial": False}, 2)
    assert not any(cell["partial"] for cell in complete)


def test_the_running_month_of_the_cohort_table_reads_partial(client_for, root):
    buy(customer("new"), timezone.now() - timedelta(minutes=5), 25)
    body = client_for(root).get(URL).content.decode()  # the period ends today
    assert 'class="heat heat-partial"' in body and ">partial <span" in body


def test_tile_without_previous_value_has_a_reason_for_any_metric():
    metric = METRICS["engagement"]
    tile = Tile(metric, None, None)
    assert tile.why_no_value == "No customer interactions in this period."
    assert tile.why_no_previous == "No customer interactions in the previous period."
    assert Tile(metric, 1.0, 2.0).why_no_previous == ""


# --- the lifetime value fit: periodic, explained, and an admin's button ---------------------
def _orders(n: int = 12) -> None:
    now = timezone.now()
    for i in range(n):
        who = customer(f"h{i}")
        for k in range(i % 4 + 1):
            buy(who, now - timedelta(days=300 - 40 * k - i), 20 + 5 * k)


def test_the_fit_is_in_the_periodic_pass_once_a_day():
    assert "insights.tasks.clv_fit_task" in apps.get_app_config("insights").periodic_tasks
    _orders()
    assert clv_fit_due()
    first = clv_fit_task.call()
    assert first["fit"] and ClvFit.objects.count() == 1
    assert clv_fit_task.call() == {"fit": None}  # fresh: the next pass does nothing
    assert ClvFit.objects.count() == 1
    ClvFit.objects.update(created_at=timezone.now() - FIT_EVERY - timedelta(minutes=1))
    assert clv_fit_task.call()["fit"]  # a day later it fits again
    assert ClvFit.objects.count() == 2


def test_too_little_data_is_a_clear_refusal_and_stores_nothing():
    customer("lonely")
    assert clv_fit_task.call(force=True) == {
        "fit": None,
        "error": "The lifetime value models need at least three customers with orders.",
    }
    assert ClvFit.objects.count() == 0


def test_admin_runs_the_fit_now(client_for, root):
    _orders()
    client = client_for(root)
    response = client.post("/desk/insights/clv-fit/")
    assert response.status_code == 302 and response["Location"] == "/desk/insights/at-risk/"
    assert ClvFit.objects.count() == 1
    page = client.get("/desk/insights/at-risk/").content.decode()
    assert "Lifetime values estimated for 12 customers." in page
    assert "estimated again once a day" in page and "Estimate now" in page
    assert "manage.py" not in page


def test_admin_runs_the_fit_back_to_where_they_were_but_not_elsewhere(client_for, root):
    _orders()
    client = client_for(root)
    back = client.post("/desk/insights/clv-fit/", {"next": "/desk/tickets/"})
    assert back["Location"] == "/desk/tickets/"
    away = client.post("/desk/insights/clv-fit/", {"next": "https://evil.example/"})
    assert away["Location"] == "/desk/insights/at-risk/"


def test_without_enough_orders_the_button_says_so(client_for, root):
    response = client_for(root).post("/desk/insights/clv-fit/", follow=True)
    assert "at least three customers with orders" in response.content.decode()
    assert ClvFit.objects.count() == 0


@pytest.mark.parametrize("who", ["ada", "mo", "alice"])
def test_only_admins_run_the_fit(client_for, who, request):
    _orders(4)
    user = request.getfixturevalue(who)
    assert client_for(user).post("/desk/insights/clv-fit/").status_code == 403
    assert ClvFit.objects.count() == 0


def test_agents_read_when_the_fit_ran_without_a_button_or_shell_command(client_for, ada):
    page = client_for(ada).get("/desk/insights/at-risk/").content.decode()
    assert "Lifetime value is not available yet" in page and "estimated once a day" in page
    assert "Estimate now" not in page and "manage.py" not in page
    _orders()
    clv_fit_run(force=True)
    page = client_for(ada).get("/desk/insights/at-risk/").content.decode()
    assert "Predicted values estimated" in page
    assert "from the orders of 12 customers up to" in page


def test_customer_panel_has_no_shell_command(client_for, ada, alice):
    from tickets.services import ticket_open

    ticket = ticket_open(customer=alice.customer, opened_by=alice, subject="Hi", body="Help")
    body = client_for(ada).get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "Value and loyalty" in body
    assert "manage.py" not in body
    assert "Not available yet: the customer has no orders" in body
    assert "estimated once a day" in body


def test_definitions_and_reasons_in_italian():
    from django.utils import translation

    with translation.override("it"):
        assert str(METRICS["churn_rate"].formula).startswith("Dei clienti attivi all'inizio")
        tile = Tile(METRICS["csat"], 0.5, None)
        assert tile.why_no_previous == "Nessuna risposta CSAT nel periodo precedente."
        for name in DEFINED_IN_WORDS:
            assert str(METRICS[name].formula) != translation.gettext_noop(
                METRICS[name].formula._args[0]
            ), name


def test_a_rate_changes_by_points():
    from django.utils import translation

    tile = Tile(METRICS["csat"], 0.75, 0.5)
    assert tile.change_shown == "+25.0 pts" and tile.trend == "up"
    with translation.override("it"):
        assert tile.change_shown == "+25.0 punti"


def test_amounts_on_the_desk_carry_their_currency(client_for, ada, settings):
    settings.PORTAL_DEFAULT_CURRENCY = "EUR"
    from insights.models import CustomerScore

    _orders()
    clv_fit_run(force=True)
    CustomerScore.objects.update(at_risk=True)  # every scored customer on the list
    page = client_for(ada).get("/desk/insights/at-risk/").content.decode()
    assert re.search(r"\d\.\d\d EUR</td>", page)
