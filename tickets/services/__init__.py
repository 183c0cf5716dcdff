"""Every write to tickets goes through these functions (views, API, commands, seeding).

Split by subject: ``workflow`` (open, reply, note, status, close, reopen), ``agent`` (assign,
claim, priority, tags, details, merge), ``desk`` (bulk actions, saved views, canned replies),
``sla`` (targets and pauses), ``escalation`` (the periodic SLA task), ``attachments``.
"""

from tickets.services.agent import (
    ticket_assign,
    ticket_claim,
    ticket_merge,
    ticket_priority_change,
    ticket_properties_update,
    ticket_tag,
    ticket_update,
)
from tickets.services.desk import (
    BulkResult,
    canned_reply_render,
    saved_view_create,
    saved_view_delete,
    tickets_bulk_apply,
)
from tickets.services.errors import TicketConflict, TicketError
from tickets.services.workflow import (
    ticket_close,
    ticket_note,
    ticket_open,
    ticket_reopen,
    ticket_reply,
    ticket_status_change,
)

__all__ = [
    "BulkResult",
    "TicketConflict",
    "TicketError",
    "canned_reply_render",
    "saved_view_create",
    "saved_view_delete",
    "ticket_assign",
    "ticket_claim",
    "ticket_close",
    "ticket_merge",
    "ticket_note",
    "ticket_open",
    "ticket_priority_change",
    "ticket_properties_update",
    "ticket_reopen",
    "ticket_reply",
    "ticket_status_change",
    "ticket_tag",
    "ticket_update",
    "tickets_bulk_apply",
]
