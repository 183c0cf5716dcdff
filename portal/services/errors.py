"""The one error a service raises when it refuses a request.

A service refuses with ``ServiceError`` (or an app's subclass): a message for the person who
asked, the HTTP status the API answers with, and optional field errors (field name -> messages)
that a form shows next to its fields. The API root translates it once
(``portal.api``); views show ``message`` as a form or message error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class ServiceError(Exception):
    """The request cannot be carried out; ``message`` says why, in the asker's language."""

    status_code = 422

    def __init__(
        self,
        message: str = "",
        *,
        status: int | None = None,
        fields: Mapping[str, Sequence[str] | str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = str(message)
        if status is not None:
            self.status_code = status
        self.fields: dict[str, list[str]] = {
            name: [str(errors)] if isinstance(errors, str) else [str(e) for e in errors]
            for name, errors in (fields or {}).items()
        }

    def __str__(self) -> str:
        return self.message


class ServiceConflict(ServiceError):
    """The object changed under you (claimed, merged, already used, ...): HTTP 409."""

    status_code = 409
