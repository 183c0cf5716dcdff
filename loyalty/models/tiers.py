"""Tiers (admin-defined thresholds on points earned over the trailing 12 months) and the
history of each account's tier changes."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Tier(models.Model):
    name = models.CharField(_("name"), max_length=60)
    slug = models.SlugField(_("slug"), max_length=40, unique=True)
    rank = models.PositiveSmallIntegerField(
        _("rank"), unique=True, help_text=_("0 is the entry tier; higher ranks are better.")
    )
    threshold = models.PositiveIntegerField(
        _("threshold"), default=0, help_text=_("Points earned over the trailing 12 months.")
    )
    priority_boost = models.PositiveSmallIntegerField(
        _("ticket priority boost"),
        default=0,
        validators=[MaxValueValidator(3)],
        help_text=_("Steps a new ticket's default priority is raised (1 = normal to high)."),
    )
    sla_factor = models.DecimalField(
        _("SLA target factor"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0.05")), MaxValueValidator(Decimal("1.00"))],
        help_text=_("Multiplies the SLA targets (0.5 = answered twice as fast)."),
    )
    sla_policy = models.ForeignKey(
        "tickets.SlaPolicy",
        verbose_name=_("SLA policy"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "A policy for this tier's tickets of its priority or lower (make it inactive so it "
            "is not chosen by priority for everyone); empty: the usual policy, with the factor."
        ),
    )
    benefits = models.TextField(_("benefits"), blank=True, help_text=_("Shown to customers."))
    colour = models.CharField(_("colour"), max_length=7, default="#8a6d3b")

    class Meta:
        ordering = ["rank"]
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")

    def __str__(self) -> str:
        return self.name


class TierChange(models.Model):
    account = models.ForeignKey(
        "loyalty.Account", on_delete=models.CASCADE, related_name="tier_changes"
    )
    from_tier = models.ForeignKey(
        Tier, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_tier = models.ForeignKey(
        Tier, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed at"), db_index=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["-changed_at", "-pk"]
        verbose_name = _("tier change")
        verbose_name_plural = _("tier changes")

    def __str__(self) -> str:
        return f"{self.from_tier} -> {self.to_tier}"
