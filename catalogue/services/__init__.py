"""Every write to the catalogue goes through these functions (views, API, admin, seeding)."""

from catalogue.services.errors import RequestConflict, RequestError, RequestInvalid
from catalogue.services.requests import (
    Waiting,
    request_approve,
    request_complete,
    request_email_confirm,
    request_fulfil,
    request_reject,
    request_rerun,
    request_submit,
    requests_sync_tickets,
)

__all__ = [
    "RequestConflict",
    "RequestError",
    "RequestInvalid",
    "Waiting",
    "request_approve",
    "request_complete",
    "request_email_confirm",
    "request_fulfil",
    "request_reject",
    "request_rerun",
    "request_submit",
    "requests_sync_tickets",
]
