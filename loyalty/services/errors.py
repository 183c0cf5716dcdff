"""The error loyalty services refuse with; the API root answers with its status."""

from __future__ import annotations

from portal.services.errors import ServiceError


class LoyaltyError(ServiceError):
    """The request cannot be carried out (a message for the person who asked)."""

    status_code = 422
