"""Surveys: the contact policy, sending, the signed links and answering.

**Contact policy** (``survey_policy_check``), every survey goes through it:

1. the customer has a portal login with an email address (the link is emailed);
2. they did not opt out: ``Customer.consent_surveys`` and the ``email_surveys`` preference;
3. no survey was sent to them in the last ``INSIGHTS_SURVEY_MIN_DAYS`` days;
4. no open, published incident affects them (``outages.IncidentAudience``): asking for a
   score in the middle of an outage measures the outage, not the service;
5. no follow-up case of an earlier unhappy answer is still open (``FollowUp``): we are
   calling them back, not asking again;
6. the trigger is sampled in: the trigger's percent in Settings > Surveys (admins;
   ``SurveySettings``), else ``INSIGHTS_SURVEY_SAMPLE_PERCENT[trigger]``, decided by a hash
   of the trigger so that a re-run makes the same choice.

An unhappy answer (``insights.models.UNHAPPY_MAX``) opens its follow-up case in the same
transaction as the answer (``insights.services.followups``).

**Links**: ``/surveys/<token>/`` where the token is ``django.core.signing`` of the survey id
(salted, timestamped): a tampered token is refused, the survey's ``expires_at`` ends it,
and ``answered_at`` makes it single-use. Nothing secret is stored in the database.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from insights.models import SCALES, FollowUp, Survey, SurveyKind, SurveySettings, SurveyTrigger
from insights.services.followups import followup_open
from outages.models import Incident, IncidentAudience
from portal.models import Channel, Customer, InteractionKind
from portal.services.errors import ServiceError
from portal.services.interactions import interaction_record
from portal.services.notifications import NotificationContent, notify
from portal.templatetags.dates import day_text

LINK_SALT = "insights.survey.link"
COMMENT_MAX = 2000
SPEND_MAX = Decimal("10000000")


class SurveyError(ServiceError):
    """Why a survey link or answer is refused: ``code`` is ``invalid`` (400), ``expired``
    (410), ``answered`` (409) or ``bad_answer`` (422, ``errors``: field -> message)."""

    STATUS = {"invalid": 400, "expired": 410, "answered": 409, "bad_answer": 422}

    def __init__(self, code: str, message: str, errors: dict[str, str] | None = None):
        super().__init__(message, status=self.STATUS[code], fields=errors)
        self.code = code
        self.errors = errors or {}

    @property
    def status(self) -> int:
        return self.STATUS[self.code]


# --- tokens -------------------------------------------------------------------------------------
def survey_token(survey: Survey) -> str:
    return signing.dumps({"s": survey.pk}, salt=LINK_SALT)


def survey_url(survey: Survey) -> str:
    return reverse("insights:survey", args=[survey_token(survey)])


def survey_for_token(token: str, *, now: datetime | None = None) -> Survey:
    """The survey a link points at, if it can still be answered (else ``SurveyError``)."""
    now = now or timezone.now()
    max_age = timedelta(days=settings.INSIGHTS_SURVEY_EXPIRY_DAYS + 1)
    try:
        payload = signing.loads(token, salt=LINK_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise SurveyError("expired", _("This survey link has expired.")) from None
    except signing.BadSignature:
        raise SurveyError(
            "invalid", _("This survey link is not valid. Please use the link from the email.")
        ) from None
    survey_id = payload.get("s") if isinstance(payload, dict) else None
    survey = Survey.objects.select_related("customer").filter(pk=survey_id).first()
    if survey is None:
        raise SurveyError("invalid", _("This survey no longer exists."))
    if survey.is_answered:
        raise SurveyError("answered", _("You have already answered this survey. Thank you!"))
    if survey.is_expired(now):
        raise SurveyError("expired", _("This survey link has expired."))
    return survey


# --- policy -------------------------------------------------------------------------------------
NO_LOGIN = "no_login"
OPTED_OUT = "opted_out"
TOO_SOON = "too_soon"
INCIDENT = "open_incident"
SAMPLED_OUT = "sampled_out"
ALREADY_SENT = "already_sent"
FOLLOWUP_OPEN = "followup_open"


def sample_percent(trigger: str) -> int:
    """The share of ``trigger``'s events that get a survey: the admins' setting, else the
    environment's ``INSIGHTS_SURVEY_SAMPLE_PERCENT``."""
    chosen = SurveySettings.objects.order_by("pk").first()  # none saved yet: the defaults
    if chosen is None:
        return settings.INSIGHTS_SURVEY_SAMPLE_PERCENT.get(trigger, 100)
    return chosen.sample_percent(trigger)


def sampled_in(
    *, trigger: str, trigger_ref: str, customer: Customer, percent: int | None = None
) -> bool:
    if percent is None:
        percent = sample_percent(trigger)
    if percent >= 100:
        return True
    digest = hashlib.sha256(f"{trigger}:{trigger_ref}:{customer.pk}".encode()).hexdigest()
    return int(digest[:8], 16) % 100 < percent


def survey_policy_check(
    *, customer: Customer, trigger: str, trigger_ref: str, now: datetime
) -> str | None:
    """``None`` if the customer may get this survey now, else the reason they may not."""
    user = customer.user
    if user is None or not user.is_active or not user.email:
        return NO_LOGIN
    if not customer.consent_surveys or not user.wants("email_surveys"):
        return OPTED_OUT
    if Survey.objects.filter(customer=customer, trigger=trigger, trigger_ref=trigger_ref).exists():
        return ALREADY_SENT
    recent = now - timedelta(days=settings.INSIGHTS_SURVEY_MIN_DAYS)
    if Survey.objects.filter(customer=customer, sent_at__gt=recent).exists():
        return TOO_SOON
    if (
        IncidentAudience.objects.filter(customer=customer, incident__published_at__isnull=False)
        .exclude(incident__status=Incident.Status.RESOLVED)
        .exists()
    ):
        return INCIDENT
    if FollowUp.objects.open().filter(customer=customer).exists():
        return FOLLOWUP_OPEN
    if not sampled_in(trigger=trigger, trigger_ref=trigger_ref, customer=customer):
        return SAMPLED_OUT
    return None


# --- sending ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SendResult:
    survey: Survey | None
    skipped: str | None = None


#: Lazy: they are read when a page or an email is rendered, in its language.
QUESTIONS = {
    SurveyKind.CSAT: gettext_lazy("How satisfied are you with the help you received?"),
    SurveyKind.CES: gettext_lazy("How easy was it to get what you needed?"),
    SurveyKind.NPS: gettext_lazy("How likely are you to recommend us to a friend or colleague?"),
}


#: After a purchase the question is about the order, not about help received.
PURCHASE_QUESTIONS = {
    SurveyKind.CSAT: gettext_lazy("How satisfied are you with your recent order?"),
    SurveyKind.CES: gettext_lazy("How easy was it to place your order?"),
}


def question(kind: str, trigger: str | None = None) -> str:
    if trigger == SurveyTrigger.PURCHASE and kind in PURCHASE_QUESTIONS:
        return str(PURCHASE_QUESTIONS[kind])
    return str(QUESTIONS[kind])


def _content(survey: Survey, url: str):
    def build(user) -> NotificationContent:
        titles = {
            SurveyKind.CSAT: _("How did we do?"),
            SurveyKind.CES: _("Was it easy?"),
            SurveyKind.NPS: _("Would you recommend us?"),
        }
        return NotificationContent(
            title=str(titles[survey.kind]),
            body=_("%(question)s It takes a few seconds; the link works once, until %(date)s.")
            % {
                "question": question(survey.kind, survey.trigger),
                "date": day_text(survey.expires_at),
            },
            url=url,
        )

    return build


@transaction.atomic
def survey_send(
    *,
    customer: Customer,
    kind: str,
    trigger: str,
    trigger_ref: str,
    now: datetime | None = None,
) -> SendResult:
    """Send one survey if the contact policy allows it; at most one per trigger, ever."""
    if kind not in SurveyKind.values or trigger not in SurveyTrigger.values:
        raise ValueError(f"unknown survey kind or trigger {kind!r}/{trigger!r}")
    now = now or timezone.now()
    skipped = survey_policy_check(
        customer=customer, trigger=trigger, trigger_ref=trigger_ref, now=now
    )
    if skipped:
        return SendResult(None, skipped)
    try:
        with transaction.atomic():
            survey = Survey.objects.create(
                customer=customer,
                kind=kind,
                trigger=trigger,
                trigger_ref=trigger_ref[:64],
                sent_at=now,
                expires_at=now + timedelta(days=settings.INSIGHTS_SURVEY_EXPIRY_DAYS),
            )
    except IntegrityError:  # sent by a concurrent run
        return SendResult(None, ALREADY_SENT)
    notify(
        event_key=f"survey:{survey.pk}",
        kind="survey",
        topic="surveys",
        recipients=[customer.user],
        content=_content(survey, survey_url(survey)),
    )
    interaction_record(
        kind=InteractionKind.SURVEY_SENT,
        channel=Channel.EMAIL,
        customer=customer,
        target=survey,
        metadata={"survey": kind, "trigger": trigger, "ref": trigger_ref[:64]},
        occurred_at=now,
    )
    return SendResult(survey)


# --- answering ----------------------------------------------------------------------------------
def _int_in(value, low: int, high: int) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return -1
    return number if low <= number <= high else -1


def _clean_answer(
    survey: Survey,
    *,
    score,
    comment: str,
    category_spend,
    likely_recommend,
    likely_try_other,
    likely_return,
) -> dict:
    errors: dict[str, str] = {}
    low, high = SCALES[survey.kind]
    clean_score = _int_in(score, low, high)
    if clean_score is None or clean_score < 0:
        errors["score"] = _("Choose a score from %(low)d to %(high)d.") % {"low": low, "high": high}
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        errors["comment"] = _("Keep the comment under %(n)d characters.") % {"n": COMMENT_MAX}
    if "\x00" in comment:
        errors["comment"] = _("The comment contains characters that are not allowed.")
    spend = None
    if category_spend not in (None, ""):
        try:
            spend = Decimal(str(category_spend)).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            spend = None
            errors["category_spend"] = _("Enter an amount, such as 1200 or 1200.50.")
        else:
            if not spend.is_finite() or spend < 0 or spend >= SPEND_MAX:
                errors["category_spend"] = _("Enter an amount between 0 and 10,000,000.")
    loyalty = {}
    for name, raw in (
        ("likely_recommend", likely_recommend),
        ("likely_try_other", likely_try_other),
        ("likely_return", likely_return),
    ):
        value = _int_in(raw, 0, 10)
        if value is not None and value < 0:
            errors[name] = _("Choose a number from 0 to 10.")
        loyalty[name] = value
    if survey.kind != SurveyKind.NPS and (spend is not None or any(loyalty.values())):
        errors["__all__"] = _("Only the NPS survey asks about spending and loyalty.")
    if errors:
        raise SurveyError("bad_answer", _("Please check your answer."), errors)
    return {"score": clean_score, "comment": comment, "category_spend": spend, **loyalty}


@transaction.atomic
def survey_answer(
    *,
    survey: Survey,
    score,
    comment: str = "",
    category_spend=None,
    likely_recommend=None,
    likely_try_other=None,
    likely_return=None,
    channel: str = Channel.WEB,
    now: datetime | None = None,
) -> Survey:
    """Record the answer once (the row is locked: two submits cannot both count) and log a
    ``survey_response`` interaction. Raises ``SurveyError``; nothing is written then."""
    now = now or timezone.now()
    locked = Survey.objects.select_for_update().get(pk=survey.pk)
    if locked.is_answered:
        raise SurveyError("answered", _("You have already answered this survey. Thank you!"))
    if locked.is_expired(now):
        raise SurveyError("expired", _("This survey link has expired."))
    fields = _clean_answer(
        locked,
        score=score,
        comment=comment,
        category_spend=category_spend,
        likely_recommend=likely_recommend,
        likely_try_other=likely_try_other,
        likely_return=likely_return,
    )
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.answered_at = now
    locked.save(update_fields=[*fields, "answered_at"])
    interaction_record(
        kind=InteractionKind.SURVEY_RESPONSE,
        channel=channel,
        customer=locked.customer,
        target=locked,
        value=fields["score"],
        metadata={"survey": locked.kind, "trigger": locked.trigger, "ref": locked.trigger_ref},
        occurred_at=now,
    )
    followup_open(survey=locked, now=now)  # an unhappy answer: once, in this transaction
    return locked
