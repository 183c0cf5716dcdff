"""Surveys (CSAT, CES, NPS) and the bookkeeping of the survey sender.

A ``Survey`` is one question sent to one customer for one trigger (a resolved ticket, a
fulfilled service request, or the periodic NPS schedule). ``(customer, trigger,
trigger_ref)`` is unique: however often ``surveys_send`` runs, a trigger gets at most one
survey. The link in the email carries a signed token (``insights.services.surveys``), so
no token is stored; answering sets ``answered_at`` once (single use).
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Customer


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


class SurveyQuerySet(models.QuerySet):
    def visible_to(self, user) -> SurveyQuerySet:
        """Agents see every survey; a customer sees their own (never their colleagues')."""
        from portal import roles

        if user is None or not user.is_authenticated:
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
