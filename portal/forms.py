from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models.accounts import NOTIFICATION_DEFAULTS
from portal.models.notifications import CHANNELS, topics_for

NOTIFICATION_LABELS = {
    "email_ticket_updates": _("Email me when my tickets are updated"),
    "email_request_updates": _("Email me when my service requests change status"),
    "email_outage_notices": _("Email me about outages that affect my services"),
    "email_community_digest": _("Send me a digest of community threads I follow"),
    "email_surveys": _("Ask me for feedback after a ticket or request"),
}


class ProfileForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    language = forms.ChoiceField(label=_("Preferred language"), choices=settings.LANGUAGES)
    consent_surveys = forms.BooleanField(
        label=_("I agree to receive satisfaction surveys"), required=False
    )
    consent_marketing = forms.BooleanField(
        label=_("I agree to receive news and offers"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in NOTIFICATION_LABELS.items():
            self.fields[key] = forms.BooleanField(label=label, required=False)

    @property
    def notification_fields(self):
        return [self[key] for key in NOTIFICATION_LABELS]

    def notification_preferences(self) -> dict[str, bool]:
        return {key: self.cleaned_data[key] for key in NOTIFICATION_LABELS}

    @classmethod
    def initial_for(cls, user) -> dict:
        customer = getattr(user, "customer", None)
        initial = {
            "full_name": user.full_name,
            "language": customer.language if customer else settings.LANGUAGE_CODE,
            "consent_surveys": customer.consent_surveys if customer else False,
            "consent_marketing": customer.consent_marketing if customer else False,
        }
        initial.update({key: user.wants(key) for key in NOTIFICATION_LABELS})
        return initial


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("What will use it, e.g. “reporting script”."),
    )
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for a token that lasts until you revoke it."),
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Give the token a name."))
        return name

    def clean_expires_on(self):
        value = self.cleaned_data.get("expires_on")
        if value is not None and value <= timezone.localdate():
            raise forms.ValidationError(_("The expiry date must be in the future."))
        return value


DELIVERY_CHOICES = [
    ("immediately", _("One by one, immediately")),
    ("digest", _("Together in a digest")),
]


class NotificationSettingsForm(forms.Form):
    """One checkbox per topic and channel (email, in the portal) the user can receive; for
    topics that offer a digest, how their emails arrive (``delivery_<topic>``)."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.topics = topics_for(user)
        self.row_keys: list[tuple[object, list[str | None]]] = []
        self.delivery_keys: dict[str, str] = {}
        for topic in self.topics:
            if topic.digest:
                key = f"delivery_{topic.key}"
                self.fields[key] = forms.ChoiceField(
                    label=_("Emails"),
                    choices=DELIVERY_CHOICES,
                    required=False,
                    widget=forms.RadioSelect,
                )
                self.delivery_keys[topic.key] = key
            keys: list[str | None] = []
            for channel in CHANNELS:
                key = f"{channel}_{topic.key}"
                if key in NOTIFICATION_DEFAULTS:
                    self.fields[key] = forms.BooleanField(label=topic.label, required=False)
                    keys.append(key)
                else:
                    keys.append(None)
            self.row_keys.append((topic, keys))

    @property
    def rows(self):
        """(topic, [email field or None, web field or None], delivery field or None)."""
        return [
            (
                topic,
                [self[key] if key else None for key in keys],
                self[self.delivery_keys[topic.key]] if topic.key in self.delivery_keys else None,
            )
            for topic, keys in self.row_keys
        ]

    def preferences(self) -> dict[str, bool]:
        chosen = {k: self.cleaned_data[k] for k in self.fields if k in NOTIFICATION_DEFAULTS}
        for topic, key in self.delivery_keys.items():
            if self.cleaned_data.get(key):  # not sent: keep what the user had
                chosen[f"digest_{topic}"] = self.cleaned_data[key] == "digest"
        return chosen

    @classmethod
    def initial_for(cls, user) -> dict:
        initial: dict = {key: user.wants(key) for key in NOTIFICATION_DEFAULTS}
        for key in NOTIFICATION_DEFAULTS:
            if key.startswith("digest_"):
                topic = key.removeprefix("digest_")
                initial[f"delivery_{topic}"] = "digest" if user.wants(key) else "immediately"
        return initial
