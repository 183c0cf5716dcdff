"""The programme's starting point: three tiers and the earn rules (admins edit them in
Wagtail). Only created when missing, so admins' edits survive."""

from decimal import Decimal

from django.db import migrations

TIERS = [
    # slug, name, rank, threshold, priority boost, SLA factor, colour, benefits
    ("bronze", "Bronze", 0, 0, 0, Decimal("1.00"), "#a0674b", "Points on every order."),
    (
        "silver",
        "Silver",
        1,
        500,
        0,
        Decimal("0.75"),
        "#8d99a6",
        "Answers 25% sooner; Silver rewards.",
    ),
    (
        "gold",
        "Gold",
        2,
        2000,
        1,
        Decimal("0.50"),
        "#c9a227",
        "Answers twice as fast, your tickets opened at a higher priority; Gold rewards.",
    ),
]

RULES = [
    # key, points, cap points, cap period days
    ("purchase", 1, None, None),
    ("accepted_answer", 50, 500, 30),
    ("promoted_answer", 200, 1000, 30),
    ("survey_completed", 20, 60, 30),
    ("referral_converted", 300, 3000, 365),
    ("anniversary", 100, None, None),
    ("answer_upvoted", 5, 100, 30),
]


def create(apps, schema_editor):
    Tier = apps.get_model("loyalty", "Tier")
    EarnRule = apps.get_model("loyalty", "EarnRule")
    for slug, name, rank, threshold, boost, factor, colour, benefits in TIERS:
        if not Tier.objects.filter(slug=slug).exists() and not Tier.objects.filter(
            rank=rank
        ).exists():
            Tier.objects.create(
                slug=slug,
                name=name,
                rank=rank,
                threshold=threshold,
                priority_boost=boost,
                sla_factor=factor,
                colour=colour,
                benefits=benefits,
            )
    for key, points, cap, days in RULES:
        EarnRule.objects.get_or_create(
            key=key, defaults={"points": points, "cap_points": cap, "cap_period_days": days}
        )


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0002_earning_gaps_upvotes")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
