"""The customer's forms on /me/loyalty/."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from loyalty.models import Reward


class RedeemForm(forms.Form):
    """Redeem one reward; a donation asks which of the reward's causes to give to."""

    cause = forms.ChoiceField(label=_("Cause"), required=False, choices=())

    def __init__(self, *args, reward: Reward, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.reward = reward
        if reward.kind == Reward.Kind.DONATION:
            self.fields["cause"].required = True
            self.fields["cause"].choices = [("", _("Choose a cause"))] + [
                (cause, cause) for cause in reward.cause_list
            ]
        else:
            del self.fields["cause"]

    @property
    def chosen_cause(self) -> str:
        return self.cleaned_data.get("cause", "") if hasattr(self, "cleaned_data") else ""
