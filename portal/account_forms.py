"""The allauth forms as the portal words them (``ACCOUNT_FORMS`` in settings).

Sign-up asks for the name (stored on ``User.full_name``, so the header greets people by their
first name instead of their email's local part), and every form that sets a password states the
rule in one line built from ``AUTH_PASSWORD_VALIDATORS`` instead of Django's list. Labels are in
sentence case, like the rest of the portal.
"""

from __future__ import annotations

from allauth.account import forms as allauth_forms
from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


def password_rule() -> str:
    """The configured password validators as one sentence, e.g. "At least 10 characters, not
    only numbers, not a common password." A validator the portal does not know is described by
    its own help text."""
    known = {
        "MinimumLengthValidator": lambda v: (
            gettext("at least %(count)d characters") % {"count": v.min_length}
        ),
        "NumericPasswordValidator": lambda v: gettext("not only numbers"),
        "CommonPasswordValidator": lambda v: gettext("not a common password"),
        "UserAttributeSimilarityValidator": lambda v: gettext("not like your name or email"),
    }
    order = list(known)
    validators = sorted(
        password_validation.get_default_password_validators(),
        key=lambda v: order.index(type(v).__name__) if type(v).__name__ in known else len(order),
    )
    parts = [
        known[type(v).__name__](v)
        if type(v).__name__ in known
        else str(v.get_help_text()).rstrip(". ")
        for v in validators
    ]
    sentence = ", ".join(part for part in parts if part)
    return sentence[:1].upper() + sentence[1:] + "." if sentence else ""


def _reword_passwords(form: forms.Form, labels: dict[str, str]) -> None:
    for name, label in labels.items():
        field = form.fields.get(name)
        if field is None:
            continue
        field.label = label
        field.widget.attrs.pop("placeholder", None)
    new_password = form.fields.get("password1")
    if new_password is not None:
        new_password.help_text = password_rule()


class LoginForm(allauth_forms.LoginForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("Email address")
        self.fields["password"].label = _("Password")
        for field in self.fields.values():
            field.widget.attrs.pop("placeholder", None)
        if "remember" in self.fields:
            self.fields["remember"].label = _("Keep me signed in")


class SignupForm(allauth_forms.SignupForm):
    full_name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        help_text=_("How we greet you and sign our replies to you."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": _("Tell us your name.")},
    )
    field_order = ["full_name", "email", "password1", "password2"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("Email address")
        self.fields["email"].widget.attrs.pop("placeholder", None)
        _reword_passwords(self, {"password1": _("Password"), "password2": _("Password again")})

    # The name is stored by portal.accounts.AccountAdapter.save_user, before the customer
    # record is made from the user, so that record gets the name too.


class ChangePasswordForm(allauth_forms.ChangePasswordForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _reword_passwords(
            self,
            {
                "oldpassword": _("Current password"),
                "password1": _("New password"),
                "password2": _("New password again"),
            },
        )


class SetPasswordForm(allauth_forms.SetPasswordForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _reword_passwords(self, {"password1": _("Password"), "password2": _("Password again")})


class ResetPasswordForm(allauth_forms.ResetPasswordForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("Email address")
        self.fields["email"].widget.attrs.pop("placeholder", None)


class ResetPasswordKeyForm(allauth_forms.ResetPasswordKeyForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _reword_passwords(
            self, {"password1": _("New password"), "password2": _("New password again")}
        )


class AddEmailForm(allauth_forms.AddEmailForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("Email address")
        self.fields["email"].widget.attrs.pop("placeholder", None)


__all__ = [
    "AddEmailForm",
    "ChangePasswordForm",
    "LoginForm",
    "ResetPasswordForm",
    "ResetPasswordKeyForm",
    "SetPasswordForm",
    "SignupForm",
    "password_rule",
]
