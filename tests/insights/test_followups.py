"""The feedback loop: an unhappy answer opens one follow-up case (a ticket in the "Feedback
follow-up" queue with its own SLA), the desk closes it with an outcome, the contact policy
waits for it, and the metrics measure it. The race test runs real threads on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, connections
from django.utils import timezone

from insights.metrics import METRICS, Period
from insights.metrics.followups import (
    followup_first_contact_hours,
    followup_rate,
    nps_next_after_followup,
    nps_next_without_followup,
)
from insights.models import FollowUp, FollowUpOutcome, Survey, SurveyKind, SurveyTrigger
from insights.services import followups as F
from insights.services import surveys as S
from insights.services.followups import FollowUpError, followup_close, followup_open
from insights.services.surveys import survey_answer, survey_send, survey_token, survey_url
from portal.models import Interaction, InteractionKind
from tests.conftest import make_customer, make_user
from tickets.models import BusinessCalendar, Category, Priority, SlaPolicy, Status, Ticket
from tickets.services import ticket_note, ticket_open, ticket_reply, ticket_status_change

pytestmark = pytest.mark.django_db


def _survey(user, kind=SurveyKind.NPS, ref="R-1", when=None) -> Survey:
    when = when or timezone.now() - timedelta(hours=1)
    return Survey.objects.create(
        customer=user.customer,
        kind=kind,
        trigger=SurveyTrigger.SCHEDULE,
        trigger_ref=ref,
        sent_at=when,
        expires_at=when + timedelta(days=14),
    )


def _answered(user, kind, score, *, ref="R-1", when=None, comment="") -> Survey:
    survey = _survey(user, kind, ref, when=when)
    return survey_answer(survey=survey, score=score, comment=comment, now=when)


# --- the rule -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "score", "opens"),
    [
        (SurveyKind.NPS, 0, True),
        (SurveyKind.NPS, 6, True),
        (SurveyKind.NPS, 7, False),
        (SurveyKind.NPS, 10, False),
        (SurveyKind.CSAT, 1, True),
        (SurveyKind.CSAT, 2, True),
        (SurveyKind.CSAT, 3, False),
        (SurveyKind.CES, 1, True),
        (SurveyKind.CES, 2, True),
        (SurveyKind.CES, 3, False),
        (SurveyKind.CES, 7, False),
    ],
)
def test_unhappy_answers_open_a_case_others_do_not(alice, kind, score, opens):
    survey = _answered(alice, kind, score)
    assert FollowUp.objects.filter(survey=survey).exists() is opens
    assert Ticket.objects.filter(customer=alice.customer).exists() is opens


def test_the_case_is_a_followup_ticket_with_the_answer(alice):
    survey = _answered(alice, SurveyKind.NPS, 3, comment="Nobody called me back.")
    followup = FollowUp.objects.get(survey=survey)
    ticket = followup.ticket
    assert ticket.customer == alice.customer
    assert ticket.queue.slug == F.QUEUE_SLUG
    assert ticket.category == Category.FEEDBACK
    assert ticket.status == Status.NEW
    first = ticket.messages.get()
    assert "Nobody called me back." in first.body and "3" in first.body
    assert followup.customer == alice.customer and followup.closed_at is None
    assert Interaction.objects.filter(
        kind=InteractionKind.OTHER, customer=alice.customer, metadata__event="followup_opened"
    ).exists()


def test_the_answer_page_and_the_api_both_open_the_case(client, alice, bob):
    by_page = survey_send(
        customer=alice.customer,
        kind=SurveyKind.CSAT,
        trigger=SurveyTrigger.TICKET,
        trigger_ref="T-1",
    ).survey
    assert client.post(survey_url(by_page), {"score": "1"}).status_code == 200
    assert FollowUp.objects.filter(survey=by_page).count() == 1

    by_api = survey_send(
        customer=bob.customer, kind=SurveyKind.CES, trigger=SurveyTrigger.TICKET, trigger_ref="T-2"
    ).survey
    response = client.post(
        f"/api/v1/surveys/{survey_token(by_api)}", {"score": 2}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert FollowUp.objects.filter(survey=by_api).count() == 1


def test_a_happy_answer_on_the_page_opens_nothing(client, alice):
    survey = survey_send(
        customer=alice.customer,
        kind=SurveyKind.CSAT,
        trigger=SurveyTrigger.TICKET,
        trigger_ref="T-1",
    ).survey
    assert client.post(survey_url(survey), {"score": "5"}).status_code == 200
    assert not FollowUp.objects.exists() and not Ticket.objects.exists()


def test_a_bad_answer_writes_nothing(client, alice):
    survey = survey_send(
        customer=alice.customer,
        kind=SurveyKind.CSAT,
        trigger=SurveyTrigger.TICKET,
        trigger_ref="T-1",
    ).survey
    assert client.post(survey_url(survey), {"score": "0"}).status_code == 422
    assert not FollowUp.objects.exists() and not Ticket.objects.exists()


# --- exactly once ---------------------------------------------------------------------------------
def test_opening_again_returns_the_same_case(alice):
    survey = _answered(alice, SurveyKind.NPS, 2)
    first = FollowUp.objects.get(survey=survey)
    again = followup_open(survey=survey)
    assert again.followup == first and not again.created
    assert F.followups_pass()["followups_opened"] == 0
    assert FollowUp.objects.count() == 1 and Ticket.objects.count() == 1


def test_the_pass_catches_up_recent_unhappy_answers_once(alice, bob):
    now = timezone.now()
    recent = _survey(alice, SurveyKind.CSAT, "R-a", when=now - timedelta(days=1))
    Survey.objects.filter(pk=recent.pk).update(answered_at=now - timedelta(days=1), score=1)
    old = _survey(bob, SurveyKind.CSAT, "R-b", when=now - timedelta(days=60))
    Survey.objects.filter(pk=old.pk).update(answered_at=now - timedelta(days=60), score=1)
    assert F.followups_pass(now=now)["followups_opened"] == 1
    assert F.followups_pass(now=now)["followups_opened"] == 0
    assert list(FollowUp.objects.values_list("survey_id", flat=True)) == [recent.pk]


def test_an_unanswered_or_happy_survey_opens_nothing(alice):
    assert followup_open(survey=_survey(alice)).skipped == "unanswered"
    happy = _answered(alice, SurveyKind.NPS, 9, ref="R-2")
    assert followup_open(survey=happy).skipped == "happy"


def _open_in_thread(survey_id, barrier, outcomes):
    try:
        barrier.wait(timeout=10)
        result = followup_open(survey=Survey.objects.get(pk=survey_id))
        outcomes.append(("created" if result.created else "existing", result.followup.pk))
    except Exception as exc:  # surfaced by the assertions below
        outcomes.append(("error", repr(exc)))
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_open_one_case():
    """On PostgreSQL two threads (two connections) call the service for the same answer at
    once; SQLite serialises writers, so there they run one after the other."""
    user = make_user("race@example.com", full_name="Race Customer")
    make_customer(user, ref="C-RACE")
    survey = _survey(user, SurveyKind.NPS, "R-race")
    Survey.objects.filter(pk=survey.pk).update(answered_at=timezone.now(), score=0)
    outcomes: list[tuple[str, object]] = []
    if connection.vendor == "postgresql":
        barrier = threading.Barrier(2)
        threads = [
            threading.Thread(target=_open_in_thread, args=(survey.pk, barrier, outcomes))
            for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    else:
        for _ in range(2):
            _open_in_thread(survey.pk, threading.Barrier(1), outcomes)
    assert [o for o in outcomes if o[0] == "error"] == []
    assert sorted(kind for kind, _ in outcomes) == ["created", "existing"]
    assert len({pk for _, pk in outcomes}) == 1
    assert FollowUp.objects.count() == 1
    assert Ticket.objects.filter(customer=user.customer).count() == 1


# --- its own SLA ----------------------------------------------------------------------------------
def test_the_case_has_the_followup_sla_not_the_prioritys(alice, ada):
    office = BusinessCalendar.objects.create(name="Office", timezone="UTC")
    general = {
        priority: SlaPolicy.objects.create(
            name=f"{priority.label} priority",
            priority=priority,
            calendar=office,
            first_response_minutes=60,
            resolution_minutes=120,
        )
        for priority in (Priority.LOW, Priority.NORMAL)
    }
    monday = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # 10:00, the office opens at 9
    survey = _answered(alice, SurveyKind.CSAT, 1, when=monday)
    ticket = FollowUp.objects.get(survey=survey).ticket
    policy = ticket.sla_policy
    assert policy is not None and policy not in general.values()
    assert policy.name == F.POLICY_NAME and not policy.is_active
    assert policy.first_response_minutes == 8 * 60
    # one business day: Tuesday 10:00 on the 9-17 calendar
    assert ticket.first_response_due_at == datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
    # a recomputation (waiting on the customer, then back) keeps the follow-up policy
    ticket_status_change(ticket=ticket, status=Status.WAITING_CUSTOMER, actor=ada)
    ticket = ticket_status_change(ticket=ticket, status=Status.OPEN, actor=ada)
    assert ticket.sla_policy_id == policy.pk
    # an ordinary ticket still gets its priority's policy
    ordinary = ticket_open(customer=alice.customer, opened_by=alice, subject="Hi", body="Help")
    assert ordinary.sla_policy == general[Priority.NORMAL]
    # and the follow-up policy never applies by priority
    assert SlaPolicy.objects.active().filter(pk=policy.pk).exists() is False


# --- the contact policy ---------------------------------------------------------------------------
def test_no_survey_while_the_case_is_open(alice, ada, settings):
    settings.INSIGHTS_SURVEY_MIN_DAYS = 0
    survey = _answered(alice, SurveyKind.NPS, 4)
    check = {
        "customer": alice.customer,
        "trigger": SurveyTrigger.TICKET,
        "trigger_ref": "T-99",
        "now": timezone.now(),
    }
    assert S.survey_policy_check(**check) == S.FOLLOWUP_OPEN
    assert (
        survey_send(
            customer=alice.customer,
            kind=SurveyKind.CSAT,
            **{k: v for k, v in check.items() if k != "customer"},
        ).skipped
        == S.FOLLOWUP_OPEN
    )
    followup_close(followup=survey.followup, outcome=FollowUpOutcome.CONTACTED, by=ada)
    assert S.survey_policy_check(**check) is None


# --- closing on the desk --------------------------------------------------------------------------
def _close_url(followup) -> str:
    return f"/desk/insights/followups/{followup.pk}/close/"


def test_the_desk_shows_the_case_and_closes_it_with_an_outcome(client_for, alice, ada):
    followup = _answered(alice, SurveyKind.CSAT, 2, comment="Slow.").followup
    page = client_for(ada).get(followup.ticket.get_desk_url())
    assert page.status_code == 200
    body = page.content.decode()
    assert "Feedback follow-up" in body and _close_url(followup) in body and "Slow." in body

    response = client_for(ada).post(_close_url(followup), {"outcome": "solved"})
    assert response.status_code == 302 and response["Location"] == followup.ticket.get_desk_url()
    followup.refresh_from_db()
    assert followup.outcome == FollowUpOutcome.SOLVED and followup.closed_at is not None
    assert followup.closed_by == ada
    assert Ticket.objects.get(pk=followup.ticket_id).status == Status.CLOSED
    logged = Interaction.objects.get(metadata__event="followup_closed")
    assert logged.customer == alice.customer and logged.user == ada
    assert logged.metadata["outcome"] == "solved"
    assert (
        "Close follow-up"
        not in client_for(ada).get(followup.ticket.get_desk_url()).content.decode()
    )


def test_closing_refuses_bad_input_and_a_second_close(client_for, alice, ada):
    followup = _answered(alice, SurveyKind.CSAT, 1).followup
    for bad in ({}, {"outcome": "maybe"}, {"outcome": "x" * 5000}):
        response = client_for(ada).post(_close_url(followup), bad)
        assert response.status_code == 400
        assert "Choose" in response.content.decode()
    followup.refresh_from_db()
    assert followup.closed_at is None and followup.outcome == ""
    assert client_for(ada).post(_close_url(followup), {"outcome": "no_answer"}).status_code == 302
    again = client_for(ada).post(_close_url(followup), {"outcome": "solved"})
    assert again.status_code == 409
    followup.refresh_from_db()
    assert followup.outcome == FollowUpOutcome.NO_ANSWER


def test_only_agents_close(client_for, alice, bob, ada):
    followup = _answered(alice, SurveyKind.CSAT, 1).followup
    assert client_for(alice).post(_close_url(followup), {"outcome": "solved"}).status_code == 403
    assert client_for(None).post(_close_url(followup), {"outcome": "solved"}).status_code == 302
    assert client_for(ada).get(_close_url(followup)).status_code == 405
    assert client_for(ada).post("/desk/insights/followups/999999/close/", {}).status_code == 404
    with pytest.raises(PermissionDenied):
        followup_close(followup=followup, outcome="solved", by=alice)
    with pytest.raises(FollowUpError):
        followup_close(followup=followup, outcome="", by=ada)
    followup.refresh_from_db()
    assert followup.closed_at is None


def test_other_tickets_show_no_followup_panel(client_for, alice, ada):
    ticket = ticket_open(customer=alice.customer, opened_by=alice, subject="Hi", body="Help")
    body = client_for(ada).get(ticket.get_desk_url()).content.decode()
    assert "/desk/insights/followups/" not in body


# --- first contact and the metrics ----------------------------------------------------------------
def test_first_contact_is_the_first_public_agent_reply(alice, ada):
    opened = timezone.now() - timedelta(hours=10)
    followup = _answered(alice, SurveyKind.NPS, 1, when=opened).followup
    ticket_note(
        ticket=followup.ticket,
        author=ada,
        body="Internal: call her",
        now=opened + timedelta(hours=1),
    )
    assert F.followups_pass()["followups_first_contact"] == 0
    ticket_reply(
        ticket=followup.ticket,
        author=ada,
        body="Sorry! Calling you.",
        now=opened + timedelta(hours=3),
    )
    ticket_reply(ticket=followup.ticket, author=ada, body="Again.", now=opened + timedelta(hours=5))
    assert F.followups_pass()["followups_first_contact"] == 1
    followup.refresh_from_db()
    assert followup.first_contact_at == opened + timedelta(hours=3)
    assert F.followups_pass()["followups_first_contact"] == 0


def test_a_ticket_closed_without_the_panel_ends_the_case_and_the_survey_wait(alice, ada):
    followup = _answered(alice, SurveyKind.NPS, 2).followup
    ticket_reply(ticket=followup.ticket, author=ada, body="Sorry! Sorted.")
    assert F.followups_pass()["followups_ended"] == 0  # the ticket is still being worked
    ticket_status_change(ticket=followup.ticket, status=Status.CLOSED, actor=ada)
    assert F.followups_pass()["followups_ended"] == 1
    followup.refresh_from_db()
    assert followup.outcome == FollowUpOutcome.UNRECORDED
    assert followup.closed_at is not None and followup.first_contact_at is not None
    assert not FollowUp.objects.filter(customer=alice.customer, closed_at__isnull=True).exists()
    assert F.followups_pass()["followups_ended"] == 0  # once


@pytest.mark.usefixtures("utc")
def test_metrics_by_hand(alice, amy, bob, carol, ada):
    day = datetime(2026, 2, 10, 9, 0, tzinfo=UTC)
    period = Period(date(2026, 2, 1), date(2026, 2, 28))
    # alice: NPS 2 -> case, first reply after 2 h; next NPS answer 8
    a = _answered(alice, SurveyKind.NPS, 2, ref="a1", when=day).followup
    ticket_reply(ticket=a.ticket, author=ada, body="Hello", now=day + timedelta(hours=2))
    _answered(alice, SurveyKind.NPS, 8, ref="a2", when=day + timedelta(days=5))
    # amy: CSAT 1 -> case, first reply after 6 h
    m = _answered(amy, SurveyKind.CSAT, 1, ref="m1", when=day).followup
    ticket_reply(ticket=m.ticket, author=ada, body="Hello", now=day + timedelta(hours=6))
    # bob: CES 2 -> case, never contacted
    _answered(bob, SurveyKind.CES, 2, ref="b1", when=day)
    # carol: an NPS 5 recorded without a case (before the loop existed), next answer 4
    c = _survey(carol, SurveyKind.NPS, "c1", when=day)
    Survey.objects.filter(pk=c.pk).update(answered_at=day, score=5)
    _answered(carol, SurveyKind.NPS, 4, ref="c2", when=day + timedelta(days=3))
    # happy answers are not in the denominator
    _answered(carol, SurveyKind.CSAT, 5, ref="c3", when=day)

    # unhappy answers in February: alice 2, amy 1, bob 2, carol 5, carol 4 (a detractor
    # too, and followed up: her NPS 4 opened a case) -> 4 of 5 followed up
    assert followup_rate(period) == pytest.approx(4 / 5)
    # contacted cases opened in February: 2 h and 6 h -> median 4 h
    assert followup_first_contact_hours(period) == pytest.approx(4.0)
    # followed-up detractors with a next answer: alice (8); carol's NPS 4 has none yet
    assert nps_next_after_followup(period) == pytest.approx(8.0)
    # not followed up: carol's 5 -> next 4
    assert nps_next_without_followup(period) == pytest.approx(4.0)
    empty = Period(date(2025, 1, 1), date(2025, 1, 31))
    for metric in (
        followup_rate,
        followup_first_contact_hours,
        nps_next_after_followup,
        nps_next_without_followup,
    ):
        assert metric(empty) is None


@pytest.mark.usefixtures("utc")
def test_metrics_command_lists_the_followup_metrics(alice):
    import json
    from io import StringIO

    from django.core.management import call_command

    _answered(alice, SurveyKind.NPS, 2, when=datetime(2026, 1, 10, 12, tzinfo=UTC))
    out = StringIO()
    call_command("metrics", "--json", "--start", "2026-01-01", "--end", "2026-01-31", stdout=out)
    data = json.loads(out.getvalue())
    for name in (
        "followup_rate",
        "followup_first_contact_hours",
        "nps_next_after_followup",
        "nps_next_without_followup",
    ):
        assert name in METRICS and name in data
    assert data["followup_rate"] == 1.0
    assert data["followup_first_contact_hours"] is None
