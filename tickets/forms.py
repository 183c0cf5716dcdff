"""Customer-side forms. They validate input only; the views call the services."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from portal.idempotency import IdempotentFormMixin
from portal.models import Customer, Product, Subscription
from portal.uploads import ALLOWED_EXTENSIONS, MultipleFileField
from tickets.models import Category, Impact
from tickets.services.common import MESSAGE_MAX, SUBJECT_MAX


def attachments_help() -> str:
    return _("Up to %(count)d files, %(size)s each: %(types)s.") % {
        "count": settings.TICKETS_ATTACHMENTS_PER_MESSAGE,
        "size": filesizeformat(settings.TICKETS_ATTACHMENT_MAX_BYTES),
        "types": ", ".join(ALLOWED_EXTENSIONS),
    }


def products_for(customer: Customer | None):
    """What a customer may open a ticket about: their live subscriptions and what they bought."""
    if customer is None:
        return Product.objects.none()
    return (
        Product.objects.filter(is_active=True)
        .filter(
            Q(
                subscriptions__customer=customer,
                subscriptions__status__in=(
                    Subscription.Status.ACTIVE,
                    Subscription.Status.PAUSED,
                ),
            )
            | Q(purchases__customer=customer)
        )
        .distinct()
        .order_by("name")
    )


class TicketForm(IdempotentFormMixin, forms.Form):
    subject = forms.CharField(
        label=_("Subject"),
        max_length=SUBJECT_MAX,
        help_text=_("A short summary, e.g. “Internet drops every evening”."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    product = forms.ModelChoiceField(
        label=_("Product or service"),
        queryset=Product.objects.none(),
        required=False,
        empty_label=_("Not about a specific product"),
    )
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    impact = forms.ChoiceField(
        label=_("Who is affected?"), choices=Impact.choices, initial=Impact.ME
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "What happened, what you expected, and what you already tried. "
            "Markdown works: **bold**, lists, `code`."
        ),
    )
    attachments = MultipleFileField(label=_("Attachments"))

    def __init__(self, *args, customer: Customer | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products_for(customer)
        self.fields["attachments"].help_text = attachments_help()

    def clean_subject(self) -> str:
        subject = " ".join(self.cleaned_data["subject"].split())
        if not subject:
            raise forms.ValidationError(_("Give your request a subject."))
        return subject

    def clean_description(self) -> str:
        text = self.cleaned_data["description"].replace("\x00", "").strip()
        if not text:
            raise forms.ValidationError(_("Describe the problem."))
        return text


class ReplyForm(IdempotentFormMixin, forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Markdown works: **bold**, lists, `code`."),
    )
    attachments = MultipleFileField(label=_("Attachments"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = attachments_help()

    def clean_body(self) -> str:
        text = self.cleaned_data["body"].replace("\x00", "").strip()
        if not text:
            raise forms.ValidationError(_("Write a message."))
        return text


class TicketListFilter(forms.Form):
    STATES = (
        ("", _("All")),
        ("active", _("Open")),
        ("waiting", _("Waiting on you")),
        ("done", _("Resolved and closed")),
    )
    state = forms.ChoiceField(choices=STATES, required=False)
    mine = forms.BooleanField(required=False)
