"""Purchases imported from the shop/billing system (CSV import or the API)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models.accounts import Customer
from portal.models.products import Product


class PurchaseQuerySet(models.QuerySet):
    def visible_to(self, user) -> PurchaseQuerySet:
        return self.filter(customer__in=Customer.objects.visible_to(user))


class Purchase(models.Model):
    """One order. Refunds are purchases with a negative amount.

    ``(source, order_ref)`` is unique, which makes every import idempotent.
    """

    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="purchases",
        db_index=False,  # the (customer, ordered_at) index starts with it
    )
    ordered_at = models.DateTimeField(_("ordered at"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="purchases"
    )
    source = models.CharField(_("source"), max_length=32, default="csv")
    order_ref = models.CharField(_("order reference"), max_length=100)
    imported_at = models.DateTimeField(auto_now_add=True)

    objects = PurchaseQuerySet.as_manager()

    class Meta:
        ordering = ["-ordered_at"]
        verbose_name = _("purchase")
        verbose_name_plural = _("purchases")
        constraints = [
            models.UniqueConstraint(fields=["source", "order_ref"], name="purchase_unique_order")
        ]
        indexes = [
            models.Index(fields=["customer", "ordered_at"]),
            models.Index(fields=["ordered_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.order_ref} {self.amount} {self.currency}"
