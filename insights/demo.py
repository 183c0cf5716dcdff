"""Demo surveys for ``manage.py seed_demo`` (called from ``portal.demo.seed``).

Answered surveys over the past year so the reports have data: CSAT after resolved demo
tickets (read from the interaction log), CES after some of them, NPS twice a year per
customer with purchases (with share-of-wallet and loyalty answers on some), and one pending
NPS survey for alice so /me/ shows it. Planned from ``random.Random(2026)``; each survey's
natural key is unique (customer, trigger, reference), so a re-run creates only missing ones
(and their ``survey_response`` interactions). A first CLV fit is stored if none exists.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction

from insights.models import ClvFit, Survey, SurveyKind, SurveyTrigger
from portal.models import Channel, Customer, Interaction, InteractionKind, Purchase

DAYS_BACK = 365
EXPIRY = timedelta(days=14)


def _score(rng: random.Random, kind: str) -> int:
    if kind == SurveyKind.NPS:
        return rng.choices(range(11), weights=[1, 1, 1, 2, 2, 3, 5, 8, 12, 14, 11])[0]
    if kind == SurveyKind.CSAT:
        return rng.choices(range(1, 6), weights=[1, 2, 3, 8, 10])[0]
    return rng.choices(range(1, 8), weights=[1, 1, 2, 3, 6, 9, 7])[0]


COMMENTS = (
    "",
    "",
    "",
    "Quick and friendly, thank you.",
    "Took a while to get an answer.",
    "The article solved it before I needed the agent.",
    "Please make the invoice easier to find.",
    "Great service as always.",
)


def _plan(now: datetime) -> list[dict]:
    rng = random.Random(2026)  # noqa: S311 - demo data, not secrets
    plan = []
    resolved = (
        Interaction.objects.filter(
            kind=InteractionKind.TICKET_RESOLVED,
            customer__isnull=False,
            occurred_at__gte=now - timedelta(days=DAYS_BACK),
            occurred_at__lt=now - timedelta(days=1),
        )
        .exclude(target_id="")
        .order_by("pk")
        .values_list("customer_id", "target_id", "occurred_at")
    )
    for customer_id, target_id, occurred_at in resolved:
        kind = SurveyKind.CSAT if rng.random() < 0.75 else SurveyKind.CES
        answered = rng.random() < 0.6
        plan.append(
            {
                "customer_id": customer_id,
                "kind": kind,
                "trigger": SurveyTrigger.TICKET,
                "trigger_ref": f"T-{target_id}",
                "sent_at": occurred_at + timedelta(hours=2),
                "answer_after": timedelta(hours=rng.randint(1, 72)) if answered else None,
            }
        )
    buyers = Purchase.objects.orders().values_list("customer_id", flat=True).distinct()
    for customer_id in sorted(set(buyers)):
        for round_ in (1, 2):
            sent_at = now - timedelta(days=rng.randint(1, 170) + (round_ - 1) * 182)
            answered = rng.random() < 0.55
            plan.append(
                {
                    "customer_id": customer_id,
                    "kind": SurveyKind.NPS,
                    "trigger": SurveyTrigger.SCHEDULE,
                    "trigger_ref": f"demo-nps-{round_}",
                    "sent_at": sent_at,
                    "answer_after": timedelta(hours=rng.randint(1, 120)) if answered else None,
                    "wallet": rng.random() < 0.4,
                }
            )
    return [dict(item, rng_seed=rng.random()) for item in plan]


@transaction.atomic
def seed(*, now: datetime) -> str:
    plan = _plan(now)
    existing = set(Survey.objects.values_list("customer_id", "trigger", "trigger_ref"))
    created = answered = 0
    for item in plan:
        key = (item["customer_id"], item["trigger"], item["trigger_ref"])
        if key in existing:
            continue
        existing.add(key)
        rng = random.Random(item["rng_seed"])  # noqa: S311
        survey = Survey(
            customer_id=item["customer_id"],
            kind=item["kind"],
            trigger=item["trigger"],
            trigger_ref=item["trigger_ref"],
            sent_at=item["sent_at"],
            expires_at=item["sent_at"] + EXPIRY,
        )
        if item["answer_after"] is not None and item["sent_at"] + item["answer_after"] < now:
            survey.answered_at = item["sent_at"] + item["answer_after"]
            survey.score = _score(rng, item["kind"])
            survey.comment = rng.choice(COMMENTS)
            if item.get("wallet"):
                survey.category_spend = Decimal(rng.choice((300, 600, 1200, 2400, 5000)))
                survey.likely_recommend = min(10, max(0, survey.score + rng.randint(-2, 1)))
                survey.likely_try_other = rng.randint(3, 10)
                survey.likely_return = min(10, max(0, survey.score + rng.randint(-1, 2)))
        survey.save()
        created += 1
        if survey.answered_at:
            answered += 1
            Interaction.objects.create(
                kind=InteractionKind.SURVEY_RESPONSE,
                channel=Channel.EMAIL,
                customer_id=survey.customer_id,
                value=survey.score,
                metadata={"survey": survey.kind, "trigger": survey.trigger, "demo": True},
                occurred_at=survey.answered_at,
            )
    alice = Customer.objects.filter(customer_ref="C-ALICE").first()
    if alice is not None:
        _, made = Survey.objects.get_or_create(
            customer=alice,
            trigger=SurveyTrigger.SCHEDULE,
            trigger_ref="demo-nps-pending",
            defaults={
                "kind": SurveyKind.NPS,
                "sent_at": now - timedelta(days=2),
                "expires_at": now + timedelta(days=12),
            },
        )
        created += made
    fitted = ""
    if not ClvFit.objects.exists():
        from insights.clv import clv_fit, fit_save

        try:
            fit, data = clv_fit(as_of=now.date(), unit="week")
        except ValueError:
            pass
        else:
            fit_save(fit, data)
            fitted = ", CLV model fitted"
    return f"{created} surveys ({answered} answered){fitted}"
