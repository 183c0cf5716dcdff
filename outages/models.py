"""Incidents (outages and maintenance), their updates, their frozen audience and status follows.

Deliberately a separate app from ``tickets`` (see DESIGN.md deviation note). Notices go out
through ``portal.services.notifications.notify`` (``NotificationDelivery`` is the exactly-once
delivery row, unique per event, recipient and channel).
"""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.i18n import TranslatedFields
from portal.models import Customer, Product
from portal.selectors import person_or_none


class IncidentQuerySet(models.QuerySet):
    def published(self) -> IncidentQuerySet:
        return self.filter(published_at__isnull=False)

    def open(self) -> IncidentQuerySet:
        return self.exclude(status=Incident.Status.RESOLVED)

    def visible_to(self, user) -> IncidentQuerySet:
        from portal import roles

        user = person_or_none(user)
        if user is not None and roles.is_agent(user):
            return self.all()
        return self.published()


class Incident(TranslatedFields, models.Model):
    """An outage or maintenance. ``title`` is English, ``title_it`` Italian or empty
    ("Not yet available in Italian": ``portal.i18n``, ``incident.tr.title``)."""

    translated_fields = ("title",)

    class Impact(models.TextChoices):
        DEGRADED = "degraded", _("Degraded performance")
        PARTIAL = "partial", _("Partial outage")
        MAJOR = "major", _("Major outage")
        MAINTENANCE = "maintenance", _("Maintenance")

    class Status(models.TextChoices):
        INVESTIGATING = "investigating", _("Investigating")
        IDENTIFIED = "identified", _("Identified")
        MONITORING = "monitoring", _("Monitoring")
        RESOLVED = "resolved", _("Resolved")

    title = models.CharField(_("public title"), max_length=200)
    title_it = models.CharField(
        _("public title (Italian)"),
        max_length=200,
        blank=True,
        help_text=_("Empty: Italian pages show the English title with a note."),
    )
    products = models.ManyToManyField(Product, related_name="incidents", verbose_name=_("services"))
    region = models.CharField(_("region"), max_length=64, blank=True)
    keywords = models.CharField(
        _("keywords"),
        max_length=500,
        blank=True,
        help_text=_(
            "Comma-separated words or phrases (e.g. DNS, no dial tone). While the incident is "
            "open, a new ticket from an affected customer that uses one is linked to it."
        ),
    )
    impact = models.CharField(_("impact"), max_length=16, choices=Impact.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.INVESTIGATING
    )
    starts_at = models.DateTimeField(_("starts at"), default=timezone.now)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(
        "portal.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        indexes = [models.Index(fields=["status", "starts_at"], name="incident_status_start")]

    def __str__(self) -> str:
        return self.title

    @property
    def keyword_list(self) -> list[str]:
        """The keywords, trimmed, lower case, without empty or repeated ones."""
        words = (word.strip().casefold() for word in self.keywords.split(","))
        return list(dict.fromkeys(word for word in words if word))

    class State(models.TextChoices):
        """What the public is shown besides the workflow ``Status``: an incident announced
        ahead is *scheduled* until it starts; planned maintenance is then *in progress* and,
        once resolved, *completed* (it was never "investigated")."""

        SCHEDULED = "scheduled", _("Scheduled")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.RESOLVED

    @property
    def is_maintenance(self) -> bool:
        return self.impact == self.Impact.MAINTENANCE

    def state_at(self, now: datetime) -> str:
        """The public state at ``now``: a ``State`` (scheduled, in progress, completed) or,
        for an outage under way or over, its ``Status``."""
        if self.is_open and self.starts_at > now:
            return self.State.SCHEDULED
        if self.is_maintenance:
            return self.State.IN_PROGRESS if self.is_open else self.State.COMPLETED
        return self.status

    @property
    def state(self) -> str:
        return self.state_at(timezone.now())

    @property
    def state_label(self) -> str:
        return state_label(self.state)


class IncidentUpdate(TranslatedFields, models.Model):
    translated_fields = ("message",)

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(_("status"), max_length=16, choices=Incident.Status.choices)
    message = models.TextField(_("message"))
    message_it = models.TextField(
        _("message (Italian)"),
        blank=True,
        help_text=_("Empty: Italian pages show the English message with a note."),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("incident update")
        verbose_name_plural = _("incident updates")

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.get_status_display()}"

    @property
    def state(self) -> str:
        """What this update announced, as the public reads it (see ``Incident.State``): for
        maintenance, published before the window *scheduled*, during it *in progress*, the
        resolution *completed*; for an outage its status (a start a few seconds ahead, from
        a monitoring system's clock, must not leave a "scheduled" update behind)."""
        incident = self.incident
        if not incident.is_maintenance:
            return self.status
        if self.status == Incident.Status.RESOLVED:
            return Incident.State.COMPLETED
        if (self.published_at or self.created_at) < incident.starts_at:
            return Incident.State.SCHEDULED
        return Incident.State.IN_PROGRESS

    @property
    def state_label(self) -> str:
        return state_label(self.state)


def state_label(state: str) -> str:
    """The label of a ``State`` or ``Status`` value."""
    labels = {**dict(Incident.Status.choices), **dict(Incident.State.choices)}
    return labels[state]


class IncidentAudience(models.Model):
    """A customer affected by an incident, frozen when the notice is published."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="audience")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("affected customer")
        verbose_name_plural = _("affected customers")
        constraints = [
            models.UniqueConstraint(fields=["incident", "customer"], name="incident_audience_once")
        ]
        indexes = [models.Index(fields=["customer", "incident"], name="incident_audience_cust")]

    def __str__(self) -> str:
        return f"{self.incident_id} → {self.customer_id}"


class StatusSubscription(models.Model):
    """A customer follows a service's status without necessarily being affected."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("status subscription")
        verbose_name_plural = _("status subscriptions")
        constraints = [
            models.UniqueConstraint(fields=["customer", "product"], name="status_subscription_once")
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} follows {self.product_id}"


class CompensationOffer(models.Model):
    """What an incident's affected customers get: granted automatically or on claim."""

    class Kind(models.TextChoices):
        CREDIT = "credit", _("Service credit")
        DISCOUNT = "discount", _("One-time discount code")
        POINTS = "points", _("Loyalty points")

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="offer")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2, default=0)
    automatic = models.BooleanField(_("granted automatically"), default=False)

    class Meta:
        verbose_name = _("compensation offer")
        verbose_name_plural = _("compensation offers")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class CompensationGrant(models.Model):
    """One auditable ledger row per incident and customer."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="grants")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=CompensationOffer.Kind.choices)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    claimed = models.BooleanField(_("claimed by the customer"), default=False)
    code = models.CharField(_("discount code"), max_length=32, blank=True)
    redeemed_at = models.DateTimeField(_("redeemed at"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("compensation grant")
        verbose_name_plural = _("compensation grants")
        constraints = [
            models.UniqueConstraint(fields=["incident", "customer"], name="compensation_once"),
            models.UniqueConstraint(
                fields=["code"], condition=~models.Q(code=""), name="compensation_code_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} → {self.customer_id}: {self.kind} {self.amount}"


class AutoReason(models.TextChoices):
    """Why the periodic pass linked a ticket to an incident (besides: affected customer)."""

    PRODUCT = "product", _("Affected service")
    KEYWORD = "keyword", _("Keyword")


class IncidentTicket(models.Model):
    """A ticket about an incident: answered with its updates and resolved with it. At most
    one proactive ticket per incident and customer (opening them again adds none)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="ticket_links")
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="incident_links"
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    linked_by = models.ForeignKey(
        "portal.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    proactive = models.BooleanField(_("opened proactively"), default=False)
    auto = models.BooleanField(
        _("linked automatically"),
        default=False,
        help_text=_("By the periodic pass: an affected customer's new ticket that matched."),
    )
    reason = models.CharField(
        _("why it was linked"), max_length=16, choices=AutoReason.choices, blank=True
    )
    reason_detail = models.CharField(
        _("what matched"), max_length=200, blank=True, help_text=_("The service or keyword.")
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("linked ticket")
        verbose_name_plural = _("linked tickets")
        constraints = [
            models.UniqueConstraint(fields=["incident", "ticket"], name="incident_ticket_once"),
            models.UniqueConstraint(
                fields=["incident", "customer"],
                condition=models.Q(proactive=True),
                name="incident_proactive_ticket_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} ↔ {self.ticket_id}"

    @property
    def reason_text(self) -> str:
        """What the desk shows for an automatic link, e.g. "Linked automatically: affected
        customer, service Fibre 1000"; "" for a link made by hand."""
        if not self.auto:
            return ""
        if self.reason == AutoReason.KEYWORD:
            detail = _("keyword “%(keyword)s”") % {"keyword": self.reason_detail}
        else:
            detail = _("service %(service)s") % {"service": self.reason_detail}
        return _("Linked automatically: affected customer, %(detail)s") % {"detail": detail}


class IncidentTicketUnlink(models.Model):
    """An agent unlinked this ticket from this incident: the automatic linking never links it
    again (one row per incident and ticket; unlinking again updates it)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    unlinked_by = models.ForeignKey(
        "portal.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    unlinked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("unlinked ticket")
        verbose_name_plural = _("unlinked tickets")
        constraints = [
            models.UniqueConstraint(fields=["incident", "ticket"], name="incident_unlink_once")
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} ↮ {self.ticket_id}"
