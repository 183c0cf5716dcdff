"""The admins' side in the Wagtail admin: a "Customers" menu with customers, organisations,
teams, products, subscriptions, purchases, the interaction log and integration API tokens.

Only admins see it (agents may look at customers and organisations, read-only). Models
without a service to write them are edited by the generic views; the log, purchases and
subscriptions are read-only here (imports and services write them); API tokens are created
and revoked through ``portal.services.tokens``.
"""

from __future__ import annotations

import django_filters
from django.contrib.auth.models import Permission
from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.permissions import register_permission_policy

from portal.admin_views import (
    TOKEN_REVOKE_ACTION,
    IntegrationTokenForm,
    RolePermissionPolicy,
    TokenCreateView,
    TokenIndexView,
    TokenRevokeView,
    token_status,
)
from portal.models import (
    ApiToken,
    Customer,
    Interaction,
    Organisation,
    Product,
    Purchase,
    Subscription,
    Team,
    User,
)

VIEW = ("view",)
EDIT = ("add", "change", "view")
# Registered before any viewset asks, so Wagtail never falls back to model permissions.
register_permission_policy(Customer, RolePermissionPolicy(Customer, admin=EDIT, agent=VIEW))
register_permission_policy(Organisation, RolePermissionPolicy(Organisation, agent=VIEW))
register_permission_policy(Team, RolePermissionPolicy(Team))
register_permission_policy(Product, RolePermissionPolicy(Product, admin=EDIT))
register_permission_policy(Subscription, RolePermissionPolicy(Subscription, admin=VIEW))
register_permission_policy(Purchase, RolePermissionPolicy(Purchase, admin=VIEW))
register_permission_policy(Interaction, RolePermissionPolicy(Interaction, admin=VIEW))
register_permission_policy(
    ApiToken, RolePermissionPolicy(ApiToken, admin=("add", "delete", "view"))
)


class PortalViewSet(ModelViewSet):
    """A role-checked viewset that routes only the views named in ``views``."""

    views: tuple[str, ...] = ("index", "add", "edit", "inspect")
    copy_view_enabled = False
    inspect_view_enabled = True
    add_to_reference_index = False  # no reference-index writes on every save
    search_backend_name = None  # search_fields with the ORM (these models are not indexed)
    select_related: tuple[str, ...] = ()

    def get_urlpatterns(self):
        # Built here rather than filtered from super(): that would construct every view,
        # and a read-only viewset has no form for the add and edit views.
        pk = f"<{self.pk_path_converter}:pk>"
        routes = {
            "index": lambda: [
                path("", self.index_view, name="index"),
                path("results/", self.index_results_view, name="index_results"),
            ],
            "add": lambda: [path("new/", self.add_view, name="add")],
            "edit": lambda: [path(f"edit/{pk}/", self.edit_view, name="edit")],
            "delete": lambda: [path(f"delete/{pk}/", self.delete_view, name="delete")],
            "inspect": lambda: [path(f"inspect/{pk}/", self.inspect_view, name="inspect")],
            "history": lambda: [
                path(f"history/{pk}/", self.history_view, name="history"),
                path(f"history-results/{pk}/", self.history_results_view, name="history_results"),
            ],
        }
        return [pattern for view in self.views for pattern in routes[view]()]

    def get_common_view_kwargs(self, **kwargs):
        view_kwargs = super().get_common_view_kwargs(**kwargs)
        for view in ("add", "edit", "delete", "history", "usage", "inspect", "copy"):
            if view not in self.views and f"{view}_url_name" in view_kwargs:
                view_kwargs[f"{view}_url_name"] = None
        return view_kwargs

    def get_index_view_kwargs(self, **kwargs):
        if self.select_related:
            kwargs.setdefault("queryset", self.model.objects.select_related(*self.select_related))
        return super().get_index_view_kwargs(**kwargs)

    def get_permissions_to_register(self):
        # Access is by role (RolePermissionPolicy); group permissions would do nothing.
        return Permission.objects.none()


class CustomerViewSet(PortalViewSet):
    model = Customer
    icon = "user"
    list_display = [
        "display_name",
        "customer_ref",
        "email",
        "organisation",
        "is_org_admin",
        "created_at",
    ]
    list_filter = ["organisation", "is_org_admin", "language"]
    search_fields = ["name", "email", "customer_ref"]
    select_related = ("organisation",)
    form_fields = [
        "customer_ref",
        "name",
        "email",
        "organisation",
        "is_org_admin",
        "language",
        "consent_surveys",
        "consent_marketing",
    ]
    inspect_view_fields = ["customer_ref", "name", "email", "user", *form_fields[3:], "created_at"]


class OrganisationViewSet(PortalViewSet):
    model = Organisation
    icon = "group"
    views = ("index", "add", "edit", "delete", "inspect")
    list_display = ["name", "slug", "share_tickets", "created_at"]
    search_fields = ["name", "slug"]
    form_fields = ["name", "slug", "share_tickets"]
    inspect_view_fields = ["name", "slug", "share_tickets", "created_at"]


class TeamViewSet(PortalViewSet):
    model = Team
    icon = "group"
    views = ("index", "add", "edit", "delete")
    list_display = ["name", "slug", "lead"]
    search_fields = ["name", "slug"]
    form_fields = ["name", "slug", "lead", "members"]
    select_related = ("lead",)

    def formfield_for_dbfield(self, db_field, **kwargs):
        if db_field.name in {"lead", "members"}:
            kwargs["queryset"] = User.objects.filter(is_staff=True, is_active=True)
        return super().formfield_for_dbfield(db_field, **kwargs)


class ProductViewSet(PortalViewSet):
    model = Product
    icon = "tag"
    list_display = ["name", "slug", "kind", "category", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "slug", "category"]
    form_fields = ["name", "slug", "kind", "category", "description", "is_active"]
    inspect_view_fields = form_fields


class SubscriptionViewSet(PortalViewSet):
    model = Subscription
    icon = "pick"
    views = ("index", "inspect")
    list_display = ["customer", "product", "region", "status", "since", "ended_at"]
    list_filter = ["status", "product"]
    search_fields = ["customer__name", "customer__customer_ref", "region"]
    select_related = ("customer", "product")
    inspect_view_fields = ["customer", "product", "region", "status", "since", "ended_at"]


class PurchaseFilterSet(WagtailFilterSet):
    ordered_at = django_filters.DateFromToRangeFilter(
        label=_("Ordered"), widget=DateRangePickerWidget
    )

    class Meta:
        model = Purchase
        fields = ["source", "currency", "product"]


class PurchaseViewSet(PortalViewSet):
    model = Purchase
    icon = "list-ul"
    views = ("index", "inspect")
    list_display = [
        "order_ref",
        "customer",
        "amount",
        "currency",
        "product",
        "source",
        "ordered_at",
    ]
    filterset_class = PurchaseFilterSet
    search_fields = ["order_ref", "customer__customer_ref", "customer__name"]
    select_related = ("customer", "product")
    inspect_view_fields = [
        "order_ref",
        "source",
        "customer",
        "ordered_at",
        "amount",
        "currency",
        "product",
        "imported_at",
    ]


class InteractionFilterSet(WagtailFilterSet):
    occurred_at = django_filters.DateFromToRangeFilter(
        label=_("Date"), widget=DateRangePickerWidget
    )

    class Meta:
        model = Interaction
        fields = ["kind", "channel"]


class InteractionViewSet(PortalViewSet):
    """The append-only log: list and inspect, nothing else is routed."""

    model = Interaction
    icon = "history"
    views = ("index", "inspect")
    list_display = ["kind", "channel", "customer", "user", "value", "occurred_at"]
    filterset_class = InteractionFilterSet
    search_fields = ["customer__customer_ref", "customer__name"]
    select_related = ("customer", "user")
    inspect_view_fields = [
        "kind",
        "channel",
        "customer",
        "user",
        "visitor",
        "target_type",
        "target_id",
        "value",
        "metadata",
        "occurred_at",
    ]


class ApiTokenViewSet(PortalViewSet):
    """Integration tokens: create (secret shown once), list, revoke (``revoke/<id>/``)."""

    model = ApiToken
    icon = "key"
    menu_label = _("API tokens")
    views = ("index", "add", "inspect", "history")
    index_view_class = TokenIndexView
    add_view_class = TokenCreateView
    delete_view_class = TokenRevokeView
    form_fields = ["name", "expires_at"]
    list_display = [
        "name",
        "kind",
        "prefix",
        Column("user", label=_("Owner"), accessor="user"),
        "created_at",
        "last_used_at",
        "expires_at",
        Column("status", label=_("Status"), accessor=token_status),
    ]
    list_filter = ["kind"]
    search_fields = ["name", "prefix"]
    inspect_view_fields = [
        "name",
        "kind",
        "prefix",
        "user",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]

    def get_form_class(self, for_update=False):
        return IntegrationTokenForm

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("revoke/<id:pk>/", self.delete_view, name="revoke"),
        ]

    def get_common_view_kwargs(self, **kwargs):
        view_kwargs = super().get_common_view_kwargs(**kwargs)
        view_kwargs["delete_url_name"] = self.get_url_name("revoke")
        return view_kwargs


class CustomersGroup(ModelViewSetGroup):
    menu_label = _("Customers")
    menu_icon = "group"
    menu_order = 250
    items = (
        CustomerViewSet("customers"),
        OrganisationViewSet("organisations"),
        TeamViewSet("teams"),
        ProductViewSet("products"),
        SubscriptionViewSet("subscriptions"),
        PurchaseViewSet("purchases"),
        InteractionViewSet("interactions"),
        ApiTokenViewSet("api_tokens"),
    )


@hooks.register("register_admin_viewset")
def register_customers_group():
    return CustomersGroup()


@hooks.register("register_log_actions")
def register_token_log_actions(actions):
    actions.register_action(TOKEN_REVOKE_ACTION, _("Revoke API token"), _("API token revoked"))
