"""What is said on a ticket: messages (public replies and internal notes), attachments, the
history of field changes, and links to knowledge-base articles sent in replies."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.markdown import render_markdown
from portal.selectors import person_or_none
from portal.uploads import PREVIEW_TYPES
from tickets.models.choices import Category, Impact, Priority, Status
from tickets.models.tickets import Ticket


class MessageQuerySet(models.QuerySet):
    def public(self) -> MessageQuerySet:
        return self.filter(internal=False)

    def visible_to(self, user) -> MessageQuerySet:
        """Messages of tickets ``user`` may see; internal notes only for agents."""
        from portal import roles

        user = person_or_none(user)
        if user is None:
            return self.none()
        visible = self.filter(ticket__in=Ticket.objects.visible_to(user))
        return visible if roles.is_agent(user) else visible.filter(internal=False)


class Message(models.Model):
    class Author(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        AGENT = "agent", _("Agent")
        SYSTEM = "system", _("System")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_role = models.CharField(max_length=8, choices=Author.choices, default=Author.CUSTOMER)
    internal = models.BooleanField(
        _("internal note"), default=False, help_text=_("Only agents see internal notes.")
    )
    body = models.TextField(_("message"))
    body_html = models.TextField(editable=False, blank=True)
    channel = models.CharField(_("channel"), max_length=16, default="web")
    created_at = models.DateTimeField(default=timezone.now)

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [models.Index(fields=["ticket", "created_at"], name="message_ticket_time")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.author_role} {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        # Rendered once, on save: pages show the stored, sanitised HTML.
        self.body_html = render_markdown(self.body)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "body_html"}
        super().save(*args, **kwargs)


def attachment_path(instance: Attachment, filename: str) -> str:
    """A random storage name: nothing of the uploaded name reaches the file system."""
    now = timezone.now()
    return f"tickets/{now:%Y/%m}/{uuid.uuid4().hex}"


class AttachmentQuerySet(models.QuerySet):
    def visible_to(self, user) -> AttachmentQuerySet:
        """Files of tickets ``user`` may see; an internal note's files only for agents."""
        from portal import roles

        user = person_or_none(user)
        if user is None:
            return self.none()
        files = self.filter(ticket__in=Ticket.objects.visible_to(user))
        if roles.is_agent(user):
            return files
        return files.filter(models.Q(message__isnull=True) | models.Q(message__internal=False))


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    created_at = models.DateTimeField(default=timezone.now)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("tickets:attachment", args=[self.ticket_id, self.pk])

    @property
    def is_internal(self) -> bool:
        return self.message is not None and self.message.internal

    @property
    def is_image(self) -> bool:
        """Shown as a thumbnail on the ticket pages (issue 18): a checked image type."""
        return self.content_type in PREVIEW_TYPES


class TicketEvent(models.Model):
    """One change on a ticket (the field-change history agents see)."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Opened")
        CHANGED = "changed", _("Changed")
        MERGED = "merged", _("Merged")
        SLA_BREACH = "sla_breach", _("SLA breached")
        ESCALATED = "escalated", _("Escalated")
        ARTICLE_LINKED = "article", _("Article linked")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.CHANGED)
    field = models.CharField(max_length=32, blank=True)
    old_value = models.CharField(max_length=255, blank=True)
    new_value = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        indexes = [models.Index(fields=["ticket", "created_at"], name="ticket_event_time")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.field}"

    FIELD_LABELS = {
        "status": _("Status"),
        "priority": _("Priority"),
        "assignee": _("Assignee"),
        "queue": _("Queue"),
        "tags": _("Tags"),
        "category": _("Category"),
        "impact": _("Impact"),
        "product": _("Product"),
        "subject": _("Subject"),
        "merged_into": _("Merged into"),
        "sla": _("SLA"),
    }
    CHOICES = {"status": Status, "category": Category, "impact": Impact}

    @property
    def field_label(self) -> str:
        return str(self.FIELD_LABELS.get(self.field, self.field))

    SLA_VALUES = {
        "at_risk": _("At risk"),
        "breached": _("Breached"),
        "first_response": _("First response"),
        "resolution": _("Resolution"),
    }

    def _display(self, value: str) -> str:
        if not value:
            return ""
        if self.field == "sla":
            return str(self.SLA_VALUES.get(value, value))
        if self.field == "priority" and value.isdigit() and int(value) in Priority.values:
            return str(Priority(int(value)).label)
        choices = self.CHOICES.get(self.field)
        if choices is not None and value in choices.values:
            return str(choices(value).label)
        return value

    @property
    def old_display(self) -> str:
        return self._display(self.old_value)

    @property
    def new_display(self) -> str:
        return self._display(self.new_value)


class TicketArticleLink(models.Model):
    """A knowledge-base article an agent sent in a reply (measures which articles help)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="article_links")
    article = models.ForeignKey(
        "knowledgebase.ArticlePage", on_delete=models.CASCADE, related_name="ticket_links"
    )
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="article_links"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("linked article")
        verbose_name_plural = _("linked articles")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "article"], name="ticket_article_once")
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.article_id}"
