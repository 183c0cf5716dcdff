"""The insights section of the desk's customer panel: lifetime value so far and predicted,
churn risk (1 - probability alive, from the latest ``clv_fit``), the "valuable customer at
risk" flag and value band of the last fit, the customer's last survey scores and a
link to their timeline. Registered from ``InsightsConfig.ready()`` (tickets does not import us)."""

from __future__ import annotations

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from insights.clv import customer_score
from insights.models import CustomerScore, Survey, SurveyKind
from insights.money import rounded, shop_currency
from insights.story import customer_stage
from portal.models import Purchase
from tickets.panels import PanelContext, PanelSection, register


def _context(panel: PanelContext) -> dict:
    customer = panel.customer
    currency = shop_currency()
    spent = Purchase.objects.filter(customer=customer, currency=currency).aggregate(
        total=Sum("amount")
    )
    orders = Purchase.objects.orders().filter(customer=customer).count()
    latest = {}
    for survey in (
        Survey.objects.filter(customer=customer, answered_at__isnull=False).order_by(
            "kind", "-answered_at"
        )
    )[:30]:
        latest.setdefault(survey.kind, survey)
    return {
        "customer": customer,
        "spent": rounded(spent["total"] or 0, currency),  # in the shop's currency
        "currency": currency,
        "orders": orders,
        "score": customer_score(customer.pk),
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
