"""``/surveys/<token>/`` without login, and the pending surveys on /me/."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from insights.models import SurveyKind, SurveyTrigger
from insights.services.surveys import survey_for_token, survey_send, survey_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(alice):
    return survey_send(
        customer=alice.customer,
        kind=SurveyKind.CSAT,
        trigger=SurveyTrigger.TICKET,
        trigger_ref="T-7",
    ).survey


def test_form_without_login(client, survey):
    response = client.get(survey_url(survey))
    assert response.status_code == 200
    body = response.content.decode()
    assert "How satisfied are you" in body
    assert 'name="score"' in body and 'value="5"' in body and 'value="6"' not in body
    assert 'name="category_spend"' not in body


def test_answer_then_link_is_used(client, survey):
    url = survey_url(survey)
    response = client.post(url, {"score": "4", "comment": "Thanks"})
    assert response.status_code == 200
    assert "Thank you for your feedback" in response.content.decode()
    survey.refresh_from_db()
    assert survey.score == 4
    again = client.get(url)
    assert again.status_code == 409
    assert "already answered" in again.content.decode()
    assert client.post(url, {"score": "1"}).status_code == 409
    survey.refresh_from_db()
    assert survey.score == 4


def test_bad_score_reshows_the_form(client, survey):
    response = client.post(survey_url(survey), {"score": "9"})
    assert response.status_code == 422
    assert "Choose a score from 1 to 5" in response.content.decode()
    survey.refresh_from_db()
    assert survey.answered_at is None


def test_tampered_link(client, survey):
    response = client.get(survey_url(survey).replace("/surveys/", "/surveys/x"))
    assert response.status_code == 400
    assert "not valid" in response.content.decode()


def test_expired_link(client, survey):
    survey.expires_at = timezone.now() - timedelta(minutes=1)
    survey.save(update_fields=["expires_at"])
    response = client.get(survey_url(survey))
    assert response.status_code == 410
    assert "expired" in response.content.decode()


def test_nps_form_asks_wallet_and_loyalty(client, alice):
    nps = survey_send(
        customer=alice.customer,
        kind=SurveyKind.NPS,
        trigger=SurveyTrigger.SCHEDULE,
        trigger_ref="n",
    ).survey
    body = client.get(survey_url(nps)).content.decode()
    assert 'value="0"' in body and 'value="10"' in body
    assert 'name="category_spend"' in body and 'name="likely_try_other"' in body


def test_pending_surveys_on_me(client_for, alice, amy, survey):
    page = client_for(alice).get("/me/").content.decode()
    assert "Your feedback" in page
    # the link is signed with a timestamp (seconds): check what it points at
    links = re.findall(r'href="/surveys/([^/"]+)/"', page)
    assert [survey_for_token(token) for token in links] == [survey]
    assert "Your feedback" not in client_for(amy).get("/me/").content.decode()


def test_a_post_purchase_survey_page_asks_about_the_order(client, alice):
    sent = survey_send(
        customer=alice.customer,
        kind=SurveyKind.CSAT,
        trigger=SurveyTrigger.PURCHASE,
        trigger_ref="P-1",
    ).survey
    body = client.get(survey_url(sent)).content.decode()
    assert "How satisfied are you with your recent order?" in body
    assert "help you received" not in body
