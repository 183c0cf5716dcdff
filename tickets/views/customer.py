"""Customers' ticket pages: /tickets/, /tickets/new/, /tickets/<id>/ (and their POSTs)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from knowledgebase import services as kb
from knowledgebase.models import ArticlePage
from portal import roles
from portal.idempotency import submit_once
from portal.services.idempotency import IdempotencyConflict
from portal.usercache import cache_signed_in
from tickets.forms import ReplyForm, TicketForm, TicketListFilter
from tickets.models import ACTIVE_STATUSES, DONE_STATUSES, Attachment, Status, Ticket
from tickets.presenters import customer_expectation
from tickets.selectors import ticket_attachments
from tickets.services import (
    TicketError,
    ticket_close,
    ticket_open,
    ticket_reopen,
    ticket_reply,
)

PER_PAGE = 20
SUGGESTIONS = 5
PREFILL = ("product", "category", "impact", "description")


def _customer(request):
    return getattr(request.user, "customer", None)


@login_required
@require_GET
@cache_signed_in
def ticket_list(request):
    if roles.is_agent(request.user):
        return redirect("desk:index")
    customer = _customer(request)
    filters = TicketListFilter(request.GET)
    filters.is_valid()
    state = filters.cleaned_data.get("state", "")
    tickets = Ticket.objects.visible_to(request.user).for_list().order_by("-updated_at", "-pk")
    if state == "active":
        tickets = tickets.filter(status__in=ACTIVE_STATUSES)
    elif state == "waiting":
        tickets = tickets.filter(status=Status.WAITING_CUSTOMER)
    elif state == "done":
        tickets = tickets.filter(status__in=DONE_STATUSES)
    if filters.cleaned_data.get("mine") and customer is not None:
        tickets = tickets.filter(customer=customer)
    page = Paginator(tickets, PER_PAGE).get_page(request.GET.get("page"))
    shared = bool(customer and customer.organisation and customer.organisation.share_tickets)
    return render(
        request,
        "tickets/list.html",
        {
            "page_obj": page,
            "tickets": page.object_list,
            "state": state,
            "mine": filters.cleaned_data.get("mine", False),
            "states": TicketListFilter.STATES,
            "customer": customer,
            "shared": shared,
            "query": urlencode(
                {"state": state, **({"mine": "on"} if filters.cleaned_data.get("mine") else {})}
            ),
        },
    )


def _suggestions(request, text: str) -> list[ArticlePage]:
    text = (text or "")[:500]
    if len(text.strip()) < 3:
        return []
    return kb.articles_suggest(text=text, user=request.user, limit=SUGGESTIONS)


@login_required
@require_http_methods(["GET", "POST"])
def ticket_new(request):
    if roles.is_agent(request.user):
        return redirect("desk:index")
    customer = _customer(request)
    if customer is None:
        raise PermissionDenied(_("Only customers can open tickets."))
    if request.method == "POST":
        form = TicketForm(request.POST, request.FILES, customer=customer)
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket, created = submit_once(
                    form,
                    scope="tickets.ticket_open",
                    user=request.user,
                    create=lambda: ticket_open(
                        customer=customer,
                        opened_by=request.user,
                        subject=data["subject"],
                        body=data["description"],
                        product=data["product"],
                        category=data["category"],
                        impact=data["impact"],
                        attachments=data["attachments"],
                    ),
                )
            except TicketError as exc:
                form.add_error("attachments", exc.message)
            except IdempotencyConflict as exc:
                form.add_error(None, exc.message)
            else:
                if not created:
                    messages.info(request, _("You already sent this; here is your ticket."))
                    return redirect(ticket)
                kb.suggestion_views_ticket_filed(user=request.user)
                messages.success(
                    request,
                    _("Ticket %(number)s is open. We will be in touch.")
                    % {"number": ticket.number},
                )
                return redirect(ticket)
        status = 400
        subject = request.POST.get("subject", "")
    else:
        # ``?subject=`` (the "Find answers" button without JavaScript) pre-fills the form.
        subject = request.GET.get("subject", "")[:200]
        initial = {key: request.GET.get(key, "")[:5000] for key in PREFILL}
        form = TicketForm(customer=customer, initial={**initial, "subject": subject})
        status = 200
    return render(
        request,
        "tickets/new.html",
        {"form": form, "suggestions": _suggestions(request, subject), "subject": subject},
        status=status,
    )


@login_required
@require_GET
def ticket_suggest(request):
    """Articles that may answer the subject typed so far (htmx partial; also a plain page)."""
    subject = request.GET.get("subject", "")[:200]
    context = {"suggestions": _suggestions(request, subject), "subject": subject}
    return render(request, "tickets/includes/suggestions.html", context)


@login_required
@require_POST
def ticket_deflect(request):
    """ "This answered my question": the suggestion(s) the customer read count as a deflection."""
    article = None
    article_id = request.POST.get("article", "")
    if article_id.isdigit() and len(article_id) < 12:
        article = ArticlePage.objects.visible_to(request.user).filter(pk=article_id).first()
        if article is None:
            raise Http404
    recorded = kb.deflection_record(user=request.user, article=article)
    if not recorded and article is not None:
        # Read from the suggestion's summary without opening it: still a suggestion view.
        kb.article_view_record(article=article, user=request.user, via="suggest")
        kb.deflection_record(user=request.user, article=article)
    messages.success(request, _("Glad we could help. You can always open a ticket later."))
    if article is not None:
        return redirect(article.get_url(request=request) or "/")
    return redirect("portal:home")


def _ticket_for(request, pk: int) -> Ticket:
    return get_object_or_404(
        Ticket.objects.visible_to(request.user).select_related(
            "customer", "organisation", "product", "sla_policy", "merged_into"
        ),
        pk=pk,
    )


def _detail_context(request, ticket: Ticket, form: ReplyForm | None = None) -> dict:
    now = timezone.now()
    conversation = (
        ticket.messages.public()
        .select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("pk")))
    )
    deadline = ticket.reopen_deadline()
    reopenable = deadline is not None and now <= deadline
    can_reply = ticket.merged_into_id is None and (ticket.is_active or reopenable)
    return {
        "ticket": ticket,
        "conversation": conversation,
        "form": form or ReplyForm(),
        "can_reply": can_reply,
        "can_close": ticket.merged_into_id is None and ticket.status != Status.CLOSED,
        "can_reopen": reopenable,
        "reopen_deadline": deadline,
        "expectation": customer_expectation(ticket, now),
        "is_own": ticket.customer.user_id == request.user.pk,
    }


@login_required
@require_GET
@cache_signed_in
def ticket_detail(request, pk: int):
    ticket = _ticket_for(request, pk)
    if roles.is_agent(request.user):
        return redirect(ticket.get_desk_url())
    return render(request, "tickets/detail.html", _detail_context(request, ticket))


@login_required
@require_POST
def ticket_reply_view(request, pk: int):
    ticket = _ticket_for(request, pk)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            _message, created = submit_once(
                form,
                scope=f"tickets.ticket_reply:{ticket.pk}",
                user=request.user,
                create=lambda: ticket_reply(
                    ticket=ticket,
                    author=request.user,
                    body=form.cleaned_data["body"],
                    attachments=form.cleaned_data["attachments"],
                ),
            )
        except (TicketError, IdempotencyConflict) as exc:
            form.add_error(None, exc.message)
        else:
            if created:
                messages.success(request, _("Your reply was sent."))
            else:
                messages.info(request, _("You already sent this reply."))
            return redirect(f"{ticket.get_absolute_url()}#latest")
    context = _detail_context(request, ticket, form)
    return render(request, "tickets/detail.html", context, status=400)


@login_required
@require_POST
def ticket_close_view(request, pk: int):
    ticket = _ticket_for(request, pk)
    try:
        ticket_close(ticket=ticket, actor=request.user)
    except TicketError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The ticket is closed. Thank you!"))
    return redirect(ticket)


@login_required
@require_POST
def ticket_reopen_view(request, pk: int):
    ticket = _ticket_for(request, pk)
    try:
        ticket_reopen(ticket=ticket, actor=request.user)
    except TicketError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The ticket is open again."))
    return redirect(ticket)


@login_required
@require_GET
def attachment_download(request, pk: int, attachment_id: int):
    """Files only through here: the ticket must be visible, internal notes' files are for
    agents, and the answer is always a download (never rendered by the browser)."""
    ticket = _ticket_for(request, pk)
    attachment = get_object_or_404(
        ticket_attachments(ticket=ticket, user=request.user), pk=attachment_id
    )
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
