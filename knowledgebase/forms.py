from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from knowledgebase.services import COMMENT_MAX, SECONDS_MAX
from knowledgebase.text import QUERY_MAX_LENGTH
from portal.converters import INT_MAX


class FeedbackForm(forms.Form):
    helpful = forms.TypedChoiceField(
        choices=[("yes", _("Yes")), ("no", _("No"))], coerce=lambda v: v == "yes"
    )
    comment = forms.CharField(
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Anything we should add or fix? (optional)"),
    )


class BeaconForm(forms.Form):
    article = forms.IntegerField(min_value=1, max_value=INT_MAX)
    event = forms.ChoiceField(choices=[("view", "view"), ("time", "time"), ("related", "related")])
    via = forms.CharField(required=False, max_length=32)
    seconds = forms.IntegerField(required=False, min_value=0, max_value=SECONDS_MAX)
    target = forms.IntegerField(required=False, min_value=1, max_value=INT_MAX)

    def clean(self):
        data = super().clean()
        if data.get("event") == "time" and data.get("seconds") is None:
            self.add_error("seconds", _("Required for time on page."))
        if data.get("event") == "related" and not data.get("target"):
            self.add_error("target", _("Required for a related click."))
        return data


class SearchForm(forms.Form):
    """Lenient on purpose: a bad filter is dropped, an overlong query is cut, never a 500."""

    q = forms.CharField(required=False, max_length=QUERY_MAX_LENGTH * 10)
    category = forms.IntegerField(required=False, min_value=1, max_value=INT_MAX)
    product = forms.SlugField(required=False, max_length=80)
    type = forms.CharField(required=False, max_length=32)
