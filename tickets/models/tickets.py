"""Tickets, their queues and tags.

Who may see a ticket is decided in one place, ``Ticket.objects.visible_to(user)``: a customer
sees their own tickets and, when their organisation shares tickets, the organisation's;
agents and admins see every ticket; anyone else sees none (another customer's ticket is a 404).
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal import roles
from portal.selectors import person_or_none
from tickets.models.choices import (
    ACTIVE_STATUSES,
    DONE_STATUSES,
    Category,
    Impact,
    Priority,
    Status,
)


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class Queue(models.Model):
    """Where new tickets land: per team and (optionally) per product."""

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    team = models.ForeignKey(
        "portal.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="queues",
    )
    products = models.ManyToManyField(
        "portal.Product",
        verbose_name=_("products and services"),
        blank=True,
        related_name="ticket_queues",
        help_text=_("Tickets about these products land in this queue."),
    )
    is_default = models.BooleanField(
        _("default queue"), default=False, help_text=_("For tickets no other queue takes.")
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("queue")
        verbose_name_plural = _("queues")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="queue_one_default"
            )
        ]

    def __str__(self) -> str:
        return self.name


class TicketQuerySet(models.QuerySet):
    def visible_to(self, user) -> TicketQuerySet:
        user = person_or_none(user)
        if user is None:
            return self.none()
        if roles.is_agent(user):
            return self
        customer = getattr(user, "customer", None)
        if customer is None:
            return self.none()
        condition = Q(customer=customer)
        organisation = customer.organisation
        if organisation is not None and organisation.share_tickets:
            condition |= Q(organisation=organisation)
        return self.filter(condition)

    def active(self) -> TicketQuerySet:
        return self.filter(status__in=ACTIVE_STATUSES)

    def for_list(self) -> TicketQuerySet:
        """What a list row shows, in a constant number of queries."""
        return self.select_related(
            "customer", "organisation", "assignee", "queue", "product"
        ).prefetch_related("tags")


class Ticket(models.Model):
    subject = models.CharField(_("subject"), max_length=200)
    customer = models.ForeignKey(
        "portal.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    organisation = models.ForeignKey(
        "portal.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        help_text=_("The customer's organisation when the ticket was opened."),
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    product = models.ForeignKey(
        "portal.Product",
        verbose_name=_("product or service"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    category = models.CharField(
        _("category"), max_length=16, choices=Category.choices, default=Category.QUESTION
    )
    impact = models.CharField(_("impact"), max_length=8, choices=Impact.choices, default=Impact.ME)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW
    )
    channel = models.CharField(_("channel"), max_length=16, default="web")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    queue = models.ForeignKey(
        Queue,
        verbose_name=_("queue"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="tickets")
    created_at = models.DateTimeField(_("opened"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    reopened_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_tickets",
    )
    # --- SLA (tickets.services.sla keeps these consistent) ---------------------------------
    sla_policy = models.ForeignKey(
        "tickets.SlaPolicy", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sla_started_at = models.DateTimeField(null=True, blank=True)
    sla_paused_at = models.DateTimeField(null=True, blank=True)
    sla_paused_seconds = models.PositiveIntegerField(default=0)
    first_response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    sla_due_at = models.DateTimeField(_("next SLA target"), null=True, blank=True)
    sla_warn_at = models.DateTimeField(null=True, blank=True)
    sla_breached = models.BooleanField(_("SLA breached"), default=False)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    priority_escalated = models.BooleanField(default=False)

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            # The agent queue: active tickets by priority, then SLA due time.
            models.Index(
                models.F("priority").desc(),
                models.F("sla_due_at").asc(),  # NULLS LAST is the default for ASC (PostgreSQL)
                "id",
                condition=Q(status__in=ACTIVE_STATUSES),
                name="ticket_queue_active",
            ),
            # On PostgreSQL, migration 0002 adds ticket_queue_covering: the same key and
            # condition as ticket_queue_active, with the columns the desk filters on
            # INCLUDEd, so counts, counters and page ids are index-only scans.
            models.Index(fields=["created_at", "id"], name="ticket_created"),
            models.Index(fields=["queue", "status", "-priority"], name="ticket_queue_status"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_status"),
            models.Index(fields=["customer", "-created_at"], name="ticket_customer_recent"),
            models.Index(fields=["organisation", "-created_at"], name="ticket_org_recent"),
            models.Index(fields=["status", "sla_due_at"], name="ticket_status_sla"),
            models.Index(fields=["status", "resolved_at"], name="ticket_status_resolved"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("tickets:detail", args=[self.pk])

    @property
    def number(self) -> str:
        return f"T-{self.pk}"

    def get_desk_url(self) -> str:
        return reverse("desk:ticket", args=[self.pk])

    # --- single-row behaviour ---------------------------------------------------------------
    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_done(self) -> bool:
        return self.status in DONE_STATUSES

    @property
    def priority_key(self) -> str:
        return Priority(self.priority).key

    def sla_state(self, now: datetime | None = None) -> str:
        """``paused``, ``breached``, ``at_risk``, ``on_track`` or ``none`` (no target left)."""
        now = now or timezone.now()
        if self.sla_breached:
            return "breached"
        if self.sla_paused_at is not None and self.is_active:
            return "paused"
        if self.sla_due_at is None:
            return "none"
        if now >= self.sla_due_at:
            return "breached"
        if self.sla_warn_at is not None and now >= self.sla_warn_at:
            return "at_risk"
        return "on_track"

    @property
    def sla_target(self) -> str:
        """Which target ``sla_due_at`` is: ``first_response``, ``resolution`` or ``""``."""
        if self.sla_due_at is None:
            return ""
        if self.first_response_at is None and self.sla_due_at == self.first_response_due_at:
            return "first_response"
        return "resolution"

    def reopen_deadline(self) -> datetime | None:
        """Until when the customer may reopen (``None``: not reopenable by the customer)."""
        if self.merged_into_id is not None or self.status not in DONE_STATUSES:
            return None
        done_at = self.resolved_at or self.closed_at
        if done_at is None:
            return None
        return done_at + settings.TICKETS_REOPEN_WINDOW
