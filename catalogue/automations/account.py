"""Account automations: password reset (allauth's reset email) and change of contact email
(a signed link to the new address; the address changes only when the link is confirmed)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from allauth.core.context import request_context
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.core.mail import EmailMessage
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalogue.automations.base import Automation, AutomationInputError, Result, registry

if TYPE_CHECKING:
    from catalogue.models import ServiceRequest

EMAIL_CHANGE_SALT = "catalogue.email-change"
EMAIL_CHANGE_MAX_AGE = 3 * 24 * 3600


class _SiteRequest(HttpRequest):
    """A request for the site itself (``SITE_URL``), for library code that builds links from
    the current request while we run in a background task."""

    def __init__(self) -> None:
        super().__init__()
        parts = urlsplit(settings.SITE_URL)
        self._scheme = parts.scheme or "http"
        self._host = parts.netloc or "localhost"
        self.META = {"SERVER_NAME": parts.hostname or "localhost", "SERVER_PORT": "443"}
        self.path = self.path_info = "/"
        self.method = "POST"
        self.user = AnonymousUser()
        self.session = {}

    def _get_scheme(self) -> str:
        return self._scheme

    def get_host(self) -> str:
        return self._host


def site_request() -> HttpRequest:
    return _SiteRequest()


def mask_email(address: str) -> str:
    local, _at, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


@registry.register
class PasswordReset(Automation):
    key = "password_reset"
    label = gettext_lazy("Password reset (sends the account's reset link)")
    description = gettext_lazy(
        "Sends allauth's password reset email to the address given. The result never says "
        "whether an account exists for it."
    )
    required_fields = {"email": ("email",)}

    def fulfil(self, request: ServiceRequest) -> Result:
        from allauth.account.forms import ResetPasswordForm

        email = str(request.data.get("email", "")).strip()
        http_request = site_request()
        with request_context(http_request), translation.override(request.customer.language):
            form = ResetPasswordForm(data={"email": email})
            if form.is_valid():  # with ACCOUNT_PREVENT_ENUMERATION, unknown addresses pass too
                form.save(http_request)
        # The same words whether or not the address has an account.
        return Result.fulfilled(
            _(
                "If an account uses %(email)s, we have sent it a link to choose a new "
                "password. The link works once and expires in a few days."
            )
            % {"email": mask_email(email)}
        )


def email_change_token(request: ServiceRequest, new_email: str) -> str:
    return signing.dumps({"r": request.pk, "e": new_email}, salt=EMAIL_CHANGE_SALT)


def email_change_read(token: str) -> tuple[int, str] | None:
    """(request id, new address) from a confirmation token, or None when bad or expired."""
    try:
        value = signing.loads(token, salt=EMAIL_CHANGE_SALT, max_age=EMAIL_CHANGE_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("r"), int):
        return None
    email = value.get("e")
    return (value["r"], email) if isinstance(email, str) and email else None


def email_taken(email: str, *, user) -> bool:
    from allauth.account.models import EmailAddress

    from portal.models import User

    others = User.objects.filter(email__iexact=email)
    addresses = EmailAddress.objects.filter(email__iexact=email)
    if user is not None:
        others = others.exclude(pk=user.pk)
        addresses = addresses.exclude(user=user)
    return others.exists() or addresses.exists()


@registry.register
class ChangeContactEmail(Automation):
    key = "change_email"
    label = gettext_lazy("Change contact email (after verifying the new address)")
    description = gettext_lazy(
        "Emails a confirmation link to the new address; the account's address changes only "
        "when the customer opens it (signed, valid for 3 days)."
    )
    required_fields = {"new_email": ("email",)}

    def validate(self, request: ServiceRequest) -> None:
        user = request.customer.user
        new_email = str(request.data.get("new_email", "")).strip().lower()
        if user is None:
            raise AutomationInputError(_("Your account has no sign-in to change."))
        if new_email == user.email.lower():
            raise AutomationInputError(_("This is already your address."), field="new_email")
        if email_taken(new_email, user=user):
            raise AutomationInputError(
                _("This address cannot be used. Choose another one."), field="new_email"
            )

    def fulfil(self, request: ServiceRequest) -> Result:
        new_email = str(request.data.get("new_email", "")).strip().lower()
        token = email_change_token(request, new_email)
        url = settings.SITE_URL + reverse("catalogue:email_confirm", args=[request.pk, token])
        with translation.override(request.customer.language):
            body = render_to_string(
                "catalogue/email/change_email.txt",
                {"request": request, "url": url, "new_email": new_email},
            )
            EmailMessage(
                subject=_("Confirm your new email address"),
                body=body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[new_email],
                headers={"Auto-Submitted": "auto-generated"},
            ).send()
            return Result.pending(
                _(
                    "We sent a confirmation link to %(email)s. Your address changes when you "
                    "open it (within 3 days)."
                )
                % {"email": mask_email(new_email)}
            )
