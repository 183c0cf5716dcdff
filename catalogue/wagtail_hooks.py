"""The "Service catalogue" menu in the Wagtail admin (admins): categories, items with their
request forms (ordered field rows edited inline), payment cards, the requests (filters,
inspect, re-run a failed automation), the webhook log, and the catalogue reports."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
)
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.viewsets.model import ModelViewSetGroup
from wagtail.permissions import register_permission_policy

from catalogue.automations import registry
from catalogue.models import (
    MANUAL,
    CatalogueCategory,
    CatalogueItem,
    PaymentCard,
    RequestStatus,
    ServiceRequest,
    WebhookDelivery,
)
from catalogue.reports import CatalogueReportView, FailureReasonsView
from catalogue.services import RequestError, request_complete, request_rerun
from portal import roles
from portal.admin_reports import AdminOnlyMenuItem, report_urls
from portal.admin_views import RolePermissionPolicy
from portal.wagtail_hooks import PortalViewSet

VIEW = ("view",)
EDIT = ("add", "change", "view")
register_permission_policy(CatalogueCategory, RolePermissionPolicy(CatalogueCategory))
register_permission_policy(CatalogueItem, RolePermissionPolicy(CatalogueItem, admin=EDIT))
register_permission_policy(PaymentCard, RolePermissionPolicy(PaymentCard, admin=EDIT))
register_permission_policy(ServiceRequest, RolePermissionPolicy(ServiceRequest, admin=VIEW))
register_permission_policy(WebhookDelivery, RolePermissionPolicy(WebhookDelivery, admin=VIEW))


def fulfilment_choices() -> list[tuple[str, str]]:
    return [(MANUAL, str(gettext_lazy("Manual: a ticket for an agent"))), *registry.choices()]


class CatalogueItemForm(WagtailAdminModelForm):
    """The item editor: the automation is chosen from the registry, and the form must have
    the fields the automation reads (e.g. ``last_four`` for the lost-card automation)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fulfilment"] = forms.ChoiceField(
            label=self.fields["fulfilment"].label,
            choices=fulfilment_choices(),
            help_text=self.fields["fulfilment"].help_text,
        )

    def is_valid(self) -> bool:
        if not super().is_valid():
            return False
        automation = registry.get(self.cleaned_data.get("fulfilment", MANUAL))
        if automation is None or not automation.required_fields:
            return True
        defined = {
            form.cleaned_data.get("key"): form.cleaned_data.get("field_type")
            for form in self.formsets["form_fields"].forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        }
        missing = [
            f"{key} ({'/'.join(types)})"
            for key, types in automation.required_fields.items()
            if defined.get(key) not in types
        ]
        if missing:
            self.add_error(
                "fulfilment",
                _("This automation needs these form fields: %(fields)s.")
                % {"fields": ", ".join(missing)},
            )
            return False
        return True


class CategoryViewSet(PortalViewSet):
    model = CatalogueCategory
    icon = "folder-open-inverse"
    menu_label = gettext_lazy("Categories")
    views = ("index", "add", "edit", "delete")
    list_display = ["name", "name_it", "slug", "position"]
    search_fields = ["name", "name_it", "slug"]
    form_fields = ["name", "name_it", "slug", "description", "description_it", "position"]


class ItemViewSet(PortalViewSet):
    model = CatalogueItem
    icon = "form"
    menu_label = gettext_lazy("Items")
    views = ("index", "add", "edit")
    list_display = ["name", "category", "fulfilment", "audience", "requires_approval", "is_active"]
    list_filter = ["category", "fulfilment", "audience", "is_active"]
    search_fields = ["name", "name_it", "slug", "short_description"]
    select_related = ("category",)
    panels = [
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("name"), FieldPanel("slug")]),
                FieldPanel("short_description"),
                FieldPanel("description"),
                FieldRowPanel([FieldPanel("category"), FieldPanel("icon")]),
                FieldRowPanel([FieldPanel("is_active"), FieldPanel("position")]),
            ],
            heading=gettext_lazy("Item"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("name_it"),
                FieldPanel("short_description_it"),
                FieldPanel("description_it"),
            ],
            heading=gettext_lazy("Italian"),
            help_text=gettext_lazy(
                "Empty fields show the English text on Italian pages. The form fields' Italian "
                "labels, help texts and choice labels are in each field below."
            ),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("audience"), FieldPanel("audience_product")]),
                FieldPanel("requires_approval"),
            ],
            heading=gettext_lazy("Who may request it"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("fulfilment"), FieldPanel("queue")]),
                FieldPanel("expected_minutes"),
                FieldPanel("automation_config"),
            ],
            heading=gettext_lazy("Fulfilment"),
        ),
        InlinePanel(
            "form_fields",
            heading=gettext_lazy("Request form"),
            label=gettext_lazy("Field"),
            panels=[
                FieldRowPanel([FieldPanel("key"), FieldPanel("field_type")]),
                FieldRowPanel([FieldPanel("label"), FieldPanel("label_it")]),
                FieldRowPanel([FieldPanel("help_text"), FieldPanel("help_text_it")]),
                FieldPanel("required"),
                FieldRowPanel([FieldPanel("min_value"), FieldPanel("max_value")]),
                FieldPanel("pattern"),
                FieldRowPanel([FieldPanel("choices"), FieldPanel("choices_it")]),
            ],
        ),
    ]

    edit_handler = ObjectList(panels, base_form_class=CatalogueItemForm)


class CardViewSet(PortalViewSet):
    model = PaymentCard
    icon = "tag"
    menu_label = gettext_lazy("Payment cards")
    views = ("index", "add", "edit", "inspect")
    list_display = ["customer", "brand", "last_four", "status", "blocked_at"]
    list_filter = ["status", "brand"]
    search_fields = ["customer__name", "customer__customer_ref", "last_four"]
    select_related = ("customer",)
    form_fields = ["customer", "brand", "last_four", "status"]
    inspect_view_fields = ["customer", "brand", "last_four", "status", "blocked_at", "created_at"]


class RequestFilterSet(WagtailFilterSet):
    created_at = django_filters.DateFromToRangeFilter(
        label=gettext_lazy("Submitted"), widget=DateRangePickerWidget
    )

    class Meta:
        model = ServiceRequest
        fields = ["status", "item", "automated", "channel", "waiting_for"]


class RequestViewSet(PortalViewSet):
    model = ServiceRequest
    icon = "tasks"
    menu_label = gettext_lazy("Requests")
    views = ("index", "inspect")
    list_display = [
        TitleColumn(
            "number",
            label=gettext_lazy("Request"),
            accessor="number",
            get_url=lambda obj: reverse("catalogue_requests:inspect", args=[obj.pk]),
        ),
        "item",
        "customer",
        Column("status", label=gettext_lazy("Status"), accessor="get_status_display"),
        "automated",
        "created_at",
        TitleColumn(
            "rerun",
            label=gettext_lazy("Action"),
            accessor=lambda obj: _action_label(obj),
            get_url=lambda obj: _action_link(obj),
        ),
    ]
    filterset_class = RequestFilterSet
    search_fields = ["customer__name", "customer__customer_ref", "item__name"]
    select_related = ("item", "customer")
    inspect_view_fields = [
        "item",
        "customer",
        "submitted_by",
        "status",
        "waiting_for",
        "data",
        "result",
        "error",
        "automated",
        "attempts",
        "ticket",
        "decided_by",
        "channel",
        "created_at",
        "started_at",
        "completed_at",
    ]

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("rerun/<id:pk>/", rerun_view, name="rerun"),
            path("complete/<id:pk>/", complete_view, name="complete"),
        ]


def _completable(obj: ServiceRequest) -> bool:
    return obj.status == RequestStatus.IN_PROGRESS and obj.waiting_for == "agent"


def _action_label(obj: ServiceRequest) -> str:
    if obj.status == RequestStatus.FAILED:
        return _("Re-run")
    return _("Mark fulfilled") if _completable(obj) else ""


def _action_link(obj: ServiceRequest) -> str | None:
    if obj.status == RequestStatus.FAILED:
        return reverse("catalogue_requests:rerun", args=[obj.pk])
    if _completable(obj):
        return reverse("catalogue_requests:complete", args=[obj.pk])
    return None


def rerun_view(request, pk: int):
    """GET: confirm; POST: run the failed automation again (admins)."""
    if not roles.is_admin(request.user):
        raise PermissionDenied
    service_request = get_object_or_404(
        ServiceRequest.objects.select_related("item", "customer"), pk=pk
    )
    if request.method == "POST":
        try:
            request_rerun(request=service_request, actor=request.user)
        except RequestError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("%(number)s is running again.") % {"number": service_request.number},
            )
        return redirect("catalogue_requests:index")
    return TemplateResponse(
        request,
        "catalogue/admin/rerun.html",
        {"req": service_request, "can_rerun": service_request.status == RequestStatus.FAILED},
    )


def complete_view(request, pk: int):
    """GET: confirm; POST: an agent's manual request (or a failed one) is done by hand."""
    if not roles.is_admin(request.user):
        raise PermissionDenied
    service_request = get_object_or_404(
        ServiceRequest.objects.select_related("item", "customer", "ticket"), pk=pk
    )
    can_complete = service_request.status in (RequestStatus.IN_PROGRESS, RequestStatus.FAILED)
    if request.method == "POST":
        try:
            request_complete(
                request=service_request,
                actor=request.user,
                note=request.POST.get("note", "")[:2000],
            )
        except RequestError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("%(number)s is fulfilled.") % {"number": service_request.number}
            )
        return redirect("catalogue_requests:index")
    return TemplateResponse(
        request,
        "catalogue/admin/complete.html",
        {"req": service_request, "can_complete": can_complete},
    )


class WebhookDeliveryViewSet(PortalViewSet):
    model = WebhookDelivery
    icon = "link"
    menu_label = gettext_lazy("Webhook log")
    views = ("index", "inspect")
    list_display = ["request", "attempt", "status_code", "ok", "error", "duration_ms", "created_at"]
    list_filter = ["ok"]
    search_fields = ["url", "error"]
    select_related = ("request",)
    inspect_view_fields = [
        "request",
        "attempt",
        "url",
        "status_code",
        "ok",
        "error",
        "response_excerpt",
        "duration_ms",
        "next_attempt_at",
        "created_at",
    ]


class CatalogueGroup(ModelViewSetGroup):
    menu_label = gettext_lazy("Service catalogue")
    menu_icon = "form"
    menu_order = 250
    items = (
        ItemViewSet("catalogue_items", url_prefix="catalogue/items"),
        CategoryViewSet("catalogue_categories", url_prefix="catalogue/categories"),
        RequestViewSet("catalogue_requests", url_prefix="catalogue/requests"),
        CardViewSet("catalogue_cards", url_prefix="catalogue/cards"),
        WebhookDeliveryViewSet("catalogue_webhooks", url_prefix="catalogue/webhooks"),
    )


@hooks.register("register_admin_viewset")
def register_catalogue():
    return CatalogueGroup()


@hooks.register("register_admin_urls")
def register_report_urls():
    return report_urls(
        "reports/catalogue/",
        "catalogue_reports",
        [("", "items", CatalogueReportView), ("failures/", "failures", FailureReasonsView)],
    )


@hooks.register("register_reports_menu_item")
def register_report_menu_items():
    return AdminOnlyMenuItem(
        gettext_lazy("Service catalogue"),
        reverse("catalogue_reports:items"),
        icon_name="form",
        order=810,
    )


@hooks.register("register_reports_menu_item")
def register_failures_menu_item():
    return AdminOnlyMenuItem(
        gettext_lazy("Catalogue failures"),
        reverse("catalogue_reports:failures"),
        icon_name="warning",
        order=811,
    )
