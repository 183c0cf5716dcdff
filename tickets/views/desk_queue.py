"""/desk/: the agents' queue with filters, sorting, saved views and bulk actions."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.decorators import agent_required
from portal.templatetags.dates import relative_text, span_text
from portal.usercache import cache_signed_in
from tickets.desk_forms import BulkForm, DeskFilterForm, SavedViewForm
from tickets.models import Queue, SavedView, Status, Ticket
from tickets.presenters import sla_state_label
from tickets.selectors import DeskPaginator, desk_counters, desk_tickets
from tickets.services import (
    TicketError,
    saved_view_create,
    saved_view_delete,
    tickets_bulk_apply,
)

PER_PAGE = 50
FILTER_KEYS = (
    "q",
    "queue",
    "status",
    "priority",
    "assignee",
    "sla",
    "product",
    "organisation",
    "tag",
    "sort",
)


@dataclass(frozen=True)
class QueueRow:
    """One line of the queue, with its texts worked out here: the template only prints
    them (rendering 50 rows of filters and includes was most of the page's time)."""

    ticket: Ticket
    sla_state: str
    sla_label: str
    due: str
    updated: str


def queue_row(ticket: Ticket, now) -> QueueRow:
    state = ticket.sla_state(now)
    due = ""
    if ticket.sla_due_at is not None and state != "none":
        if ticket.sla_due_at > now:
            # "due in 3 hours", "due tomorrow at 09:00", "due 9 Dec 2026, 14:05"
            due = _("due %(when)s") % {"when": relative_text(ticket.sla_due_at, now)}
        else:
            due = _("%(span)s overdue") % {
                "span": span_text((now - ticket.sla_due_at).total_seconds())
            }
    return QueueRow(
        ticket=ticket,
        sla_state=state,
        sla_label=sla_state_label(state),
        due=due,
        updated=relative_text(ticket.updated_at, now),
    )


def filter_query(querydict) -> str:
    """The filter part of a query string (what a saved view stores)."""
    pairs = [(key, value) for key in FILTER_KEYS for value in querydict.getlist(key) if value]
    return urlencode(pairs)


@agent_required
@require_GET
@cache_signed_in
def desk_index(request):
    queues = list(Queue.objects.all())  # the filter's choices and the sidebar's counters
    form = DeskFilterForm(request.GET, queues=queues)
    params = form.params()
    now = timezone.now()
    tickets = desk_tickets(params, user=request.user, now=now)
    page = DeskPaginator(tickets, PER_PAGE).get_page(request.GET.get("page"))
    rows = [queue_row(ticket, now) for ticket in page.object_list]
    query = filter_query(request.GET)
    views = SavedView.objects.visible_to(request.user).select_related("owner")
    return render(
        request,
        "desk/index.html",
        {
            "form": form,
            "params": params,
            "page_obj": page,
            "rows": rows,
            "counters": desk_counters(user=request.user, queues=queues),
            "saved_views": views,
            "current_query": query,
            "query": query,
            "bulk_actions": BulkForm.ACTIONS,
            "statuses": Status.choices,
            "save_form": SavedViewForm(initial={"query": query}),
            "now": now,
        },
    )


def _back(request) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("desk:index")


@agent_required
@require_POST
def desk_bulk(request):
    ids = [value for value in request.POST.getlist("tickets") if value.isdigit()][:200]
    tickets = list(Ticket.objects.visible_to(request.user).filter(pk__in=ids).order_by("pk"))
    form = BulkForm(request.POST, ticket_ids=[t.pk for t in tickets])
    if not form.is_valid():
        if "tickets" in form.errors:
            messages.error(request, _("Select at least one ticket."))
        else:
            messages.error(request, _("Choose a bulk action."))
        return redirect(_back(request))
    chosen = [t for t in tickets if t.pk in set(form.cleaned_data["tickets"])]
    try:
        result = tickets_bulk_apply(
            tickets=chosen,
            actor=request.user,
            action=form.cleaned_data["action"],
            value=form.cleaned_data["value"],
        )
    except TicketError as exc:
        messages.error(request, exc.message)
        return redirect(_back(request))
    if result.done:
        messages.success(request, _("Updated %(count)d tickets.") % {"count": len(result.done)})
    for ticket, reason in result.failed:
        messages.warning(request, f"{ticket.number}: {reason}")
    return redirect(_back(request))


@agent_required
@require_POST
def saved_view_save(request):
    form = SavedViewForm(request.POST)
    if form.is_valid():
        try:
            view = saved_view_create(
                owner=request.user,
                name=form.cleaned_data["name"],
                query=form.cleaned_data["query"],
                is_shared=form.cleaned_data["is_shared"],
            )
        except TicketError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
            return redirect(f"{reverse('desk:index')}?{view.query}")
    else:
        messages.error(request, _("Give the view a name."))
    return redirect(_back(request))


@agent_required
@require_POST
def saved_view_remove(request, pk: int):
    view = get_object_or_404(SavedView.objects.visible_to(request.user), pk=pk)
    try:
        saved_view_delete(view=view, actor=request.user)
    except PermissionDenied:
        messages.error(request, _("Only the owner can delete a shared view."))
    else:
        messages.success(request, _("View deleted."))
    return redirect("desk:index")
