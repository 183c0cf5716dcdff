"""Surveys (CSAT, CES, NPS) and the bookkeeping of the survey sender.

A ``Survey`` is one question sent to one customer for one trigger (a resolved ticket, a
fulfilled service request, or the periodic NPS schedule). ``(customer, trigger,
trigger_ref)`` is unique: however often ``surveys_send`` runs, a trigger gets at most one
survey. The link in the email carries a signed token (``insights.services.surveys``), so
no token is stored; answering sets ``answered_at`` once (single use).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from portal.models import Customer
from portal.selectors import person_or_none

#: The hardest points of the CES scale (1 = very difficult ... 7 = very easy): an answer of
#: 1 or 2 is "difficult". With NPS 0-6 (detractors) and CSAT 1-2 they make an answer unhappy.
CES_DIFFICULT_MAX = 2
#: ``kind -> highest score that is unhappy`` (every scale starts at its lowest, unhappiest point).
UNHAPPY_MAX: dict[str, int] = {"nps": 6, "csat": 2, "ces": CES_DIFFICULT_MAX}


def unhappy_q(prefix: str = "") -> Q:
    """A filter on ``Survey`` rows (``prefix`` leads to one) for the unhappy answers."""
    q = Q()
    for kind, highest in UNHAPPY_MAX.items():
        q |= Q(**{f"{prefix}kind": kind, f"{prefix}score__lte": highest})
    return q & Q(**{f"{prefix}answered_at__isnull": False})


class SurveyKind(models.TextChoices):
    CSAT = "csat", _("Customer satisfaction (CSAT)")
    CES = "ces", _("Customer effort (CES)")
    NPS = "nps", _("Net Promoter Score (NPS)")


#: The answer scale of each kind (inclusive).
SCALES: dict[str, tuple[int, int]] = {
    SurveyKind.CSAT: (1, 5),
    SurveyKind.CES: (1, 7),
    SurveyKind.NPS: (0, 10),
}


class SurveyTrigger(models.TextChoices):
    TICKET = "ticket", _("Ticket resolved")
    REQUEST = "request", _("Service request fulfilled")
    SCHEDULE = "schedule", _("Periodic (NPS)")
    PURCHASE = "purchase", _("After a purchase")


class SurveyQuerySet(models.QuerySet):
    def visible_to(self, user) -> SurveyQuerySet:
        """Agents see every survey; a customer sees their own (never their colleagues')."""
        from portal import roles

        user = person_or_none(user)
        if user is None:
            return self.none()
        if roles.is_agent(user):
            return self
        customer = getattr(user, "customer", None)
        if customer is None:
            return self.none()
        return self.filter(customer=customer)

    def answered(self) -> SurveyQuerySet:
        return self.filter(answered_at__isnull=False)

    def pending(self, now=None) -> SurveyQuerySet:
        now = now or timezone.now()
        return self.filter(answered_at__isnull=True, expires_at__gt=now)


class Survey(models.Model):
    kind = models.CharField(_("kind"), max_length=8, choices=SurveyKind.choices)
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="surveys", verbose_name=_("customer")
    )
    trigger = models.CharField(_("trigger"), max_length=16, choices=SurveyTrigger.choices)
    trigger_ref = models.CharField(
        _("trigger reference"),
        max_length=64,
        help_text=_("What the survey is about: a ticket number, a request, or the NPS round."),
    )
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    category_spend = models.DecimalField(
        _("stated yearly spend in the category"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Share-of-wallet answer: what the customer spends per year on such products."),
    )
    likely_recommend = models.PositiveSmallIntegerField(
        _("likely to recommend (0-10)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
    )
    likely_try_other = models.PositiveSmallIntegerField(
        _("likely to try other products (0-10)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
    )
    likely_return = models.PositiveSmallIntegerField(
        _("likely to buy again (0-10)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
    )

    objects = SurveyQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at", "-pk"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "trigger", "trigger_ref"], name="survey_once_per_trigger"
            ),
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True) | Q(score__isnull=False),
                name="survey_answer_has_score",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-sent_at"], name="survey_customer_sent"),
            models.Index(fields=["kind", "answered_at"], name="survey_kind_answered"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.customer_id} · {self.trigger_ref}"

    @property
    def scale(self) -> tuple[int, int]:
        return SCALES[self.kind]

    def is_expired(self, now=None) -> bool:
        return (now or timezone.now()) >= self.expires_at

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None


class SurveyCursor(models.Model):
    """Where ``surveys_send`` stopped reading the interaction log (one row per source).

    The sender reads TICKET_RESOLVED / CATALOGUE_FULFILLED interactions with an id above
    ``last_interaction_id``; the unique survey per trigger makes a re-read harmless."""

    source = models.CharField(max_length=32, unique=True)
    last_interaction_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("survey sender position")
        verbose_name_plural = _("survey sender positions")

    def __str__(self) -> str:
        return f"{self.source}: {self.last_interaction_id}"


class ClvFit(models.Model):
    """One run of ``clv_fit``: the fitted BG/NBD and Gamma-Gamma parameters. The latest one
    scores customers on the desk's customer panel."""

    as_of = models.DateField(_("as of"))
    unit = models.CharField(_("time unit"), max_length=8)
    customers = models.PositiveIntegerField(_("customers"))
    repeat_customers = models.PositiveIntegerField(_("repeat customers"))
    r = models.FloatField()
    alpha = models.FloatField()
    a = models.FloatField()
    b = models.FloatField()
    bgnbd_log_likelihood = models.FloatField()
    p = models.FloatField(null=True)
    q = models.FloatField(null=True)
    gamma = models.FloatField(null=True)
    gamma_gamma_log_likelihood = models.FloatField(null=True)
    seconds = models.FloatField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        get_latest_by = "created_at"
        verbose_name = _("lifetime value model fit")
        verbose_name_plural = _("lifetime value model fits")

    def __str__(self) -> str:
        return f"CLV fit {self.as_of} ({self.unit})"


# --- daily rollups (insights.services.rollups fills them; insights.metrics reads them) -----------
class RollupDay(models.Model):
    """A closed calendar day (site time zone) whose rollup rows are complete.

    Metrics read the rollup tables for a period only when every closed day of it has a
    ``RollupDay``; anything else (today, a day not rolled up yet) is a live query."""

    day = models.DateField(_("day"), unique=True)
    rolled_at = models.DateTimeField(_("rolled up"), default=timezone.now)
    seconds = models.FloatField(default=0)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("rolled-up day")
        verbose_name_plural = _("rolled-up days")

    def __str__(self) -> str:
        return self.day.isoformat()


class DailyInteractions(models.Model):
    """Interactions of one day, kind and channel (anonymous visitors included in
    ``interactions``; ``customer_interactions`` only those of a known customer), with the
    counts of the metadata flags the service metrics read."""

    day = models.DateField()
    kind = models.CharField(max_length=32)
    channel = models.CharField(max_length=16)
    interactions = models.PositiveIntegerField(default=0)
    customer_interactions = models.PositiveIntegerField(default=0)
    first_contact = models.PositiveIntegerField(default=0)
    sla_met = models.PositiveIntegerField(default=0)
    sla_missed = models.PositiveIntegerField(default=0)
    automated = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "kind", "channel"], name="daily_interactions_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.kind}/{self.channel}: {self.interactions}"


class DailyActiveCustomers(models.Model):
    """How many customers were active on ``day`` (on ``channel``; ``""`` = any channel)
    whose previous active day was ``previous_day`` (``NULL``: never before).

    That makes distinct counts over any range exact and cheap: the customers active in
    [a, b] are the sum of ``customers`` over rows with a <= day <= b and previous_day < a
    (or NULL), i.e. each customer counted on their first active day in the range."""

    day = models.DateField()
    channel = models.CharField(max_length=16, blank=True)
    previous_day = models.DateField(null=True)
    customers = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["channel", "day"], name="daily_active_channel_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.channel or '*'} after {self.previous_day}: {self.customers}"


class DailyPurchases(models.Model):
    """Orders (``Purchase.ORDER``: amount >= 0, free ones included), refunds (negative
    amounts) and net revenue of one day."""

    day = models.DateField(unique=True)
    orders = models.PositiveIntegerField(default=0)
    refunds = models.PositiveIntegerField(default=0)
    revenue = models.DecimalField(max_digits=16, decimal_places=2, default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.orders} orders, {self.revenue}"


class DailyBuyers(models.Model):
    """Customers with an order on ``day`` by the day of their previous order (``NULL``: none
    before): distinct purchasing customers over any range, as ``DailyActiveCustomers``."""

    day = models.DateField()
    previous_day = models.DateField(null=True)
    customers = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["day"], name="daily_buyers_day")]

    def __str__(self) -> str:
        return f"{self.day} after {self.previous_day}: {self.customers}"


class DailySurveys(models.Model):
    """Survey answers of one day by kind and score."""

    day = models.DateField()
    kind = models.CharField(max_length=8)
    score = models.PositiveSmallIntegerField()
    answers = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "kind", "score"], name="daily_surveys_unique")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.score}: {self.answers}"


class CustomerActivity(models.Model):
    """Per customer, kept up to date by the rollup: the first and the second order
    (``Purchase.ORDER``, free orders included; ``second_order_at`` is NULL with a single
    order). Acquisition, cohorts and lifecycle stages read them instead of searching each
    customer's orders. Later orders
    cannot move them (only a back-dated import can, and re-rolling its day fixes that), so
    they stay exact between rollups; a customer without a row, or without a second order
    yet, is looked up live. ``last_active_day`` is the latest rolled-up day with an
    interaction: today's live part asks it whether a customer active today was already
    active earlier in the period (a key lookup instead of searching their interactions)."""

    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, primary_key=True, related_name="insights_activity"
    )
    first_order_at = models.DateTimeField(null=True, db_index=True)
    second_order_at = models.DateTimeField(null=True)
    last_active_day = models.DateField(null=True)  # latest rolled-up day with an interaction
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.customer_id}: first order {self.first_order_at}"


class CustomerChannelActivity(models.Model):
    """A customer's latest rolled-up day with an interaction on a channel (as
    ``CustomerActivity.last_active_day``, per channel)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=16)
    last_day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "channel"], name="customer_channel_activity_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.channel}: {self.last_day}"


class CommunityThread(models.Model):
    """A community thread (the target of its ``forum_post`` with ``thread_kind``): the day
    it was started, on which channel, and the day of its first answer (``forum_answer``,
    or a reply in a discussion) up to the latest rolled-up day. ``target_type_id`` 0
    stands for a thread interaction without a content type (it never matches an answer,
    as in the live query)."""

    target_type_id = models.IntegerField(default=0)
    target_id = models.CharField(max_length=64)
    channel = models.CharField(max_length=16)
    started_on = models.DateField()
    answered_on = models.DateField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["target_type_id", "target_id"], name="community_thread_unique"
            )
        ]
        indexes = [models.Index(fields=["started_on"], name="community_thread_started")]

    def __str__(self) -> str:
        return f"{self.target_type_id}:{self.target_id} {self.started_on} -> {self.answered_on}"


class ValueBand(models.TextChoices):
    """An analytics segment (not the loyalty programme's tiers): the quantile of the
    customer's predicted 12-month value in the last ``clv_fit`` (``insights.clv.VALUE_BANDS``)."""

    TOP = "top", _("Top 5%")
    HIGH = "high", _("High (next 15%)")
    MIDDLE = "middle", _("Middle (next 30%)")
    LOW = "low", _("Low (bottom half)")


class CustomerScoreQuerySet(models.QuerySet):
    def at_risk(self) -> CustomerScoreQuerySet:
        return self.filter(at_risk=True).order_by("-predicted_value", "customer_id")


class CustomerScore(models.Model):
    """One customer's scores from the latest ``clv_fit`` (replaced on every stored fit):
    probability alive, expected purchases and discounted predicted value over 12 months,
    the value band and the "valuable customer at risk" flag (``insights.clv``)."""

    customer = models.OneToOneField(
        Customer,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="insights_score",
        verbose_name=_("customer"),
    )
    fit = models.ForeignKey(ClvFit, on_delete=models.CASCADE, related_name="scores")
    p_alive = models.FloatField(_("probability still active"))
    expected_purchases = models.FloatField(_("expected purchases (12 months)"))
    predicted_value = models.FloatField(_("predicted value (12 months)"))
    transactions = models.PositiveIntegerField(_("purchase days"))
    value_band = models.CharField(_("value band"), max_length=8, choices=ValueBand.choices)
    at_risk = models.BooleanField(_("valuable customer at risk"), default=False)

    objects = CustomerScoreQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer score")
        verbose_name_plural = _("customer scores")
        indexes = [
            models.Index(fields=["at_risk", "-predicted_value"], name="score_at_risk_value"),
            models.Index(fields=["value_band"], name="score_value_band"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.predicted_value:.2f} ({self.p_alive:.0%} alive)"

    @property
    def churn_percent(self) -> int:
        return round(100 * (1 - self.p_alive))


# --- the feedback loop: follow-up of unhappy answers ------------------------------------------
class FollowUpOutcome(models.TextChoices):
    CONTACTED = "contacted", _("Customer contacted")
    SOLVED = "solved", _("Problem solved")
    NO_ANSWER = "no_answer", _("No answer from the customer")
    # the ticket was resolved or closed on the desk without choosing an outcome: the case
    # ends with it (the periodic pass), so the customer is not kept out of surveys for ever
    UNRECORDED = "unrecorded", _("Ticket closed, outcome not recorded")


class FollowUpQuerySet(models.QuerySet):
    def visible_to(self, user) -> FollowUpQuerySet:
        """Agents and admins only: a follow-up is the support team's case about an answer."""
        from portal import roles

        user = person_or_none(user)
        if user is None:
            return self.none()
        return self if roles.is_agent(user) else self.none()

    def open(self) -> FollowUpQuerySet:
        return self.filter(closed_at__isnull=True)


class FollowUp(models.Model):
    """The case an unhappy survey answer opens: a ticket in the "Feedback follow-up" queue
    (``insights.services.followups``), at most one per answer (``survey`` is unique).

    ``first_contact_at`` is the first public agent reply on the ticket (filled in by the
    periodic pass; the metrics read the messages themselves); closing records ``outcome``."""

    survey = models.OneToOneField(
        Survey, on_delete=models.CASCADE, related_name="followup", verbose_name=_("survey answer")
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="+", verbose_name=_("customer")
    )
    ticket = models.OneToOneField(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        related_name="feedback_followup",
        verbose_name=_("ticket"),
    )
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    first_contact_at = models.DateTimeField(_("first contact"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("closed by"),
    )
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=FollowUpOutcome.choices, blank=True
    )

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("feedback follow-up")
        verbose_name_plural = _("feedback follow-ups")
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True, outcome="")
                | Q(closed_at__isnull=False) & ~Q(outcome=""),
                name="followup_closed_has_outcome",
            ),
        ]
        indexes = [
            models.Index(
                fields=["customer"], condition=Q(closed_at__isnull=True), name="followup_open"
            ),
            models.Index(fields=["opened_at"], name="followup_opened"),
        ]

    def __str__(self) -> str:
        return f"Follow-up of {self.survey_id} ({self.outcome or 'open'})"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


# --- what admins set without a deploy ------------------------------------------------------------
def _percent_field(label):
    return models.PositiveSmallIntegerField(
        label,
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text=_("0-100. Empty: the server's default (INSIGHTS_SURVEY_SAMPLE_PERCENT)."),
    )


@register_setting(icon="comment")
class SurveySettings(BaseGenericSetting):
    """Survey settings admins change in Wagtail (Settings > Surveys): the share of each
    trigger that gets a survey (empty: the environment's ``INSIGHTS_SURVEY_SAMPLE_PERCENT``)
    and which question follows a purchase."""

    sample_ticket_percent = _percent_field(_("surveys after resolved tickets (%)"))
    sample_request_percent = _percent_field(_("surveys after fulfilled requests (%)"))
    sample_schedule_percent = _percent_field(_("periodic NPS surveys (%)"))
    sample_purchase_percent = _percent_field(_("surveys after purchases (%)"))
    purchase_survey_kind = models.CharField(
        _("question after a purchase"),
        max_length=8,
        choices=[(SurveyKind.CSAT, SurveyKind.CSAT.label), (SurveyKind.CES, SurveyKind.CES.label)],
        default=SurveyKind.CSAT,
    )

    class Meta:
        verbose_name = _("surveys")

    def sample_percent(self, trigger: str) -> int:
        chosen = getattr(self, f"sample_{trigger}_percent", None)
        if chosen is not None:
            return chosen
        return settings.INSIGHTS_SURVEY_SAMPLE_PERCENT.get(trigger, 100)
