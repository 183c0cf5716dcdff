"""Survey metrics: NPS, CSAT, CES, share of wallet, customer loyalty index.

All count surveys *answered* in the period (``answered_at`` in the period), of the segment's
customers. No answers: ``None``.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import (
    Avg,
    Count,
    DecimalField,
    F,
    FloatField,
    OuterRef,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Least
from django.utils.translation import gettext_lazy as _

from insights.metrics import rollup
from insights.metrics.base import Period, Segment, metric, ratio
from insights.models import Survey, SurveyKind
from portal.models import Purchase

WALLET_WINDOW = timedelta(days=365)


def answered(period: Period, segment: Segment, kind: str):
    surveys = Survey.objects.filter(
        kind=kind,
        answered_at__gte=period.start_at,
        answered_at__lt=period.end_at,
        score__isnull=False,
    )
    return segment.on_rows(surveys)


def score_counts(period: Period, segment: Segment, kind: str) -> dict[int, int]:
    """Answers by score (rolled-up days from the rollup, the rest live)."""
    rolled = rollup.score_counts(period, segment, kind, lambda live: answered(live, segment, kind))
    if rolled is not None:
        return rolled
    return dict(
        answered(period, segment, kind).order_by().values_list("score").annotate(n=Count("pk"))
    )


@metric(
    "nps",
    label=_("Net Promoter Score"),
    formula=_(
        "The percentage of promoters (answers of 9 or 10) minus the percentage of "
        "detractors (answers of 0 to 6) among the NPS answers of the period: from -100 to 100."
    ),
    unit="score",
    family="surveys",
)
def nps(period: Period, segment: Segment) -> float | None:
    """NPS = 100 x (promoters - detractors) / answers, promoters scoring 9-10 and detractors
    0-6 on the 0-10 question; -100..100 (a score, not a fraction)."""
    counts = score_counts(period, segment, SurveyKind.NPS)
    promoters = sum(n for score, n in counts.items() if score >= 9)
    detractors = sum(n for score, n in counts.items() if score <= 6)
    share = ratio(promoters - detractors, sum(counts.values()))
    return None if share is None else 100 * share


@metric(
    "csat",
    label=_("Customer satisfaction (CSAT)"),
    formula=_("The share of CSAT answers that were 4 or 5 on the scale from 1 to 5."),
    unit="rate",
    family="surveys",
)
def csat(period: Period, segment: Segment) -> float | None:
    """CSAT = answers scoring 4 or 5 / CSAT answers (1-5 scale); a fraction 0..1."""
    counts = score_counts(period, segment, SurveyKind.CSAT)
    return ratio(sum(n for score, n in counts.items() if score >= 4), sum(counts.values()))


@metric(
    "ces",
    label=_("Customer effort (CES)"),
    formula=_("The average CES answer, on the scale from 1 (very difficult) to 7 (very easy)."),
    unit="score",
    family="surveys",
)
def ces(period: Period, segment: Segment) -> float | None:
    """CES = mean score of CES answers on the 1-7 scale ("how easy was it to get what you
    needed?", 7 = very easy)."""
    counts = score_counts(period, segment, SurveyKind.CES)
    return ratio(sum(score * n for score, n in counts.items()), sum(counts.values()))


@metric(
    "share_of_wallet",
    label=_("Share of wallet"),
    formula=_(
        "For each customer who told us their yearly spend on products like ours: the share "
        "of it they spent with us in the 365 days before answering (at most 100%); the "
        "average over those customers."
    ),
    unit="rate",
    family="surveys",
)
def share_of_wallet(period: Period, segment: Segment) -> float | None:
    """Share of wallet = mean over surveys answered in the period with a stated category
    spend S > 0 of min(1, R / S), R = the customer's net purchases (refunds included) in the
    365 days up to the answer."""
    ours = (
        Purchase.objects.filter(
            customer=OuterRef("customer"),
            ordered_at__lte=OuterRef("answered_at"),
            ordered_at__gt=OuterRef("answered_at") - WALLET_WINDOW,
        )
        .order_by()
        .values("customer")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    surveys = segment.on_rows(
        Survey.objects.filter(
            answered_at__gte=period.start_at,
            answered_at__lt=period.end_at,
            category_spend__gt=0,
        )
    )
    value = surveys.annotate(
        ours=Cast(
            Coalesce(
                Subquery(ours, output_field=DecimalField()),
                Value(0),
                output_field=DecimalField(),
            ),
            FloatField(),
        ),
        share=Least(Value(1.0), F("ours") / Cast("category_spend", FloatField())),
    ).aggregate(mean=Avg("share"))["mean"]
    return None if value is None else max(0.0, float(value))


@metric(
    "customer_loyalty_index",
    label=_("Customer loyalty index"),
    formula=_(
        "How likely customers say they are to recommend us, to try our other products and "
        "to buy again (each from 0 to 10), as a share of the top score; the average over "
        "those who answered all three."
    ),
    unit="rate",
    family="surveys",
)
def customer_loyalty_index(period: Period, segment: Segment) -> float | None:
    """CLI = mean over surveys answered in the period with all three loyalty answers of
    (recommend + try other products + return) / 30; a fraction 0..1."""
    surveys = segment.on_rows(
        Survey.objects.filter(
            answered_at__gte=period.start_at,
            answered_at__lt=period.end_at,
            likely_recommend__isnull=False,
            likely_try_other__isnull=False,
            likely_return__isnull=False,
        )
    )
    value = surveys.aggregate(
        mean=Avg(
            Cast(F("likely_recommend") + F("likely_try_other") + F("likely_return"), FloatField())
            / 30.0
        )
    )["mean"]
    return None if value is None else float(value)
