"""Every write to outages goes through these functions (views, API, tasks, demo, commands).

Split by subject: ``incidents`` (declare, publish, update, resolve), ``notices`` (the fan-out
to the frozen audience, a customer's first view), ``compensation`` (grants, claims,
discount codes), ``subscriptions`` (following a service's status), ``desk`` (agents' work on
the tickets around an incident), ``autolink`` (linking new tickets without clicks).
``errors``: what they refuse with (``ServiceError`` subclasses).
"""

from outages.services.autolink import (
    auto_link_reason,
    incidents_auto_link,
    ticket_auto_link,
    ticket_opened_received,
)
from outages.services.compensation import (
    compensation_claim,
    compensation_grant,
    compensation_grant_bulk,
    discount_redeem,
)
from outages.services.desk import (
    PROACTIVE_MAX,
    TicketsOutcome,
    high_value_customers,
    incident_proactive_tickets_open,
    incident_ticket_link,
    incident_ticket_unlink,
    incident_update_with_tickets,
    link_suggestions,
)
from outages.services.errors import CompensationError, IncidentError, StatusSubscriptionError
from outages.services.incidents import (
    KEYWORDS_MAX,
    MESSAGE_MAX,
    OFFER_MAX,
    REGION_MAX,
    TITLE_MAX,
    incident_declare,
    incident_publish,
    incident_resolve,
    incident_translation_set,
    incident_update_post,
)
from outages.services.notices import BATCH_SIZE, notice_view_record, notices_send
from outages.services.subscriptions import status_subscription_add, status_subscription_remove

__all__ = [
    "BATCH_SIZE",
    "KEYWORDS_MAX",
    "MESSAGE_MAX",
    "OFFER_MAX",
    "PROACTIVE_MAX",
    "REGION_MAX",
    "TITLE_MAX",
    "CompensationError",
    "IncidentError",
    "StatusSubscriptionError",
    "TicketsOutcome",
    "auto_link_reason",
    "compensation_claim",
    "compensation_grant",
    "compensation_grant_bulk",
    "discount_redeem",
    "high_value_customers",
    "incident_declare",
    "incident_proactive_tickets_open",
    "incident_publish",
    "incident_resolve",
    "incident_ticket_link",
    "incident_ticket_unlink",
    "incident_translation_set",
    "incident_update_post",
    "incident_update_with_tickets",
    "incidents_auto_link",
    "link_suggestions",
    "notice_view_record",
    "notices_send",
    "status_subscription_add",
    "status_subscription_remove",
    "ticket_auto_link",
    "ticket_opened_received",
]
