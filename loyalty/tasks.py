"""Background tasks of the loyalty app (``periodic_tasks`` on its AppConfig run by ``tick``)."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from loyalty.models import Cursor
from loyalty.services.badges import badges_pass
from loyalty.services.earning import anniversaries_pass, interactions_process
from loyalty.services.tiers import tiers_pass

DAILY = timedelta(hours=23)


@task(queue_name="default")
def loyalty_earning_task() -> dict[str, int]:
    """The catch-up pass over the interaction log. Safe to run twice, or twice at once: the
    cursor row is locked and every earn is idempotent by source."""
    return {"interactions read": interactions_process()}


def _due(name: str) -> bool:
    """True at most once a day per pass name (a ``Cursor`` row records the last run)."""
    with transaction.atomic():
        marker, created = Cursor.objects.select_for_update().get_or_create(name=name)
        if not created and timezone.now() - marker.updated_at < DAILY:
            return False
        marker.save()
        return True


@task(queue_name="default")
def loyalty_daily_task() -> dict[str, int]:
    """Once a day (the task runs every tick and returns at once otherwise): anniversaries,
    tier re-evaluation (points leaving the 12 months, graces ending) and the badge rules."""
    result: dict[str, int] = {}
    if _due("daily:anniversaries"):
        result["anniversaries"] = anniversaries_pass()
    if _due("daily:tiers"):
        result.update({f"tiers {k}": v for k, v in tiers_pass().items()})
    if _due("daily:badges"):
        result["badges awarded"] = badges_pass()
    return result


# --- helper G's passes: referral conversions, expiry ------------------------------------------
@task(queue_name="default")
def loyalty_referrals_task() -> dict[str, int]:
    """Referrals converted by first purchases, caught up from the interaction log. Safe to
    run twice, or twice at once: the cursor row is locked and a referral converts once."""
    from loyalty.services.referrals import referrals_convert_pass

    return {"referrals converted": referrals_convert_pass()}


@task(queue_name="default")
def loyalty_expiry_task() -> dict[str, int]:
    """Once a day: points past their date expire (FIFO) and customers whose points expire
    soon are told. Safe to run twice: expiry rows are unique per customer and day, notices
    per customer and date."""
    from loyalty.services.expiry import expiry_notices_pass, points_expire_pass

    result: dict[str, int] = {}
    if _due("daily:expiry"):
        result["customers with expired points"] = points_expire_pass()
        result["expiry notices"] = expiry_notices_pass()
    return result
