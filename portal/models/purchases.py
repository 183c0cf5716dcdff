"""Purchases imported from the shop/billing system (CSV import or the API)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models.accounts import Customer
from portal.models.products import Product

#: What an *order* (a transaction) is, the one definition every metric, rollup, fit and
#: report uses: a purchase with ``amount >= 0``. A free or fully discounted order (0) is a
#: purchase like any other; a refund (a negative amount) is not an order. Revenue stays net:
#: it sums every amount, refunds included.
ORDER = models.Q(amount__gte=0)
#: A refund: what is not an order (a negative amount).
REFUND = ~ORDER
#: The same rule for hand-written SQL over ``portal_purchase`` (the benchmarks' baselines).
ORDER_SQL = "amount >= 0"


class PurchaseQuerySet(models.QuerySet):
    def visible_to(self, user) -> PurchaseQuerySet:
        return self.filter(customer__in=Customer.objects.visible_to(user))

    def orders(self) -> PurchaseQuerySet:
        """The orders among these purchases (``ORDER``: amount >= 0; refunds left out)."""
        return self.filter(ORDER)


class Purchase(models.Model):
    """One purchase: an order (``amount >= 0``, free orders included) or a refund (a
    negative amount). ``Purchase.objects.orders()`` / ``ORDER`` select the orders.

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

    # ``Purchase.ORDER`` / ``Purchase.REFUND``: the filters, for ``Count(..., filter=...)``
    ORDER = ORDER
    REFUND = REFUND

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
