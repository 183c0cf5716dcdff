"""Customers' catalogue pages: the catalogue, an item's request form, my requests, one
request (timeline, result download, approval for the organisation admin)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalogue.automations.account import email_change_read
from catalogue.forms import RequestForm, answers_display
from catalogue.models import CatalogueItem, RequestStatus, ServiceRequest
from catalogue.presenters import request_timeline, status_tone
from catalogue.search import matching_items
from catalogue.services import (
    RequestError,
    RequestInvalid,
    request_approve,
    request_email_confirm,
    request_reject,
    request_submit,
)
from portal.usercache import cache_signed_in

PER_PAGE = 20
TOKEN_SESSION_KEY = "catalogue_form_tokens"  # noqa: S105 - a session key name


def _form_token(request, item: CatalogueItem, *, rotate: bool = False) -> str:
    """The item's one-time form token for this session: the same in every tab until a request
    is made with it, so a double click, a refresh or a second tab give one request."""
    tokens = request.session.get(TOKEN_SESSION_KEY, {})
    key = str(item.pk)
    if rotate or key not in tokens:
        tokens[key] = uuid.uuid4().hex
        request.session[TOKEN_SESSION_KEY] = tokens
    return tokens[key]


@login_required
@require_GET
def catalogue_index(request):
    query = request.GET.get("q", "")[:100].strip()
    items = (
        matching_items(request.user, query)
        if query
        else CatalogueItem.objects.requestable_by(request.user).select_related("category")
    )
    categories: dict = {}
    for item in items:
        categories.setdefault(item.category, []).append(item)
    return render(
        request,
        "catalogue/index.html",
        {
            "categories": categories,
            "query": query,
            "is_customer": getattr(request.user, "customer", None) is not None,
        },
    )


def _item_for(request, slug: str) -> CatalogueItem:
    return get_object_or_404(
        CatalogueItem.objects.requestable_by(request.user).select_related("category"), slug=slug
    )


@login_required
@require_http_methods(["GET", "POST"])
def item_request(request, slug: str):
    item = _item_for(request, slug)
    customer = request.user.customer
    status = 200
    if request.method == "POST":
        token = request.POST.get("form_token", "")[:64]
        try:
            service_request, created = request_submit(
                item=item, submitted_by=request.user, data=request.POST, idempotency_key=token
            )
        except RequestInvalid as exc:
            form, status = exc.form, 400
        except RequestError as exc:
            form, status = RequestForm(request.POST, item=item, customer=customer), 400
            form.is_valid()
            form.add_error(None, exc.message)
            token = _form_token(request, item)
        else:
            _form_token(request, item, rotate=True)
            if created:
                messages.success(
                    request,
                    _("Request %(number)s received.") % {"number": service_request.number},
                )
            else:
                messages.info(request, _("You already sent this request; here it is."))
            return redirect(service_request)
    else:
        form = RequestForm(item=item, customer=customer)
        token = _form_token(request, item)
    return render(
        request,
        "catalogue/item.html",
        {"item": item, "form": form, "form_token": token},
        status=status,
    )


@login_required
@require_GET
@cache_signed_in
def request_list(request):
    visible = ServiceRequest.objects.visible_to(request.user).select_related("item", "customer")
    customer = getattr(request.user, "customer", None)
    mine = visible.filter(customer=customer) if customer is not None else visible
    page = Paginator(mine.order_by("-created_at", "-pk"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    pending = list(
        ServiceRequest.objects.awaiting_approval_by(request.user)
        .select_related("item", "customer")
        .order_by("created_at")[:50]
    )
    return render(
        request,
        "catalogue/requests.html",
        {"page_obj": page, "requests": page.object_list, "pending": pending},
    )


def _request_for(request, pk: int) -> ServiceRequest:
    return get_object_or_404(
        ServiceRequest.objects.visible_to(request.user).select_related(
            "item", "customer", "customer__organisation", "ticket", "decided_by"
        ),
        pk=pk,
    )


def _may_decide(request, service_request: ServiceRequest) -> bool:
    return (
        service_request.status == RequestStatus.AWAITING_APPROVAL
        and ServiceRequest.objects.awaiting_approval_by(request.user)
        .filter(pk=service_request.pk)
        .exists()
    )


@login_required
@require_GET
@cache_signed_in
def request_detail(request, pk: int):
    service_request = _request_for(request, pk)
    timeline = request_timeline(service_request.events.select_related("actor"))
    return render(
        request,
        "catalogue/request.html",
        {
            "req": service_request,
            "timeline": timeline,
            "answers": answers_display(service_request.item, service_request.data),
            "tone": status_tone(service_request.status),
            "may_decide": _may_decide(request, service_request),
            "is_own": service_request.customer.user_id == request.user.pk,
        },
    )


@login_required
@require_POST
def request_approve_view(request, pk: int):
    service_request = _request_for(request, pk)
    try:
        request_approve(request=service_request, actor=request.user)
    except PermissionDenied:
        raise Http404 from None
    except RequestError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Approved. The request is on its way."))
    return redirect(service_request)


@login_required
@require_POST
def request_reject_view(request, pk: int):
    service_request = _request_for(request, pk)
    try:
        request_reject(
            request=service_request,
            actor=request.user,
            reason=request.POST.get("reason", "")[:1000],
        )
    except PermissionDenied:
        raise Http404 from None
    except RequestError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Rejected. We told the requester."))
    return redirect(service_request)


@login_required
@require_GET
def result_download(request, pk: int):
    """The result document, only through here: the request must be visible, and the answer
    is always a download (never rendered by the browser)."""
    service_request = _request_for(request, pk)
    if not service_request.result_file:
        raise Http404
    try:
        handle = service_request.result_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=service_request.result_file_name or "result",
        content_type=service_request.result_file_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def email_confirm(request, pk: int, token: str):
    """The change-of-email link: GET shows the address and a button, POST switches."""
    read = email_change_read(token)
    service_request = _request_for(request, pk)
    if read is None or read[0] != service_request.pk:
        return render(request, "catalogue/email_confirm.html", {"invalid": True}, status=400)
    if service_request.customer.user_id != request.user.pk:
        raise Http404
    new_email = read[1]
    if request.method == "POST":
        try:
            request_email_confirm(request=service_request, user=request.user, new_email=new_email)
        except RequestError as exc:
            messages.error(request, exc.message)
        else:
            text = _("Your email address is now %(email)s.") % {"email": new_email}
            messages.success(request, text)
        return redirect(service_request)
    return render(
        request,
        "catalogue/email_confirm.html",
        {"req": service_request, "new_email": new_email, "token": token},
    )
