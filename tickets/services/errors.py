"""The errors ticket services raise; views show the message, the API root answers 409/422."""

from __future__ import annotations

from portal.services.errors import ServiceConflict, ServiceError


class TicketError(ServiceError):
    """The request cannot be carried out (a message for the person who asked)."""

    status_code = 422


class TicketConflict(TicketError, ServiceConflict):
    """The ticket changed under you (someone else claimed it, it was merged, ...)."""

    status_code = 409
