"""Who hears about what happens on a ticket (through ``portal.services.notifications``).

- the customer: agent replies, and status changes they did not make themselves (topic
  ``ticket_updates``);
- the queue's team: new tickets (``desk_new_tickets``);
- the assignee (else the queue's team): customer replies (``desk_customer_replies``);
- the assignee: assignments by someone else (``desk_assignments``);
- the assignee and the team lead: SLA warnings and breaches (``desk_escalations``).

Each event has a stable key (``ticket:<id>:...``), so a notification goes out once per
recipient and channel. Emails reply to ``support+T-123@<domain>`` (``TICKETS_REPLY_TO``).
All of this runs inside the service's transaction; emails leave after it commits.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from portal.models import User
from portal.services.memo import memoized
from portal.services.notifications import NotificationContent, notify
from tickets.models import Message, Status, Ticket

EXCERPT = 600
#: Status changes a customer is told about (new -> open on claiming is not news).
CUSTOMER_STATUSES = (
    Status.WAITING_CUSTOMER,
    Status.WAITING_THIRD_PARTY,
    Status.RESOLVED,
    Status.CLOSED,
    Status.OPEN,
)


def reply_address(ticket: Ticket) -> str:
    """``support+T-123@example.com``: mail gateways route answers back by the tag."""
    local, _at, domain = settings.TICKETS_REPLY_TO.partition("@")
    return f"{local}+{ticket.number}@{domain}" if domain else settings.TICKETS_REPLY_TO


def _team(ticket: Ticket) -> list[User]:
    team_id = ticket.queue.team_id if ticket.queue_id else None
    if team_id is None:
        return []
    members = memoized(  # once per batch run (a chunk of inbound email)
        ("tickets.team", team_id),
        lambda: list(
            User.objects.filter(Q(teams=team_id) | Q(led_teams=team_id), is_active=True).distinct()
        ),
    )
    return list(members)


def _lead(ticket: Ticket) -> User | None:
    team = ticket.queue.team if ticket.queue_id and ticket.queue.team_id else None
    return team.lead if team is not None else None


def _customer_user(ticket: Ticket) -> User | None:
    return ticket.customer.user


def _excerpt(message: Message) -> str:
    return Truncator(message.body).chars(EXCERPT)


def _others(users, actor) -> list[User]:
    return [user for user in users if user is not None and (actor is None or user.pk != actor.pk)]


def ticket_opened(*, ticket: Ticket, message: Message) -> None:
    def content(user: User) -> NotificationContent:
        queue = ticket.queue.name if ticket.queue_id else _("no queue")
        return NotificationContent(
            title=_("[%(number)s] New ticket in %(queue)s: %(subject)s")
            % {"number": ticket.number, "queue": queue, "subject": ticket.subject},
            body=_("%(customer)s wrote:\n\n%(text)s")
            % {"customer": ticket.customer.display_name, "text": _excerpt(message)},
            url=ticket.get_desk_url(),
            reply_to=reply_address(ticket),
        )

    notify(
        event_key=f"ticket:{ticket.pk}:opened",
        kind="ticket.opened",
        topic="desk_new_tickets",
        recipients=_others(_team(ticket), message.author),
        content=content,
    )


def ticket_replied(*, ticket: Ticket, message: Message) -> None:
    if message.internal:
        return
    if message.author_role == Message.Author.AGENT:
        recipients = _others([_customer_user(ticket)], message.author)
        topic, url = "ticket_updates", ticket.get_absolute_url()
        kind = "ticket.agent_reply"
    else:
        recipients = _others(
            [ticket.assignee] if ticket.assignee_id else _team(ticket), message.author
        )
        topic, url = "desk_customer_replies", ticket.get_desk_url()
        kind = "ticket.customer_reply"

    def content(user: User) -> NotificationContent:
        if message.author is not None:
            author = message.author.get_full_name()
        elif message.author_role == message.Author.CUSTOMER:  # an email from a customer
            author = ticket.customer.display_name  # without a login: the requester's name
        else:
            author = _("Support")
        if kind == "ticket.agent_reply":
            title = _("[%(number)s] New reply from support: %(subject)s")
            body = _(
                "%(author)s replied:\n\n%(text)s\n\nStatus: %(status)s. Reply to this "
                "email or on the ticket page."
            )
        else:
            title = _("[%(number)s] Customer replied: %(subject)s")
            body = _("%(author)s wrote:\n\n%(text)s\n\nStatus: %(status)s.")
        values = {
            "number": ticket.number,
            "subject": ticket.subject,
            "author": author,
            "text": _excerpt(message),
            "status": Status(ticket.status).label,
        }
        return NotificationContent(
            title=title % values, body=body % values, url=url, reply_to=reply_address(ticket)
        )

    notify(
        event_key=f"ticket:{ticket.pk}:message:{message.pk}",
        kind=kind,
        topic=topic,
        recipients=recipients,
        content=content,
    )


def ticket_status_changed(*, ticket: Ticket, old: str, actor, event_id: int) -> None:
    """Tell the customer about a status change someone else made (an agent, the system)."""
    if ticket.status not in CUSTOMER_STATUSES or (
        old == Status.NEW and ticket.status == Status.OPEN
    ):
        return
    customer_user = _customer_user(ticket)

    def content(user: User) -> NotificationContent:
        texts = {
            Status.WAITING_CUSTOMER: _("We need something from you to continue."),
            Status.WAITING_THIRD_PARTY: _("We are waiting on a partner and will update you."),
            Status.RESOLVED: _("We think this is solved. If it is not, reply to reopen it."),
            Status.CLOSED: _("The ticket is closed."),
            Status.OPEN: _("The ticket is open again and we are working on it."),
        }
        return NotificationContent(
            title=_("[%(number)s] %(status)s: %(subject)s")
            % {
                "number": ticket.number,
                "status": Status(ticket.status).label,
                "subject": ticket.subject,
            },
            body=str(texts[ticket.status]),
            url=ticket.get_absolute_url(),
            reply_to=reply_address(ticket),
        )

    notify(
        event_key=f"ticket:{ticket.pk}:status:{event_id}",
        kind="ticket.status",
        topic="ticket_updates",
        recipients=_others([customer_user], actor),
        content=content,
    )


def ticket_assigned(*, ticket: Ticket, actor, event_id: int) -> None:
    assignee = ticket.assignee

    def content(user: User) -> NotificationContent:
        by = actor.get_full_name() if actor is not None else _("The system")
        return NotificationContent(
            title=_("[%(number)s] Assigned to you: %(subject)s")
            % {"number": ticket.number, "subject": ticket.subject},
            body=_("%(by)s assigned this ticket to you (priority %(priority)s).")
            % {"by": by, "priority": ticket.get_priority_display()},
            url=ticket.get_desk_url(),
            reply_to=reply_address(ticket),
        )

    notify(
        event_key=f"ticket:{ticket.pk}:assigned:{event_id}",
        kind="ticket.assigned",
        topic="desk_assignments",
        recipients=_others([assignee], actor),
        content=content,
    )


def ticket_escalated(*, ticket: Ticket, level: str) -> None:
    target = ticket.sla_target or "resolution"

    def content(user: User) -> NotificationContent:
        if level == "breached":
            title = _("[%(number)s] SLA breached: %(subject)s")
            body = _("The %(target)s target was missed. Priority is now %(priority)s.")
        else:
            title = _("[%(number)s] SLA at risk: %(subject)s")
            body = _("The %(target)s target is due %(due)s.")
        values = {
            "number": ticket.number,
            "subject": ticket.subject,
            "target": _("first response") if target == "first_response" else _("resolution"),
            "priority": ticket.get_priority_display(),
            "due": formats.date_format(
                timezone.localtime(ticket.sla_due_at), "SHORT_DATETIME_FORMAT"
            )
            if ticket.sla_due_at
            else "",
        }
        return NotificationContent(
            title=title % values, body=body % values, url=ticket.get_desk_url()
        )

    notify(
        event_key=f"ticket:{ticket.pk}:sla:{target}:{level}",
        kind=f"ticket.sla_{level}",
        topic="desk_escalations",
        recipients=[ticket.assignee, _lead(ticket)],
        content=content,
    )
