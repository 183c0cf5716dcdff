"""Errors the catalogue services raise; views show the message, the API answers 4xx."""

from __future__ import annotations


class RequestError(Exception):
    """The action cannot be carried out (a message for the person who asked)."""

    status_code = 422

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}

    def __str__(self) -> str:
        return self.message


class RequestInvalid(RequestError):
    """The answers do not pass the item's form (``errors``: field key -> messages)."""


class RequestConflict(RequestError):
    """The request changed under you, or an idempotency key was reused for something else."""

    status_code = 409
