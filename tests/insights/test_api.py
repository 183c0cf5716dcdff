"""The insights API: metrics and customer scores for staff, answering a survey by token."""

from __future__ import annotations

import pytest
from django.utils import timezone

from insights.models import Survey, SurveyKind, SurveyTrigger
from insights.services.surveys import survey_send, survey_token
from portal.models import ApiToken, Interaction, InteractionKind
from portal.services.tokens import api_token_create
from tests.insights.conftest import answer, at, buy, customer

pytestmark = pytest.mark.django_db


def bearer(user=None, kind=ApiToken.Kind.PERSONAL) -> dict:
    _token, raw = api_token_create(name="t", kind=kind, user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_metrics_for_agents_match_the_command(client, ada, utc):
    a = customer("a")
    buy(a, at(2026, 1, 5), 100)
    buy(a, at(2026, 1, 6), 50)
    answer(a, SurveyKind.CSAT, 5, at(2026, 1, 7))
    response = client.get("/api/v1/metrics?start=2026-01-01&end=2026-01-31", **bearer(ada))
    assert response.status_code == 200
    data = response.json()
    assert data["period"] == {"start": "2026-01-01", "end": "2026-01-31"}
    assert data["csat"] == 1.0 and data["average_order_value"] == 75.0
    assert data["nps"] is None
    assert data["cohort_retention"][0]["cohort"] == "2026-01-01"


def test_metrics_integration_token(client, root, utc):
    headers = bearer(root, kind=ApiToken.Kind.INTEGRATION)
    assert client.get("/api/v1/metrics", **headers).status_code == 200


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("start=2026-02-01&end=2026-01-01", 400),
        ("start=yesterday", 422),
        ("channel=pigeon", 422),
        ("cohort=2026-13", 422),
        ("organisation=999999", 404),
    ],
)
def test_metrics_bad_input(client, ada, query, status):
    response = client.get(f"/api/v1/metrics?{query}", **bearer(ada))
    assert response.status_code == status
    assert "detail" in response.json()


def test_metrics_refused_to_customers(client, alice):
    assert client.get("/api/v1/metrics", **bearer(alice)).status_code == 403
    assert client.get("/api/v1/metrics").status_code == 401


def test_customer_scores(client, ada, alice):
    answer(alice.customer, SurveyKind.NPS, 9, timezone.now(), comment="Good")
    buy(alice.customer, timezone.now(), 30)
    data = client.get("/api/v1/customers/C-ALICE/scores", **bearer(ada)).json()
    assert data["customer_ref"] == "C-ALICE" and data["orders"] == 1
    assert data["surveys"][0]["kind"] == "nps" and data["surveys"][0]["score"] == 9
    assert data["p_alive"] is None  # no model fitted yet
    assert client.get("/api/v1/customers/NOPE/scores", **bearer(ada)).status_code == 404


def test_money_is_a_number_with_its_currency(client, ada, utc, settings):
    a = customer("a")
    for amount in (100, 50, 50.2):
        buy(a, at(2026, 1, 5), amount)
    data = client.get("/api/v1/metrics?start=2026-01-01&end=2026-01-31", **bearer(ada)).json()
    # 200.2 / 3 = 66.7333...: rounded to the cent, a JSON number, with the currency
    assert data["average_order_value"] == 66.73 and data["currency"] == "EUR"
    assert data["customer_lifetime_value"] == 0.0  # one day of lifespan: 0, not "0E-11"
    settings.PORTAL_DEFAULT_CURRENCY = "JPY"  # no minor unit
    data = client.get("/api/v1/metrics?start=2026-01-01&end=2026-01-31", **bearer(ada)).json()
    assert data["average_order_value"] == 67 and data["currency"] == "JPY"


def test_customer_scores_money(client, ada, alice):
    now = timezone.now()
    buy(alice.customer, now, 1317.4)
    buy(alice.customer, now, 0)  # a free order: an order
    buy(alice.customer, now, -17)  # a refund: net spending, not an order
    buy(alice.customer, now, 20, currency="USD")
    response = client.get("/api/v1/customers/C-ALICE/scores", **bearer(ada))
    raw = response.content.decode()
    assert '"spent": 1300.4' in raw  # a number, not "1300.40000000000"
    data = response.json()
    assert (data["spent"], data["currency"], data["orders"]) == (1300.4, "EUR", 3)
    assert data["spent_in_other_currencies"] == [{"amount": 20.0, "currency": "USD"}]
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    described = schema["CustomerScoresOut"]["properties"]
    assert "minor units" in described["spent"]["description"]
    assert "ISO 4217" in described["currency"]["description"]


@pytest.fixture
def token(alice):
    survey = survey_send(
        customer=alice.customer,
        kind=SurveyKind.CES,
        trigger=SurveyTrigger.REQUEST,
        trigger_ref="R-1",
    ).survey
    return survey_token(survey)


def post(client, token, body):
    return client.post(f"/api/v1/surveys/{token}", body, content_type="application/json")


def test_answer_by_token(client, token):
    response = post(client, token, {"score": 6, "comment": "Easy"})
    assert response.status_code == 200
    assert response.json()["score"] == 6
    log = Interaction.objects.get(kind=InteractionKind.SURVEY_RESPONSE)
    assert log.channel == "api"
    again = post(client, token, {"score": 1})
    assert again.status_code == 409
    assert Survey.objects.get().score == 6


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"score": 8}, 422),  # CES is 1-7
        ({"score": 5, "likely_return": 3}, 422),  # only NPS asks that
        ({"score": 5, "surprise": 1}, 422),  # unknown field
        ({"comment": "no score"}, 422),
    ],
)
def test_bad_answers(client, token, body, status):
    assert post(client, token, body).status_code == status
    assert Survey.objects.get().answered_at is None


def test_expired_and_forged_tokens(client, token):
    Survey.objects.update(expires_at=timezone.now())
    assert post(client, token, {"score": 5}).status_code == 410
    assert post(client, token + "x", {"score": 5}).status_code == 400
