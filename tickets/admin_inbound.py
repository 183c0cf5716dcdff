"""The Wagtail admin's "Inbound email" menu (admins): every message the email channel took
in, with its state and reason, the failed ones retried from here
(``tickets.services.intake.inbound_retry``), and the addresses that route new tickets to a
queue (``InboundAddress``). Registered by ``tickets/wagtail_hooks.py``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import include, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSetGroup
from wagtail.permissions import register_permission_policy

from portal import roles
from portal.admin_views import RolePermissionPolicy
from portal.services.errors import ServiceError
from portal.wagtail_hooks import PortalViewSet
from tickets.models import InboundAddress, InboundMessage
from tickets.services.intake import inbound_retry

for _model in (InboundAddress, InboundMessage):
    register_permission_policy(_model, RolePermissionPolicy(_model))


class RetryColumn(Column):
    """A "Retry" link on failed messages."""

    def get_value(self, instance) -> str:
        if not instance.retryable:
            return ""
        url = reverse("tickets_inbound:retry", args=[instance.pk])
        return format_html('<a class="button button-small" href="{}">{}</a>', url, _("Retry"))


class InboundMessageViewSet(PortalViewSet):
    model = InboundMessage
    icon = "mail"
    menu_label = gettext_lazy("Inbound emails")
    views = ("index", "inspect")
    list_display = [
        "received_at",
        "from_address",
        "subject",
        "state",
        "reason",
        "ticket",
        "attempts",
        RetryColumn("retry", label=gettext_lazy("Retry")),
    ]
    list_filter = ["state", "reason", "source"]
    search_fields = ["from_address", "subject", "message_id"]
    select_related = ("ticket",)
    inspect_view_fields = [
        "received_at",
        "processed_at",
        "source",
        "from_address",
        "to_address",
        "envelope_to",
        "envelope_from",
        "subject",
        "message_id",
        "size",
        "state",
        "reason",
        "detail",
        "error",
        "attempts",
        "refused_files",
        "ticket",
        "ticket_message",
    ]


class InboundAddressViewSet(PortalViewSet):
    model = InboundAddress
    icon = "mail"
    menu_label = gettext_lazy("Inbound addresses")
    views = ("index", "add", "edit", "delete")
    list_display = ["address", "queue", "is_active"]
    list_filter = ["queue", "is_active"]
    search_fields = ["address"]
    select_related = ("queue",)
    form_fields = ["address", "queue", "is_active"]


class InboundEmailGroup(ModelViewSetGroup):
    menu_label = gettext_lazy("Inbound email")
    menu_icon = "mail"
    menu_order = 261
    items = (
        InboundMessageViewSet("support_inbound_emails", url_prefix="support/inbound-emails"),
        InboundAddressViewSet("support_inbound_addresses", url_prefix="support/inbound-addresses"),
    )


@require_http_methods(["GET", "POST"])
def inbound_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    if not roles.is_admin(request.user):
        raise PermissionDenied
    inbound = get_object_or_404(InboundMessage, pk=pk)
    index_url = reverse("support_inbound_emails:index")
    if request.method == "POST":
        try:
            inbound = inbound_retry(inbound=inbound, actor=request.user)
        except ServiceError as exc:
            messages.error(request, exc.message)
            return redirect(index_url)
        if inbound.state == InboundMessage.State.FAILED:
            messages.error(
                request, _("The email failed again: %(error)s") % {"error": inbound.error}
            )
        else:
            messages.success(
                request,
                _("The email was processed: %(state)s.") % {"state": inbound.get_state_display()},
            )
        return redirect(index_url)
    return TemplateResponse(
        request,
        "tickets/admin/inbound_retry.html",
        {"inbound": inbound, "index_url": index_url, "header_title": _("Retry inbound email")},
    )


def inbound_admin_urls() -> list:
    patterns = [path("<id:pk>/", inbound_retry_view, name="retry")]
    return [
        path(
            "support/inbound-retry/",
            include((patterns, "tickets_inbound"), namespace="tickets_inbound"),
        )
    ]
