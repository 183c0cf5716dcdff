from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Reward(models.Model):
    class Kind(models.TextChoices):
        DISCOUNT_CODE = "discount_code", _("Discount code")
        SERVICE_CREDIT = "service_credit", _("Service credit on the next bill")
        UPGRADE = "upgrade", _("Free upgrade or extra")
        DONATION = "donation", _("Donation to a cause")

    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    cost = models.PositiveIntegerField(
        _("cost (points)"), validators=[MinValueValidator(1), MaxValueValidator(10_000_000)]
    )
    min_tier = models.ForeignKey(
        "loyalty.Tier",
        verbose_name=_("minimum tier"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    value = models.DecimalField(
        _("value"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    causes = models.TextField(
        _("causes"), blank=True, help_text=_("For donations: one cause per line.")
    )
    active = models.BooleanField(_("active"), default=True)
    valid_days = models.PositiveIntegerField(
        _("code valid for (days)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(3660)],
    )

    class Meta:
        ordering = ["cost", "pk"]
        verbose_name = _("reward")
        verbose_name_plural = _("rewards")

    def __str__(self) -> str:
        return self.name

    @property
    def cause_list(self) -> list[str]:
        return [line.strip() for line in self.causes.splitlines() if line.strip()]


class Redemption(models.Model):
    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        USED = "used", _("Used")
        EXPIRED = "expired", _("Expired")
        VOID = "void", _("Void")

    account = models.ForeignKey(
        "loyalty.Account", on_delete=models.CASCADE, related_name="redemptions"
    )
    reward = models.ForeignKey(Reward, on_delete=models.PROTECT, related_name="redemptions")
    points = models.PositiveIntegerField(_("points"))
    entry = models.OneToOneField(
        "loyalty.PointsEntry", on_delete=models.PROTECT, related_name="redemption"
    )
    cause = models.CharField(_("cause"), max_length=200, blank=True)
    code = models.CharField(_("code"), max_length=32, unique=True)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.ACTIVE)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    order_ref = models.CharField(_("order reference"), max_length=100, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        constraints = [
            models.UniqueConstraint(
                fields=["code", "order_ref"],
                condition=~Q(order_ref=""),
                name="redemption_code_order_once",
            )
        ]

    def __str__(self) -> str:
        return self.code


class ExpiryNotice(models.Model):
    """An email warning that points are about to expire: sent once per (customer, due date)."""

    customer = models.ForeignKey(
        "portal.Customer", on_delete=models.CASCADE, related_name="loyalty_expiry_notices"
    )
    due_date = models.DateField(_("points expire on"))
    points = models.PositiveIntegerField(_("points"), default=0)
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        ordering = ["-due_date"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "due_date"], name="expiry_notice_once")
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.due_date}"
