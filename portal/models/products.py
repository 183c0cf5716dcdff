"""What the company offers, and which customers subscribe to which service."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models.accounts import Customer


class Product(models.Model):
    class Kind(models.TextChoices):
        PRODUCT = "product", _("Product")
        SERVICE = "service", _("Service")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.SERVICE)
    category = models.CharField(_("category"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("product or service")
        verbose_name_plural = _("products and services")

    def __str__(self) -> str:
        return self.name


class SubscriptionQuerySet(models.QuerySet):
    def active(self) -> SubscriptionQuerySet:
        return self.filter(status=Subscription.Status.ACTIVE)

    def visible_to(self, user) -> SubscriptionQuerySet:
        return self.filter(customer__in=Customer.objects.visible_to(user))


class Subscription(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        CANCELLED = "cancelled", _("Cancelled")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="subscriptions")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="subscriptions")
    region = models.CharField(_("region"), max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    since = models.DateTimeField(_("since"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["-since"]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "product"],
                condition=models.Q(status__in=["active", "paused"]),
                name="subscription_one_live_per_customer_product",
            )
        ]
        indexes = [models.Index(fields=["product", "status", "region"])]

    def __str__(self) -> str:
        return f"{self.customer} → {self.product} ({self.get_status_display()})"
