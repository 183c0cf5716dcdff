"""The points ledger (append-only), the rules that earn points, the per-customer account
(a cache rebuildable from the ledger) and the catch-up cursor over the interaction log."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class RuleKey(models.TextChoices):
    PURCHASE = "purchase", _("Purchase (points per currency unit)")
    ACCEPTED_ANSWER = "accepted_answer", _("Accepted community answer")
    PROMOTED_ANSWER = "promoted_answer", _("Answer promoted to a knowledge base article")
    SURVEY_COMPLETED = "survey_completed", _("Completed survey")
    REFERRAL_CONVERTED = "referral_converted", _("Converted referral")
    ANNIVERSARY = "anniversary", _("Customer anniversary")
    ANSWER_UPVOTED = "answer_upvoted", _("Community answer upvoted")


class EarnRule(models.Model):
    key = models.CharField(_("rule"), max_length=32, choices=RuleKey.choices, unique=True)
    points = models.PositiveIntegerField(
        _("points"),
        validators=[MaxValueValidator(1_000_000)],
        help_text=_("Points earned; for purchases, points per currency unit."),
    )
    cap_points = models.PositiveIntegerField(
        _("cap (points)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100_000_000)],
        help_text=_("Most points this rule may earn one customer per period; empty: no cap."),
    )
    cap_period_days = models.PositiveIntegerField(
        _("cap period (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(3660)],
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("earn rule")
        verbose_name_plural = _("earn rules")

    def __str__(self) -> str:
        return self.get_key_display()


class PointsEntry(models.Model):
    """One row of the append-only ledger. The balance is the sum of ``points``."""

    class Kind(models.TextChoices):
        EARN = "earn", _("Earned")
        REDEEM = "redeem", _("Redeemed")
        EXPIRE = "expire", _("Expired")
        REVERSE = "reverse", _("Reversed")
        ADJUST = "adjust", _("Adjusted")

    customer = models.ForeignKey(
        "portal.Customer",
        on_delete=models.CASCADE,
        related_name="points_entries",
        db_index=False,  # the (customer, created_at) index starts with it
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    points = models.IntegerField(_("points"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    rule = models.CharField(_("rule"), max_length=32, blank=True)
    source_type = models.CharField(_("source type"), max_length=32)
    source_id = models.CharField(_("source id"), max_length=64)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Who made an adjustment."),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "kind", "source_type", "source_id"],
                name="points_entry_once_per_source",
            )
        ]
        indexes = [models.Index(fields=["customer", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.points:+d}"


def new_referral_code() -> str:
    return secrets.token_urlsafe(6)


class Account(models.Model):
    """One per customer: the cached balance and tier state (``account_rebuild`` recomputes
    the balance from the ledger)."""

    customer = models.OneToOneField(
        "portal.Customer", on_delete=models.CASCADE, related_name="loyalty_account"
    )
    balance = models.IntegerField(_("balance"), default=0)
    tier = models.ForeignKey(
        "loyalty.Tier",
        verbose_name=_("tier"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accounts",
    )
    tier_since = models.DateTimeField(_("tier since"), null=True, blank=True)
    downgrade_due_at = models.DateTimeField(
        _("downgrade due at"),
        null=True,
        blank=True,
        help_text=_("End of the grace period before a downgrade."),
    )
    referral_code = models.CharField(
        _("referral code"), max_length=16, unique=True, default=new_referral_code
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("loyalty account")
        verbose_name_plural = _("loyalty accounts")

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.balance}"


class Cursor(models.Model):
    """How far a catch-up pass over the interaction log has got."""

    name = models.CharField(max_length=40, unique=True)
    last_interaction_id = models.BigIntegerField(default=0)
    #: ``[low, high, first seen (ISO time)]`` id ranges missing from the log when the pass
    #: went past them (a transaction still open then); looked at again for a while.
    gaps = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name}@{self.last_interaction_id}"
