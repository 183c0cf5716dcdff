from __future__ import annotations

from datetime import datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.forms import ProfileForm, TokenCreateForm
from portal.i18n_middleware import set_language_cookie
from portal.languages import url_in_language
from portal.models import ApiToken, Interaction, Notification, Purchase, Subscription
from portal.pagecache import mark_cacheable
from portal.selectors import account_facts
from portal.services.customers import profile_update
from portal.services.tokens import api_token_create, api_token_revoke
from portal.usercache import cache_signed_in

LIVE_STATUSES = (Subscription.Status.ACTIVE, Subscription.Status.PAUSED)
HOME_CACHE_SECONDS = 60


@require_GET
@cache_signed_in
def home(request):
    user = request.user
    if not user.is_authenticated:
        response = render(request, "portal/home.html")
        return mark_cacheable(response, HOME_CACHE_SECONDS)
    customer = getattr(user, "customer", None)
    facts = account_facts(user, customer, security=True)
    context = {
        "customer": customer,
        "customer_since": facts.customer_since,
        "subscriptions": (
            Subscription.objects.visible_to(user)
            .filter(customer=customer, status__in=LIVE_STATUSES)
            .select_related("product")[:6]
            if customer
            else []
        ),
        "mfa_enabled": facts.mfa_enabled,
        "email_verified": facts.email_verified,
    }
    return render(request, "portal/home.html", context)


def _me_context(
    request,
    form: ProfileForm,
    token_form: TokenCreateForm,
    new_token: ApiToken | None = None,
    raw: str = "",
):
    user = request.user
    customer = getattr(user, "customer", None)
    return {
        "form": form,
        "token_form": token_form,
        "new_token": raw,
        "new_token_name": new_token.name if new_token else "",
        "customer": customer,
        "customer_since": account_facts(user, customer).customer_since,
        "subscriptions": Subscription.objects.visible_to(user)
        .filter(customer=customer)
        .select_related("product")
        if customer
        else [],
        "purchases": Purchase.objects.visible_to(user)
        .filter(customer=customer)
        .select_related("product")[:5]
        if customer
        else [],
        "interactions": Interaction.objects.filter(customer=customer)[:6] if customer else [],
        "tokens": ApiToken.objects.visible_to(user).filter(user=user, kind=ApiToken.Kind.PERSONAL),
        "recent_notifications": Notification.objects.visible_to(user)[:4],
    }


@login_required
@require_http_methods(["GET", "POST"])
@cache_signed_in
def me(request):
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            profile_update(
                user=request.user,
                full_name=form.cleaned_data["full_name"],
                language=form.cleaned_data["language"],
                notification_preferences=form.notification_preferences(),
                consent_surveys=form.cleaned_data["consent_surveys"],
                consent_marketing=form.cleaned_data["consent_marketing"],
            )
            language = form.cleaned_data["language"]
            translation.activate(language)  # the message is in the language chosen
            messages.success(request, _("Your profile has been saved."))
            # Back to /me/ in that language (/it/me/ for Italian), and the cookie to match.
            response = redirect(url_in_language(request, reverse("portal:me"), language))
            set_language_cookie(response, language)
            return response
        messages.error(request, _("Please correct the errors below."))
        status = 400
    else:
        form = ProfileForm(initial=ProfileForm.initial_for(request.user))
        status = 200
    return render(
        request, "portal/me.html", _me_context(request, form, TokenCreateForm()), status=status
    )


@login_required
@require_POST
def token_create(request):
    token_form = TokenCreateForm(request.POST)
    if not token_form.is_valid():
        form = ProfileForm(initial=ProfileForm.initial_for(request.user))
        messages.error(request, _("The token was not created. Please correct the errors below."))
        return render(request, "portal/me.html", _me_context(request, form, token_form), status=400)
    expires_on = token_form.cleaned_data["expires_on"]
    token, raw = api_token_create(
        name=token_form.cleaned_data["name"],
        kind=ApiToken.Kind.PERSONAL,
        user=request.user,
        expires_at=timezone.make_aware(datetime.combine(expires_on, time.min))
        if expires_on
        else None,
    )
    form = ProfileForm(initial=ProfileForm.initial_for(request.user))
    messages.success(request, _("Token “%(name)s” created.") % {"name": token.name})
    response = render(
        request, "portal/me.html", _me_context(request, form, TokenCreateForm(), token, raw)
    )
    add_never_cache_headers(response)  # the plaintext secret must not be kept by any cache
    return response


@login_required
@require_POST
def token_revoke(request, pk: int):
    token = get_object_or_404(
        ApiToken.objects.visible_to(request.user).filter(user=request.user), pk=pk
    )
    api_token_revoke(token=token)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("portal:me")
