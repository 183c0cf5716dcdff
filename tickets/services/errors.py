"""The errors ticket services raise; views show the message, the API answers 409/422."""

from __future__ import annotations


class TicketError(Exception):
    """The request cannot be carried out (a message for the person who asked)."""

    status_code = 422

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class TicketConflict(TicketError):
    """The ticket changed under you (someone else claimed it, it was merged, ...)."""

    status_code = 409
