"""/desk/incidents/: agents declare, publish, update and resolve incidents, follow the
delivery of the notices and work the tickets linked to them."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from outages import selectors
from outages.desk_forms import (
    IncidentDeclareForm,
    IncidentFilterForm,
    IncidentItalianForm,
    IncidentResolveForm,
    IncidentUpdateForm,
    LinkTicketForm,
    ProactiveTicketsForm,
)
from outages.models import Incident, IncidentTicket
from outages.services import (
    IncidentError,
    incident_declare,
    incident_proactive_tickets_open,
    incident_publish,
    incident_ticket_link,
    incident_ticket_unlink,
    incident_translation_set,
    incident_update_with_tickets,
)
from portal.decorators import agent_required
from tickets.models import Ticket

PER_PAGE = 30


PK_MAX = 2**63 - 1  # larger ids are no row's: a 404, not a database overflow


def _bounded(pk: int) -> int:
    if not 0 < pk <= PK_MAX:
        raise Http404
    return pk


def _incident(request, pk: int) -> Incident:
    return get_object_or_404(Incident.objects.visible_to(request.user), pk=_bounded(pk))


@agent_required
@require_GET
def incident_list(request):
    form = IncidentFilterForm(request.GET or None)
    incidents = selectors.desk_incidents(user=request.user, **form.params())
    page = Paginator(incidents, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "outages/desk/list.html",
        {
            "form": form,
            "page_obj": page,
            "query": query.urlencode(),
            "filtered": any(request.GET.get(key) for key in form.fields),
        },
    )


@agent_required
@require_http_methods(["GET", "POST"])
def incident_new(request):
    form = IncidentDeclareForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            incident = incident_declare(
                title=data["title"],
                title_it=data["title_it"],
                products=data["products"],
                impact=data["impact"],
                message=data["message"],
                message_it=data["message_it"],
                region=data["region"],
                keywords=data["keywords"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                offer_kind=data["offer_kind"],
                offer_amount=data["offer_amount"],
                offer_automatic=data["offer_automatic"],
                by=request.user,
            )
        except IncidentError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Incident declared. Check the audience, then publish."))
            return redirect("outages_desk:detail", pk=incident.pk)
    status = 400 if form.is_bound else 200
    return render(request, "outages/desk/new.html", {"form": form}, status=status)


def _progress_context(incident: Incident) -> dict:
    progress = selectors.delivery_progress(incident)
    return {"progress": progress, "notices": selectors.notice_state(incident, progress)}


def _detail(request, incident: Incident, *, status: int = 200, **forms_):
    context = {
        "incident": incident,
        "products": incident.products.all(),
        "offer": getattr(incident, "offer", None),
        "preview": selectors.audience_preview(incident),
        **_progress_context(incident),
        "compensation": selectors.compensation_summary(incident),
        "links": IncidentTicket.objects.filter(incident=incident).select_related(
            "ticket__customer", "linked_by"
        ),
        "update_form": forms_.get("update_form") or IncidentUpdateForm(),
        "resolve_form": forms_.get("resolve_form") or IncidentResolveForm(),
        "link_form": forms_.get("link_form") or LinkTicketForm(),
        "italian_form": forms_.get("italian_form") or IncidentItalianForm(incident=incident),
        "proactive_form": forms_.get("proactive_form")
        or ProactiveTicketsForm(initial=ProactiveTicketsForm.initial_for(incident)),
    }
    return render(request, "outages/desk/detail.html", context, status=status)


@agent_required
@require_GET
def incident_detail(request, pk: int):
    """The incident's page; with ``?part=progress`` (the page's own polling, htmx, while the
    notices go out) only the notices' progress."""
    incident = _incident(request, pk)
    if request.GET.get("part") == "progress":
        context = {"incident": incident, **_progress_context(incident)}
        return render(request, "outages/desk/includes_progress_part.html", context)
    return _detail(request, incident)


@agent_required
@require_POST
def incident_publish_view(request, pk: int):
    incident = _incident(request, pk)
    first = incident.published_at is None
    added = incident_publish(incident=incident)
    if first:
        text = ngettext(
            "Published: the notice to %(count)d customer is on its way.",
            "Published: the notices to %(count)d customers are on their way.",
            added,
        )
    else:
        text = ngettext(
            "%(count)d newly affected customer added: they are being told.",
            "%(count)d newly affected customers added: they are being told.",
            added,
        )
    messages.success(request, text % {"count": added})
    return redirect("outages_desk:detail", pk=incident.pk)


def _tickets_message(request, outcome, verb: str) -> None:
    if outcome.done:
        messages.info(request, verb % {"count": outcome.done})
    if outcome.skipped:
        messages.warning(
            request,
            ngettext(
                "%(count)d linked ticket could not be changed (see it for why).",
                "%(count)d linked tickets could not be changed (see them for why).",
                outcome.skipped,
            )
            % {"count": outcome.skipped},
        )


@agent_required
@require_POST
def incident_update_view(request, pk: int):
    incident = _incident(request, pk)
    form = IncidentUpdateForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            _update, outcome = incident_update_with_tickets(
                incident=incident,
                status=data["status"],
                message=data["message"],
                message_it=data["message_it"],
                by=request.user,
                reply_linked=data["reply_linked"],
            )
        except IncidentError as exc:
            messages.error(request, str(exc))  # also shown when the forms are not
        else:
            messages.success(request, _("Update posted."))
            _tickets_message(request, outcome, _("Replied on %(count)d linked tickets."))
            return redirect("outages_desk:detail", pk=incident.pk)
    return _detail(request, incident, status=400, update_form=form)


@agent_required
@require_POST
def incident_italian_view(request, pk: int):
    """Add or correct the Italian title and update texts (empty: not yet translated)."""
    incident = _incident(request, pk)
    form = IncidentItalianForm(request.POST, incident=incident)
    if form.is_valid():
        try:
            incident_translation_set(
                incident=incident,
                title_it=form.cleaned_data["title_it"],
                messages_it=form.messages_it(),
            )
        except IncidentError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Italian texts saved."))
            return redirect("outages_desk:detail", pk=incident.pk)
    return _detail(request, incident, status=400, italian_form=form)


@agent_required
@require_POST
def incident_resolve_view(request, pk: int):
    incident = _incident(request, pk)
    form = IncidentResolveForm(request.POST)
    if form.is_valid():
        try:
            _update, outcome = incident_update_with_tickets(
                incident=incident,
                status=Incident.Status.RESOLVED,
                message=form.cleaned_data["message"],
                message_it=form.cleaned_data["message_it"],
                by=request.user,
                reply_linked=form.cleaned_data["resolve_linked"],
            )
        except IncidentError as exc:
            messages.error(request, str(exc))  # also shown when the forms are not
        else:
            messages.success(request, _("Incident resolved."))
            _tickets_message(request, outcome, _("Resolved %(count)d linked tickets."))
            return redirect("outages_desk:detail", pk=incident.pk)
    return _detail(request, incident, status=400, resolve_form=form)


def _next(request, default: str) -> str:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


@agent_required
@require_POST
def incident_link_view(request, pk: int):
    incident = _incident(request, pk)
    form = LinkTicketForm(request.POST)
    if form.is_valid():
        ticket = Ticket.objects.visible_to(request.user).filter(pk=form.ticket_pk()).first()
        if ticket is None:
            form.add_error("ticket", _("There is no such ticket."))
        else:
            try:
                incident_ticket_link(incident=incident, ticket=ticket, by=request.user)
            except IncidentError as exc:
                form.add_error("ticket", str(exc))
            else:
                messages.success(
                    request, _("%(number)s is linked to this incident.") % {"number": ticket.number}
                )
                return redirect(_next(request, incident_url(incident)))
    return _detail(request, incident, status=400, link_form=form)


@agent_required
@require_POST
def incident_unlink_view(request, pk: int, ticket_pk: int):
    """Unlink a linked ticket (a ticket not linked to this incident is a 404); the automatic
    linking will not link it again."""
    incident = _incident(request, pk)
    ticket = get_object_or_404(
        Ticket.objects.visible_to(request.user).filter(incident_links__incident=incident),
        pk=_bounded(ticket_pk),
    )
    if incident_ticket_unlink(incident=incident, ticket=ticket, by=request.user):
        messages.success(request, _("%(number)s is no longer linked.") % {"number": ticket.number})
    return redirect(_next(request, incident_url(incident)))


@agent_required
@require_POST
def incident_proactive_view(request, pk: int):
    incident = _incident(request, pk)
    form = ProactiveTicketsForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            opened = incident_proactive_tickets_open(
                incident=incident,
                top=data["top"],
                subject=data["subject"],
                body=data["body"],
                by=request.user,
            )
        except IncidentError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)d proactive ticket opened.",
                    "%(count)d proactive tickets opened.",
                    opened,
                )
                % {"count": opened},
            )
            return redirect("outages_desk:detail", pk=incident.pk)
    return _detail(request, incident, status=400, proactive_form=form)


def incident_url(incident: Incident) -> str:
    from django.urls import reverse

    return reverse("outages_desk:detail", args=[incident.pk])
