"""``{% pending_surveys user as surveys %}``: the user's unanswered, unexpired surveys, each
with its answer link (used by the include on /me/)."""

from __future__ import annotations

from django import template

from insights.models import Survey
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
