"""Cancel or pause one of the customer's subscriptions (``portal.models.Subscription``)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalogue.automations.base import Automation, AutomationInputError, Result, registry
from portal.models import Subscription

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from catalogue.models import ServiceRequest


def _subscription(request: ServiceRequest, *, lock: bool = False) -> Subscription | None:
    pk = request.data.get("subscription")
    if not isinstance(pk, int):
        return None
    subscriptions = Subscription.objects.filter(customer=request.customer)
    if lock:
        subscriptions = subscriptions.select_for_update()
    return subscriptions.select_related("product").filter(pk=pk).first()


def _effective(request: ServiceRequest) -> date:
    raw = request.data.get("effective_date")
    today = timezone.localdate()
    if not raw:
        return today
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        return today


def _moment(day: date) -> datetime:
    now = timezone.now()
    if day <= timezone.localdate(now):
        return now
    return timezone.make_aware(datetime.combine(day, time.min))


class _SubscriptionChange(Automation):
    required_fields = {"subscription": ("subscription",)}
    allowed_from: tuple[str, ...] = ()

    def offer(self, key: str, queryset: QuerySet) -> QuerySet:
        if key == "subscription":
            return queryset.filter(status__in=self.allowed_from)
        return queryset

    def validate(self, request: ServiceRequest) -> None:
        subscription = _subscription(request)
        if subscription is None:
            raise AutomationInputError(_("Choose one of your subscriptions."), "subscription")
        if subscription.status not in self.allowed_from:
            raise AutomationInputError(
                _("This subscription is %(status)s.")
                % {"status": subscription.get_status_display().lower()},
                "subscription",
            )
        if _effective(request) < timezone.localdate():
            raise AutomationInputError(_("The date cannot be in the past."), "effective_date")


@registry.register
class CancelSubscription(_SubscriptionChange):
    key = "subscription_cancel"
    label = gettext_lazy("Cancel a subscription")
    description = gettext_lazy(
        'Cancels the chosen subscription; an optional "effective_date" field sets the day the '
        "service ends (default: today)."
    )
    allowed_from = (Subscription.Status.ACTIVE, Subscription.Status.PAUSED)

    def fulfil(self, request: ServiceRequest) -> Result:
        subscription = _subscription(request, lock=True)
        if subscription is None:
            return Result.failed(_("The subscription no longer exists."))
        day = _effective(request)
        if subscription.status != Subscription.Status.CANCELLED:
            subscription.status = Subscription.Status.CANCELLED
            subscription.ended_at = _moment(day)
            subscription.save(update_fields=["status", "ended_at"])
        return Result.fulfilled(
            _("%(product)s is cancelled. The service ends on %(date)s.")
            % {
                "product": subscription.product.name,
                "date": formats.date_format(timezone.localtime(subscription.ended_at).date()),
            }
        )


@registry.register
class PauseSubscription(_SubscriptionChange):
    key = "subscription_pause"
    label = gettext_lazy("Pause a subscription")
    description = gettext_lazy(
        'Pauses the chosen subscription now; an optional "resume_on" date is noted in the '
        "result for the billing team."
    )
    allowed_from = (Subscription.Status.ACTIVE,)

    def fulfil(self, request: ServiceRequest) -> Result:
        subscription = _subscription(request, lock=True)
        if subscription is None:
            return Result.failed(_("The subscription no longer exists."))
        if subscription.status == Subscription.Status.CANCELLED:
            return Result.failed(_("The subscription was cancelled in the meantime."))
        if subscription.status != Subscription.Status.PAUSED:
            subscription.status = Subscription.Status.PAUSED
            subscription.save(update_fields=["status"])
        message = _("%(product)s is paused from today.") % {"product": subscription.product.name}
        resume = request.data.get("resume_on")
        if resume:
            try:
                resume_day = date.fromisoformat(str(resume))
            except ValueError:
                resume_day = None
            if resume_day is not None:
                message += " " + _("It will resume on %(date)s.") % {
                    "date": formats.date_format(resume_day)
                }
        return Result.fulfilled(message)
