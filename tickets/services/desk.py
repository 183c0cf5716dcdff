"""The desk's own writes: bulk actions, saved views, canned replies."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from portal.markdown import escape_markdown
from portal.models import User
from portal.services.helpers import require_agent
from tickets.models import CannedReply, Priority, SavedView, Ticket
from tickets.services.agent import (
    ticket_assign,
    ticket_merge,
    ticket_priority_change,
    ticket_tag,
)
from tickets.services.errors import TicketError
from tickets.services.workflow import ticket_status_change

BULK_MAX = 100
BULK_ACTIONS = ("assign", "status", "priority", "tag", "merge")


@dataclass
class BulkResult:
    done: list[Ticket] = field(default_factory=list)
    failed: list[tuple[Ticket, str]] = field(default_factory=list)


def tickets_bulk_apply(*, tickets: Sequence[Ticket], actor, action: str, value: str) -> BulkResult:
    """Apply one action to many tickets, each in its own transaction: a ticket that cannot
    take it (a closed ticket cannot be assigned a status it cannot reach, ...) is reported in
    ``failed`` and the others still change. ``merge`` merges every ticket into the one whose
    id is ``value``."""
    require_agent(actor)
    if action not in BULK_ACTIONS:
        raise TicketError(_("Unknown bulk action."))
    if not tickets:
        raise TicketError(_("Select at least one ticket."))
    if len(tickets) > BULK_MAX:
        raise TicketError(_("Select at most %(max)d tickets at once.") % {"max": BULK_MAX})
    apply = _bulk_action(action, value, actor)
    result = BulkResult()
    for ticket in tickets:
        try:
            with transaction.atomic():
                apply(ticket)
        except (TicketError, PermissionDenied) as exc:
            result.failed.append((ticket, str(exc)))
        else:
            result.done.append(ticket)
    return result


def _int(value: str) -> int:
    return int(value) if value.isdigit() and len(value) < 12 else 0


def _bulk_action(action: str, value: str, actor):
    value = (value or "").strip()
    if action == "assign":
        assignee = None
        if value == "me":
            assignee = actor
        elif value:
            assignee = User.objects.filter(pk=_int(value)).first()
            if assignee is None:
                raise TicketError(_("Choose an agent."))
        return lambda t: ticket_assign(ticket=t, assignee=assignee, actor=actor)
    if action == "status":
        return lambda t: ticket_status_change(ticket=t, status=value, actor=actor)
    if action == "priority":
        try:
            priority = Priority.from_key(value)
        except ValueError:
            raise TicketError(_("Choose a priority.")) from None
        return lambda t: ticket_priority_change(ticket=t, priority=priority, actor=actor)
    if action == "tag":
        names = [name for name in value.split(",") if name.strip()]
        if not names:
            raise TicketError(_("Type the tag to add."))
        return lambda t: ticket_tag(ticket=t, actor=actor, add=names)
    target = Ticket.objects.filter(pk=_int(value.removeprefix("T-"))).first()
    if target is None:
        raise TicketError(_("Choose the ticket to merge into (its number)."))

    def merge(ticket: Ticket) -> None:
        if ticket.pk != target.pk:
            ticket_merge(source=ticket, target=target, actor=actor)

    return merge


# --- saved views -----------------------------------------------------------------------------
@transaction.atomic
def saved_view_create(*, owner, name: str, query: str, is_shared: bool = False) -> SavedView:
    require_agent(owner)
    name = " ".join((name or "").split())
    if not name or len(name) > 60:
        raise TicketError(_("Give the view a name of up to 60 characters."))
    if len(query) > 500:
        raise TicketError(_("Too many filters to save."))
    try:
        with transaction.atomic():
            return SavedView.objects.create(
                owner=owner, name=name, query=query, is_shared=is_shared
            )
    except IntegrityError:
        raise TicketError(
            _("You already have a view called “%(name)s”.") % {"name": name}
        ) from None


@transaction.atomic
def saved_view_delete(*, view: SavedView, actor) -> None:
    if view.owner_id != actor.pk:
        raise PermissionDenied("Only the owner deletes a saved view.")
    view.delete()


# --- canned replies --------------------------------------------------------------------------
PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\.([a-z_]+)\s*\}\}")


def _first(name: str) -> str:
    return name.split(" ")[0] if name else ""


def canned_reply_render(*, reply: CannedReply, ticket: Ticket, agent) -> str:
    """The reply's Markdown with its placeholders filled in. Only the documented
    placeholders are replaced (values escaped as literal Markdown); anything else, including
    template syntax, stays as typed. Not a template engine: nothing is evaluated."""
    customer = ticket.customer
    customer_name = customer.name or (customer.user.get_full_name() if customer.user else "")
    agent_name = agent.get_full_name() if agent is not None else ""
    values = {
        ("customer", "name"): customer_name,
        ("customer", "first_name"): _first(customer_name),
        ("organisation", "name"): ticket.organisation.name if ticket.organisation else "",
        ("ticket", "number"): ticket.number,
        ("ticket", "subject"): ticket.subject,
        ("agent", "name"): agent_name,
        ("agent", "first_name"): _first(agent_name),
    }

    def fill(match: re.Match) -> str:
        key = (match.group(1), match.group(2))
        if key not in values:
            return match.group(0)
        return escape_markdown(values[key])

    return PLACEHOLDER.sub(fill, reply.body)
