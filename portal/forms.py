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


class NotificationSettingsForm(forms.Form):
    """One checkbox per topic and channel (email, in the portal) the user can receive."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.topics = topics_for(user)
        self.row_keys: list[tuple[object, list[str | None]]] = []
        for topic in self.topics:
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
        """(topic, [email field or None, web field or None]) for the template."""
        return [
            (topic, [self[key] if key else None for key in keys]) for topic, keys in self.row_keys
        ]

    def preferences(self) -> dict[str, bool]:
        return {key: self.cleaned_data[key] for key in self.fields}

    @classmethod
    def initial_for(cls, user) -> dict[str, bool]:
        return {key: user.wants(key) for key in NOTIFICATION_DEFAULTS}
