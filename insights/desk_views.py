"""/desk/insights/: agents' view of the insights (mounted in ``portal/urls.py``).

- ``at-risk/``: the valuable customers at risk from the last lifetime value fit (highest
  predicted value first), CSV/XLSX export, a button to open a proactive ticket;
- ``customers/<ref>/``: one customer's timeline across every channel (the interaction log)
  with their scores;
- ``clv-fit/`` (POST, admins only): run the lifetime value fit now (queued; it also runs by
  itself once a day in the periodic pass).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.tasks import TaskResultStatus
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from insights.dashboard import customers_table
from insights.models import CustomerScore
from insights.reports import EXPORT_FORMATS, table_response
from insights.services.lifetime_value import clv_fit_request
from insights.services.outreach import OutreachError, at_risk_ticket_open
from insights.story import customer_stage, timeline_entries
from portal.decorators import admin_required, agent_required
from portal.models import Customer, Interaction

PER_PAGE = 30


@agent_required
@require_GET
def at_risk_list(request):
    scores = CustomerScore.objects.at_risk().select_related("customer__organisation", "fit")
    export = request.GET.get("format")
    if export:
        if export not in EXPORT_FORMATS:
            return HttpResponseBadRequest(_("Unknown format."), content_type="text/plain")
        customers = Customer.objects.filter(insights_score__at_risk=True).order_by(
            "-insights_score__predicted_value", "pk"
        )
        table = customers_table("at_risk", _("Valuable customers at risk"), customers)
        return table_response(table, export, "at-risk-customers")
    page = Paginator(scores, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "insights/desk/at_risk.html", {"page_obj": page, "query": ""})


@agent_required
@require_POST
def at_risk_ticket(request, customer_ref: str):
    customers = Customer.objects.visible_to(request.user)
    customer = get_object_or_404(customers, customer_ref=customer_ref)
    try:
        ticket, created = at_risk_ticket_open(customer=customer, by=request.user)
    except OutreachError as exc:
        messages.error(request, str(exc))
        return redirect("insights_desk:at_risk")
    if created:
        messages.success(request, _("Ticket %(number)s opened.") % {"number": ticket.number})
    else:
        messages.info(request, _("This customer already has an open outreach ticket."))
    return redirect(ticket.get_desk_url())


@agent_required
@require_GET
def customer_timeline(request, customer_ref: str):
    customer = get_object_or_404(
        Customer.objects.visible_to(request.user).select_related("organisation"),
        customer_ref=customer_ref,
    )
    events = (
        Interaction.objects.visible_to(request.user)
        .filter(customer=customer)
        .order_by("-occurred_at", "-pk")
    )
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    score = CustomerScore.objects.filter(customer=customer).first()
    context = {
        "customer": customer,
        "page_obj": page,
        "entries": timeline_entries(page.object_list, customer, request.user),
        "stage": customer_stage(customer),
        "score": score,
        "query": "",
    }
    return render(request, "insights/desk/timeline.html", context)


@admin_required
@require_POST
def clv_fit_now(request):
    """An admin runs the lifetime value fit now (the task, queued); back where they were."""
    result = clv_fit_request(by=request.user)
    if result.status == TaskResultStatus.SUCCESSFUL:
        outcome = result.return_value
        if outcome.get("error"):
            messages.error(request, outcome["error"])
        else:
            messages.success(
                request,
                _("Lifetime values estimated for %(customers)d customers.")
                % {"customers": outcome.get("customers", 0)},
            )
    elif result.status == TaskResultStatus.FAILED:
        messages.error(
            request, _("Estimating lifetime values failed; the previous estimates stay.")
        )
    else:
        messages.success(
            request, _("Lifetime values are being estimated; they update in a few minutes.")
        )
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = ""
    return redirect(target or "insights_desk:at_risk")
