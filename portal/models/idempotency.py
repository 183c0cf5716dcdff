"""Idempotency keys: one row per (owner, scope, key) remembers what a submission created, so
a double click, a refresh, a second tab or a retried API call gets the same thing back.

Written in the same transaction as the thing it points at (``portal.services.idempotency``):
a concurrent submission with the same key waits on the unique index and then reads the
winner's row. Rows older than a day are deleted by the periodic pass (``manage.py tick``).
"""

from __future__ import annotations

from django.apps import apps
from django.db import models
from django.utils import timezone


class IdempotencyKey(models.Model):
    #: What was submitted: ``tickets.ticket_open``, ``community.post_answer``, ``api``, ...
    scope = models.CharField(max_length=64)
    #: Who submitted: ``user:<pk>`` or ``token:<pk>`` (an integration token acts for no user).
    owner = models.CharField(max_length=40)
    key = models.CharField(max_length=64)
    #: SHA-256 of the submission (form answers, or method + path + JSON body): the same key
    #: with other content is refused rather than answered with the first result.
    fingerprint = models.CharField(max_length=64)
    #: What the first submission made (``app_label.model`` and primary key), for forms.
    result_type = models.CharField(max_length=100, blank=True)
    result_id = models.BigIntegerField(null=True, blank=True)
    #: The first answer of an API call (status and JSON text), replayed as it was.
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "scope", "key"], name="portal_idempotency_key_unique"
            )
        ]
        indexes = [models.Index(fields=["created_at"], name="portal_idempotency_created")]

    def __str__(self) -> str:
        return f"{self.scope} {self.owner} {self.key}"

    def result(self) -> models.Model | None:
        """The object the first submission created (None if there is none any more)."""
        if not self.result_type or self.result_id is None:
            return None
        try:
            model = apps.get_model(self.result_type)
        except (LookupError, ValueError):
            return None
        return model._default_manager.filter(pk=self.result_id).first()
