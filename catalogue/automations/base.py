"""The interface every automation implements, and the registry that names them.

An automation is a class with a unique ``key``. The catalogue item names it in its
``fulfilment`` field; ``catalogue.services.request_fulfil`` runs it in a background task:

- ``check_config(config)``: messages for a bad ``automation_config`` (shown in the admin);
- ``required_fields``: form fields (key -> type) the item's form must have (checked in the admin);
- ``offer(key, queryset)``: the subscriptions or purchases a choice field offers (only those
  the automation can act on: a pause form lists active subscriptions, not paused ones);
- ``validate(request)``: at submission, inside the submit transaction: raise
  ``AutomationInputError`` when the answers cannot be acted on (a form error, nothing saved);
- ``on_submit(request)``: optional, in the submit transaction, for what cannot wait for the
  queue (blocking a lost card); returns a timeline note or "";
- ``fulfil(request) -> Result``: do the work (may be retried: it must be idempotent);
- ``describe(result)``: the customer-facing text of a result.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from catalogue.models import ServiceRequest


_quiet: ContextVar[bool] = ContextVar("catalogue_automation_emails_off", default=False)


@contextmanager
def emails_off() -> Iterator[None]:
    """Automations inside this block send no email of their own (demo seeding)."""
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


def emails_on() -> bool:
    return not _quiet.get()


class AutomationInputError(Exception):
    """The answers cannot be acted on: ``field`` (a form key, or None) and a message."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class ResultFile:
    name: str
    content: bytes
    content_type: str


@dataclass(frozen=True)
class Result:
    """What one run of an automation achieved.

    ``state``: "fulfilled", "failed", "pending" (waiting for something outside: an email
    verification) or "retry" (try again in ``retry_in`` seconds)."""

    state: str
    message: str = ""
    error: str = ""
    file: ResultFile | None = None
    retry_in: int | None = None
    follow_up_ticket: object = None  # a tickets.Ticket filed as a follow-up

    @classmethod
    def fulfilled(cls, message: str, **extra) -> Result:
        return cls("fulfilled", message=message, **extra)

    @classmethod
    def failed(cls, error: str, **extra) -> Result:
        return cls("failed", error=error, **extra)

    @classmethod
    def pending(cls, message: str) -> Result:
        return cls("pending", message=message)

    @classmethod
    def retry(cls, error: str, retry_in: int) -> Result:
        return cls("retry", error=error, retry_in=retry_in)


class Automation:
    key: ClassVar[str]
    label: ClassVar[str]
    description: ClassVar[str] = ""
    #: form fields the item must have: key -> field type (catalogue.models.FieldType values)
    required_fields: ClassVar[dict[str, tuple[str, ...]]] = {}

    def check_config(self, config: dict) -> list[str]:
        if config:
            return [str(_("This automation takes no settings."))]
        return []

    def offer(self, key: str, queryset: QuerySet) -> QuerySet:
        """The objects the request form's choice field ``key`` (a subscription, a purchase)
        offers: only those this automation can act on, so that the form never offers what
        ``validate`` then refuses (issue 18). All of the customer's by default."""
        return queryset

    def validate(self, request: ServiceRequest) -> None:
        return None

    def on_submit(self, request: ServiceRequest) -> str:
        return ""

    def fulfil(self, request: ServiceRequest) -> Result:
        raise NotImplementedError

    def describe(self, result: Result) -> str:
        return result.message if result.state != "failed" else result.error


class Registry:
    def __init__(self) -> None:
        self._automations: dict[str, Automation] = {}

    def register(self, cls: type[Automation]) -> type[Automation]:
        if cls.key == "manual" or cls.key in self._automations:
            raise ValueError(f"automation key {cls.key!r} is taken")
        self._automations[cls.key] = cls()
        return cls

    def get(self, key: str) -> Automation | None:
        return self._automations.get(key)

    def keys(self) -> list[str]:
        return list(self._automations)

    def choices(self) -> list[tuple[str, str]]:
        return [(key, str(a.label)) for key, a in self._automations.items()]

    def unregister(self, key: str) -> None:
        """For tests that register throw-away automations."""
        self._automations.pop(key, None)


registry = Registry()
