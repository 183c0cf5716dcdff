"""The loyalty programme in the Wagtail admin, helper F's part: earn rules and tiers
(editable), the ledger (read-only) and the points adjustment form (admins only, a reason
required, the admin recorded on the ledger row). Hooked up in ``loyalty.wagtail_hooks``."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.model import ModelViewSetGroup
from wagtail.permissions import register_permission_policy

from loyalty.models import EarnRule, PointsEntry, Tier
from loyalty.services.errors import LoyaltyError
from loyalty.services.ledger import ADJUST_MAX, REASON_MAX, points_adjust
from portal import roles
from portal.admin_views import RolePermissionPolicy
from portal.models import Customer
from portal.wagtail_hooks import PortalViewSet

register_permission_policy(EarnRule, RolePermissionPolicy(EarnRule))
register_permission_policy(Tier, RolePermissionPolicy(Tier))
register_permission_policy(PointsEntry, RolePermissionPolicy(PointsEntry, admin=("view",)))


class EarnRuleViewSet(PortalViewSet):
    model = EarnRule
    icon = "pick"
    menu_label = _("Earn rules")
    views = ("index", "add", "edit")
    list_display = ["key", "points", "cap_points", "cap_period_days", "active"]
    list_filter = ["active"]
    form_fields = ["key", "points", "cap_points", "cap_period_days", "active"]


class TierViewSet(PortalViewSet):
    model = Tier
    icon = "pick"
    menu_label = _("Tiers")
    views = ("index", "add", "edit", "delete")
    list_display = ["name", "rank", "threshold", "priority_boost", "sla_factor", "sla_policy"]
    select_related = ("sla_policy",)
    form_fields = [
        "name",
        "slug",
        "rank",
        "threshold",
        "priority_boost",
        "sla_factor",
        "sla_policy",
        "benefits",
        "colour",
    ]


class LedgerViewSet(PortalViewSet):
    model = PointsEntry
    icon = "list-ul"
    menu_label = _("Points ledger")
    views = ("index", "inspect")
    list_display = ["created_at", "customer", "kind", "points", "rule", "reason", "actor"]
    list_filter = ["kind", "rule"]
    search_fields = ["customer__customer_ref", "customer__name", "reason", "source_id"]
    select_related = ("customer", "actor")


class LoyaltyGroup(ModelViewSetGroup):
    menu_label = _("Loyalty")
    menu_icon = "pick"
    menu_order = 280
    items = (
        EarnRuleViewSet("loyalty_rules", url_prefix="loyalty/rules"),
        TierViewSet("loyalty_tiers", url_prefix="loyalty/tiers"),
        LedgerViewSet("loyalty_ledger", url_prefix="loyalty/ledger"),
    )


class AdjustmentForm(forms.Form):
    customer = forms.CharField(
        label=_("Customer reference"),
        max_length=64,
        help_text=_("The customer's reference (as in the shop or billing system)."),
    )
    points = forms.IntegerField(
        label=_("Points"),
        min_value=-ADJUST_MAX,
        max_value=ADJUST_MAX,
        help_text=_("Positive to add, negative to take away."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        min_length=3,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required: kept on the ledger row with your name."),
    )

    def clean_customer(self) -> Customer:
        ref = self.cleaned_data["customer"].strip()
        customer = Customer.objects.filter(customer_ref=ref).first()
        if customer is None:
            raise forms.ValidationError(_("No customer has this reference."))
        return customer

    def clean_points(self) -> int:
        points = self.cleaned_data["points"]
        if points == 0:
            raise forms.ValidationError(_("Adjust by at least one point."))
        return points


def adjustment_view(request):
    """Add or take away points by hand (admins only)."""
    if not roles.is_admin(request.user):
        raise PermissionDenied
    status = 200
    if request.method == "POST":
        form = AdjustmentForm(request.POST)
        if form.is_valid():
            customer = form.cleaned_data["customer"]
            try:
                entry = points_adjust(
                    customer=customer,
                    points=form.cleaned_data["points"],
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
            except LoyaltyError as exc:
                for field, errors in exc.fields.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
                if not exc.fields:
                    form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    gettext("%(points)+d points for %(customer)s recorded.")
                    % {"points": entry.points, "customer": customer},
                )
                return redirect("loyalty_admin:adjust")
        status = 400
    else:
        form = AdjustmentForm(initial={"customer": request.GET.get("customer", "")[:64]})
    return TemplateResponse(
        request, "loyalty/admin/adjust.html", {"form": form, "header_icon": "pick"}, status=status
    )
