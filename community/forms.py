"""Forms for the forum pages (validation only: the services do the writing)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from community.models import Category, Flag, Thread
from community.services.common import BODY_MAX, TAGS_MAX, TITLE_MAX, TITLE_MIN
from community.services.images import IMAGE_EXTENSIONS
from portal.converters import INT_MAX
from portal.idempotency import IdempotentFormMixin
from portal.models import Product
from portal.uploads import MultipleFileField

BODY_HELP = _("Markdown: **bold**, `code`, lists, > quotes, links. Mention someone with @handle.")


def images_field() -> MultipleFileField:
    """Optional images (checked by ``community.services.images``, not here)."""
    field = MultipleFileField(label=_("Images"), extensions=IMAGE_EXTENSIONS)
    limit = filesizeformat(settings.TICKETS_ATTACHMENT_MAX_BYTES)
    field.help_text = _(
        "Screenshots or photos: %(types)s, up to %(count)d files of %(limit)s each. "
        "They appear below your text."
    ) % {
        "types": ", ".join(IMAGE_EXTENSIONS),
        "count": settings.TICKETS_ATTACHMENTS_PER_MESSAGE,
        "limit": limit,
    }
    return field


class ImagesMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["images"] = images_field()


class AskForm(IdempotentFormMixin, ImagesMixin, forms.Form):
    title = forms.CharField(
        label=_("Your question in one sentence"),
        min_length=TITLE_MIN,
        max_length=TITLE_MAX,
        help_text=_("Similar questions and help articles appear as you type."),
    )
    body = forms.CharField(
        label=_("Details"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=BODY_HELP,
    )
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none())
    kind = forms.ChoiceField(
        label=_("This is a"),
        choices=Thread.Kind.choices,
        initial=Thread.Kind.QUESTION,
        widget=forms.RadioSelect,
    )
    products = forms.ModelMultipleChoiceField(
        label=_("Products or services"),
        queryset=Product.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=200,
        help_text=_("Up to %(n)d, separated by commas.") % {"n": TAGS_MAX},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.visible_to(user)

    def clean_tags(self) -> list[str]:
        names = [t.strip() for t in self.cleaned_data.get("tags", "").split(",") if t.strip()]
        if len(names) > TAGS_MAX:
            raise forms.ValidationError(_("Use at most %(n)d tags.") % {"n": TAGS_MAX})
        return names


class AnswerForm(IdempotentFormMixin, ImagesMixin, forms.Form):
    body = forms.CharField(
        label=_("Your answer"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=BODY_HELP,
    )


class EditForm(ImagesMixin, forms.Form):
    title = forms.CharField(
        label=_("Title"), min_length=TITLE_MIN, max_length=TITLE_MAX, required=False
    )
    body = forms.CharField(
        label=_("Text"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=BODY_HELP,
    )


class VoteForm(forms.Form):
    value = forms.TypedChoiceField(choices=[("1", "+1"), ("-1", "-1"), ("0", "0")], coerce=int)


class FlagForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why should a moderator look at this?"),
        choices=Flag.Reason.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Anything to add"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SortForm(forms.Form):
    SORTS = (("activity", _("Active")), ("votes", _("Votes")), ("new", _("Newest")))
    SHOW = (("", _("All")), ("unanswered", _("Unanswered")), ("unsolved", _("Unsolved")))
    sort = forms.ChoiceField(choices=SORTS, required=False)
    show = forms.ChoiceField(choices=SHOW, required=False)
    page = forms.IntegerField(min_value=1, max_value=100_000, required=False)


class ModerationForm(forms.Form):
    action = forms.CharField(max_length=20)
    reason = forms.CharField(required=False, max_length=500)


class MoveForm(forms.Form):
    category = forms.ModelChoiceField(label=_("Move to"), queryset=Category.objects.all())
    reason = forms.CharField(required=False, max_length=500)


class MergeForm(forms.Form):
    into = forms.IntegerField(label=_("Merge into thread number"), min_value=1, max_value=INT_MAX)
    reason = forms.CharField(required=False, max_length=500)
