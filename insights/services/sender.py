"""``surveys_send``: the periodic pass that schedules surveys (command and task).

Other apps do not call insights (DESIGN.md: no internal signals, nothing imports insights);
the sender reads what they record instead:

- ``ticket_resolved`` interactions -> a CSAT survey about that ticket;
- ``catalogue_fulfilled`` interactions -> a CES survey about that request;
- every customer with an order or a subscription and a login -> an NPS survey once per
  ``INSIGHTS_NPS_EVERY_DAYS`` round (``trigger_ref`` ``nps-<round>``);
- new purchases (imported with ``import_purchases`` or posted to the API; portal cannot
  call us) -> a CSAT or CES survey (Settings > Surveys) about the order (``P-<purchase id>``).

Purchases are read by id after the ``purchase`` cursor in windows of ``PURCHASE_WINDOW``
rows, filtered in SQL to the orders of the last ``PURCHASE_RECENT_DAYS`` days (a back-dated
import asks nobody about an old order) of customers who can be surveyed at all (login,
consent, no survey in ``INSIGHTS_SURVEY_MIN_DAYS``), and only each customer's latest order
of the window goes through the contact policy (one survey per period anyway): an import of
a million purchases costs a few hundred set-based queries, no task per purchase.

Each source keeps its position in ``SurveyCursor`` (the last interaction id read), locked
for the run, so two runs never read the same rows at once; and ``Survey`` is unique per
trigger, so a re-read is harmless anyway. A customer the policy skips is not retried for
that ticket or request; NPS is retried on the next run of the same round.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone

from insights.models import (
    FollowUp,
    Survey,
    SurveyCursor,
    SurveyKind,
    SurveySettings,
    SurveyTrigger,
)
from insights.services.surveys import survey_send
from portal.models import Customer, Interaction, InteractionKind, Purchase, Subscription

BATCH = 2000
SOURCES = {
    "ticket_resolved": (InteractionKind.TICKET_RESOLVED, SurveyKind.CSAT, SurveyTrigger.TICKET),
    "catalogue_fulfilled": (
        InteractionKind.CATALOGUE_FULFILLED,
        SurveyKind.CES,
        SurveyTrigger.REQUEST,
    ),
}


def nps_round(now: datetime) -> str:
    every = max(1, settings.INSIGHTS_NPS_EVERY_DAYS)
    return f"nps-{timezone.localdate(now).toordinal() // every}"


def _from_log(source: str, now: datetime, counts: Counter) -> None:
    kind, survey_kind, trigger = SOURCES[source]
    with transaction.atomic():
        cursor, _created = SurveyCursor.objects.get_or_create(source=source)
        cursor = SurveyCursor.objects.select_for_update().get(pk=cursor.pk)
        rows = list(
            Interaction.objects.filter(
                kind=kind, pk__gt=cursor.last_interaction_id, customer__isnull=False
            )
            .exclude(target_id="")
            .select_related("customer__user")
            .order_by("pk")[:BATCH]
        )
        for row in rows:
            prefix = "T" if trigger == SurveyTrigger.TICKET else "R"
            result = survey_send(
                customer=row.customer,
                kind=survey_kind,
                trigger=trigger,
                trigger_ref=f"{prefix}-{row.target_id}",
                now=now,
            )
            counts[f"{survey_kind}_sent" if result.survey else f"skipped_{result.skipped}"] += 1
        if rows:
            cursor.last_interaction_id = rows[-1].pk
            cursor.updated_at = now
            cursor.save(update_fields=["last_interaction_id", "updated_at"])


def _nps(now: datetime, counts: Counter) -> None:
    ref = nps_round(now)
    recent = now - timedelta(days=settings.INSIGHTS_SURVEY_MIN_DAYS)
    candidates = (
        Customer.objects.filter(user__isnull=False, user__is_active=True, consent_surveys=True)
        .filter(
            Q(Exists(Purchase.objects.orders().filter(customer=OuterRef("pk"))))
            | Q(Exists(Subscription.objects.filter(customer=OuterRef("pk"))))
        )
        .exclude(
            Exists(
                Survey.objects.filter(
                    customer=OuterRef("pk"), trigger=SurveyTrigger.SCHEDULE, trigger_ref=ref
                )
            )
        )
        .exclude(Exists(Survey.objects.filter(customer=OuterRef("pk"), sent_at__gt=recent)))
        .exclude(Exists(FollowUp.objects.open().filter(customer=OuterRef("pk"))))
        .select_related("user")
        .order_by("pk")[:BATCH]
    )
    for customer in candidates:
        result = survey_send(
            customer=customer,
            kind=SurveyKind.NPS,
            trigger=SurveyTrigger.SCHEDULE,
            trigger_ref=ref,
            now=now,
        )
        counts["nps_sent" if result.survey else f"skipped_{result.skipped}"] += 1


PURCHASE_SOURCE = "purchase"  # its cursor's ``last_interaction_id`` is a purchase id
PURCHASE_WINDOW = 10_000
PURCHASE_WINDOWS_PER_PASS = 20
PURCHASE_RECENT_DAYS = 7


def purchase_survey_kind() -> str:
    chosen = SurveySettings.objects.order_by("pk").first()
    return chosen.purchase_survey_kind if chosen else SurveyKind.CSAT


def _purchase_window(now: datetime, kind: str, counts: Counter) -> bool:
    """One window of new purchases; ``False`` when there were none."""
    with transaction.atomic():
        cursor, _created = SurveyCursor.objects.get_or_create(source=PURCHASE_SOURCE)
        cursor = SurveyCursor.objects.select_for_update().get(pk=cursor.pk)
        start = cursor.last_interaction_id
        ids = list(
            Purchase.objects.filter(pk__gt=start)
            .order_by("pk")
            .values_list("pk", flat=True)[:PURCHASE_WINDOW]
        )
        if not ids:
            return False
        end = ids[-1]
        recent_survey = now - timedelta(days=settings.INSIGHTS_SURVEY_MIN_DAYS)
        latest = (
            Purchase.objects.orders()  # free orders too; a refund asks nothing
            .filter(
                pk__gt=start,
                pk__lte=end,
                ordered_at__gte=now - timedelta(days=PURCHASE_RECENT_DAYS),
                ordered_at__lte=now,
                customer__user__isnull=False,
                customer__user__is_active=True,
                customer__consent_surveys=True,
            )
            .exclude(
                Exists(
                    Survey.objects.filter(customer=OuterRef("customer"), sent_at__gt=recent_survey)
                )
            )
            .order_by()
            .values("customer")
            .annotate(last=Max("pk"))
            .values("last")
        )
        purchases = (
            Purchase.objects.filter(pk__in=latest).select_related("customer__user").order_by("pk")
        )
        for purchase in purchases:
            result = survey_send(
                customer=purchase.customer,
                kind=kind,
                trigger=SurveyTrigger.PURCHASE,
                trigger_ref=f"P-{purchase.pk}",
                now=now,
            )
            counts[f"{kind}_sent" if result.survey else f"skipped_{result.skipped}"] += 1
        cursor.last_interaction_id = end
        cursor.updated_at = now
        cursor.save(update_fields=["last_interaction_id", "updated_at"])
    return True


def _purchases(now: datetime, counts: Counter) -> None:
    kind = purchase_survey_kind()
    for _window in range(PURCHASE_WINDOWS_PER_PASS):
        if not _purchase_window(now, kind, counts):
            return


def surveys_send(
    *, now: datetime | None = None, nps: bool = True, purchases: bool = True
) -> dict[str, int]:
    """One pass: CSAT after resolved tickets, CES after fulfilled requests, a survey after
    new purchases, then NPS."""
    now = now or timezone.now()
    counts: Counter = Counter()
    for source in SOURCES:
        _from_log(source, now, counts)
    if purchases:
        _purchases(now, counts)
    if nps:
        _nps(now, counts)
    return dict(sorted(counts.items()))
