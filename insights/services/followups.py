"""The feedback loop: an unhappy survey answer opens one follow-up case for agents.

**Unhappy** (``insights.models.UNHAPPY_MAX``, one place): an NPS detractor (0-6), a CSAT of
1-2, a CES of 1-2 (the two hardest points of "how easy was it?", 1 = very difficult).

**The case** is a ticket in the "Feedback follow-up" queue, opened through
``tickets.services.ticket_open`` in the customer's name (their answer is its first
message, so the desk shows the customer panel as for any ticket) and linked to the answer
by a ``FollowUp`` row. ``survey`` is unique on ``FollowUp`` and ``followup_open`` locks the
answer's row first, so an answer opens at most one case, however often and however
concurrently it is called (the answer page, the API, the periodic catch-up pass).

**Its SLA** is its own: the queue's tickets get the "Feedback follow-up" policy (first
response within one business day) through tickets' ``sla_policy_resolver_register`` seam;
admins edit its targets and calendar in Settings > SLA policies (it stays inactive there, so
it never applies to other tickets by priority).

**Closing** records the outcome (contacted, problem solved, no answer) on the case and as an
interaction, and closes the ticket. Until then the contact policy sends the customer no
other survey (``insights.services.surveys.survey_policy_check``).

**First contact** is the first public agent reply on the ticket: ``followups_pass`` (in the
periodic pass) copies it onto the case; the metrics read the messages themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Exists, Min, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from insights.models import UNHAPPY_MAX, FollowUp, FollowUpOutcome, Survey, unhappy_q
from portal import roles
from portal.models import Channel, InteractionKind
from portal.services.errors import ServiceError
from portal.services.interactions import interaction_record
from tickets.models import (
    ACTIVE_STATUSES,
    BusinessCalendar,
    Category,
    Impact,
    Message,
    Priority,
    Queue,
    SlaPolicy,
    Status,
    Ticket,
)
from tickets.services import ticket_open, ticket_status_change
from tickets.services.errors import TicketError
from tickets.services.sla import sla_policy_resolver_register

QUEUE_SLUG = "feedback-follow-up"
QUEUE_NAME = gettext_noop("Feedback follow-up")
POLICY_NAME = "Feedback follow-up"
#: One business day to the first contact (8 business hours), five to close the case.
FIRST_CONTACT_MINUTES = 8 * 60
RESOLUTION_MINUTES = 5 * 8 * 60
#: The catch-up pass opens cases for unhappy answers of at most this many days ago (an
#: answer the request path could not follow up; never years of history at once).
CATCH_UP_DAYS = 7
BATCH = 500


class FollowUpError(ServiceError):
    """A refusal, for a person: ``status`` is the HTTP status a view answers with."""

    def __init__(self, message: str, *, status: int = 400, errors: dict | None = None):
        super().__init__(message, status=status, fields=errors)
        self.status = status
        self.errors = errors or {}


def is_unhappy(survey: Survey) -> bool:
    return survey.score is not None and survey.score <= UNHAPPY_MAX.get(survey.kind, -1)


# --- the queue and its SLA ---------------------------------------------------------------------
def followup_queue() -> Queue:
    queue, _created = Queue.objects.get_or_create(
        slug=QUEUE_SLUG,
        defaults={
            "name": str(QUEUE_NAME),
            "description": "Unhappy survey answers: call the customer back.",
            "position": 90,
        },
    )
    return queue


def followup_policy() -> SlaPolicy:
    """The follow-up SLA policy (inactive: it applies to the queue only, never by priority)."""
    policy = (
        SlaPolicy.objects.filter(name=POLICY_NAME, organisation__isnull=True, is_active=False)
        .select_related("calendar")
        .order_by("pk")
        .first()
    )
    if policy is not None:
        return policy
    calendar = BusinessCalendar.objects.order_by("pk").first()
    if calendar is None:
        calendar = BusinessCalendar.objects.create(name="Office hours", timezone=settings.TIME_ZONE)
    return SlaPolicy.objects.create(
        name=POLICY_NAME,
        priority=Priority.NORMAL,
        calendar=calendar,
        first_response_minutes=FIRST_CONTACT_MINUTES,
        resolution_minutes=RESOLUTION_MINUTES,
        is_active=False,
    )


def followup_sla_policy_for(ticket: Ticket) -> SlaPolicy | None:
    """The resolver tickets asks (registered below): the follow-up policy for the queue's
    tickets. Feedback tickets only reach the queries."""
    if ticket.category != Category.FEEDBACK or ticket.queue_id is None:
        return None
    if not Queue.objects.filter(pk=ticket.queue_id, slug=QUEUE_SLUG).exists():
        return None
    return followup_policy()


def register_sla() -> None:
    """Called from ``InsightsConfig.ready()``: tickets asks for the follow-up policy."""
    sla_policy_resolver_register(followup_sla_policy_for)


# --- opening ---------------------------------------------------------------------------------
def _body(survey: Survey) -> str:
    low, high = survey.scale
    lines = [
        _("Survey answer: %(kind)s, %(score)d on a scale of %(low)d to %(high)d.")
        % {"kind": survey.get_kind_display(), "score": survey.score, "low": low, "high": high},
        _("About: %(trigger)s %(ref)s")
        % {"trigger": survey.get_trigger_display(), "ref": survey.trigger_ref},
    ]
    if survey.comment:
        lines += ["", survey.comment]
    else:
        lines += ["", _("(no comment)")]
    return "\n".join(lines)


@dataclass(frozen=True)
class OpenResult:
    followup: FollowUp | None
    created: bool = False
    skipped: str | None = None  # "happy", "unanswered", "no_login"


@transaction.atomic
def followup_open(*, survey: Survey, now: datetime | None = None) -> OpenResult:
    """Open the follow-up case of an unhappy answer, once: a second call (or a concurrent
    one, which waits for the answer's row lock) gets the existing case back."""
    now = now or timezone.now()
    locked = (
        Survey.objects.select_for_update(of=("self",))
        .select_related("customer__user")
        .get(pk=survey.pk)
    )
    existing = FollowUp.objects.filter(survey=locked).first()
    if existing is not None:
        return OpenResult(existing)
    if locked.answered_at is None:
        return OpenResult(None, skipped="unanswered")
    if not is_unhappy(locked):
        return OpenResult(None, skipped="happy")
    customer = locked.customer
    user = customer.user
    if user is None:
        return OpenResult(None, skipped="no_login")
    subject = _("Follow-up of your feedback (%(kind)s: %(score)d)") % {
        "kind": locked.kind.upper(),
        "score": locked.score,
    }
    try:
        with transaction.atomic():
            ticket = ticket_open(
                customer=customer,
                subject=subject,
                body=_body(locked),
                opened_by=user,
                category=Category.FEEDBACK,
                impact=Impact.ME,
                channel=Channel.WEB,  # the answer came from the link's page or the API
                queue=followup_queue(),
                now=now,
            )
            followup = FollowUp.objects.create(
                survey=locked, customer=customer, ticket=ticket, opened_at=now
            )
    except IntegrityError:  # a concurrent call won (the row lock makes this a backstop)
        return OpenResult(FollowUp.objects.get(survey=locked))
    interaction_record(
        kind=InteractionKind.OTHER,
        channel=Channel.WEB,
        customer=customer,
        target=followup,
        metadata={
            "event": "followup_opened",
            "survey": locked.pk,
            "ticket": ticket.pk,
            "kind": locked.kind,
            "score": locked.score,
        },
        occurred_at=now,
    )
    return OpenResult(followup, created=True)


# --- closing ---------------------------------------------------------------------------------
@transaction.atomic
def followup_close(
    *, followup: FollowUp, outcome: str, by, now: datetime | None = None
) -> FollowUp:
    """An agent closes the case with its outcome (recorded as an interaction by the agent)
    and the ticket is closed with it. Refuses a closed case (409) or an unknown outcome."""
    if by is None or not roles.is_agent(by):
        raise PermissionDenied("Only agents close follow-up cases.")
    now = now or timezone.now()
    if outcome not in FollowUpOutcome.values:
        raise FollowUpError(
            _("Choose an outcome."), errors={"outcome": _("Choose one of the outcomes.")}
        )
    locked = (
        FollowUp.objects.select_for_update(of=("self",))
        .select_related("ticket")
        .get(pk=followup.pk)
    )
    if locked.is_closed:
        raise FollowUpError(_("This follow-up is already closed."), status=409)
    locked.closed_at = now
    locked.closed_by = by
    locked.outcome = outcome
    if locked.first_contact_at is None:
        locked.first_contact_at = first_contact(locked.ticket)
    locked.save(update_fields=["closed_at", "closed_by", "outcome", "first_contact_at"])
    if locked.ticket.status in ACTIVE_STATUSES:
        try:
            ticket_status_change(ticket=locked.ticket, status=Status.CLOSED, actor=by, now=now)
        except TicketError as exc:
            raise FollowUpError(exc.message, status=409) from exc
    interaction_record(
        kind=InteractionKind.OTHER,
        channel=Channel.WEB,
        customer=locked.customer,
        user=by,
        target=locked,
        metadata={
            "event": "followup_closed",
            "outcome": outcome,
            "survey": locked.survey_id,
            "ticket": locked.ticket_id,
            "by_agent": True,
        },
        occurred_at=now,
    )
    return locked


# --- the periodic pass -------------------------------------------------------------------------
def _agent_replies(ticket_ref) -> Subquery:
    return Subquery(
        Message.objects.filter(ticket=ticket_ref, author_role=Message.Author.AGENT, internal=False)
        .order_by()
        .values("ticket")
        .annotate(first=Min("created_at"))
        .values("first")[:1]
    )


def first_contact(ticket: Ticket) -> datetime | None:
    """The first public agent reply on the ticket (``None``: none yet)."""
    return (
        Message.objects.filter(ticket=ticket, author_role=Message.Author.AGENT, internal=False)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )


def followups_pass(*, now: datetime | None = None) -> dict[str, int]:
    """Copy first contacts onto open cases, and open the cases of recent unhappy answers
    that have none (answers recorded another way). Idempotent; bounded by ``BATCH``."""
    now = now or timezone.now()
    contacted = (
        FollowUp.objects.filter(first_contact_at__isnull=True)
        .annotate(first=_agent_replies(OuterRef("ticket")))
        .filter(first__isnull=False)
    )
    updated = 0
    for followup in contacted[:BATCH]:
        updated += FollowUp.objects.filter(pk=followup.pk, first_contact_at__isnull=True).update(
            first_contact_at=followup.first
        )
    missing = (
        Survey.objects.filter(unhappy_q(), answered_at__gte=now - timedelta(days=CATCH_UP_DAYS))
        .exclude(Exists(FollowUp.objects.filter(survey=OuterRef("pk"))))
        .order_by("pk")[:BATCH]
    )
    opened = 0
    for survey in missing:
        try:
            if followup_open(survey=survey, now=now).created:
                opened += 1
        except (TicketError, PermissionDenied):  # e.g. the customer's login was removed
            continue
    ended = _end_cases_of_finished_tickets(now)
    return {
        "followups_first_contact": updated,
        "followups_opened": opened,
        "followups_ended": ended,
    }


def _end_cases_of_finished_tickets(now: datetime) -> int:
    """Open cases whose ticket an agent resolved or closed without the panel's outcome end
    with the ticket (outcome ``unrecorded``): the customer may be surveyed again."""
    finished = FollowUp.objects.filter(closed_at__isnull=True).exclude(
        ticket__status__in=ACTIVE_STATUSES
    )
    ended = 0
    for followup in finished.select_related("ticket").order_by("pk")[:BATCH]:
        ended += FollowUp.objects.filter(pk=followup.pk, closed_at__isnull=True).update(
            closed_at=now,
            outcome=FollowUpOutcome.UNRECORDED,
            first_contact_at=followup.first_contact_at or first_contact(followup.ticket),
        )
    return ended
