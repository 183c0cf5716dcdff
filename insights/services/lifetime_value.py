"""The predictive lifetime value fit as a service: it runs by itself once a day in the
periodic pass (``insights.tasks.clv_fit_task``, listed in ``InsightsConfig.periodic_tasks``)
and an admin can ask for it now from the desk's at-risk list (the same task, queued).

A fit reads every customer's orders up to today, fits BG/NBD and Gamma-Gamma
(``insights.clv``) and stores the fit and every customer's scores (``fit_save``), replacing
the previous ones. Fits run one at a time (the latest stored fit is locked while a new one
is computed and saved), and a pass that finds a fit younger than ``FIT_EVERY`` does nothing.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.tasks import TaskResult
from django.utils import timezone
from django.utils.translation import gettext as _

from insights.clv import clv_fit, fit_save
from insights.models import ClvFit
from portal import roles
from portal.services.errors import ServiceError

#: How old the last fit may be before the periodic pass fits again.
FIT_EVERY = timedelta(days=1)


class FitError(ServiceError, ValueError):
    """The fit cannot run (too little data); the message is for a person."""


def clv_fit_latest() -> ClvFit | None:
    """The stored fit the scores come from (``None`` before the first one)."""
    return ClvFit.objects.order_by("-created_at", "-pk").first()


def clv_fit_due(*, now: datetime | None = None) -> bool:
    """True when there is no fit yet or the latest is older than ``FIT_EVERY``."""
    latest = clv_fit_latest()
    return latest is None or latest.created_at <= (now or timezone.now()) - FIT_EVERY


def clv_fit_next_due(latest: ClvFit | None) -> datetime | None:
    """When the periodic pass fits again (``None``: at its next round)."""
    return None if latest is None else latest.created_at + FIT_EVERY


def clv_fit_status(latest: ClvFit | None, *, user) -> dict:
    """What the fit's status line shows: the latest fit, when the next one is due, and
    whether ``user`` may ask for one now."""
    return {
        "latest": latest,
        "next_due": clv_fit_next_due(latest),
        "can_run": roles.is_admin(user),
    }


@transaction.atomic
def clv_fit_run(
    *, force: bool = False, as_of: date | None = None, unit: str = "week"
) -> ClvFit | None:
    """Fit the models on the orders up to ``as_of`` (default today) and store the fit and
    every customer's scores. Without ``force`` only when the last fit is older than
    ``FIT_EVERY`` (``None`` when it is not due). Raises ``FitError`` with fewer than three
    customers with orders."""
    latest = ClvFit.objects.select_for_update().order_by("-created_at", "-pk").first()
    if not force and latest is not None and latest.created_at > timezone.now() - FIT_EVERY:
        return None  # another pass (or an admin) fitted meanwhile
    try:
        fit, data = clv_fit(as_of=as_of, unit=unit)
    except ValueError as exc:
        raise FitError(
            _("The lifetime value models need at least three customers with orders.")
        ) from exc
    return fit_save(fit, data)


def clv_fit_request(*, by) -> TaskResult:
    """An admin asks for a fit now: it is queued for the task worker (which runs it at
    once where tasks run immediately). Only admins may."""
    from insights.tasks import clv_fit_task

    if not roles.is_admin(by):
        raise PermissionDenied(_("Only admins can estimate lifetime values now."))
    return clv_fit_task.enqueue(force=True)
