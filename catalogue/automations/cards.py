"""A lost or stolen payment card: blocked at once, in the submission itself (it cannot wait
for the task queue), then a replacement is filed as a follow-up ticket by the background
fulfilment."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalogue.automations.base import Automation, AutomationInputError, Result, registry

if TYPE_CHECKING:
    from catalogue.models import PaymentCard, ServiceRequest


def _cards(request: ServiceRequest):
    from catalogue.models import PaymentCard

    last_four = str(request.data.get("last_four", "")).strip()
    return PaymentCard.objects.filter(customer=request.customer, last_four=last_four)


@registry.register
class BlockCard(Automation):
    key = "card_block"
    label = gettext_lazy("Block a lost or stolen card")
    description = gettext_lazy(
        'Blocks the customer\'s active card whose last four digits are in the "last_four" '
        "field as soon as the request is submitted, then files the replacement as a ticket."
    )
    required_fields = {"last_four": ("short_text",)}

    def validate(self, request: ServiceRequest) -> None:
        from catalogue.models import PaymentCard

        if not _cards(request).filter(status=PaymentCard.Status.ACTIVE).exists():
            raise AutomationInputError(
                _("None of your active cards ends in these digits."), "last_four"
            )

    def on_submit(self, request: ServiceRequest) -> str:
        from catalogue.models import PaymentCard

        card: PaymentCard | None = (
            _cards(request).select_for_update().filter(status=PaymentCard.Status.ACTIVE).first()
        )
        if card is None:
            raise AutomationInputError(
                _("None of your active cards ends in these digits."), "last_four"
            )
        card.status = PaymentCard.Status.BLOCKED
        card.blocked_at = timezone.now()
        card.blocked_by_request = request
        card.save(update_fields=["status", "blocked_at", "blocked_by_request"])
        return _("Card %(brand)s •••• %(last)s blocked.") % {
            "brand": card.brand,
            "last": card.last_four,
        }

    def fulfil(self, request: ServiceRequest) -> Result:
        from catalogue.models import PaymentCard
        from catalogue.services.fallback import ticket_for_request

        card = PaymentCard.objects.filter(blocked_by_request=request).first()
        if card is None:
            return Result.failed(_("No card was blocked by this request."))
        ticket = request.ticket or ticket_for_request(
            request=request,
            subject=_("Replacement card for %(brand)s •••• %(last)s")
            % {"brand": card.brand, "last": card.last_four},
            intro=_(
                "The card was blocked by the customer's request %(number)s. Please issue a "
                "replacement card."
            )
            % {"number": request.number},
        )
        return Result.fulfilled(
            _(
                "Your card •••• %(last)s is blocked: nobody can use it any more. We are "
                "sending a replacement (ticket %(ticket)s)."
            )
            % {"last": card.last_four, "ticket": ticket.number},
            follow_up_ticket=ticket,
        )
