"""Demo surveys are idempotent; the desk's customer panel shows value, risk and scores."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from insights import demo
from insights.clv import clv_fit, customer_score, fit_save
from insights.models import ClvFit, Survey, SurveyKind
from portal.models import Interaction, InteractionKind
from tests.insights.conftest import answer, buy, customer

pytestmark = pytest.mark.django_db


def _history(n: int = 12):
    now = timezone.now()
    people = []
    for i in range(n):
        who = customer(f"h{i}")
        for k in range(i % 4 + 1):
            buy(who, now - timedelta(days=300 - 40 * k - i), 20 + 5 * k)
        people.append(who)
    return people


def test_demo_seed_is_idempotent(alice):
    _history()
    first = demo.seed(now=timezone.now())
    surveys = Survey.objects.count()
    responses = Interaction.objects.filter(kind=InteractionKind.SURVEY_RESPONSE).count()
    assert surveys > 0 and "surveys" in first
    assert Survey.objects.filter(customer=alice.customer, answered_at__isnull=True).exists()
    assert ClvFit.objects.count() == 1
    demo.seed(now=timezone.now())
    assert Survey.objects.count() == surveys
    assert Interaction.objects.filter(kind=InteractionKind.SURVEY_RESPONSE).count() == responses
    assert ClvFit.objects.count() == 1


def test_customer_score_uses_the_latest_fit():
    people = _history()
    assert customer_score(people[0].pk) is None  # no fit yet
    fit, _data = clv_fit(unit="week")
    fit_save(fit)
    score = customer_score(people[3].pk)
    assert 0 <= score.p_alive <= 1
    assert score.predicted_value >= 0 and score.transactions == 4
    assert score.risk_level in {"low", "medium", "high"}


def test_desk_panel_shows_insights(client_for, ada, alice):
    from tickets.services import ticket_open

    _history()
    fit_save(clv_fit(unit="week")[0])
    buy(alice.customer, timezone.now() - timedelta(days=30), 80)
    buy(alice.customer, timezone.now() - timedelta(days=10), 40)
    answer(alice.customer, SurveyKind.NPS, 9, timezone.now() - timedelta(days=3), comment="Nice")
    ticket = ticket_open(customer=alice.customer, opened_by=alice, subject="Hi", body="Help")
    body = client_for(ada).get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "Value and loyalty" in body
    assert "Churn risk" in body and "Predicted value, next 12 months" in body
    assert "Net Promoter Score (NPS)" in body and "Nice" in body
