"""Catalogue API, mounted at /api/v1/ (same rules as the pages).

- ``GET /catalogue``: the items the caller may request, each with its form schema;
- ``POST /requests``: submit; send an ``Idempotency-Key`` header (8-64 characters) so a
  retried call returns the first request (200) instead of making a second one (201);
- ``GET /requests`` and ``GET /requests/{id}``: status, result and timeline.

Names, descriptions, labels, help texts and choice labels are in the language asked for
(``?lang=it`` or ``Accept-Language``; English where a text is not translated).

Bad input is a JSON 4xx: 404 for an item you may not request, 409 for a key reused for
another item, 422 for answers that do not pass (``errors`` lists them by field).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Header, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from catalogue.models import CatalogueItem, ServiceRequest
from catalogue.services import request_submit
from portal import roles
from portal.api.auth import allow, is_person
from portal.api.schemas import ErrorItemOut, ErrorOut, Id, StrictSchema
from portal.i18n.api import LANG_OPENAPI, in_request_language
from portal.models import Channel

PEOPLE = gettext_lazy("Integration tokens do not belong to a user.")
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
router = Router(tags=["catalogue"], auth=allow(is_person, PEOPLE))


class FieldOut(Schema):
    key: str
    label: str
    type: str
    required: bool
    help_text: str
    min: float | None
    max: float | None
    pattern: str | None
    choices: list[dict[str, str]] | None = Field(
        None,
        description="For choice fields: value and label. Subscriptions and purchases "
        "are given by id (see /api/v1/me).",
    )


class ItemOut(Schema):
    slug: str
    name: str
    short_description: str
    category: str
    automated: bool
    requires_approval: bool
    expected_minutes: int
    url: str
    fields: list[FieldOut]


class CatalogueOut(Schema):
    count: int
    items: list[ItemOut]


class RequestIn(StrictSchema):
    item: str = Field(max_length=80, description="The item's slug.")
    data: dict[str, Any] = Field(default_factory=dict, description="Answers by field key.")


class EventOut(Schema):
    status: str
    at: datetime
    by: str
    note: str


class RequestOut(Schema):
    id: int
    number: str
    item: str
    status: str
    data: dict[str, Any]
    result: str
    result_file: str | None
    ticket: str | None
    created_at: datetime
    completed_at: datetime | None
    url: str


class RequestDetailOut(RequestOut):
    events: list[EventOut]


class RequestList(Schema):
    count: int
    items: list[RequestOut]


class InvalidOut(Schema):
    detail: str
    errors: list[ErrorItemOut]


class ListFilters(Schema):
    status: str | None = Field(None, max_length=20)
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=1_000_000)


def _number(value) -> float | None:
    return float(value) if value is not None else None


def _item_out(item: CatalogueItem, request) -> dict:
    return {
        "slug": item.slug,
        "name": item.tr.name,
        "short_description": item.tr.short_description,
        "category": item.category.tr.name,
        "automated": item.is_automated,
        "requires_approval": item.requires_approval,
        "expected_minutes": item.expected_minutes,
        "url": request.build_absolute_uri(item.get_absolute_url()),
        "fields": [
            {
                "key": f.key,
                "label": f.tr.label,
                "type": f.field_type,
                "required": f.required,
                "help_text": f.tr.help_text,
                "min": _number(f.min_value),
                "max": _number(f.max_value),
                "pattern": f.pattern or None,
                "choices": [{"value": v, "label": label} for v, label in f.tr_choice_list]
                if f.choice_list
                else None,
            }
            for f in item.form_fields.all()
        ],
    }


def _request_out(service_request: ServiceRequest, request) -> dict:
    return {
        "id": service_request.pk,
        "number": service_request.number,
        "item": service_request.item.slug,
        "status": service_request.status,
        "data": service_request.data,
        "result": service_request.result,
        "result_file": request.build_absolute_uri(f"{service_request.get_absolute_url()}result/")
        if service_request.result_file
        else None,
        "ticket": service_request.ticket.number if service_request.ticket_id else None,
        "created_at": service_request.created_at,
        "completed_at": service_request.completed_at,
        "url": request.build_absolute_uri(service_request.get_absolute_url()),
    }


def _visible(request):
    return ServiceRequest.objects.visible_to(request.user).select_related("item", "ticket")


@router.get(
    "/catalogue",
    response={200: CatalogueOut, **ERRORS},
    summary="Catalogue items",
    openapi_extra=LANG_OPENAPI,
)
@in_request_language
def catalogue_list(request):
    """The items you may request, with their form schema (empty for agents and admins)."""
    items = (
        CatalogueItem.objects.requestable_by(request.user)
        .select_related("category")
        .prefetch_related("form_fields")
    )
    rows = [_item_out(item, request) for item in items]
    return {"count": len(rows), "items": rows}


@router.post(
    "/requests",
    response={200: RequestOut, 201: RequestOut, 422: InvalidOut, **ERRORS},
    summary="Submit a service request (customers)",
)
def request_create(
    request,
    payload: RequestIn,
    idempotency_key: str | None = Header(
        None,
        alias="Idempotency-Key",
        max_length=64,
        description="Repeat it on retries: the first request is returned (200), not duplicated.",
    ),
):
    if getattr(request.user, "customer", None) is None or roles.is_agent(request.user):
        raise HttpError(403, _("Only customers submit service requests."))
    item = CatalogueItem.objects.requestable_by(request.user).filter(slug=payload.item).first()
    if item is None:
        raise HttpError(404, _("item: no such service, or not available to you."))
    service_request, created = request_submit(
        item=item,
        submitted_by=request.user,
        data=payload.data,
        idempotency_key=idempotency_key or uuid.uuid4().hex,
        json=True,
        channel=Channel.API,
    )
    service_request = get_object_or_404(_visible(request), pk=service_request.pk)
    return Status(201 if created else 200, _request_out(service_request, request))


@router.get("/requests", response={200: RequestList, **ERRORS}, summary="My service requests")
def request_list(request, filters: Query[ListFilters]):
    """Your requests (an organisation admin also sees the members'; agents see all)."""
    requests = _visible(request).order_by("-created_at", "-pk")
    if filters.status:
        requests = requests.filter(status=filters.status)
    page = requests[filters.offset : filters.offset + filters.limit]
    return {"count": requests.count(), "items": [_request_out(r, request) for r in page]}


@router.get(
    "/requests/{request_id}",
    response={200: RequestDetailOut, **ERRORS},
    summary="One service request with its timeline",
)
def request_get(request, request_id: Id):
    service_request = get_object_or_404(_visible(request), pk=request_id)
    events = service_request.events.select_related("actor")
    return {
        **_request_out(service_request, request),
        "events": [
            {
                "status": event.status,
                "at": event.created_at,
                "by": event.actor.get_full_name() if event.actor else "",
                "note": event.note,
            }
            for event in events
        ],
    }
