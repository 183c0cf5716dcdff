"""Tickets API, mounted at /api/v1/tickets/ (same rules as the pages).

Customers: list their (and their shared organisation's) tickets, open one, read one (public
messages only), reply. Agents: list the queue with the desk's filters (same selector as
/desk/), read any ticket (with internal notes), reply or add a note, claim, update
(status, priority, assignee, queue, tags). Unknown fields are refused (422): customers
cannot set staff-only fields by posting them. Integration tokens act for no user: 403.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from portal import roles
from portal.api.auth import allow, is_person
from portal.api.schemas import ErrorOut, Id, StrictSchema
from portal.idempotency import idempotency_openapi, idempotent
from portal.models import Channel
from portal.services.errors import ServiceError
from portal.services.helpers import require_agent
from tickets.forms import products_for
from tickets.models import ACTIVE_STATUSES, Attachment, Message, Priority, Queue, Ticket
from tickets.selectors import SLA_STATES, SORTS, DeskParams, agents, desk_tickets
from tickets.services import (
    ticket_claim,
    ticket_note,
    ticket_open,
    ticket_properties_update,
    ticket_reply,
)
from tickets.services.common import MESSAGE_MAX, SUBJECT_MAX

PEOPLE = gettext_lazy("Integration tokens do not belong to a user.")
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
router = Router(tags=["tickets"], auth=allow(is_person, PEOPLE))

StatusKey = Literal["new", "open", "waiting_customer", "waiting_third_party", "resolved", "closed"]
PriorityKey = Literal["low", "normal", "high", "urgent"]
CategoryKey = Literal["question", "problem", "billing", "account", "request", "feedback"]
ImpactKey = Literal["me", "some", "all"]


# --- schemas -------------------------------------------------------------------------------------
class SlaOut(Schema):
    state: str
    due_at: datetime | None
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None


class TicketOut(Schema):
    id: int
    number: str
    subject: str
    status: str
    priority: str
    category: str
    impact: str
    product: str | None
    organisation: str | None
    customer_ref: str
    customer_name: str
    assignee: str | None
    queue: str | None
    tags: list[str]
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    merged_into: str | None
    sla: SlaOut
    url: str


class AttachmentOut(Schema):
    name: str
    size: int
    content_type: str
    url: str


class MessageOut(Schema):
    id: int
    author: str
    by: str
    internal: bool
    body: str
    body_html: str
    created_at: datetime
    attachments: list[AttachmentOut]


class TicketDetailOut(TicketOut):
    messages: list[MessageOut]


class TicketList(Schema):
    count: int
    items: list[TicketOut]


class TicketIn(StrictSchema):
    subject: str = Field(min_length=1, max_length=SUBJECT_MAX)
    description: str = Field(min_length=1, max_length=MESSAGE_MAX)
    category: CategoryKey = "question"
    impact: ImpactKey = "me"
    product: str | None = Field(None, description="Slug of one of your products or services.")


class ReplyIn(StrictSchema):
    body: str = Field(min_length=1, max_length=MESSAGE_MAX)
    internal: bool = Field(False, description="Agents only: an internal note.")
    status_after: StatusKey | None = Field(None, description="Agents only.")


class TicketPatch(StrictSchema):
    status: StatusKey | None = None
    priority: PriorityKey | None = None
    assignee_id: Id | None = Field(None, description="An agent's user id; null unassigns.")
    queue: str | None = Field(None, description="Queue slug; null for no queue.")
    category: CategoryKey | None = None
    impact: ImpactKey | None = None
    tags: list[str] | None = Field(None, max_length=20, description="The complete tag list.")


class ListFilters(Schema):
    status: StatusKey | Literal["all", "active"] | None = None
    priority: PriorityKey | None = None
    queue: str | None = None
    assignee: str | None = Field(
        None,
        pattern=r"^(me|none|[1-9][0-9]{0,8})$",
        description="Agents: `me`, `none` or a user id.",
    )
    sla: Literal["on_track", "at_risk", "breached", "paused"] | None = None
    q: str = Field("", max_length=100)
    sort: Literal["priority", "due", "newest", "oldest", "updated"] = "priority"
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=1_000_000)


# --- helpers -------------------------------------------------------------------------------------
def _ticket_out(ticket: Ticket, request, now: datetime) -> dict:
    return {
        "id": ticket.pk,
        "number": ticket.number,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority_key,
        "category": ticket.category,
        "impact": ticket.impact,
        "product": ticket.product.slug if ticket.product_id else None,
        "organisation": ticket.organisation.name if ticket.organisation_id else None,
        "customer_ref": ticket.customer.customer_ref,
        "customer_name": ticket.customer.display_name,
        "assignee": ticket.assignee.get_full_name() if ticket.assignee_id else None,
        "queue": ticket.queue.slug if ticket.queue_id else None,
        "tags": sorted(tag.name for tag in ticket.tags.all()),
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "first_response_at": ticket.first_response_at,
        "resolved_at": ticket.resolved_at,
        "closed_at": ticket.closed_at,
        "merged_into": f"T-{ticket.merged_into_id}" if ticket.merged_into_id else None,
        "sla": {
            "state": ticket.sla_state(now),
            "due_at": ticket.sla_due_at,
            "first_response_due_at": ticket.first_response_due_at,
            "resolution_due_at": ticket.resolution_due_at,
        },
        "url": request.build_absolute_uri(
            ticket.get_desk_url() if roles.is_agent(request.user) else ticket.get_absolute_url()
        ),
    }


def _message_out(message: Message, request) -> dict:
    author = message.author.get_full_name() if message.author else ""
    return {
        "id": message.pk,
        "author": author if message.author_role != Message.Author.SYSTEM else "",
        "by": message.author_role,
        "internal": message.internal,
        "body": message.body,
        "body_html": message.body_html,
        "created_at": message.created_at,
        "attachments": [
            {
                "name": file.original_name,
                "size": file.size,
                "content_type": file.content_type,
                "url": request.build_absolute_uri(file.get_absolute_url()),
            }
            for file in message.attachments.all()
        ],
    }


def _visible(request):
    return Ticket.objects.visible_to(request.user).for_list()


def _detail(request, ticket: Ticket) -> dict:
    messages = Message.objects.visible_to(request.user).filter(ticket=ticket)
    messages = messages.select_related("author").prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("pk"))
    )
    return {
        **_ticket_out(ticket, request, timezone.now()),
        "messages": [_message_out(m, request) for m in messages],
    }


# --- endpoints ---------------------------------------------------------------------------
@router.get("", response={200: TicketList, **ERRORS}, summary="List tickets (or the agent queue)")
def ticket_list(request, filters: Query[ListFilters]):
    """Customers: their tickets and their shared organisation's, newest first. Agents: the
    desk queue (active tickets by priority unless `status` says otherwise)."""
    now = timezone.now()
    if roles.is_agent(request.user):
        queue_id = None
        if filters.queue:
            queue = Queue.objects.filter(slug=filters.queue).first()
            if queue is None:
                raise ServiceError(fields={"queue": _("no such queue.")})
            queue_id = queue.pk
        status = filters.status or "active"
        params = DeskParams(
            statuses=() if status in ("all", "active") else (status,),
            all_statuses=status == "all",
            queue=queue_id,
            assignee=filters.assignee or "",
            priorities=(Priority.from_key(filters.priority).value,) if filters.priority else (),
            sla=filters.sla if filters.sla in SLA_STATES else "",
            q=filters.q.strip(),
            sort=filters.sort if filters.sort in SORTS else "priority",
        )
        tickets = desk_tickets(params, user=request.user, now=now)
    else:
        if filters.assignee or filters.queue or filters.sla:
            raise HttpError(403, _("Only agents filter by assignee, queue or SLA."))
        tickets = _visible(request).order_by("-updated_at", "-pk")
        if filters.status == "active":
            tickets = tickets.filter(status__in=ACTIVE_STATUSES)
        elif filters.status and filters.status != "all":
            tickets = tickets.filter(status=filters.status)
    page = list(tickets[filters.offset : filters.offset + filters.limit])
    return {"count": tickets.count(), "items": [_ticket_out(t, request, now) for t in page]}


@router.post(
    "",
    response={201: TicketDetailOut, **ERRORS},
    summary="Open a ticket (customers)",
    openapi_extra=idempotency_openapi(),
)
@idempotent
def ticket_create(request, payload: TicketIn):
    customer = getattr(request.user, "customer", None)
    if customer is None:
        raise HttpError(403, _("Only customers open tickets here."))
    product = None
    if payload.product:
        product = products_for(customer).filter(slug=payload.product).first()
        if product is None:
            raise ServiceError(fields={"product": _("not one of your products or services.")})
    ticket = ticket_open(
        customer=customer,
        opened_by=request.user,
        subject=payload.subject,
        body=payload.description,
        product=product,
        category=payload.category,
        impact=payload.impact,
        channel=Channel.API,
    )
    ticket = get_object_or_404(_visible(request), pk=ticket.pk)
    return Status(201, _detail(request, ticket))


@router.get("/{ticket_id}", response={200: TicketDetailOut, **ERRORS}, summary="One ticket")
def ticket_get(request, ticket_id: Id):
    return _detail(request, get_object_or_404(_visible(request), pk=ticket_id))


@router.post(
    "/{ticket_id}/replies",
    response={201: MessageOut, **ERRORS},
    summary="Reply (customers and agents) or add an internal note (agents)",
    openapi_extra=idempotency_openapi(),
)
@idempotent
def ticket_reply_create(request, ticket_id: Id, payload: ReplyIn):
    ticket = get_object_or_404(_visible(request), pk=ticket_id)
    agent = roles.is_agent(request.user)
    if (payload.internal or payload.status_after) and not agent:
        raise HttpError(403, _("Only agents add internal notes or set the status."))
    if payload.internal:
        message = ticket_note(ticket=ticket, author=request.user, body=payload.body)
    else:
        message = ticket_reply(
            ticket=ticket,
            author=request.user,
            body=payload.body,
            status_after=payload.status_after,
            channel=Channel.API,
        )
    return Status(201, _message_out(message, request))


@router.post(
    "/{ticket_id}/claim", response={200: TicketOut, **ERRORS}, summary="Claim a ticket (agents)"
)
def ticket_claim_api(request, ticket_id: Id):
    require_agent(request.user)
    ticket = get_object_or_404(_visible(request), pk=ticket_id)
    ticket_claim(ticket=ticket, agent=request.user, channel=Channel.API)
    return _ticket_out(get_object_or_404(_visible(request), pk=ticket_id), request, timezone.now())


@router.patch(
    "/{ticket_id}",
    response={200: TicketOut, **ERRORS},
    summary="Update status, priority, assignee, queue, category, impact or tags (agents)",
)
def ticket_update_api(request, ticket_id: Id, payload: TicketPatch):
    require_agent(request.user)
    ticket = get_object_or_404(_visible(request), pk=ticket_id)
    sent = payload.model_fields_set
    assignee = ticket.assignee
    if "assignee_id" in sent:
        assignee = None
        if payload.assignee_id is not None:
            assignee = agents().filter(pk=payload.assignee_id).first()
            if assignee is None:
                raise ServiceError(fields={"assignee_id": _("not an agent.")})
    queue = ticket.queue
    if "queue" in sent:
        queue = None
        if payload.queue is not None:
            queue = Queue.objects.filter(slug=payload.queue).first()
            if queue is None:
                raise ServiceError(fields={"queue": _("no such queue.")})
    ticket_properties_update(
        ticket=ticket,
        actor=request.user,
        status=payload.status or ticket.status,
        priority=Priority.from_key(payload.priority).value if payload.priority else ticket.priority,
        assignee=assignee,
        queue=queue,
        category=payload.category or ticket.category,
        impact=payload.impact or ticket.impact,
        product=ticket.product,
        tags=payload.tags if payload.tags is not None else [t.name for t in ticket.tags.all()],
    )
    return _ticket_out(get_object_or_404(_visible(request), pk=ticket_id), request, timezone.now())
