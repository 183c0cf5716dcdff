"""``{% pending_surveys user as surveys %}``: the user's unanswered, unexpired surveys, each
with its answer link (used by the include on /me/). ``{% clv_fit_status user as fit %}``:
when the lifetime value fit last ran and runs next, and whether ``user`` may run it now."""

from __future__ import annotations

from django import template
from django.template.defaultfilters import floatformat

from insights.models import Survey
from insights.money import decimals, shop_currency
from insights.services import lifetime_value
from insights.services.lifetime_value import clv_fit_latest
from insights.services.surveys import question, survey_url

register = template.Library()


@register.simple_tag
def pending_surveys(user, limit: int = 5) -> list[dict]:
    if user is None or not user.is_authenticated or getattr(user, "customer", None) is None:
        return []
    surveys = Survey.objects.filter(customer=user.customer).pending().order_by("expires_at")
    return [
        {"survey": survey, "url": survey_url(survey), "question": question(survey.kind)}
        for survey in surveys[:limit]
    ]


@register.filter
def cell(value) -> str:
    """A table cell: floats rounded (fractions stay fractions), None as "-"."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:.0f}"
    return str(value)


@register.simple_tag
def clv_fit_status(user) -> dict:
    return lifetime_value.clv_fit_status(clv_fit_latest(), user=user)


@register.filter
def money(value) -> str:
    """An insights amount with its currency: ``1,317.40 EUR`` (the shop's currency, to its
    minor units, grouped as the active language does); ``None`` as "-"."""
    if value is None or value == "":
        return "-"
    currency = shop_currency()
    return f"{floatformat(value, f'{decimals(currency)}g')} {currency}"
