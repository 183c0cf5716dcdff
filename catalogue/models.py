"""The service catalogue: categories, items with their request forms, requests and their
timeline, the payment cards a "lost card" request blocks, and the webhook delivery log.

Who may request an item is decided in one place, ``CatalogueItem.objects.requestable_by``;
who may see a request in ``ServiceRequest.objects.visible_to`` (the customer, their
organisation's admin, agents). Writes go through ``catalogue.services``.
"""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.models import Orderable

from portal import roles
from portal.i18n import TranslatedFields, column
from portal.models import Customer, Product
from portal.selectors import person_or_none

MANUAL = "manual"

ICONS = (
    ("key", _("Key")),
    ("mail", _("Envelope")),
    ("pause", _("Pause")),
    ("cancel", _("Stop")),
    ("doc", _("Document")),
    ("card", _("Card")),
    ("link", _("Link")),
    ("wrench", _("Wrench")),
    ("user", _("Person")),
    ("box", _("Box")),
)


ITALIAN_HELP = _("Empty: Italian pages show the English text.")


class CatalogueCategory(TranslatedFields, models.Model):
    """A group of items. ``name`` and ``description`` are English; ``*_it`` their Italian
    (``portal.i18n``: ``category.tr.name`` in the active language, English when empty)."""

    translated_fields = ("name", "description")

    name = models.CharField(_("name"), max_length=100)
    name_it = models.CharField(
        _("name (Italian)"), max_length=100, blank=True, help_text=ITALIAN_HELP
    )
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    description_it = models.CharField(
        _("description (Italian)"), max_length=300, blank=True, help_text=ITALIAN_HELP
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("catalogue category")
        verbose_name_plural = _("catalogue categories")

    def __str__(self) -> str:
        return self.name


class Audience(models.TextChoices):
    ANY_CUSTOMER = "any", _("Any customer")
    ORG_ADMINS = "org_admins", _("Organisation admins")
    SUBSCRIBERS = "subscribers", _("Subscribers of a product or service")


class CatalogueItemQuerySet(models.QuerySet):
    def active(self) -> CatalogueItemQuerySet:
        return self.filter(is_active=True)

    def requestable_by(self, user) -> CatalogueItemQuerySet:
        """The active items ``user`` may request: customers only, by the item's audience."""
        customer = getattr(user, "customer", None) if user.is_authenticated else None
        if customer is None or roles.is_agent(user) or not user.is_active:
            return self.none()
        rule = Q(audience=Audience.ANY_CUSTOMER)
        if customer.is_org_admin and customer.organisation_id:
            rule |= Q(audience=Audience.ORG_ADMINS)
        subscribed = customer.subscriptions.filter(status__in=("active", "paused")).values(
            "product_id"
        )
        rule |= Q(audience=Audience.SUBSCRIBERS, audience_product__in=subscribed)
        return self.active().filter(rule)


class CatalogueItem(TranslatedFields, ClusterableModel):
    """An item customers request. The texts are English with optional Italian columns
    (``*_it``, ``portal.i18n``): readers use ``item.tr.name`` etc. Search (``catalogue.search``)
    can index ``portal.i18n.column(field, code)`` for each language in ``translated_fields``."""

    translated_fields = ("name", "short_description", "description")

    name = models.CharField(_("name"), max_length=120)
    name_it = models.CharField(
        _("name (Italian)"), max_length=120, blank=True, help_text=ITALIAN_HELP
    )
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    short_description = models.CharField(_("short description"), max_length=250)
    short_description_it = models.CharField(
        _("short description (Italian)"), max_length=250, blank=True, help_text=ITALIAN_HELP
    )
    description = models.TextField(
        _("instructions"), blank=True, help_text=_("Shown above the form. Plain text.")
    )
    description_it = models.TextField(
        _("instructions (Italian)"), blank=True, help_text=ITALIAN_HELP
    )
    category = models.ForeignKey(
        CatalogueCategory,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="items",
    )
    icon = models.CharField(_("icon"), max_length=20, choices=ICONS, default="box")
    audience = models.CharField(
        _("who may request it"),
        max_length=16,
        choices=Audience.choices,
        default=Audience.ANY_CUSTOMER,
    )
    audience_product = models.ForeignKey(
        Product,
        verbose_name=_("subscribers of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Only for items requested by the subscribers of a product or service."),
    )
    requires_approval = models.BooleanField(
        _("needs approval by the organisation admin"),
        default=False,
        help_text=_(
            "Requests by members of an organisation wait for its admin's approval. Requests by "
            "the admin themselves, or by customers without an organisation, do not."
        ),
    )
    expected_minutes = models.PositiveIntegerField(
        _("expected fulfilment time (minutes)"), default=5
    )
    fulfilment = models.CharField(
        _("fulfilment"),
        max_length=40,
        default=MANUAL,
        help_text=_('An automation from the registry, or "manual" (a ticket for an agent).'),
    )
    queue = models.ForeignKey(
        "tickets.Queue",
        verbose_name=_("ticket queue"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Where manual requests and failed automations become tickets."),
    )
    automation_config = models.JSONField(
        _("automation settings"),
        default=dict,
        blank=True,
        help_text=_('JSON, e.g. {"url": "https://…", "secret": "…"} for the webhook.'),
    )
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CatalogueItemQuerySet.as_manager()

    class Meta:
        ordering = ["category__position", "position", "name"]
        verbose_name = _("catalogue item")
        verbose_name_plural = _("catalogue items")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalogue:item", args=[self.slug])

    @property
    def is_automated(self) -> bool:
        return self.fulfilment != MANUAL

    @property
    def automation(self):
        from catalogue.automations import registry

        return registry.get(self.fulfilment) if self.is_automated else None

    def expected_display(self) -> str:
        from catalogue.presenters import duration_text

        return duration_text(self.expected_minutes * 60)

    def clean(self) -> None:
        from catalogue.automations import registry

        errors: dict[str, str] = {}
        if self.audience == Audience.SUBSCRIBERS and self.audience_product_id is None:
            errors["audience_product"] = _(
                "Choose the product or service whose subscribers may request it."
            )
        if self.audience != Audience.SUBSCRIBERS and self.audience_product_id is not None:
            errors["audience_product"] = _("Only for items requested by subscribers.")
        if self.fulfilment != MANUAL:
            automation = registry.get(self.fulfilment)
            if automation is None:
                errors["fulfilment"] = _("Unknown automation.")
            else:
                for message in automation.check_config(self.automation_config or {}):
                    errors.setdefault("automation_config", message)
        elif self.automation_config:
            errors["automation_config"] = _("Manual items take no automation settings.")
        if errors:
            raise ValidationError(errors)


class FieldType(models.TextChoices):
    SHORT_TEXT = "short_text", _("Short text")
    LONG_TEXT = "long_text", _("Long text")
    EMAIL = "email", _("Email address")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Single choice")
    MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
    YES_NO = "yes_no", _("Yes / no")
    SUBSCRIPTION = "subscription", _("One of my subscriptions")
    PURCHASE = "purchase", _("One of my purchases")


CHOICE_TYPES = (FieldType.CHOICE, FieldType.MULTIPLE_CHOICE)
LIMITED_TYPES = (FieldType.SHORT_TEXT, FieldType.LONG_TEXT, FieldType.NUMBER)
PATTERN_TYPES = (FieldType.SHORT_TEXT,)
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_CHOICES = 50


def parse_choices(text: str) -> list[tuple[str, str]]:
    """One choice per line: ``value`` or ``value | label``."""
    choices = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        value, _sep, label = line.partition("|")
        value, label = value.strip(), label.strip()
        choices.append((value, label or value))
    return choices


def parse_choice_labels(text: str) -> dict[str, str]:
    """Translated choice labels, one per line: ``value | label`` (value as in ``choices``)."""
    return {value: label for value, label in parse_choices(text) if label}


class FormField(TranslatedFields, Orderable):
    """One field of an item's request form (ordered rows edited inline in the admin). The
    label, help text and choice labels have Italian columns (``*_it``); ``choices_it`` holds
    ``value | etichetta`` lines for the values of ``choices`` (a value left out keeps its
    English label)."""

    translated_fields = ("label", "help_text")

    item = ParentalKey(CatalogueItem, on_delete=models.CASCADE, related_name="form_fields")
    key = models.CharField(
        _("key"),
        max_length=40,
        help_text=_("Lower-case letters, digits and _; the name in the request data and API."),
    )
    label = models.CharField(_("label"), max_length=120)
    label_it = models.CharField(
        _("label (Italian)"), max_length=120, blank=True, help_text=ITALIAN_HELP
    )
    field_type = models.CharField(
        _("type"), max_length=20, choices=FieldType.choices, default=FieldType.SHORT_TEXT
    )
    required = models.BooleanField(_("required"), default=True)
    help_text = models.CharField(_("help text"), max_length=250, blank=True)
    help_text_it = models.CharField(
        _("help text (Italian)"), max_length=250, blank=True, help_text=ITALIAN_HELP
    )
    min_value = models.DecimalField(
        _("minimum"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Numbers: the smallest value. Text: the fewest characters."),
    )
    max_value = models.DecimalField(
        _("maximum"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Numbers: the largest value. Text: the most characters."),
    )
    pattern = models.CharField(
        _("pattern"),
        max_length=200,
        blank=True,
        help_text=_(r"Short text only: a regular expression the whole answer must match: \d{4}"),
    )
    choices = models.TextField(
        _("choices"),
        blank=True,
        help_text=_('Choice fields: one per line, "value" or "value | label".'),
    )
    choices_it = models.TextField(
        _("choice labels (Italian)"),
        blank=True,
        help_text=_(
            'One per line, "value | Italian label", for the values above; a value left out '
            "keeps its English label."
        ),
    )

    class Meta(Orderable.Meta):
        verbose_name = _("form field")
        verbose_name_plural = _("form fields")
        constraints = [
            models.UniqueConstraint(fields=["item", "key"], name="catalogue_field_key_once")
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_field_type_display()})"

    @property
    def choice_list(self) -> list[tuple[str, str]]:
        return parse_choices(self.choices)

    def choice_list_in(self, language: str | None = None) -> list[tuple[str, str]]:
        """The choices with their labels in ``language`` (default: the active one); a value
        without a translated label keeps the English one."""
        name = column("choices", language)
        labels = parse_choice_labels(getattr(self, name, "") or "") if name != "choices" else {}
        return [(value, labels.get(value, label)) for value, label in self.choice_list]

    @property
    def tr_choice_list(self) -> list[tuple[str, str]]:
        return self.choice_list_in()

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if not KEY_RE.match(self.key or ""):
            errors["key"] = _("Start with a letter; use lower-case letters, digits and _ only.")
        if self.field_type in CHOICE_TYPES:
            choices = self.choice_list
            values = [value for value, _label in choices]
            if not choices:
                errors["choices"] = _("A choice field needs at least one choice.")
            elif len(values) != len(set(values)):
                errors["choices"] = _("Each choice value may appear once.")
            elif len(choices) > MAX_CHOICES:
                errors["choices"] = _("At most %(n)d choices.") % {"n": MAX_CHOICES}
            elif any(len(value) > 100 for value in values):
                errors["choices"] = _("Choice values are at most 100 characters.")
        elif self.choices.strip():
            errors["choices"] = _("Only choice fields have choices.")
        if self.choices_it.strip():
            known = {value for value, _label in self.choice_list}
            translated_values = [value for value, _label in parse_choices(self.choices_it)]
            if self.field_type not in CHOICE_TYPES:
                errors["choices_it"] = _("Only choice fields have choices.")
            elif any(value not in known for value in translated_values):
                errors["choices_it"] = _(
                    'Use the values of the choices above: "value | Italian label".'
                )
            elif len(translated_values) != len(set(translated_values)):
                errors["choices_it"] = _("Each choice value may appear once.")
        if self.field_type not in LIMITED_TYPES and (
            self.min_value is not None or self.max_value is not None
        ):
            errors["min_value"] = _("Only numbers and text have a minimum or maximum.")
        if self.field_type in (FieldType.SHORT_TEXT, FieldType.LONG_TEXT):
            for name in ("min_value", "max_value"):
                value = getattr(self, name)
                if value is not None and (value < 0 or value != int(value)):
                    errors[name] = _("A text length is a whole number of characters.")
        if (
            self.min_value is not None
            and self.max_value is not None
            and self.min_value > self.max_value
        ):
            errors["max_value"] = _("The maximum is smaller than the minimum.")
        if self.pattern:
            if self.field_type not in PATTERN_TYPES:
                errors["pattern"] = _("Only short text fields have a pattern.")
            else:
                try:
                    re.compile(self.pattern)
                except re.error as exc:
                    errors["pattern"] = _("Not a valid regular expression: %(error)s") % {
                        "error": exc
                    }
        if errors:
            raise ValidationError(errors)


class RequestStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    IN_PROGRESS = "in_progress", _("In progress")
    FULFILLED = "fulfilled", _("Fulfilled")
    FAILED = "failed", _("Failed")
    REJECTED = "rejected", _("Rejected")


OPEN_STATUSES = (
    RequestStatus.SUBMITTED,
    RequestStatus.AWAITING_APPROVAL,
    RequestStatus.IN_PROGRESS,
)
DONE_STATUSES = (RequestStatus.FULFILLED, RequestStatus.FAILED, RequestStatus.REJECTED)


class ServiceRequestQuerySet(models.QuerySet):
    def visible_to(self, user) -> ServiceRequestQuerySet:
        """Agents see every request; a customer their own; an organisation admin also the
        requests of their organisation's members (they approve them)."""
        user = person_or_none(user)
        if user is None:
            return self.none()
        if roles.is_agent(user):
            return self
        customer = getattr(user, "customer", None)
        if customer is None:
            return self.none()
        if customer.is_org_admin and customer.organisation_id:
            return self.filter(
                Q(customer=customer) | Q(customer__organisation_id=customer.organisation_id)
            )
        return self.filter(customer=customer)

    def awaiting_approval_by(self, user) -> ServiceRequestQuerySet:
        customer = getattr(user, "customer", None) if user.is_authenticated else None
        if customer is None or not customer.is_org_admin or not customer.organisation_id:
            return self.none()
        return self.filter(
            status=RequestStatus.AWAITING_APPROVAL,
            customer__organisation_id=customer.organisation_id,
        ).exclude(customer=customer)


def result_path(instance: ServiceRequest, filename: str) -> str:
    """A random storage name: nothing of the document's name reaches the file system."""
    now = timezone.now()
    return f"catalogue/{now:%Y/%m}/{uuid.uuid4().hex}"


class ServiceRequest(models.Model):
    item = models.ForeignKey(
        CatalogueItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="requests"
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    data = models.JSONField(_("answers"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.SUBMITTED
    )
    channel = models.CharField(_("channel"), max_length=16, default="web")
    result = models.TextField(_("result"), blank=True)
    error = models.TextField(_("last error"), blank=True)
    result_file = models.FileField(upload_to=result_path, max_length=200, blank=True)
    result_file_name = models.CharField(max_length=120, blank=True)
    result_file_type = models.CharField(max_length=100, blank=True)
    idempotency_key = models.CharField(max_length=64)
    automated = models.BooleanField(
        _("fulfilled by an automation"), default=False, help_text=_("Without an agent.")
    )
    attempts = models.PositiveSmallIntegerField(_("automation runs"), default=0)
    waiting_for = models.CharField(
        _("waiting for"),
        max_length=16,
        blank=True,
        help_text=_("In progress: a scheduled retry, an email verification or an agent."),
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    objects = ServiceRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "idempotency_key"], name="catalogue_request_idempotent"
            )
        ]
        indexes = [
            models.Index(fields=["customer", "created_at"], name="catalogue_req_customer"),
            models.Index(fields=["status", "created_at"], name="catalogue_req_status"),
            models.Index(fields=["item", "created_at"], name="catalogue_req_item"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.item}"

    def get_absolute_url(self) -> str:
        return reverse("catalogue:request", args=[self.pk])

    @property
    def number(self) -> str:
        return f"R-{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def duration_seconds(self) -> int | None:
        if self.completed_at is None:
            return None
        return int((self.completed_at - self.created_at).total_seconds())


class RequestEvent(models.Model):
    """One step on a request's timeline: a status reached (or a note), by whom, when."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(_("status"), max_length=20, choices=RequestStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("request event")
        verbose_name_plural = _("request events")
        indexes = [models.Index(fields=["request", "created_at"], name="catalogue_event_time")]

    def __str__(self) -> str:
        return f"{self.request_id} {self.status}"


class PaymentCardQuerySet(models.QuerySet):
    def visible_to(self, user) -> PaymentCardQuerySet:
        user = person_or_none(user)
        if user is None:
            return self.none()
        if roles.is_agent(user):
            return self
        return self.filter(customer__in=Customer.objects.visible_to(user))


class PaymentCard(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        BLOCKED = "blocked", _("Blocked")
        REPLACED = "replaced", _("Replaced")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="cards"
    )
    last_four = models.CharField(_("last four digits"), max_length=4)
    brand = models.CharField(_("brand"), max_length=30, default="Visa")
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE
    )
    blocked_at = models.DateTimeField(_("blocked at"), null=True, blank=True)
    blocked_by_request = models.ForeignKey(
        ServiceRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = PaymentCardQuerySet.as_manager()

    class Meta:
        ordering = ["customer", "-created_at"]
        verbose_name = _("payment card")
        verbose_name_plural = _("payment cards")
        constraints = [
            models.CheckConstraint(
                condition=Q(last_four__regex=r"^[0-9]{4}$"), name="payment_card_last_four"
            )
        ]

    def __str__(self) -> str:
        return f"{self.brand} •••• {self.last_four} ({self.get_status_display()})"


class WebhookDelivery(models.Model):
    """One POST of a request to a webhook (one row per attempt)."""

    request = models.ForeignKey(
        ServiceRequest, on_delete=models.CASCADE, related_name="webhook_deliveries"
    )
    attempt = models.PositiveSmallIntegerField(_("attempt"))
    url = models.CharField(_("URL"), max_length=500)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    ok = models.BooleanField(_("accepted"), default=False)
    error = models.CharField(_("error"), max_length=300, blank=True)
    response_excerpt = models.CharField(_("response"), max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["request", "attempt"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["request", "attempt"], name="webhook_attempt_once")
        ]

    def __str__(self) -> str:
        return f"{self.request_id} #{self.attempt} {self.status_code or self.error}"
