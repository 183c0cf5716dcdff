"""django-allauth integration: the account adapter and the framework signal handlers that
give every new user a customer record and log sign-ups and logins as interactions."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import PermissionDenied
from django.db import transaction

from portal.clientip import client_ip
from portal.models import Channel, InteractionKind
from portal.services.customers import customer_for_signup
from portal.services.interactions import interaction_record


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request) -> str:
        """The address login and sign-up rate limits count by: the trusted proxies' view of
        the client (``portal.clientip``), not the proxy itself."""
        address = client_ip(request)
        if not address:
            raise PermissionDenied("Unable to determine client IP address")
        return address

    def save_user(self, request, user, form, commit=True):
        """The user from the sign-up form, with the name it asks for
        (``portal.account_forms.SignupForm``), and their customer record."""
        full_name = form.cleaned_data.get("full_name")
        if full_name:
            user.full_name = full_name
        with transaction.atomic():
            user = super().save_user(request, user, form, commit=commit)
            if commit and not user.is_staff:
                customer_for_signup(user=user)
        return user


def on_user_signed_up(sender, request, user, **kwargs) -> None:
    interaction_record(
        kind=InteractionKind.SIGNUP,
        channel=Channel.WEB,
        user=user,
        customer=getattr(user, "customer", None),
    )


def on_user_logged_in(sender, request, user, **kwargs) -> None:
    customer = getattr(user, "customer", None)
    if customer is None:
        return  # staff logins are not customer interactions
    interaction_record(
        kind=InteractionKind.LOGIN, channel=Channel.WEB, user=user, customer=customer
    )
