from tickets.models.choices import (
    ACTIVE_STATUSES,
    DONE_STATUSES,
    TRANSITIONS,
    Category,
    Impact,
    Priority,
    Status,
)
from tickets.models.conversation import (
    Attachment,
    Message,
    TicketArticleLink,
    TicketEvent,
)
from tickets.models.desk import CannedReply, SavedView
from tickets.models.inbound import InboundAddress, InboundMessage
from tickets.models.sla import BusinessCalendar, Holiday, SlaBreach, SlaPolicy
from tickets.models.tickets import Queue, Tag, Ticket

__all__ = [
    "ACTIVE_STATUSES",
    "DONE_STATUSES",
    "TRANSITIONS",
    "Attachment",
    "BusinessCalendar",
    "CannedReply",
    "Category",
    "Holiday",
    "Impact",
    "InboundAddress",
    "InboundMessage",
    "Message",
    "Priority",
    "Queue",
    "SavedView",
    "SlaBreach",
    "SlaPolicy",
    "Status",
    "Tag",
    "Ticket",
    "TicketArticleLink",
    "TicketEvent",
]
