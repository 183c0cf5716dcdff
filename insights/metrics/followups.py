"""Follow-up metrics: does the feedback loop close, how fast, and does it help?

- ``followup_rate``: unhappy answers (``insights.models.UNHAPPY_MAX``) given in the period
  that have a follow-up case / unhappy answers given in the period;
- ``followup_first_contact_hours``: median hours from opening a case (opened in the period)
  to the first public agent reply on its ticket (read from the ticket's messages, so a
  reply counts before the periodic pass copies it onto the case); cases without a reply yet
  are left out;
- ``nps_next_after_followup`` / ``nps_next_without_followup``: the average score (0-10) of
  the next NPS answer of the same customer after a detractor answer (0-6) given in the
  period, for detractor answers with a follow-up case and for those without one.

No unhappy answers, no contacted case, no next answer: ``None``.
"""

from __future__ import annotations

from django.db.models import Avg, Count, Exists, F, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from insights.metrics.base import Days, Period, Segment, metric, ratio
from insights.models import UNHAPPY_MAX, FollowUp, Survey, SurveyKind, unhappy_q
from tickets.models import Message


def _answered(period: Period, segment: Segment):
    return segment.on_rows(
        Survey.objects.filter(answered_at__gte=period.start_at, answered_at__lt=period.end_at)
    )


@metric(
    "followup_rate",
    label=_("Unhappy answers followed up"),
    formula=_(
        "Of the unhappy survey answers (NPS 0 to 6, CSAT or CES 1 or 2), the share that got "
        "a follow-up case."
    ),
    unit="rate",
    family="surveys",
)
def followup_rate(period: Period, segment: Segment) -> float | None:
    """Follow-up rate = unhappy answers given in the period with a ``FollowUp`` / unhappy
    answers given in the period; a fraction 0..1."""
    counts = (
        _answered(period, segment)
        .filter(unhappy_q())
        .aggregate(
            unhappy=Count("pk"),
            followed=Count("pk", filter=Q(Exists(FollowUp.objects.filter(survey=OuterRef("pk"))))),
        )
    )
    return ratio(counts["followed"], counts["unhappy"])


def _first_reply():
    return Subquery(
        Message.objects.filter(
            ticket=OuterRef("ticket"), author_role=Message.Author.AGENT, internal=False
        )
        .order_by()
        .values("ticket")
        .annotate(first=Min("created_at"))
        .values("first")[:1]
    )


@metric(
    "followup_first_contact_hours",
    label=_("Time to first contact after an unhappy answer"),
    formula=_(
        "The median number of hours from opening a follow-up case to an agent's first "
        "public reply on it."
    ),
    unit="number",
    family="surveys",
    higher_is_better=False,
)
def followup_first_contact_hours(period: Period, segment: Segment) -> float | None:
    """Time to first contact = median over cases opened in the period, with a public agent
    reply, of (first reply - opened) in hours. The database orders the cases' hours and
    the middle one (or the mean of the middle two) is read."""
    cases = (
        segment.on_rows(
            FollowUp.objects.filter(opened_at__gte=period.start_at, opened_at__lt=period.end_at)
        )
        .annotate(contact=Coalesce("first_contact_at", _first_reply()))
        .filter(contact__isnull=False)
        .annotate(hours=(Days("contact") - Days("opened_at")) * 24)
    )
    n = cases.count()
    if not n:
        return None
    middle = list(
        cases.order_by("hours", "pk").values_list("hours", flat=True)[(n - 1) // 2 : n // 2 + 1]
    )
    return max(0.0, sum(middle) / len(middle))


def _next_nps(period: Period, segment: Segment, *, followed: bool) -> float | None:
    nxt = Subquery(
        Survey.objects.filter(
            customer=OuterRef("customer"),
            kind=SurveyKind.NPS,
            answered_at__gt=OuterRef("answered_at"),
        )
        .order_by("answered_at", "pk")
        .values("score")[:1]
    )
    detractors = (
        _answered(period, segment)
        .filter(kind=SurveyKind.NPS, score__lte=UNHAPPY_MAX[SurveyKind.NPS])
        .annotate(followed=Exists(FollowUp.objects.filter(survey=OuterRef("pk"))))
        .filter(followed=followed)
        .annotate(next_score=nxt)
        .filter(next_score__isnull=False)
    )
    return detractors.aggregate(average=Avg(F("next_score") * 1.0))["average"]


@metric(
    "nps_next_after_followup",
    label=_("Next NPS answer of followed-up detractors"),
    formula=_(
        "The average next NPS answer (0 to 10) of customers whose detractor answer (0 to 6) "
        "was followed up."
    ),
    unit="score",
    family="surveys",
)
def nps_next_after_followup(period: Period, segment: Segment) -> float | None:
    """Next NPS after follow-up = mean score of the next NPS answer of the same customer
    after each detractor answer (0-6) of the period that has a follow-up case."""
    return _next_nps(period, segment, followed=True)


@metric(
    "nps_next_without_followup",
    label=_("Next NPS answer of detractors not followed up"),
    formula=_(
        "The average next NPS answer (0 to 10) of customers whose detractor answer (0 to 6) "
        "was not followed up."
    ),
    unit="score",
    family="surveys",
)
def nps_next_without_followup(period: Period, segment: Segment) -> float | None:
    """Next NPS without follow-up = mean score of the next NPS answer of the same customer
    after each detractor answer (0-6) of the period that has no follow-up case."""
    return _next_nps(period, segment, followed=False)
