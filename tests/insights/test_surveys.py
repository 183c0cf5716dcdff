"""Surveys: the contact policy, the sender's triggers, signed single-use links, answers."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.utils import timezone

from insights.models import Survey, SurveyKind, SurveyTrigger
from insights.services import surveys as S
from insights.services.sender import nps_round, surveys_send
from insights.services.surveys import (
    SurveyError,
    survey_answer,
    survey_for_token,
    survey_send,
    survey_token,
)
from outages.models import Incident, IncidentAudience
from portal.models import Interaction, InteractionKind, Notification, Product
from portal.services.interactions import interaction_record
from tests.insights.conftest import buy

pytestmark = pytest.mark.django_db


def link_token(url: str) -> str:
    assert url.startswith("/surveys/") and url.endswith("/"), url
    return url.removeprefix("/surveys/").removesuffix("/")


def send(user, *, kind=SurveyKind.CSAT, trigger=SurveyTrigger.TICKET, ref="T-1", now=None):
    return survey_send(customer=user.customer, kind=kind, trigger=trigger, trigger_ref=ref, now=now)


# --- policy ---------------------------------------------------------------------------------
def test_send_creates_survey_notifies_and_logs(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = send(alice)
    survey = result.survey
    assert survey is not None and result.skipped is None
    assert survey.expires_at - survey.sent_at == timedelta(days=14)
    # the links are signed with a timestamp (seconds), so compare what they point at
    notification = Notification.objects.get(user=alice)
    assert survey_for_token(link_token(notification.url)) == survey
    assert len(mail.outbox) == 1
    emailed = re.search(r"/surveys/([^/\s]+)/", mail.outbox[0].body)
    assert emailed and survey_for_token(emailed.group(1)) == survey
    assert Interaction.objects.filter(kind=InteractionKind.SURVEY_SENT, customer=alice.customer)


def test_one_survey_per_trigger(alice, settings):
    settings.INSIGHTS_SURVEY_MIN_DAYS = 0
    assert send(alice).survey is not None
    assert send(alice).skipped == S.ALREADY_SENT
    assert Survey.objects.count() == 1


def test_at_most_one_survey_per_customer_per_period(alice, settings):
    settings.INSIGHTS_SURVEY_MIN_DAYS = 30
    now = timezone.now()
    send(alice, ref="T-1", now=now - timedelta(days=29))
    assert send(alice, ref="T-2", now=now).skipped == S.TOO_SOON
    assert send(alice, ref="T-3", now=now + timedelta(days=2)).survey is not None


def test_opted_out_customers_get_nothing(alice, amy):
    alice.notification_preferences = {"email_surveys": False}
    alice.save(update_fields=["notification_preferences"])
    assert send(alice).skipped == S.OPTED_OUT
    amy.customer.consent_surveys = False
    amy.customer.save(update_fields=["consent_surveys"])
    assert send(amy).skipped == S.OPTED_OUT
    assert not Survey.objects.exists()


def test_customer_without_login_gets_nothing(db):
    from tests.insights.conftest import customer

    imported = customer("imported")
    result = survey_send(
        customer=imported, kind=SurveyKind.NPS, trigger=SurveyTrigger.SCHEDULE, trigger_ref="n"
    )
    assert result.skipped == S.NO_LOGIN


def test_no_survey_during_an_open_incident_that_affects_them(alice, bob):
    incident = Incident.objects.create(
        title="Fibre down", impact=Incident.Impact.MAJOR, published_at=timezone.now()
    )
    IncidentAudience.objects.create(incident=incident, customer=alice.customer)
    assert send(alice).skipped == S.INCIDENT
    assert send(bob).survey is not None  # not affected
    incident.status = Incident.Status.RESOLVED
    incident.save(update_fields=["status"])
    assert send(alice).survey is not None


def test_unpublished_incident_does_not_block(alice):
    incident = Incident.objects.create(title="Draft", impact=Incident.Impact.MAJOR)
    IncidentAudience.objects.create(incident=incident, customer=alice.customer)
    assert send(alice).survey is not None


def test_sampling_is_per_trigger_and_stable(alice, settings):
    settings.INSIGHTS_SURVEY_MIN_DAYS = 0
    settings.INSIGHTS_SURVEY_SAMPLE_PERCENT = {"ticket": 0, "request": 100, "schedule": 100}
    assert send(alice).skipped == S.SAMPLED_OUT
    assert send(alice, kind=SurveyKind.CES, trigger=SurveyTrigger.REQUEST).survey is not None
    settings.INSIGHTS_SURVEY_SAMPLE_PERCENT = {"ticket": 50, "request": 100, "schedule": 100}
    decisions = [
        S.sampled_in(trigger="ticket", trigger_ref=f"T-{n}", customer=alice.customer)
        for n in range(400)
    ]
    again = [
        S.sampled_in(trigger="ticket", trigger_ref=f"T-{n}", customer=alice.customer)
        for n in range(400)
    ]
    assert decisions == again  # a re-run decides the same way
    assert 150 < sum(decisions) < 250  # about half


# --- the sender -------------------------------------------------------------------------------
def resolved(customer, target, kind=InteractionKind.TICKET_RESOLVED):
    return interaction_record(kind=kind, customer=customer, target=target)


def test_sender_reads_resolved_tickets_and_fulfilled_requests_once(alice, bob, settings):
    thing = Product.objects.create(name="Thing", slug="thing")
    resolved(alice.customer, thing)
    resolved(bob.customer, thing, kind=InteractionKind.CATALOGUE_FULFILLED)
    first = surveys_send(nps=False)
    assert first == {"ces_sent": 1, "csat_sent": 1}
    csat = Survey.objects.get(customer=alice.customer)
    assert (csat.kind, csat.trigger, csat.trigger_ref) == ("csat", "ticket", f"T-{thing.pk}")
    assert Survey.objects.get(customer=bob.customer).kind == SurveyKind.CES
    assert surveys_send(nps=False) == {}  # nothing new
    settings.INSIGHTS_SURVEY_MIN_DAYS = 0
    resolved(alice.customer, thing)  # resolved again (reopened): still one survey
    assert surveys_send(nps=False) == {"skipped_already_sent": 1}
    assert Survey.objects.count() == 2


def test_sender_nps_round_per_customer(alice, amy, carol, settings):
    settings.INSIGHTS_SURVEY_MIN_DAYS = 30
    buy(alice.customer, timezone.now() - timedelta(days=40), 10)
    buy(amy.customer, timezone.now() - timedelta(days=40), 10)
    # carol never bought anything: not asked
    now = timezone.now()
    send(amy, ref="T-9", now=now - timedelta(days=3))  # amy had a survey 3 days ago
    assert surveys_send(now=now) == {"nps_sent": 1}
    nps = Survey.objects.get(kind=SurveyKind.NPS)
    assert nps.customer == alice.customer and nps.trigger_ref == nps_round(now)
    assert surveys_send(now=now) == {}
    later = now + timedelta(days=31)  # amy's pause is over; same NPS round for alice
    if nps_round(later) == nps_round(now):
        assert surveys_send(now=later) == {"nps_sent": 1}
        assert Survey.objects.filter(kind=SurveyKind.NPS).count() == 2


def test_surveys_send_command(alice, capsys):
    from django.core.management import CommandError, call_command

    thing = Product.objects.create(name="Thing", slug="thing")
    resolved(alice.customer, thing)
    call_command("surveys_send", "--no-nps")
    assert '"csat_sent": 1' in capsys.readouterr().out
    call_command("surveys_send", "--enqueue")  # like every periodic command
    assert "queued surveys_send_task (" in capsys.readouterr().out
    with pytest.raises(CommandError, match="positive number of seconds"):
        call_command("surveys_send", "--every", "-5")


# --- tokens and answers -----------------------------------------------------------------------
@pytest.fixture
def survey(alice):
    return send(alice).survey


def test_token_round_trip(survey):
    assert survey_for_token(survey_token(survey)) == survey


def test_tampered_token_is_invalid(survey):
    token = survey_token(survey)
    forged = signing.dumps({"s": survey.pk + 1}, salt="other")
    for bad in (token[:-2] + "xx", forged, "nonsense", ""):
        with pytest.raises(SurveyError) as error:
            survey_for_token(bad)
        assert error.value.code == "invalid"


def test_expired_token(survey):
    with pytest.raises(SurveyError) as error:
        survey_for_token(survey_token(survey), now=survey.expires_at + timedelta(seconds=1))
    assert error.value.code == "expired"


def test_answer_once(survey):
    survey_answer(survey=survey, score="5", comment="Quick and kind")
    survey.refresh_from_db()
    assert (survey.score, survey.comment) == (5, "Quick and kind")
    log = Interaction.objects.get(kind=InteractionKind.SURVEY_RESPONSE)
    assert log.value == 5 and log.metadata["survey"] == "csat"
    with pytest.raises(SurveyError) as error:
        survey_answer(survey=survey, score=1)
    assert error.value.code == "answered"
    with pytest.raises(SurveyError):
        survey_for_token(survey_token(survey))


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"score": "6"}, "score"),  # CSAT is 1-5
        ({"score": "0"}, "score"),
        ({"score": "abc"}, "score"),
        ({"score": None}, "score"),
        ({"score": 4, "comment": "x" * 2001}, "comment"),
        ({"score": 4, "likely_return": 5}, "__all__"),  # not an NPS survey
    ],
)
def test_bad_answers_write_nothing(survey, fields, field):
    with pytest.raises(SurveyError) as error:
        survey_answer(survey=survey, **fields)
    assert error.value.code == "bad_answer" and field in error.value.errors
    survey.refresh_from_db()
    assert survey.answered_at is None
    assert not Interaction.objects.filter(kind=InteractionKind.SURVEY_RESPONSE).exists()


def test_nps_answer_with_wallet_and_loyalty(alice):
    survey = send(alice, kind=SurveyKind.NPS, trigger=SurveyTrigger.SCHEDULE, ref="n").survey
    survey_answer(
        survey=survey,
        score=10,
        category_spend="1200.5",
        likely_recommend="9",
        likely_try_other=7,
        likely_return=10,
    )
    survey.refresh_from_db()
    assert str(survey.category_spend) == "1200.50"
    assert (survey.likely_recommend, survey.likely_try_other, survey.likely_return) == (9, 7, 10)
    with pytest.raises(SurveyError) as error:
        survey_answer(
            survey=send(
                alice,
                kind=SurveyKind.NPS,
                trigger=SurveyTrigger.SCHEDULE,
                ref="m",
                now=timezone.now() + timedelta(days=60),
            ).survey,
            score=5,
            category_spend="-3",
            likely_recommend=11,
        )
    assert set(error.value.errors) == {"category_spend", "likely_recommend"}
