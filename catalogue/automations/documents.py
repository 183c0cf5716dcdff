"""A copy of an invoice or receipt: the purchase rendered as an HTML document, stored as the
request's result file (downloaded through an access-checked view) and emailed as an
attachment."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalogue.automations.base import (
    Automation,
    AutomationInputError,
    Result,
    ResultFile,
    emails_on,
    registry,
)
from portal.models import Purchase

if TYPE_CHECKING:
    from catalogue.models import ServiceRequest


def _purchase(request: ServiceRequest) -> Purchase | None:
    pk = request.data.get("purchase")
    if not isinstance(pk, int):
        return None
    return (
        Purchase.objects.filter(customer=request.customer, pk=pk).select_related("product").first()
    )


def render_invoice(purchase: Purchase, *, request: ServiceRequest) -> bytes:
    return render_to_string(
        "catalogue/documents/invoice.html",
        {
            "purchase": purchase,
            "customer": request.customer,
            "request": request,
            "site_name": settings.WAGTAIL_SITE_NAME,
            "issued_at": timezone.now(),
            "kind": _("Receipt") if purchase.amount >= 0 else _("Credit note"),
        },
    ).encode()


@registry.register
class InvoiceCopy(Automation):
    key = "invoice_copy"
    label = gettext_lazy("Copy of an invoice or receipt")
    description = gettext_lazy(
        "Renders the chosen purchase as a document, attaches it to the request and emails it."
    )
    required_fields = {"purchase": ("purchase",)}

    def validate(self, request: ServiceRequest) -> None:
        if _purchase(request) is None:
            raise AutomationInputError(_("Choose one of your purchases."), "purchase")

    def fulfil(self, request: ServiceRequest) -> Result:
        purchase = _purchase(request)
        if purchase is None:
            return Result.failed(_("The purchase no longer exists."))
        with translation.override(request.customer.language):
            content = render_invoice(purchase, request=request)
            name = f"receipt-{purchase.order_ref}.html".replace("/", "-")[:100]
            to = request.customer.user.email if request.customer.user else request.customer.email
            if to and emails_on():
                message = EmailMessage(
                    subject=_("Your copy of order %(ref)s") % {"ref": purchase.order_ref},
                    body=_(
                        "Hello,\n\nattached is a copy of your receipt for order %(ref)s. "
                        "You can also download it from your request page."
                    )
                    % {"ref": purchase.order_ref},
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    to=[to],
                    headers={"Auto-Submitted": "auto-generated"},
                )
                message.attach(name, content, "text/html")
                message.send()
            return Result.fulfilled(
                _("A copy of order %(ref)s is ready below and was emailed to you.")
                % {"ref": purchase.order_ref},
                file=ResultFile(name=name, content=content, content_type="text/html"),
            )
