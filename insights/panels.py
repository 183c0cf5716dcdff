"""The insights section of the desk's customer panel: lifetime value so far and predicted,
churn risk (1 - probability alive, from the latest ``clv_fit``), the "valuable customer at
risk" flag and value band of the last fit, the customer's last survey scores and a
link to their timeline. Registered from ``InsightsConfig.ready()`` (tickets does not import us)."""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from insights.clv import customer_score
from insights.models import CustomerScore, Survey, SurveyKind
from insights.money import rounded, shop_currency
from insights.services.lifetime_value import clv_fit_latest, clv_fit_status
from insights.story import customer_stage
from portal.models import Purchase
from tickets.panels import PanelContext, PanelSection, register


def _context(panel: PanelContext) -> dict:
    customer = panel.customer
    currency = shop_currency()
    # One pass over the customer's purchases: spent in the shop's currency, and orders.
    totals = Purchase.objects.filter(customer=customer).aggregate(
        spent=Sum("amount", filter=Q(currency=currency)),
        orders=Count("pk", filter=Purchase.ORDER),
    )
    fit = clv_fit_latest()  # read once: the score and the status line both show it
    latest = {}
    for survey in (
        Survey.objects.filter(customer=customer, answered_at__isnull=False).order_by(
            "kind", "-answered_at"
        )
    )[:30]:
        latest.setdefault(survey.kind, survey)
    return {
        "customer": customer,
        "spent": rounded(totals["spent"] or 0, currency),  # in the shop's currency
        "currency": currency,
        "orders": totals["orders"],
        "score": customer_score(customer.pk, stored=fit) if fit is not None else None,
        "fit": clv_fit_status(fit, user=panel.user),
        "stored": CustomerScore.objects.filter(customer=customer).first(),
        "stage": customer_stage(customer),
        "surveys": [latest[kind] for kind in SurveyKind.values if kind in latest],
    }


def register_panel() -> None:
    register(
        PanelSection(
            key="insights",
            title=_("Value and loyalty"),
            template="insights/desk_panel.html",
            context=_context,
            order=35,
        )
    )
