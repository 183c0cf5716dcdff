"""The survey answer form: the score on the survey's scale, a comment, and for NPS the
optional share-of-wallet and loyalty-index questions. Validation is the service's
(``survey_answer``); the form only renders and carries the raw values."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from insights.models import SCALES, SurveyKind
from insights.services.surveys import COMMENT_MAX, question

ENDS = {
    SurveyKind.CSAT: (_("Very dissatisfied"), _("Very satisfied")),
    SurveyKind.CES: (_("Very difficult"), _("Very easy")),
    SurveyKind.NPS: (_("Not at all likely"), _("Extremely likely")),
}
LOYALTY = (
    ("likely_recommend", _("How likely are you to recommend our products?")),
    ("likely_try_other", _("How likely are you to try our other products?")),
    ("likely_return", _("How likely are you to buy from us again?")),
)


def _scale(low: int, high: int) -> list[tuple[str, str]]:
    return [(str(n), str(n)) for n in range(low, high + 1)]


class SurveyAnswerForm(forms.Form):
    score = forms.ChoiceField(widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("Anything you would like to add?"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, kind: str, trigger: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        low, high = SCALES[kind]
        self.fields["score"].choices = _scale(low, high)
        self.fields["score"].label = question(kind, trigger)
        self.ends = ENDS[kind]
        if kind == SurveyKind.NPS:
            self.fields["category_spend"] = forms.DecimalField(
                label=_(
                    "Roughly how much do you spend per year on products like ours, with us "
                    "and elsewhere?"
                ),
                required=False,
                min_value=0,
                max_digits=12,
                decimal_places=2,
                help_text=_("In euros. This helps us understand how we fit your needs."),
            )
            for name, label in LOYALTY:
                self.fields[name] = forms.ChoiceField(
                    label=label,
                    required=False,
                    choices=[("", "-"), *_scale(0, 10)],
                )

    @property
    def loyalty_fields(self):
        return [self[name] for name, _label in LOYALTY if name in self.fields]

    def raw_answer(self) -> dict:
        """The submitted values, unconverted: the service validates them."""
        data = {"score": self.data.get("score"), "comment": self.data.get("comment", "")}
        if self.kind == SurveyKind.NPS:
            for name in ("category_spend", *(name for name, _label in LOYALTY)):
                data[name] = self.data.get(name) or None
        return data

    def add_service_errors(self, errors: dict[str, str]) -> None:
        for name, message in errors.items():
            self.add_error(None if name == "__all__" or name not in self.fields else name, message)
