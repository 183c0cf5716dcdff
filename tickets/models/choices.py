"""The ticket vocabularies: status, priority, category, impact."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting on customer")
    WAITING_THIRD_PARTY = "waiting_third_party", _("Waiting on third party")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


#: Statuses an agent still has to act on (the desk's default view, the SLA clock).
ACTIVE_STATUSES = (
    Status.NEW,
    Status.OPEN,
    Status.WAITING_CUSTOMER,
    Status.WAITING_THIRD_PARTY,
)
DONE_STATUSES = (Status.RESOLVED, Status.CLOSED)

#: Allowed status changes (reopening is ``ticket_reopen``; merging closes through the merge).
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset(
        {
            Status.OPEN,
            Status.WAITING_CUSTOMER,
            Status.WAITING_THIRD_PARTY,
            Status.RESOLVED,
            Status.CLOSED,
        }
    ),
    Status.OPEN: frozenset(
        {Status.WAITING_CUSTOMER, Status.WAITING_THIRD_PARTY, Status.RESOLVED, Status.CLOSED}
    ),
    Status.WAITING_CUSTOMER: frozenset(
        {Status.OPEN, Status.WAITING_THIRD_PARTY, Status.RESOLVED, Status.CLOSED}
    ),
    Status.WAITING_THIRD_PARTY: frozenset(
        {Status.OPEN, Status.WAITING_CUSTOMER, Status.RESOLVED, Status.CLOSED}
    ),
    Status.RESOLVED: frozenset({Status.OPEN, Status.CLOSED}),
    Status.CLOSED: frozenset({Status.OPEN}),
}


class Priority(models.IntegerChoices):
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")

    @property
    def key(self) -> str:
        return self.name.lower()

    @classmethod
    def from_key(cls, key: str) -> Priority:
        try:
            return cls[key.upper()]
        except KeyError:
            raise ValueError(f"unknown priority {key!r}") from None


PRIORITY_KEYS = tuple(p.key for p in Priority)


class Category(models.TextChoices):
    QUESTION = "question", _("Question")
    PROBLEM = "problem", _("Something does not work")
    BILLING = "billing", _("Billing and payments")
    ACCOUNT = "account", _("Account and access")
    REQUEST = "request", _("Request for a change")
    FEEDBACK = "feedback", _("Feedback or complaint")


class Impact(models.TextChoices):
    ME = "me", _("Only me")
    SOME = "some", _("Several people")
    ALL = "all", _("Everyone in my organisation")
