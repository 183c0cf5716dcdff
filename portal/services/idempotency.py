"""Submitting once: idempotency keys shared by every form and API operation that creates.

A form carries a fresh key per render (``portal.idempotency.IdempotentFormMixin``), an API
client sends ``Idempotency-Key`` (``portal.idempotency.idempotent``). The first submission
with a key claims it and does the work in the same transaction; any later one with the same
key (a double click, two tabs, a retry after a timeout) gets the first result back instead of
a second ticket, reply or post.

Race-safe on PostgreSQL: ``idempotency_claim`` inserts the key inside the caller's
transaction (INSERT ... with the unique constraint, in a savepoint). A concurrent claim of the
same key waits on the unique index until the first transaction ends: if it committed, the
insert fails and the second reads the committed row (and its result); if it rolled back (the
work was refused), the second claims the key itself. On SQLite writers are serialised, so the
same logic runs one after the other.

The same key with other content (another subject, another body, another path) is refused
(``IdempotencyConflict``): it is a client error, not a retry. Keys are kept for at least
``KEY_TTL`` and then deleted by the periodic pass (``idempotency_keys_expire``).

The catalogue keeps its own, older mechanism (``ServiceRequest.idempotency_key``, unique per
customer, the same ``Idempotency-Key`` header in its API): the key is part of the request row
(the demo uses it as the request's natural key) and is kept for good, so moving it here would
need a catalogue migration and change what a replay after a day means. Both accept the same
key format (``KEY_RE``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import IdempotencyKey
from portal.services.errors import ServiceError

KEY_RE = re.compile(r"^[A-Za-z0-9_.:\-]{8,64}$")
KEY_TTL = timedelta(hours=24)
EXPIRE_BATCH = 5000


class IdempotencyError(ServiceError):
    """A key that cannot be used (a message for the person or client who sent it)."""

    status_code = 400


class IdempotencyConflict(IdempotencyError):
    """The key was already used for a different submission."""

    status_code = 422


def key_check(raw: object) -> str:
    """The key if it is 8 to 64 letters, digits or ``_ . : -``; else ``IdempotencyError``."""
    if not isinstance(raw, str) or not KEY_RE.match(raw):
        raise IdempotencyError(
            _("The idempotency key must be 8 to 64 letters, digits or the characters _ . : -")
        )
    return raw


def owner_of(user=None, api_token=None) -> str | None:
    """Whose keys these are: the signed-in user, else an (integration) API token."""
    if user is not None and getattr(user, "is_authenticated", False):
        return f"user:{user.pk}"
    if api_token is not None and getattr(api_token, "pk", None) is not None:
        return f"token:{api_token.pk}"
    return None


def fingerprint(value: object) -> str:
    """SHA-256 of a JSON-able description of a submission (keys sorted)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Claim:
    record: IdempotencyKey
    #: True when the key was claimed before: ``record`` holds the first submission's result.
    replay: bool

    def finish(
        self,
        *,
        result: models.Model | None = None,
        response_status: int | None = None,
        response_body: str = "",
    ) -> None:
        """Remember what the submission made (same transaction as the claim)."""
        record = self.record
        if result is not None:
            record.result_type = result._meta.label_lower
            record.result_id = result.pk
        record.response_status = response_status
        record.response_body = response_body
        record.save(update_fields=["result_type", "result_id", "response_status", "response_body"])


def idempotency_claim(
    *, scope: str, owner: str, key: str, fingerprint: str, now: datetime | None = None
) -> Claim:
    """Claim ``key`` for ``owner`` in ``scope`` inside the caller's transaction.

    New key: ``Claim(replay=False)``; do the work, then ``claim.finish(...)`` before the
    transaction commits. Used before with the same fingerprint: ``Claim(replay=True)`` with
    the first result. Used before with another fingerprint: ``IdempotencyConflict``."""
    if not connection.in_atomic_block:
        raise RuntimeError("idempotency_claim must run inside the caller's transaction")
    key = key_check(key)
    try:
        with transaction.atomic():
            record = IdempotencyKey.objects.create(
                scope=scope,
                owner=owner,
                key=key,
                fingerprint=fingerprint,
                created_at=now or timezone.now(),
            )
        return Claim(record=record, replay=False)
    except IntegrityError:
        # Claimed before, or by a concurrent submission that has committed meanwhile (the
        # insert waited for it on PostgreSQL): read what it made.
        record = IdempotencyKey.objects.filter(scope=scope, owner=owner, key=key).first()
        if record is None:
            raise
    if record.fingerprint != fingerprint:
        raise IdempotencyConflict(
            _(
                "This idempotency key was already used for a different submission. "
                "Use a new key for new content."
            )
        )
    return Claim(record=record, replay=True)


def once[M: models.Model](
    *,
    scope: str,
    owner: str | None,
    key: str,
    fingerprint: str,
    create: Callable[[], M],
) -> tuple[M, bool]:
    """Run ``create()`` once per key: returns ``(object, created)``.

    Without an owner or a key (an old client, a form posted without its hidden key) this is
    just ``create()``. ``create``'s exceptions roll the claim back, so a refused submission
    can be corrected and sent again with the same key."""
    if not key or owner is None:
        return create(), True
    with transaction.atomic():
        claim = idempotency_claim(scope=scope, owner=owner, key=key, fingerprint=fingerprint)
        if claim.replay:
            found = claim.record.result()
            if found is None:
                raise IdempotencyConflict(
                    _("This form was already sent. Reload the page to send something new.")
                )
            return found, False
        made = create()
        claim.finish(result=made)
        return made, True


@transaction.atomic
def idempotency_keys_expire(*, now: datetime | None = None) -> int:
    """Delete keys older than ``KEY_TTL`` (in batches). Returns how many."""
    cutoff = (now or timezone.now()) - KEY_TTL
    deleted = 0
    while True:
        ids = list(
            IdempotencyKey.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[
                :EXPIRE_BATCH
            ]
        )
        if not ids:
            return deleted
        deleted += IdempotencyKey.objects.filter(pk__in=ids).delete()[0]
