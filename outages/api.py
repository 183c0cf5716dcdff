"""``/api/v1/`` operations of the outages app (mounted in ``portal/urls.py``).

Public reads (anyone; a token or session is accepted but not needed): ``GET /status`` (every
service with its current state), ``GET /incidents`` (open, scheduled and recent incidents with
their updates) and ``GET /incidents/{id}``. They read through ``Incident.objects.visible_to``:
callers who are not agents see published incidents and published updates only, and an
unpublished incident is a 404. Anonymous answers may be cached for 30 seconds (they vary by
``Accept-Language``). Titles, update messages and labels are in the language asked for
(``?lang=it`` or ``Accept-Language``, else English); a text not yet translated is given in
English and named in ``untranslated``. Writes take the Italian texts as ``title_it`` and
``message_it`` (optional).

Writes (agents with a session or personal token, integration tokens such as a monitoring
system's; others 403): ``POST /incidents`` (declare, optionally with a compensation offer and
``publish``), ``POST /incidents/{id}/updates`` (an update, or ``resolved``; agents may also
reply on the linked tickets) and ``POST /incidents/{id}/publish``. Bad input is a 422 with a
``detail`` and nothing written.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status
from pydantic import Field as PydanticField

from outages import selectors
from outages.models import Incident
from outages.services import incident_declare, incident_publish, incident_update_with_tickets
from portal import roles
from portal.api.auth import SessionAuth, TokenAuth, allow, is_integration
from portal.api.schemas import ErrorOut, StrictSchema
from portal.i18n import translated
from portal.i18n.api import LANG_OPENAPI, in_request_language
from portal.idempotency import idempotency_openapi, idempotent
from portal.models import Product

router = Router(tags=["outages"])


# --- public reads ----------------------------------------------------------------------------
def _anyone(request: HttpRequest) -> bool:
    """Public operations still accept a token or a session; without one, the caller is
    anonymous (published incidents only)."""
    return True


PUBLIC = [TokenAuth(), SessionAuth(), _anyone]
PUBLIC_MAX_AGE = 30


class ServiceStateOut(Schema):
    slug: str
    name: str
    state: str
    state_label: str
    uptime_90d: float
    open_incidents: list[int]


class StatusOut(Schema):
    state: str
    state_label: str
    updated_at: datetime
    services: list[ServiceStateOut]


STATE_HELP = (
    "What the public is shown: scheduled (announced ahead, not started), in_progress or "
    "completed (maintenance), else the status."
)


class IncidentUpdateOut(Schema):
    status: str
    status_label: str
    state: str = Field(description=STATE_HELP)
    state_label: str
    message: str
    published_at: datetime | None
    untranslated: list[str] = Field(
        description="Texts given in English for lack of a translation (e.g. message)."
    )


class IncidentOut(Schema):
    id: int
    title: str
    impact: str
    impact_label: str
    status: str
    status_label: str
    state: str = Field(description=STATE_HELP)
    state_label: str
    region: str
    services: list[str]
    starts_at: datetime
    ends_at: datetime | None
    published: bool
    scheduled: bool = Field(description="Announced ahead: it has not started yet.")
    url: str
    updates: list[IncidentUpdateOut]
    untranslated: list[str] = Field(
        description="Texts given in English for lack of a translation (e.g. title)."
    )


class IncidentList(Schema):
    count: int
    items: list[IncidentOut]


def _cacheable(request: HttpRequest, response: HttpResponse) -> None:
    if request.user.is_authenticated or getattr(request, "api_token", None) is not None:
        patch_cache_control(response, private=True)
    else:
        patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    patch_vary_headers(response, ["Accept-Language"])


def _incident_out(incident: Incident, request: HttpRequest) -> dict:
    return {
        "id": incident.pk,
        "title": translated(incident, "title"),
        "impact": incident.impact,
        "impact_label": str(incident.get_impact_display()),
        "status": incident.status,
        "status_label": str(incident.get_status_display()),
        "state": incident.state,
        "state_label": str(incident.state_label),
        "region": incident.region,
        "services": [product.slug for product in incident.products.all()],
        "starts_at": incident.starts_at,
        "ends_at": incident.ends_at,
        "published": incident.published_at is not None,
        "scheduled": incident.is_open and incident.starts_at > timezone.now(),
        "url": request.build_absolute_uri(f"/status/incidents/{incident.pk}/"),
        "updates": [
            {
                "status": update.status,
                "status_label": str(update.get_status_display()),
                "state": update.state,
                "state_label": str(update.state_label),
                "message": translated(update, "message"),
                "published_at": update.published_at,
                "untranslated": update.missing_translations(),
            }
            for update in incident.public_updates
        ],
        "untranslated": incident.missing_translations(),
    }


@router.get(
    "/status",
    response=StatusOut,
    auth=PUBLIC,
    url_name="outages_status",
    openapi_extra=LANG_OPENAPI,
)
@in_request_language
def status(request: HttpRequest, response: HttpResponse):
    """Every service with its current state (worst open incident wins) and 90-day uptime."""
    board = selectors.status_board(user=request.user)
    _cacheable(request, response)
    return {
        "state": board.overall,
        "state_label": str(board.overall_label),
        "updated_at": board.now,
        "services": [
            {
                "slug": service.product.slug,
                "name": service.product.name,
                "state": service.state,
                "state_label": str(service.state_label),
                "uptime_90d": round(service.uptime, 3),
                "open_incidents": [incident.pk for incident in service.current],
            }
            for service in board.services
        ],
    }


@router.get(
    "/incidents",
    response=IncidentList,
    auth=PUBLIC,
    url_name="outages_incidents",
    openapi_extra=LANG_OPENAPI,
)
@in_request_language
def incidents(request: HttpRequest, response: HttpResponse):
    """Open incidents (including scheduled maintenance) and those of the last 90 days,
    newest first, each with its updates (newest first)."""
    found = selectors.board_incidents(request.user, timezone.now())
    selectors.attach_updates(found, request.user)
    _cacheable(request, response)
    return {"count": len(found), "items": [_incident_out(i, request) for i in found]}


@router.get(
    "/incidents/{incident_id}",
    response={200: IncidentOut, 404: ErrorOut},
    auth=PUBLIC,
    url_name="outages_incident",
    openapi_extra=LANG_OPENAPI,
)
@in_request_language
def incident(request: HttpRequest, response: HttpResponse, incident_id: int):
    """One incident with its updates; an incident that is not published is a 404 unless the
    caller is an agent."""
    found = selectors.incident_for(request.user, incident_id)
    _cacheable(request, response)
    return _incident_out(found, request)


# --- writes: agents and integrations (monitoring systems) -------------------------------------


WRITE_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def may_manage_incidents(request: HttpRequest) -> bool:
    return is_integration(request) or roles.is_agent(request.user)


MANAGERS = allow(may_manage_incidents, "Incidents are declared by agents and integrations.")


class OfferIn(StrictSchema):
    kind: Literal["credit", "discount", "points"]
    amount: Decimal = PydanticField(gt=0, max_digits=10, decimal_places=2)
    automatic: bool = False


class IncidentIn(StrictSchema):
    title: str = PydanticField(min_length=1, max_length=200)
    title_it: str = PydanticField(
        "",
        max_length=200,
        description="The title in Italian; empty: Italian readers get the English one with a note.",
    )
    services: list[str] = PydanticField(
        min_length=1, max_length=50, description="Slugs of the affected services."
    )
    impact: Literal["degraded", "partial", "major", "maintenance"]
    message: str = PydanticField(min_length=1, max_length=20_000)
    message_it: str = PydanticField("", max_length=20_000, description="The message in Italian.")
    region: str = PydanticField("", max_length=64)
    keywords: str = PydanticField(
        "",
        max_length=500,
        description="Comma-separated words or phrases: while the incident is open, affected "
        "customers' new tickets that use one are linked to it (not shown publicly).",
    )
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    offer: OfferIn | None = None
    publish: bool = PydanticField(False, description="Publish (tell the customers) at once.")


class IncidentUpdateIn(StrictSchema):
    status: Literal["investigating", "identified", "monitoring", "resolved"]
    message: str = PydanticField(min_length=1, max_length=20_000)
    message_it: str = PydanticField("", max_length=20_000, description="The update in Italian.")
    reply_linked: bool = PydanticField(
        False, description="Also reply on the linked tickets (agents only)."
    )


class PublishOut(Schema):
    id: int
    added: int = PydanticField(description="Customers added to the audience by this call.")
    audience: int


def _aware(value: datetime | None, field: str) -> datetime | None:
    if value is not None and timezone.is_naive(value):
        raise HttpError(422, f"{field}: include a time zone (e.g. 2026-05-02T10:00:00Z).")
    return value


def _written(incident: Incident, request: HttpRequest) -> dict:
    incident = Incident.objects.prefetch_related("products").get(pk=incident.pk)
    incident.public_updates = list(incident.updates.order_by("-created_at", "-pk"))
    return _incident_out(incident, request)


def _by(request: HttpRequest):
    return request.user if request.user.is_authenticated else None


@router.post(
    "/incidents",
    response={201: IncidentOut, **WRITE_ERRORS},
    auth=MANAGERS,
    summary="Declare an incident (agents, integrations)",
    openapi_extra=idempotency_openapi(),
)
@idempotent
def incident_create(request: HttpRequest, payload: IncidentIn):
    slugs = list(dict.fromkeys(payload.services))
    products = list(Product.objects.filter(slug__in=slugs))
    unknown = sorted(set(slugs) - {product.slug for product in products})
    if unknown:
        raise HttpError(422, f"services: unknown service {', '.join(unknown)}.")
    offer = payload.offer
    with transaction.atomic():  # declared and published, or nothing
        incident = incident_declare(
            title=payload.title,
            title_it=payload.title_it,
            products=products,
            impact=payload.impact,
            message=payload.message,
            message_it=payload.message_it,
            region=payload.region,
            keywords=payload.keywords,
            starts_at=_aware(payload.starts_at, "starts_at"),
            ends_at=_aware(payload.ends_at, "ends_at"),
            offer_kind=offer.kind if offer else "",
            offer_amount=offer.amount if offer else None,
            offer_automatic=offer.automatic if offer else False,
            by=_by(request),
        )
        if payload.publish:
            incident_publish(incident=incident)
    return Status(201, _written(incident, request))


@router.post(
    "/incidents/{incident_id}/updates",
    response={201: IncidentOut, **WRITE_ERRORS},
    auth=MANAGERS,
    summary="Post an update, or resolve (agents, integrations)",
    openapi_extra=idempotency_openapi(),
)
@idempotent
def incident_update_create(request: HttpRequest, incident_id: int, payload: IncidentUpdateIn):
    incident = get_object_or_404(Incident, pk=incident_id)
    if payload.reply_linked and not roles.is_agent(request.user):
        raise HttpError(422, "reply_linked: only agents reply on tickets.")
    incident_update_with_tickets(
        incident=incident,
        status=payload.status,
        message=payload.message,
        message_it=payload.message_it,
        by=_by(request),
        reply_linked=payload.reply_linked,
    )
    return Status(201, _written(incident, request))


@router.post(
    "/incidents/{incident_id}/publish",
    response={200: PublishOut, **WRITE_ERRORS},
    auth=MANAGERS,
    summary="Publish: freeze (or extend) the audience and notify it (agents, integrations)",
)
def incident_publish_create(request: HttpRequest, incident_id: int):
    incident = get_object_or_404(Incident, pk=incident_id)
    added = incident_publish(incident=incident)
    return {"id": incident.pk, "added": added, "audience": incident.audience.count()}
