"""/desk/tickets/<id>/: the agent's ticket page and its actions (claim, reply or note with
canned replies and KB links, properties, merge)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, prefetch_related_objects
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from knowledgebase import services as kb
from knowledgebase.models import ArticlePage
from portal.decorators import agent_required
from portal.idempotency import KEY_FIELD, submit_once
from portal.markdown import escape_markdown
from portal.models import Customer
from portal.selectors import customer_since, with_customer_since
from portal.services.idempotency import IdempotencyConflict
from portal.usercache import cache_signed_in
from tickets.desk_forms import ComposerForm, MergeForm, PropertiesForm
from tickets.models import Attachment, CannedReply, Priority, Ticket
from tickets.panels import panel_for
from tickets.presenters import sla_state_label
from tickets.selectors import agents
from tickets.services import (
    TicketError,
    canned_reply_render,
    ticket_claim,
    ticket_merge,
    ticket_note,
    ticket_properties_update,
    ticket_reply,
)

ARTICLE_RESULTS = 5


def _ticket(request, pk: int) -> Ticket:
    """The ticket an action works on, with what its services read."""
    return get_object_or_404(
        Ticket.objects.visible_to(request.user).select_related(
            "customer__user",
            "customer__organisation",
            "organisation",
            "assignee",
            "queue__team",
            "product",
            "sla_policy__calendar",
            "merged_into",
        ),
        pk=pk,
    )


def _page_ticket(request, pk: int) -> Ticket:
    """The ticket as its page shows it, in two small joins: the ticket with its assignee,
    queue, product and SLA policy (5 tables), then its customer with their login and
    organisation and when they became a customer (3 tables). One 12-table join (``_ticket``)
    took PostgreSQL longer to plan than both together take to plan and run (the planner's
    work grows steeply past 8 tables: ``join_collapse_limit``); the columns it also read
    (the ticket's own organisation, the queue's team, the SLA calendar) are not shown, and a
    merged ticket's target is read only when there is one."""
    ticket = get_object_or_404(
        Ticket.objects.visible_to(request.user).select_related(
            "assignee", "queue", "product", "sla_policy"
        ),
        pk=pk,
    )
    ticket.customer = with_customer_since(
        Customer.objects.select_related("user", "organisation")
    ).get(pk=ticket.customer_id)
    return ticket


def _reader(ticket: Ticket):
    """Whose eyes a linked article must suit: the customer's (anonymous without a login)."""
    return ticket.customer.user or AnonymousUser()


def _articles(ticket: Ticket, query: str) -> list[ArticlePage]:
    text = query or f"{ticket.subject}"
    return kb.articles_suggest(text=text, user=_reader(ticket), limit=ARTICLE_RESULTS)


def _page(request, ticket: Ticket, *, composer=None, properties=None, merge=None, status=200):
    now = timezone.now()
    # The properties form and the header both show the tags: read them once.
    prefetch_related_objects([ticket], "tags")
    canned = CannedReply.objects.visible_to(request.user)
    conversation = ticket.messages.select_related("author").prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("pk"))
    )
    composer = composer or ComposerForm(canned_replies=canned)
    article_q = composer["article_q"].value() or ""
    state = ticket.sla_state(now)
    context = {
        "ticket": ticket,
        "conversation": conversation,
        "events": ticket.events.select_related("actor").order_by("-created_at", "-pk"),
        "breaches": ticket.breaches.all(),
        "merged_tickets": ticket.merged_tickets.all(),
        "composer": composer,
        "properties": properties or PropertiesForm(initial=PropertiesForm.initial_for(ticket)),
        "merge_form": merge or MergeForm(),
        "articles": _articles(ticket, article_q),
        "article_q": article_q,
        "panel": panel_for(ticket, request.user),
        "customer_since": customer_since(ticket.customer),
        "sla_state": state,
        "sla_label": sla_state_label(state),
        "now": now,
    }
    return render(request, "desk/ticket.html", context, status=status)


@agent_required
@require_GET
@cache_signed_in
def desk_ticket(request, pk: int):
    return _page(request, _page_ticket(request, pk))


@agent_required
@require_POST
def desk_claim(request, pk: int):
    ticket = _ticket(request, pk)
    try:
        ticket_claim(ticket=ticket, agent=request.user)
    except TicketError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(number)s is yours.") % {"number": ticket.number})
    return redirect(ticket.get_desk_url())


def _composer_with(form: ComposerForm, canned, **changes) -> ComposerForm:
    """The same draft with some fields changed (the "insert" actions re-render the page)."""
    data = {
        "kind": form.cleaned_data.get("kind") or "reply",
        "body": form.cleaned_data.get("body") or "",
        "status_after": form.cleaned_data.get("status_after") or "",
        "article_q": form.cleaned_data.get("article_q") or "",
        "linked_articles": form.cleaned_data.get("linked_articles") or "",
        "canned": "",
        KEY_FIELD: form.data.get(KEY_FIELD, ""),
        **changes,
    }
    return ComposerForm(data, canned_replies=canned)


def _append(body: str, text: str) -> str:
    return f"{body.rstrip()}\n\n{text}".strip() if body.strip() else text


def _composer(request) -> tuple[list[CannedReply], ComposerForm]:
    """The posted draft (every composer button posts the whole form)."""
    canned = list(CannedReply.objects.visible_to(request.user))
    return canned, ComposerForm(request.POST, request.FILES, canned_replies=canned)


@agent_required
@require_POST
def desk_compose_canned(request, pk: int):
    """The "Insert" button: the chosen canned reply, rendered for this ticket, appended to the
    draft."""
    ticket = _ticket(request, pk)
    canned, form = _composer(request)
    if not request.POST.get("canned") and request.POST.get("article_q"):
        # Enter in the article search box submits the form's first button, this one.
        return _searched(request, ticket, canned, form)
    if not form.is_valid():
        return _page(request, ticket, composer=form, status=400)
    data = form.cleaned_data
    reply = next((r for r in canned if str(r.pk) == data["canned"]), None)
    if reply is None:
        form.add_error("canned", _("Choose a canned reply."))
        return _page(request, ticket, composer=form, status=400)
    text = canned_reply_render(reply=reply, ticket=ticket, agent=request.user)
    return _page(
        request, ticket, composer=_composer_with(form, canned, body=_append(data["body"], text))
    )


@agent_required
@require_POST
def desk_compose_search(request, pk: int):
    """The "Find" button: the page again with the articles matching the search, the draft kept."""
    canned, form = _composer(request)
    return _searched(request, _ticket(request, pk), canned, form)


def _searched(request, ticket: Ticket, canned: list[CannedReply], form: ComposerForm):
    if not form.is_valid():
        return _page(request, ticket, composer=form, status=400)
    return _page(request, ticket, composer=_composer_with(form, canned))


@agent_required
@require_POST
def desk_compose_article(request, pk: int):
    """An article's "Insert link" button: a link to an article the customer can read,
    appended to the draft and remembered (``linked_articles``) for the reply's record."""
    ticket = _ticket(request, pk)
    canned, form = _composer(request)
    if not form.is_valid():
        return _page(request, ticket, composer=form, status=400)
    data = form.cleaned_data
    article_id = request.POST.get("article", "")
    article = (
        ArticlePage.objects.visible_to(_reader(ticket))
        .filter(pk=int(article_id) if article_id.isdigit() and len(article_id) < 12 else 0)
        .first()
    )
    if article is None:
        form.add_error(None, _("That article is not visible to this customer."))
        return _page(request, ticket, composer=form, status=400)
    link = f"[{escape_markdown(article.title)}]({request.build_absolute_uri(article.url)})"
    linked = ",".join(str(i) for i in dict.fromkeys([*form.article_ids(), article.pk]))
    return _page(
        request,
        ticket,
        composer=_composer_with(
            form, canned, body=_append(data["body"], link), linked_articles=linked
        ),
    )


@agent_required
@require_POST
def desk_compose(request, pk: int):
    """The "Send" button: the draft as a reply to the customer or an internal note, once."""
    ticket = _ticket(request, pk)
    _canned, form = _composer(request)
    if not form.is_valid():
        return _page(request, ticket, composer=form, status=400)
    data = form.cleaned_data
    if not data["body"]:
        form.add_error("body", _("Write a message."))
        return _page(request, ticket, composer=form, status=400)
    if data["kind"] == "note":

        def send():
            return ticket_note(
                ticket=ticket,
                author=request.user,
                body=data["body"],
                attachments=data["attachments"],
            )

        done = _("Internal note added.")
    else:
        articles = list(
            ArticlePage.objects.visible_to(_reader(ticket)).filter(pk__in=form.article_ids())
        )

        def send():
            return ticket_reply(
                ticket=ticket,
                author=request.user,
                body=data["body"],
                attachments=data["attachments"],
                status_after=data["status_after"] or None,
                articles=articles,
            )

        done = _("Reply sent to the customer.")
    try:
        _message, created = submit_once(
            form, scope=f"tickets.desk_compose:{ticket.pk}", user=request.user, create=send
        )
    except (TicketError, IdempotencyConflict) as exc:
        form.add_error(None, exc.message)
        return _page(request, ticket, composer=form, status=400)
    if created:
        messages.success(request, done)
    else:
        messages.info(request, _("This message was already sent."))
    return redirect(f"{ticket.get_desk_url()}#latest")


@agent_required
@require_POST
def desk_properties(request, pk: int):
    ticket = _ticket(request, pk)
    form = PropertiesForm(request.POST)
    if not form.is_valid():
        return _page(request, ticket, properties=form, status=400)
    data = form.cleaned_data
    assignee = None
    if data["assignee"]:
        assignee = agents().filter(pk=data["assignee"]).first()
    try:
        ticket_properties_update(
            ticket=ticket,
            actor=request.user,
            status=data["status"],
            priority=Priority.from_key(data["priority"]).value,
            assignee=assignee,
            queue=data["queue"],
            category=data["category"],
            impact=data["impact"],
            product=data["product"],
            tags=form.tag_names(),
        )
    except TicketError as exc:
        form.add_error(None, exc.message)
        return _page(request, ticket, properties=form, status=400)
    messages.success(request, _("Ticket updated."))
    return redirect(ticket.get_desk_url())


@agent_required
@require_POST
def desk_merge(request, pk: int):
    ticket = _ticket(request, pk)
    form = MergeForm(request.POST)
    if form.is_valid():
        target = Ticket.objects.visible_to(request.user).filter(pk=form.cleaned_data["target"])
        target = target.first()
        if target is None:
            form.add_error("target", _("There is no such ticket."))
        else:
            try:
                ticket_merge(source=ticket, target=target, actor=request.user)
            except TicketError as exc:
                form.add_error("target", exc.message)
            else:
                messages.success(
                    request,
                    _("%(source)s was merged into %(target)s.")
                    % {"source": ticket.number, "target": target.number},
                )
                return redirect(target.get_desk_url())
    return _page(request, ticket, merge=form, status=400)
