"""/status/: the service status page, an incident's page, claiming compensation, following a
service's status.

The status page is hit hard during an outage: for anonymous visitors its body (everything
that needs the database) is rendered once per language and kept in the cache for
``STATUS_CACHE_TTL`` seconds, and the response says ``Cache-Control: public, max-age=30``;
serving it from the cache runs no query and writes nothing (no session, no interaction).
On top of that, the whole anonymous response is marked for the visitor page cache
(``portal.pagecache``), which answers repeated requests before the session middleware.
Signed-in visitors get a fresh body with their follow buttons.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from outages import selectors
from outages.models import StatusSubscription
from outages.selectors import status_cache_key
from outages.services import (
    CompensationError,
    StatusSubscriptionError,
    compensation_claim,
    notice_view_record,
    status_subscription_add,
    status_subscription_remove,
)
from portal import roles
from portal.pagecache import mark_cacheable

STATUS_CACHE_TTL = 30
PUBLIC_MAX_AGE = 30


def _board_html(request) -> str:
    """The status body: cached for anonymous visitors, per language."""
    if request.user.is_authenticated:
        board = selectors.status_board(user=request.user)
        context = {"board": board, "can_follow": _customer(request) is not None}
        return render_to_string("outages/includes/board.html", context, request=request)
    key = status_cache_key()
    html = cache.get(key)
    if html is None:
        # Rendered without the request: nothing in it depends on the visitor.
        html = render_to_string(
            "outages/includes/board.html", {"board": selectors.status_board(user=None)}
        )
        cache.set(key, html, STATUS_CACHE_TTL)
    return html


def _public(response, request):
    """Anonymous responses may be kept by browsers and shared caches for PUBLIC_MAX_AGE
    seconds, and by the visitor page cache (``portal.pagecache``) for as long."""
    if request.user.is_authenticated:
        patch_cache_control(response, private=True)
        return response
    patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    return mark_cacheable(response, PUBLIC_MAX_AGE)


def _customer(request):
    return getattr(request.user, "customer", None) if request.user.is_authenticated else None


@require_GET
def status_page(request):
    response = render(request, "outages/status.html", {"board_html": _board_html(request)})
    return _public(response, request)


@require_GET
def incident_detail(request, pk: int):
    incident = selectors.incident_for(request.user, pk)
    customer = _customer(request)
    mine = selectors.affected_view(incident, customer)
    if customer is not None and incident.published_at and _was_told(incident, customer, mine):
        notice_view_record(incident=incident, customer=customer, user=request.user)
    context = _incident_context(request, incident, mine)
    return _public(render(request, "outages/incident.html", context), request)


def _incident_context(request, incident, mine: selectors.Affected, **extra) -> dict:
    return {
        "incident": incident,
        "mine": mine,
        "is_agent": roles.is_agent(request.user),
        "currency": settings.PORTAL_DEFAULT_CURRENCY,
        **extra,
    }


def _was_told(incident, customer, mine: selectors.Affected) -> bool:
    """The customer got this incident's notice: affected, or following an affected service."""
    return (
        mine.affected
        or StatusSubscription.objects.filter(
            customer=customer, product__in=incident.products.all()
        ).exists()
    )


@login_required
@require_POST
def incident_claim(request, pk: int):
    incident = selectors.incident_for(request.user, pk)
    customer = _customer(request)
    if customer is None:
        raise PermissionDenied(_("Only customers can claim compensation."))
    try:
        _grant, claimed_now = compensation_claim(
            incident=incident, customer=customer, user=request.user
        )
    except CompensationError as error:
        mine = selectors.affected_view(incident, customer)
        context = _incident_context(request, incident, mine, claim_error=str(error))
        return render(request, "outages/incident.html", context, status=403)
    if claimed_now:
        messages.success(request, _("Your compensation has been granted."))
    else:
        messages.info(request, _("You have already received this compensation."))
    return redirect(f"{reverse('outages:incident', args=[incident.pk])}#compensation")


def _followable(slug: str):
    return get_object_or_404(selectors.services(), slug=slug)


@login_required
@require_POST
def service_follow(request, slug: str):
    product = _followable(slug)
    customer = _customer(request)
    if customer is None:
        raise PermissionDenied(_("Only customers can follow a service."))
    try:
        status_subscription_add(customer=customer, product=product, user=request.user)
    except StatusSubscriptionError as error:  # the page only offers services: a stale form
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("You will be told about incidents on %(service)s.") % {"service": product.name},
        )
    return redirect(f"{reverse('outages:status')}#service-{product.slug}")


@login_required
@require_POST
def service_unfollow(request, slug: str):
    product = _followable(slug)
    customer = _customer(request)
    if customer is None:
        raise PermissionDenied(_("Only customers can follow a service."))
    status_subscription_remove(customer=customer, product=product, user=request.user)
    messages.success(
        request,
        _("You no longer follow %(service)s. Incidents that affect you are still sent.")
        % {"service": product.name},
    )
    return redirect(f"{reverse('outages:status')}#service-{product.slug}")
