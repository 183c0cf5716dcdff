"""SLA policies, the business calendars they count in, and the breaches that happened.

A policy gives first-response and resolution targets (in business minutes of its calendar)
for one priority, optionally for one organisation (which then wins over the general policy).
Breaches are stored when they happen (``SlaBreach``, one per ticket and kind), not recomputed.
"""

from __future__ import annotations

import zoneinfo
from datetime import time

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from tickets.businesshours import Schedule
from tickets.models.choices import Priority

WEEKDAY_FIELDS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class BusinessCalendar(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Rome", validators=[validate_timezone]
    )
    monday = models.BooleanField(_("Monday"), default=True)
    tuesday = models.BooleanField(_("Tuesday"), default=True)
    wednesday = models.BooleanField(_("Wednesday"), default=True)
    thursday = models.BooleanField(_("Thursday"), default=True)
    friday = models.BooleanField(_("Friday"), default=True)
    saturday = models.BooleanField(_("Saturday"), default=False)
    sunday = models.BooleanField(_("Sunday"), default=False)
    day_start = models.TimeField(_("opens at"), default=time(9, 0))
    day_end = models.TimeField(
        _("closes at"), default=time(17, 0), help_text=_("00:00 means midnight (end of the day).")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not any(getattr(self, day) for day in WEEKDAY_FIELDS):
            raise ValidationError(_("Choose at least one working day."))
        if self.day_end != time(0) and self.day_start and self.day_end <= self.day_start:
            raise ValidationError({"day_end": _("The working day must end after it starts.")})

    @property
    def weekdays(self) -> frozenset[int]:
        return frozenset(i for i, day in enumerate(WEEKDAY_FIELDS) if getattr(self, day))

    @cached_property
    def schedule(self) -> Schedule:
        """The pure schedule (one query for the holidays, cached on the instance)."""
        return Schedule.build(
            zoneinfo.ZoneInfo(self.timezone),
            weekdays=self.weekdays,
            start=self.day_start,
            end=self.day_end,
            holidays=self.holidays.values_list("date", flat=True),
        )


class Holiday(models.Model):
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="holidays"
    )
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="holiday_one_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class SlaPolicyQuerySet(models.QuerySet):
    def active(self) -> SlaPolicyQuerySet:
        return self.filter(is_active=True)


class SlaPolicy(models.Model):
    name = models.CharField(_("name"), max_length=100)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices)
    organisation = models.ForeignKey(
        "portal.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sla_policies",
        help_text=_("Leave empty for the policy that applies to everyone else."),
    )
    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("business calendar"),
        on_delete=models.PROTECT,
        related_name="policies",
    )
    first_response_minutes = models.PositiveIntegerField(
        _("first response within (business minutes)"), validators=[MinValueValidator(1)]
    )
    resolution_minutes = models.PositiveIntegerField(
        _("resolution within (business minutes)"), validators=[MinValueValidator(1)]
    )
    at_risk_percent = models.PositiveSmallIntegerField(
        _("at risk after (% of the target)"),
        default=75,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = SlaPolicyQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "-priority"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.UniqueConstraint(
                fields=["priority", "organisation"],
                condition=Q(is_active=True, organisation__isnull=False),
                name="sla_policy_one_per_org_priority",
            ),
            models.UniqueConstraint(
                fields=["priority"],
                condition=Q(is_active=True, organisation__isnull=True),
                name="sla_policy_one_default_per_priority",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if (
            self.first_response_minutes
            and self.resolution_minutes
            and self.resolution_minutes < self.first_response_minutes
        ):
            raise ValidationError(
                {"resolution_minutes": _("Resolution cannot be due before the first response.")}
            )


class SlaBreach(models.Model):
    class Kind(models.TextChoices):
        FIRST_RESPONSE = "first_response", _("First response")
        RESOLUTION = "resolution", _("Resolution")

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="breaches")
    kind = models.CharField(_("target"), max_length=16, choices=Kind.choices)
    policy = models.ForeignKey(
        SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_at = models.DateTimeField(_("was due"))
    breached_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        ordering = ["-breached_at"]
        verbose_name = _("SLA breach")
        verbose_name_plural = _("SLA breaches")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "kind"], name="sla_breach_once_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"
