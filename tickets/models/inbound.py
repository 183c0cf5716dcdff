"""The email channel's inbound side: every message received (kept whole, exactly once) and the
addresses that route new tickets to a queue.

``InboundMessage`` is written by ``tickets.services.intake.mail_intake`` before the message is
looked at, so nothing is lost: a message that fails is kept as ``failed`` with the error and
can be retried from the admin. Its ``dedup_key`` (the Message-ID, or a hash of the bytes when
there is none) is unique: the same message delivered twice is one row and one ticket message.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tickets.models.conversation import Message
from tickets.models.tickets import Queue, Ticket


def inbound_raw_path(instance: InboundMessage, filename: str) -> str:
    """A random storage name for the original message (``.eml``), by month."""
    now = timezone.now()
    return f"inbound/{now:%Y/%m}/{uuid.uuid4().hex}.eml"


class InboundAddress(models.Model):
    """An address customers write to, and the queue its new tickets land in
    (``billing@example.com`` -> Billing). Replies to a ticket stay on the ticket's queue."""

    address = models.EmailField(
        _("address"),
        unique=True,
        help_text=_("The address customers write to, e.g. billing@example.com."),
    )
    queue = models.ForeignKey(
        Queue,
        verbose_name=_("queue"),
        on_delete=models.CASCADE,
        related_name="inbound_addresses",
        help_text=_("New tickets from email sent to this address land in this queue."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["address"]
        verbose_name = _("inbound email address")
        verbose_name_plural = _("inbound email addresses")

    def __str__(self) -> str:
        return self.address

    def save(self, *args, **kwargs):
        self.address = (self.address or "").strip().lower()
        super().save(*args, **kwargs)


class InboundMessage(models.Model):
    class State(models.TextChoices):
        RECEIVED = "received", _("Received")  # stored, not (yet) processed
        ACCEPTED = "accepted", _("Accepted")
        IGNORED = "ignored", _("Ignored")
        REFUSED = "refused", _("Refused")
        FAILED = "failed", _("Failed")

    class Reason(models.TextChoices):
        NEW_TICKET = "new_ticket", _("New ticket")
        REPLY = "reply", _("Reply to a ticket")
        AGENT_REPLY = "agent_reply", _("Agent reply")
        AGENT_NOTE = "agent_note", _("Agent internal note")
        AUTO_REPLY = "auto_reply", _("Auto-reply")
        BOUNCE = "bounce", _("Bounce (delivery status notification)")
        OWN_MESSAGE = "own_message", _("Our own message came back")
        FLOOD = "flood", _("Too many messages from this sender")
        UNKNOWN_SENDER = "unknown_sender", _("Unknown sender")
        NOT_ALLOWED = "not_allowed", _("Sender may not write on this ticket")
        NO_SENDER = "no_sender", _("No usable sender address")
        AGENT_NEW = "agent_new", _("Agent mail that is not a reply")
        INVALID = "invalid", _("The message was refused by the ticket rules")
        ERROR = "error", _("Error")

    dedup_key = models.CharField(max_length=255, unique=True, editable=False)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True, db_index=True)
    raw = models.FileField(_("original message"), upload_to=inbound_raw_path, max_length=200)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    source = models.CharField(
        _("received through"), max_length=40, blank=True, help_text=_("pipe, webhook, imap")
    )
    from_address = models.CharField(_("from"), max_length=320, blank=True, db_index=True)
    to_address = models.CharField(_("to"), max_length=320, blank=True)
    # What the mail server said (a pipe's or provider's envelope), kept for retries.
    envelope_to = models.CharField(_("envelope recipient"), max_length=320, blank=True)
    envelope_from = models.CharField(
        _("envelope sender"),
        max_length=320,
        blank=True,
        help_text=_("<> for a null sender (bounces); empty when not given."),
    )
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.RECEIVED
    )
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices, blank=True)
    detail = models.TextField(_("detail"), blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    refused_files = models.JSONField(_("refused attachments"), default=list, blank=True)
    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_messages",
    )
    ticket_message = models.ForeignKey(
        Message,
        verbose_name=_("ticket message"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_messages",
    )

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("inbound email")
        verbose_name_plural = _("inbound emails")
        indexes = [
            # flood protection: messages from one sender in the last minute
            models.Index(fields=["from_address", "received_at"], name="inbound_sender_time"),
            models.Index(fields=["state", "received_at"], name="inbound_state_time"),
        ]

    def __str__(self) -> str:
        return f"{self.from_address} {self.subject}"[:120]

    @property
    def retryable(self) -> bool:
        return self.state in (self.State.FAILED, self.State.RECEIVED)
