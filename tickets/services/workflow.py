"""A ticket's life: open, reply, note, change status, close, reopen.

The state machine is ``tickets.models.choices.TRANSITIONS``; every status change goes
through ``_status_apply`` (SLA clock, timestamps, history, interactions). The interactions
carry what the reports need: who replied, first-response and resolution times (wall-clock
and business seconds), whether the SLA target was met, replies before resolution and reopens.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from portal import roles
from portal.models import Channel, Customer, InteractionKind, Product
from portal.services.helpers import clean_text, now_or, require_agent
from portal.uploads import uploads_check
from tickets.models import (
    DONE_STATUSES,
    TRANSITIONS,
    Category,
    Impact,
    Message,
    Priority,
    Queue,
    SlaBreach,
    Status,
    Ticket,
    TicketArticleLink,
    TicketEvent,
)
from tickets.services import notify
from tickets.services.attachments import attachments_store
from tickets.services.common import (
    MESSAGE_MAX,
    SLA_FIELDS,
    SUBJECT_MAX,
    actor_or_none,
    event,
    lock,
    record,
    require_visible,
    touch,
)
from tickets.services.defaults import ticket_default_priority
from tickets.services.errors import TicketError
from tickets.services.sla import (
    sla_business_seconds,
    sla_met,
    sla_pause,
    sla_recompute,
    sla_record_breaches,
    sla_resume,
    sla_start,
)


def queue_for(product: Product | None) -> Queue | None:
    """The queue a new ticket lands in: the product's queue, else the default queue."""
    if product is not None:
        queue = Queue.objects.filter(products=product).order_by("position", "pk").first()
        if queue is not None:
            return queue
    return Queue.objects.filter(is_default=True).first()


def priority_for(*, impact: str, category: str) -> int:
    if impact == Impact.ALL:
        return Priority.HIGH
    if impact == Impact.ME and category in (Category.QUESTION, Category.FEEDBACK):
        return Priority.LOW if category == Category.FEEDBACK else Priority.NORMAL
    return Priority.NORMAL


@transaction.atomic
def ticket_open(
    *,
    customer: Customer,
    subject: str,
    body: str,
    opened_by,
    product: Product | None = None,
    category: str = Category.QUESTION,
    impact: str = Impact.ME,
    priority: int | None = None,
    attachments: Sequence[UploadedFile] = (),
    channel: str = Channel.WEB,
    queue: Queue | None = None,
    sender: Customer | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Open a ticket for ``customer`` (by the customer, or by an agent on their behalf).

    Only agents may set ``priority``; otherwise it follows from impact and category. The queue
    follows from the product unless the caller names one (e.g. a catalogue item's queue).
    ``sender``: an email from this customer, whose address the intake service checked
    (``tickets.services.intake``); ``opened_by`` is their login, or None when they have none."""
    now = now_or(now)
    subject = clean_text(subject, field=_("subject"), maximum=SUBJECT_MAX, error=TicketError)
    body = clean_text(body, field=_("description"), maximum=MESSAGE_MAX, error=TicketError)
    if category not in Category.values:
        raise TicketError(_("Choose a category."))
    if impact not in Impact.values:
        raise TicketError(_("Choose who is affected."))
    by_agent = opened_by is not None and roles.is_agent(opened_by)
    if sender is not None:
        if sender.pk != customer.pk or by_agent:
            raise PermissionDenied("An email opens a ticket for its sender only.")
    elif not by_agent:
        own = getattr(opened_by, "customer", None) if opened_by is not None else None
        if own is None or own.pk != customer.pk:
            raise PermissionDenied("Customers open tickets for themselves only.")
    if priority is not None and not by_agent:
        raise PermissionDenied("Only agents set the priority.")
    if priority is not None and priority not in Priority.values:
        raise TicketError(_("Unknown priority."))
    files = uploads_check(attachments, error=TicketError)
    ticket = Ticket(
        subject=subject,
        customer=customer,
        organisation_id=customer.organisation_id,
        opened_by=actor_or_none(opened_by),
        product=product,
        category=category,
        impact=impact,
        priority=priority
        or ticket_default_priority(
            customer=customer, priority=priority_for(impact=impact, category=category)
        ),
        channel=channel,
        queue=queue or queue_for(product),
        created_at=now,
        updated_at=now,
    )
    sla_start(ticket=ticket, now=now)  # (before the insert: the policy needs no id)
    ticket.save()
    message = Message.objects.create(
        ticket=ticket,
        author=actor_or_none(opened_by),
        author_role=Message.Author.CUSTOMER,
        body=body,
        channel=channel,
        created_at=now,
    )
    attachments_store(ticket=ticket, message=message, files=files, user=opened_by)
    TicketEvent.objects.create(
        ticket=ticket, actor=actor_or_none(opened_by), kind=TicketEvent.Kind.CREATED, created_at=now
    )
    record(
        InteractionKind.TICKET_OPEN,
        ticket,
        opened_by,
        now=now,
        channel=channel,
        priority=ticket.priority_key,
        category=category,
        product=product.slug if product else None,
        attachments=len(files),
        by_agent=by_agent,
    )
    notify.ticket_opened(ticket=ticket, message=message)
    return ticket


def _first_response(ticket: Ticket, now: datetime) -> dict:
    sla_record_breaches(ticket=ticket, now=now)
    ticket.first_response_at = now
    ticket.escalation_level = 0  # the next target (resolution) starts unescalated
    return {
        "first_response": True,
        "first_response_seconds": int((now - ticket.created_at).total_seconds()),
        "first_response_business_seconds": sla_business_seconds(
            ticket=ticket, start=ticket.sla_started_at or ticket.created_at, end=now
        ),
        "sla_met": sla_met(ticket=ticket, kind=SlaBreach.Kind.FIRST_RESPONSE),
    }


def _mark_resolved(ticket: Ticket, actor, now: datetime, channel: str) -> None:
    ticket.resolved_at = now
    agent_replies = ticket.messages.filter(author_role=Message.Author.AGENT, internal=False).count()
    seconds = int((now - ticket.created_at).total_seconds())
    record(
        InteractionKind.TICKET_RESOLVED,
        ticket,
        actor,
        now=now,
        channel=channel,
        value=seconds,
        resolution_seconds=seconds,
        resolution_business_seconds=sla_business_seconds(
            ticket=ticket, start=ticket.sla_started_at or ticket.created_at, end=now
        ),
        sla_met=sla_met(ticket=ticket, kind=SlaBreach.Kind.RESOLUTION),
        sla_breached=ticket.sla_breached,
        agent_replies=agent_replies,
        first_contact_resolution=agent_replies <= 1 and ticket.reopened_count == 0,
        reopened=ticket.reopened_count,
        priority=ticket.priority_key,
    )


def _status_apply(
    ticket: Ticket, new: str, actor, now: datetime, channel: str, *, quiet: bool = False
) -> None:
    """Move a locked ticket to ``new`` (validated by the caller) and record it; no save.
    ``quiet``: the customer hears about it another way (the reply that changed it)."""
    old = ticket.status
    if old == new:
        return
    sla_record_breaches(ticket=ticket, now=now)
    if old == Status.WAITING_CUSTOMER:
        sla_resume(ticket=ticket, now=now)
    ticket.status = new
    if new == Status.WAITING_CUSTOMER:
        sla_pause(ticket=ticket, now=now)
    if new in DONE_STATUSES and ticket.resolved_at is None:
        _mark_resolved(ticket, actor, now, channel)
    if new == Status.CLOSED:
        ticket.closed_at = now
        record(InteractionKind.TICKET_CLOSED, ticket, actor, now=now, channel=channel)
    sla_recompute(ticket=ticket)
    change = event(ticket, actor, "status", old, new, now=now)
    record(InteractionKind.TICKET_STATUS, ticket, actor, now=now, channel=channel, old=old, new=new)
    if not quiet:
        notify.ticket_status_changed(ticket=ticket, old=old, actor=actor, event_id=change.pk)


STATUS_FIELDS = ("status", "resolved_at", "closed_at", "first_response_at", *SLA_FIELDS)


@transaction.atomic
def ticket_status_change(
    *,
    ticket: Ticket,
    status: str,
    actor,
    channel: str = Channel.WEB,
    now: datetime | None = None,
) -> Ticket:
    """An agent moves the ticket along the state machine (reopening goes to ``ticket_reopen``)."""
    require_agent(actor)
    now = now_or(now)
    ticket = lock(ticket)
    if status not in Status.values:
        raise TicketError(_("Unknown status."))
    if ticket.merged_into_id is not None:
        raise TicketError(_("This ticket was merged into another one."))
    if status == ticket.status:
        return ticket
    if status not in TRANSITIONS[ticket.status]:
        raise TicketError(
            _("A ticket cannot go from “%(old)s” to “%(new)s”.")
            % {"old": ticket.get_status_display(), "new": Status(status).label}
        )
    if ticket.status in DONE_STATUSES and status == Status.OPEN:
        return _reopen(ticket, actor, now, channel)
    _status_apply(ticket, status, actor, now, channel)
    touch(ticket, now, *STATUS_FIELDS)
    return ticket


def _reopen(ticket: Ticket, actor, now: datetime, channel: str, *, quiet: bool = False) -> Ticket:
    old = ticket.status
    ticket.status = Status.OPEN
    ticket.reopened_count += 1
    ticket.resolved_at = None
    ticket.closed_at = None
    sla_start(ticket=ticket, now=now)
    change = event(ticket, actor, "status", old, Status.OPEN, now=now)
    record(
        InteractionKind.TICKET_REOPENED,
        ticket,
        actor,
        now=now,
        channel=channel,
        times=ticket.reopened_count,
        by_agent=actor is not None and roles.is_agent(actor),
    )
    touch(ticket, now, "reopened_count", *STATUS_FIELDS)
    if not quiet:
        notify.ticket_status_changed(ticket=ticket, old=old, actor=actor, event_id=change.pk)
    return ticket


def _may_reopen(ticket: Ticket, actor, now: datetime) -> None:
    if ticket.merged_into_id is not None:
        raise TicketError(_("This ticket was merged into another one."))
    if ticket.status not in DONE_STATUSES:
        raise TicketError(_("Only resolved or closed tickets can be reopened."))
    if actor is not None and roles.is_agent(actor):
        return
    deadline = ticket.reopen_deadline()
    if deadline is None or now > deadline:
        raise TicketError(
            _("This ticket can no longer be reopened; please open a new ticket instead.")
        )


@transaction.atomic
def ticket_reopen(
    *, ticket: Ticket, actor, channel: str = Channel.WEB, now: datetime | None = None
) -> Ticket:
    """Reopen a resolved or closed ticket: agents any time, customers within the window
    (``TICKETS_REOPEN_WINDOW``)."""
    require_visible(ticket, actor)
    now = now_or(now)
    ticket = lock(ticket)
    _may_reopen(ticket, actor, now)
    return _reopen(ticket, actor, now, channel)


@transaction.atomic
def ticket_close(
    *, ticket: Ticket, actor, channel: str = Channel.WEB, now: datetime | None = None
) -> Ticket:
    """Close the ticket (the customer who no longer needs help, an agent, or the auto-close
    task with ``actor=None``)."""
    if actor is not None:
        require_visible(ticket, actor)
    now = now_or(now)
    ticket = lock(ticket)
    if ticket.status == Status.CLOSED:
        return ticket
    _status_apply(ticket, Status.CLOSED, actor, now, channel)
    touch(ticket, now, *STATUS_FIELDS)
    return ticket


def _link_articles(ticket: Ticket, message: Message, articles: Sequence, actor, now) -> None:
    for article in articles:
        try:
            with transaction.atomic():
                TicketArticleLink.objects.create(
                    ticket=ticket, article=article, message=message, added_by=actor, created_at=now
                )
        except IntegrityError:
            continue  # already linked on this ticket
        event(
            ticket,
            actor,
            "article",
            "",
            article.title,
            now=now,
            kind=TicketEvent.Kind.ARTICLE_LINKED,
        )


@transaction.atomic
def ticket_reply(
    *,
    ticket: Ticket,
    author,
    body: str,
    attachments: Sequence[UploadedFile] = (),
    status_after: str | None = None,
    articles: Sequence = (),
    channel: str = Channel.WEB,
    sender: Customer | None = None,
    now: datetime | None = None,
) -> Message:
    """A public reply. From the customer it reopens a resolved ticket within the window and
    ends "waiting on customer"; from an agent it is the first response (if it is) and may
    move the ticket on (``status_after``: open, waiting, resolved). ``sender``: an email from
    this customer, who the intake service checked may write on the ticket (the requester or a
    colleague); ``author`` is their login, or None when they have none."""
    if sender is None:
        require_visible(ticket, author)
    elif author is not None and roles.is_agent(author):
        raise PermissionDenied("An agent's email is the agent's reply.")
    now = now_or(now)
    body = clean_text(body, field=_("message"), maximum=MESSAGE_MAX, error=TicketError)
    files = uploads_check(attachments, error=TicketError)
    ticket = lock(ticket)
    if ticket.merged_into_id is not None:
        raise TicketError(_("This ticket was merged into another one; reply there."))
    by_agent = author is not None and roles.is_agent(author)
    metadata: dict = {"by": "agent" if by_agent else "customer"}
    if by_agent:
        if status_after is not None and status_after not in Status.values:
            raise TicketError(_("Unknown status."))
        if ticket.first_response_at is None:
            metadata.update(_first_response(ticket, now))
    else:
        if status_after is not None:
            raise PermissionDenied("Customers do not set the status.")
        if ticket.status in DONE_STATUSES:
            _may_reopen(ticket, author, now)
            _reopen(ticket, author, now, channel)
    message = Message.objects.create(
        ticket=ticket,
        author=author,
        author_role=Message.Author.AGENT if by_agent else Message.Author.CUSTOMER,
        body=body,
        channel=channel,
        created_at=now,
    )
    attachments_store(ticket=ticket, message=message, files=files, user=author)
    if by_agent:
        _link_articles(ticket, message, articles, author, now)
        wanted = status_after or (Status.OPEN if ticket.status == Status.NEW else None)
        if wanted and wanted != ticket.status:
            if wanted not in TRANSITIONS[ticket.status]:
                raise TicketError(_("The reply cannot set that status."))
            if ticket.status in DONE_STATUSES and wanted == Status.OPEN:
                _reopen(ticket, author, now, channel, quiet=True)
            else:
                _status_apply(ticket, wanted, author, now, channel, quiet=True)
    elif ticket.status == Status.WAITING_CUSTOMER:
        _status_apply(ticket, Status.OPEN, author, now, channel)
    sla_recompute(ticket=ticket)
    touch(ticket, now, *STATUS_FIELDS)
    record(
        InteractionKind.TICKET_REPLY,
        ticket,
        author,
        now=now,
        channel=channel,
        attachments=len(files),
        **metadata,
    )
    notify.ticket_replied(ticket=ticket, message=message)
    return message


@transaction.atomic
def ticket_note(
    *,
    ticket: Ticket,
    author,
    body: str,
    attachments: Sequence[UploadedFile] = (),
    now: datetime | None = None,
) -> Message:
    """An internal note: agents only, never shown to the customer, no status change."""
    require_agent(author)
    now = now_or(now)
    body = clean_text(body, field=_("note"), maximum=MESSAGE_MAX, error=TicketError)
    files = uploads_check(attachments, error=TicketError)
    ticket = lock(ticket)
    message = Message.objects.create(
        ticket=ticket,
        author=author,
        author_role=Message.Author.AGENT,
        internal=True,
        body=body,
        created_at=now,
    )
    attachments_store(ticket=ticket, message=message, files=files, user=author)
    touch(ticket, now)
    record(InteractionKind.TICKET_NOTE, ticket, author, now=now, attachments=len(files))
    return message
