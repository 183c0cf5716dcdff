"""The request form of a catalogue item, built from its form definition (``FormField`` rows)
and validated on the server: required answers, lengths and ranges, patterns, choices that
exist, and subscriptions or purchases that belong to the customer.

The same form validates page posts and API bodies (``RequestForm.from_json`` normalises JSON
values first). ``answers()`` is what a request stores: JSON values keyed by field key.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalogue.automations.base import Automation
from catalogue.models import CatalogueItem, FieldType, FormField
from portal.models import Customer, Purchase, Subscription
from portal.templatetags.dates import day_text

SHORT_MAX = 200
LONG_MAX = 5000
PURCHASES_SHOWN = 100
YES_NO = (("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No")))


class SubscriptionChoiceField(forms.ModelChoiceField):
    default_error_messages = {"invalid_choice": gettext_lazy("Choose one of your subscriptions.")}

    def label_from_instance(self, obj: Subscription) -> str:
        bits = [obj.product.name]
        if obj.region:
            bits.append(obj.region)
        if obj.status != Subscription.Status.ACTIVE:
            bits.append(obj.get_status_display().lower())
        return " · ".join(bits)


class PurchaseChoiceField(forms.ModelChoiceField):
    default_error_messages = {"invalid_choice": gettext_lazy("Choose one of your purchases.")}

    def label_from_instance(self, obj: Purchase) -> str:
        what = obj.product.name if obj.product_id else obj.order_ref
        when = day_text(obj.ordered_at)
        return f"{when} · {what} · {obj.amount} {obj.currency} ({obj.order_ref})"


def _limit(value: Decimal | None) -> int | None:
    return int(value) if value is not None else None


def _pattern_validator(pattern: str) -> RegexValidator:
    return RegexValidator(
        regex=rf"\A(?:{pattern})\Z",
        message=gettext_lazy("Enter a value in the format asked for."),
    )


def build_field(
    definition: FormField, customer: Customer, automation: Automation | None = None
) -> forms.Field:
    """The form field for ``definition``; a subscription or purchase choice offers only the
    customer's objects that ``automation`` can act on (``Automation.offer``)."""
    common: dict[str, Any] = {
        "label": definition.tr.label,
        "required": definition.required,
        "help_text": definition.tr.help_text,
    }
    kind = definition.field_type
    if kind in (FieldType.SHORT_TEXT, FieldType.LONG_TEXT):
        ceiling = SHORT_MAX if kind == FieldType.SHORT_TEXT else LONG_MAX
        maximum = min(_limit(definition.max_value) or ceiling, ceiling)
        field = forms.CharField(
            max_length=maximum,
            min_length=_limit(definition.min_value),
            widget=forms.Textarea(attrs={"rows": 5}) if kind == FieldType.LONG_TEXT else None,
            **common,
        )
        if definition.pattern:
            field.validators.append(_pattern_validator(definition.pattern))
        return field
    if kind == FieldType.EMAIL:
        return forms.EmailField(max_length=254, **common)
    if kind == FieldType.NUMBER:
        return forms.DecimalField(
            min_value=definition.min_value,
            max_value=definition.max_value,
            max_digits=14,
            decimal_places=4,
            **common,
        )
    if kind == FieldType.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if kind == FieldType.CHOICE:
        choices = definition.tr_choice_list
        widget = forms.RadioSelect if len(choices) <= 5 else forms.Select
        blank = [] if widget is forms.RadioSelect else [("", "---------")]
        return forms.ChoiceField(choices=blank + choices, widget=widget, **common)
    if kind == FieldType.MULTIPLE_CHOICE:
        return forms.MultipleChoiceField(
            choices=definition.tr_choice_list, widget=forms.CheckboxSelectMultiple, **common
        )
    if kind == FieldType.YES_NO:
        return forms.TypedChoiceField(
            choices=YES_NO,
            coerce=lambda value: value == "yes",
            empty_value=None,
            widget=forms.RadioSelect,
            **common,
        )
    if kind == FieldType.SUBSCRIPTION:
        subscriptions = Subscription.objects.filter(customer=customer).exclude(
            status=Subscription.Status.CANCELLED
        )
        if automation is not None:
            subscriptions = automation.offer(definition.key, subscriptions)
        subscriptions = subscriptions.select_related("product").order_by("product__name", "pk")
        return SubscriptionChoiceField(
            queryset=subscriptions,
            empty_label=_("Choose a subscription")
            if subscriptions.exists()
            else _("None of your subscriptions can be chosen for this"),
            **common,
        )
    if kind == FieldType.PURCHASE:
        purchases = Purchase.objects.filter(customer=customer)
        if automation is not None:
            purchases = automation.offer(definition.key, purchases)
        return PurchaseChoiceField(
            queryset=purchases.select_related("product").order_by("-ordered_at", "-pk"),
            empty_label=_("Choose a purchase"),
            **common,
        )
    raise ValueError(f"unknown field type {kind!r}")


class RequestForm(forms.Form):
    """``RequestForm(data, item=item, customer=customer)``; no side effects."""

    def __init__(self, *args, item: CatalogueItem, customer: Customer, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.item = item
        self.customer = customer
        self.definitions = list(item.form_fields.all())
        for definition in self.definitions:
            self.fields[definition.key] = build_field(definition, customer, item.automation)

    @classmethod
    def from_json(cls, payload: dict, *, item: CatalogueItem, customer: Customer) -> RequestForm:
        """Normalise a JSON object (numbers, booleans, lists) into form data."""
        data: dict[str, Any] = {}
        kinds = {d.key: d.field_type for d in item.form_fields.all()}
        for key, value in payload.items():
            if value is None:
                continue
            if kinds.get(key) == FieldType.YES_NO and isinstance(value, bool):
                data[key] = "yes" if value else "no"
            elif kinds.get(key) == FieldType.MULTIPLE_CHOICE and isinstance(value, list):
                data[key] = [str(v) for v in value]
            elif isinstance(value, bool | int | float | str):
                data[key] = str(value)
            else:
                data[key] = value  # refused by the field with a clear message
        from django.utils.datastructures import MultiValueDict

        multi = MultiValueDict(
            {key: value if isinstance(value, list) else [value] for key, value in data.items()}
        )
        return cls(multi, item=item, customer=customer)

    def unknown_keys(self, payload: dict) -> list[str]:
        return sorted(set(payload) - set(self.fields))

    def answers(self) -> dict[str, Any]:
        """The cleaned answers as JSON values (what the request stores)."""
        result: dict[str, Any] = {}
        for key, value in self.cleaned_data.items():
            if value in (None, "", []):
                continue
            if isinstance(value, Decimal):
                value = int(value) if value == value.to_integral_value() else float(value)
            elif isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, Subscription | Purchase):
                value = value.pk
            result[key] = value
        return result


def answers_display(item: CatalogueItem, data: dict) -> list[tuple[str, str]]:
    """(label, readable answer) for each answered field, in form order, in the active
    language (labels and choice labels fall back to English when not translated)."""
    rows = []
    definitions = {d.key: d for d in item.form_fields.all()}
    for key, definition in definitions.items():
        if key not in data:
            continue
        value = data[key]
        kind = definition.field_type
        if kind == FieldType.YES_NO:
            text = str(_("Yes") if value else _("No"))
        elif kind in (FieldType.CHOICE, FieldType.MULTIPLE_CHOICE):
            labels = dict(definition.tr_choice_list)
            values = value if isinstance(value, list) else [value]
            text = ", ".join(labels.get(str(v), str(v)) for v in values)
        elif kind == FieldType.SUBSCRIPTION:
            sub = Subscription.objects.filter(pk=value).select_related("product").first()
            text = sub.product.name if sub else str(value)
        elif kind == FieldType.PURCHASE:
            purchase = Purchase.objects.filter(pk=value).first()
            text = purchase.order_ref if purchase else str(value)
        else:
            text = str(value)
        rows.append((definition.tr.label, text))
    return rows


def reserved_key(key: str) -> bool:
    return key in {"csrfmiddlewaretoken", "form_token"} or bool(re.match(r"^__", key))
