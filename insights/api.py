"""``/api/v1/`` operations of the insights app (mounted in ``portal/urls.py``).

- ``GET /metrics``: every metric for a period and segment, as ``manage.py metrics --json``
  (agents, admins and integration tokens);
- ``GET /customers/{customer_ref}/scores``: a customer's last survey scores and predicted
  value (same callers);

Money is a JSON number rounded to the currency's minor units (``1317.4``: 2 decimals for
EUR), with a ``currency`` field next to it (``insights.money``).
- ``POST /surveys/{token}``: answer a survey; the signed token is the credential (no login),
  a bad token is 400, an expired one 410, a used one 409, a bad answer 422.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, Sum
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from ninja import Query, Router, Schema, Status
from pydantic import Field

from insights.clv import customer_score
from insights.metrics import Segment, loyalty_tier_choices, report
from insights.models import CustomerScore, Survey, SurveyKind, ValueBand
from insights.money import amount, report_amounts, shop_currency
from insights.periods import period_from
from insights.services.surveys import survey_answer, survey_for_token
from portal import roles
from portal.api.auth import allow, is_integration
from portal.api.schemas import ErrorOut, Id, InvalidOut, StrictSchema
from portal.models import Channel, Customer, Organisation, Product, Purchase

router = Router(tags=["insights"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


def may_read_insights(request) -> bool:
    return is_integration(request) or roles.is_agent(request.user)


STAFF = allow(
    may_read_insights, gettext_lazy("Only agents, admins and integration tokens see insights.")
)


# --- metrics ---------------------------------------------------------------------------------
class MetricsQuery(Schema):
    start: date | None = Field(
        None, description="First day (inclusive); default: the 365 days ending on `end`."
    )
    end: date | None = Field(None, description="Last day (inclusive); default today.")
    organisation: Id | None = None
    product: Id | None = None
    cohort: str | None = Field(None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")
    channel: Channel | None = None
    value_band: ValueBand | None = Field(
        None, description="Value band: quantile of the predicted value (last CLV fit)."
    )
    loyalty_tier: str | None = Field(
        None,
        max_length=80,
        description="Loyalty tier now (a tier slug), or `members` / `non-members`.",
    )


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


@router.get(
    "/metrics",
    response={200: dict, **ERRORS},
    summary="Loyalty, engagement and service metrics for a period (rates as fractions)",
    description=(
        "Every metric keyed by its snake_case name, then the tables. Rates are fractions "
        "0..1; a metric undefined for the period is null. Money metrics "
        "(average_order_value, customer_lifetime_value) are JSON numbers rounded to the "
        "currency's minor units, in the currency given by `currency`."
    ),
    auth=STAFF,
    url_name="insights_metrics",
)
def metrics(request, filters: Query[MetricsQuery]):
    period = period_from(filters.start, filters.end)
    if filters.organisation and not Organisation.objects.filter(pk=filters.organisation).exists():
        return Status(404, {"detail": "No such organisation."})
    if filters.product and not Product.objects.filter(pk=filters.product).exists():
        return Status(404, {"detail": "No such product."})
    if filters.loyalty_tier and filters.loyalty_tier not in loyalty_tier_choices():
        return Status(404, {"detail": "No such loyalty tier."})
    segment = Segment(
        loyalty_tier=filters.loyalty_tier,
        organisation=filters.organisation,
        product=filters.product,
        cohort=date.fromisoformat(f"{filters.cohort}-01") if filters.cohort else None,
        channel=filters.channel,
        value_band=filters.value_band,
    )
    data = report_amounts(report(period, segment))
    return {"period": {"start": period.start, "end": period.end}, **_jsonable(data)}


# --- a customer's scores ------------------------------------------------------------------
class ScoreOut(Schema):
    kind: str
    score: int
    answered_at: datetime
    comment: str


MONEY = "JSON number rounded to the currency's minor units (2 decimals for EUR)"


class AmountOut(Schema):
    amount: float = Field(description=f"{MONEY}, in `currency`.")
    currency: str = Field(description="ISO 4217 code.")


class CustomerScoresOut(Schema):
    customer_ref: str
    currency: str = Field(
        description="ISO 4217 code of the amounts (`spent`, `predicted_value_12m`): the shop's."
    )
    spent: float = Field(
        description=f"Net spending so far (orders minus refunds) in `currency`; {MONEY}."
    )
    spent_in_other_currencies: list[AmountOut] = Field(
        description="Net spending in purchases imported in another currency (not converted)."
    )
    orders: int = Field(description="Orders (purchases with amount >= 0; refunds are not).")
    surveys: list[ScoreOut]
    p_alive: float | None
    churn_risk: float | None
    expected_purchases_12m: float | None
    predicted_value_12m: float | None = Field(
        description=f"Discounted value of the next 12 months' purchases in `currency`; {MONEY}."
    )
    value_band: str | None = Field(None, description="Value band of the last CLV fit.")
    at_risk: bool = Field(False, description="On the last fit's valuable-at-risk list.")


@router.get(
    "/customers/{customer_ref}/scores",
    response={200: CustomerScoresOut, **ERRORS},
    summary="A customer's last survey scores and predicted lifetime value",
    auth=STAFF,
    url_name="insights_customer_scores",
)
def customer_scores(request, customer_ref: str):
    customer = get_object_or_404(Customer, customer_ref=customer_ref)
    currency = shop_currency()
    orders = customer.purchases.aggregate(n=Count("pk", filter=Purchase.ORDER))["n"]
    spent = {
        row["currency"]: row["spent"]
        for row in customer.purchases.order_by().values("currency").annotate(spent=Sum("amount"))
    }
    latest = {}
    for survey in Survey.objects.filter(customer=customer).answered().order_by("-answered_at"):
        latest.setdefault(survey.kind, survey)
        if len(latest) == len(SurveyKind.values):
            break
    score = customer_score(customer.pk)
    stored = CustomerScore.objects.filter(customer=customer).first()
    return {
        "customer_ref": customer.customer_ref,
        "currency": currency,
        "spent": amount(spent.pop(currency, 0), currency),
        "spent_in_other_currencies": [
            {"amount": amount(total, other), "currency": other}
            for other, total in sorted(spent.items())
        ],
        "orders": orders,
        "surveys": [
            {"kind": s.kind, "score": s.score, "answered_at": s.answered_at, "comment": s.comment}
            for s in latest.values()
        ],
        "p_alive": score.p_alive if score else None,
        "churn_risk": score.churn_risk if score else None,
        "expected_purchases_12m": score.expected_purchases if score else None,
        "predicted_value_12m": amount(score.predicted_value, currency) if score else None,
        "value_band": stored.value_band if stored else None,
        "at_risk": bool(stored and stored.at_risk),
    }


# --- answering a survey -----------------------------------------------------------------
class SurveyAnswerIn(StrictSchema):
    score: int
    comment: str = Field("", max_length=2000)
    category_spend: Decimal | None = Field(None, max_digits=12, decimal_places=2)
    likely_recommend: int | None = None
    likely_try_other: int | None = None
    likely_return: int | None = None


class SurveyAnsweredOut(Schema):
    kind: str
    score: int
    answered_at: datetime


@router.post(
    "/surveys/{token}",
    response={200: SurveyAnsweredOut, 400: ErrorOut, 409: ErrorOut, 410: ErrorOut, 422: InvalidOut},
    summary="Answer a survey with the token from its link (no login)",
    auth=None,
    url_name="insights_survey_answer",
)
def survey_answer_api(request, token: str, payload: SurveyAnswerIn):
    survey = survey_for_token(token)
    survey = survey_answer(survey=survey, channel=Channel.API, **payload.model_dump())
    return {"kind": survey.kind, "score": survey.score, "answered_at": survey.answered_at}
