from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Referral(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        CONVERTED = "converted", _("Converted")
        REFUSED = "refused", _("Refused")

    referrer = models.ForeignKey(
        "portal.Customer", on_delete=models.CASCADE, related_name="referrals_made"
    )
    referred = models.OneToOneField(
        "portal.Customer", on_delete=models.CASCADE, related_name="referral"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    refused_reason = models.CharField(_("refused because"), max_length=200, blank=True)
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True)
    purchase_ref = models.CharField(_("first purchase"), max_length=100, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")

    def __str__(self) -> str:
        return f"{self.referrer_id} -> {self.referred_id} ({self.status})"
