"""The errors outage services raise: ``ServiceError`` subclasses, so the API root answers
them (422, the message as ``detail``) and views show the message."""

from __future__ import annotations

from portal.services.errors import ServiceError


class IncidentError(ServiceError):
    """A request that cannot be applied to the incident in its current state."""

    status_code = 422


class CompensationError(ServiceError):
    """A claim or redemption that cannot be honoured."""

    status_code = 422


class StatusSubscriptionError(ServiceError):
    """A follow request that cannot be honoured."""

    status_code = 422
