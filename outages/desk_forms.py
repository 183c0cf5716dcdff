"""Forms of the agents' incident pages (validation only: the views call the services)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from outages.models import CompensationOffer, Incident
from outages.services import KEYWORDS_MAX, MESSAGE_MAX, PROACTIVE_MAX, REGION_MAX, TITLE_MAX
from portal.models import Product, Subscription
from tickets.services.common import SUBJECT_MAX

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
ITALIAN_EMPTY = _("Optional. Empty: Italian readers see the English text with a note.")


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATETIME_FORMAT)


def _services():
    return Product.objects.filter(is_active=True).order_by("name")


class IncidentFilterForm(forms.Form):
    """GET filters of the list; an invalid value is just not applied."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[
            ("", _("All (open first)")),
            ("open", _("Open")),
            ("draft", _("Not published yet")),
            ("resolved", _("Resolved")),
        ],
    )
    impact = forms.ChoiceField(
        label=_("Impact"), required=False, choices=[("", _("Any impact")), *Incident.Impact.choices]
    )
    product = forms.ModelChoiceField(
        label=_("Service"), required=False, queryset=Product.objects.none(), empty_label=_("Any")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.order_by("name")

    def params(self) -> dict:
        if not self.is_valid():
            return {key: (None if key == "product" else "") for key in self.fields}
        return self.cleaned_data


class IncidentDeclareForm(forms.Form):
    title = forms.CharField(
        label=_("Public title"),
        max_length=TITLE_MAX,
        help_text=_("Customers see it on the status page, the banner and the notice."),
    )
    title_it = forms.CharField(
        label=_("Public title in Italian"),
        max_length=TITLE_MAX,
        required=False,
        help_text=ITALIAN_EMPTY,
        widget=forms.TextInput(attrs={"lang": "it"}),
    )
    products = forms.ModelMultipleChoiceField(
        label=_("Affected services"),
        queryset=Product.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one affected service.")},
    )
    region = forms.CharField(
        label=_("Region"),
        max_length=REGION_MAX,
        required=False,
        help_text=_("Only customers subscribed in this region are affected; empty for all."),
        widget=forms.TextInput(attrs={"list": "regions"}),
    )
    keywords = forms.CharField(
        label=_("Keywords"),
        max_length=KEYWORDS_MAX,
        required=False,
        help_text=_(
            "Comma-separated words or phrases (e.g. DNS, no dial tone). While the incident is "
            "open, affected customers' new tickets that use one, or name an affected service, "
            "are linked to it."
        ),
    )
    impact = forms.ChoiceField(label=_("Impact"), choices=Incident.Impact.choices)
    message = forms.CharField(
        label=_("First message"),
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What customers notice and what you are doing about it."),
    )
    message_it = forms.CharField(
        label=_("First message in Italian"),
        max_length=MESSAGE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "lang": "it"}),
        help_text=ITALIAN_EMPTY,
    )
    starts_at = forms.DateTimeField(
        label=_("Starts"),
        required=False,
        widget=DateTimeLocalInput(),
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M"],
        help_text=_("Empty: now."),
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"),
        required=False,
        widget=DateTimeLocalInput(),
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M"],
        help_text=_("Expected end, if known."),
    )
    scheduled = forms.BooleanField(
        label=_("Scheduled maintenance announced ahead"),
        required=False,
        help_text=_("Needs a start in the future and an end; the impact is maintenance."),
    )
    offer_kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("No compensation")), *CompensationOffer.Kind.choices],
    )
    offer_amount = forms.DecimalField(
        label=_("Amount"),
        required=False,
        min_value=Decimal("0.01"),
        max_digits=10,
        decimal_places=2,
        help_text=_("Credit or discount in euros, or a number of points."),
    )
    offer_automatic = forms.BooleanField(
        label=_("Grant automatically when notified"),
        required=False,
        help_text=_("Otherwise customers claim it from the notice."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["products"].queryset = _services()
        self.regions = list(
            Subscription.objects.exclude(region="")
            .order_by("region")
            .values_list("region", flat=True)
            .distinct()[:50]
        )

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The end must be after the start."))
        if data.get("scheduled"):
            if data.get("impact") != Incident.Impact.MAINTENANCE:
                self.add_error("impact", _("Scheduled work is announced as maintenance."))
            if not starts or starts <= timezone.now():
                self.add_error("starts_at", _("Scheduled maintenance starts in the future."))
            if not ends:
                self.add_error("ends_at", _("Say when the maintenance ends."))
        if data.get("offer_kind") and not data.get("offer_amount"):
            self.add_error("offer_amount", _("Give the compensation an amount."))
        if data.get("offer_amount") and not data.get("offer_kind"):
            self.add_error("offer_kind", _("Choose what kind of compensation this is."))
        return data


class IncidentUpdateForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[c for c in Incident.Status.choices if c[0] != Incident.Status.RESOLVED],
    )
    message = forms.CharField(
        label=_("Update"), max_length=MESSAGE_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    message_it = forms.CharField(
        label=_("Update in Italian"),
        max_length=MESSAGE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "lang": "it"}),
        help_text=ITALIAN_EMPTY,
    )
    reply_linked = forms.BooleanField(
        label=_("Also reply to the linked tickets"), required=False, initial=True
    )


class IncidentResolveForm(forms.Form):
    message = forms.CharField(
        label=_("Resolution message"),
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sent to everyone told about the incident and to its linked tickets."),
    )
    message_it = forms.CharField(
        label=_("Resolution message in Italian"),
        max_length=MESSAGE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "lang": "it"}),
        help_text=ITALIAN_EMPTY,
    )
    resolve_linked = forms.BooleanField(
        label=_("Resolve the linked tickets with this message"), required=False, initial=True
    )


class IncidentItalianForm(forms.Form):
    """The Italian title and the Italian of each update, to add (or correct) after the fact:
    one ``update_<id>`` field per update, newest first."""

    title_it = forms.CharField(
        label=_("Public title in Italian"),
        max_length=TITLE_MAX,
        required=False,
        help_text=ITALIAN_EMPTY,
        widget=forms.TextInput(attrs={"lang": "it"}),
    )

    def __init__(self, *args, incident: Incident, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title_it"].initial = incident.title_it
        self.updates = list(incident.updates.order_by("-created_at", "-pk"))
        for update in self.updates:
            self.fields[f"update_{update.pk}"] = forms.CharField(
                label=_("%(state)s: “%(message)s”")
                % {"state": update.state_label, "message": Truncator(update.message).chars(80)},
                max_length=MESSAGE_MAX,
                required=False,
                initial=update.message_it,
                widget=forms.Textarea(attrs={"rows": 2, "lang": "it"}),
            )

    def messages_it(self) -> dict[int, str]:
        return {u.pk: self.cleaned_data.get(f"update_{u.pk}", "") for u in self.updates}


class LinkTicketForm(forms.Form):
    ticket = forms.CharField(
        label=_("Link a ticket"), max_length=20, help_text=_("Its number, e.g. T-123.")
    )

    def clean_ticket(self) -> str:
        value = self.cleaned_data["ticket"].strip().upper().removeprefix("T-")
        if not value.isdigit() or len(value) > 12:
            raise forms.ValidationError(_("Type a ticket number such as T-123."))
        return value

    def ticket_pk(self) -> int:
        return int(self.cleaned_data["ticket"])


class ProactiveTicketsForm(forms.Form):
    top = forms.IntegerField(
        label=_("How many customers"),
        min_value=1,
        max_value=PROACTIVE_MAX,
        initial=10,
        help_text=_("The affected customers who bought the most in the last 12 months."),
    )
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX)
    body = forms.CharField(
        label=_("Message"), max_length=MESSAGE_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )

    @staticmethod
    def initial_for(incident: Incident) -> dict:
        return {
            "top": 10,
            "subject": _("About the incident: %(title)s") % {"title": incident.title},
            "body": _(
                "We know the incident affects you and we are on it. This ticket is yours: "
                "reply here if anything is still not working for you."
            ),
        }
