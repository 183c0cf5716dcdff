"""Errors the catalogue services raise; views show the message, the API root answers 4xx."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from portal.services.errors import ServiceConflict, ServiceError


class RequestError(ServiceError):
    """The action cannot be carried out (a message for the person who asked).

    ``errors`` (field key -> messages) is the same as ``fields``."""

    status_code = 422

    def __init__(
        self,
        message: str,
        errors: Mapping[str, Sequence[str] | str] | None = None,
        *,
        status: int | None = None,
        fields: Mapping[str, Sequence[str] | str] | None = None,
    ) -> None:
        super().__init__(message, status=status, fields=fields if fields is not None else errors)

    @property
    def errors(self) -> dict[str, list[str]]:
        return self.fields


class RequestInvalid(RequestError):
    """The answers do not pass the item's form (``errors``: field key -> messages)."""


class RequestConflict(RequestError, ServiceConflict):
    """The request changed under you, or an idempotency key was reused for something else."""

    status_code = 409
