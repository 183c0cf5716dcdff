"""``/api/v1/`` operations of the outages app (mounted in ``portal/urls.py``).

Public reads (anyone; a token or session is accepted but not needed): ``GET /status`` (every
service with its current state), ``GET /incidents`` (open, scheduled and recent incidents with
their updates) and ``GET /incidents/{id}``. They read through ``Incident.objects.visible_to``:
callers who are not agents see published incidents and published updates only, and an
unpublished incident is a 404. Anonymous answers may be cached for 30 seconds.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from ninja import Field, Router, Schema

from portal.api.auth import SessionAuth, TokenAuth
from portal.api.schemas import ErrorOut

from . import selectors
from .models import Incident

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


class IncidentUpdateOut(Schema):
    status: str
    status_label: str
    message: str
    published_at: datetime | None


class IncidentOut(Schema):
    id: int
    title: str
    impact: str
    impact_label: str
    status: str
    status_label: str
    region: str
    services: list[str]
    starts_at: datetime
    ends_at: datetime | None
    published: bool
    scheduled: bool = Field(description="Announced ahead: it has not started yet.")
    url: str
    updates: list[IncidentUpdateOut]


class IncidentList(Schema):
    count: int
    items: list[IncidentOut]


def _cacheable(request: HttpRequest, response: HttpResponse) -> None:
    if request.user.is_authenticated or getattr(request, "api_token", None) is not None:
        patch_cache_control(response, private=True)
    else:
        patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)


def _incident_out(incident: Incident, request: HttpRequest) -> dict:
    return {
        "id": incident.pk,
        "title": incident.title,
        "impact": incident.impact,
        "impact_label": str(incident.get_impact_display()),
        "status": incident.status,
        "status_label": str(incident.get_status_display()),
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
                "message": update.message,
                "published_at": update.published_at,
            }
            for update in incident.public_updates
        ],
    }


@router.get("/status", response=StatusOut, auth=PUBLIC, url_name="outages_status")
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


@router.get("/incidents", response=IncidentList, auth=PUBLIC, url_name="outages_incidents")
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
)
def incident(request: HttpRequest, response: HttpResponse, incident_id: int):
    """One incident with its updates; an incident that is not published is a 404 unless the
    caller is an agent."""
    found = selectors.incident_for(request.user, incident_id)
    _cacheable(request, response)
    return _incident_out(found, request)
