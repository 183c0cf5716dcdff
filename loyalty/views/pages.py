"""The customer's loyalty page, redeeming a reward, and the referral link."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from loyalty import selectors
from loyalty.forms import RedeemForm
from loyalty.models import Reward
from loyalty.services.errors import LoyaltyError
from loyalty.services.referrals import SESSION_KEY, referrer_for_code
from loyalty.services.rewards import reward_redeem
from loyalty.views import rows
from portal.wallet import wallet_items


def _customer(request):
    customer = getattr(request.user, "customer", None)
    if customer is None:
        raise Http404(_("Only customers have a loyalty account."))
    return customer


def _context(request, customer, *, forms: dict | None = None) -> dict:
    summary = selectors.summary(customer)
    offers = selectors.rewards_for(summary)
    forms = forms or {}
    history = selectors.history_page(customer, request.GET.get("page", 1))
    wallet = wallet_items(customer)
    return {
        "customer": customer,
        "summary": summary,
        "offers": [
            (offer, forms.get(offer.reward.pk) or RedeemForm(reward=offer.reward))
            for offer in offers
        ],
        "history": history,
        "history_rows": rows.history_rows(history),
        "wallet": wallet,
        "wallet_rows": rows.wallet_rows(wallet),
        "badges": selectors.badges_for(request.user),
        "referrals": selectors.referral_counts(customer),
        "referral_url": request.build_absolute_uri(
            reverse("loyalty:referral", args=[summary.referral_code])
        ),
    }


@login_required
@require_GET
def loyalty_page(request):
    customer = _customer(request)
    return render(request, "loyalty/page.html", _context(request, customer))


@login_required
@require_POST
def reward_redeem_view(request, pk: int):
    customer = _customer(request)
    reward = get_object_or_404(Reward.objects.filter(active=True), pk=pk)
    form = RedeemForm(request.POST, reward=reward)
    status = 400
    if form.is_valid():
        try:
            redemption = reward_redeem(customer=customer, reward=reward, cause=form.chosen_cause)
        except LoyaltyError as error:
            form.add_error(None, error.message)
            status = error.status_code
        else:
            if reward.kind == Reward.Kind.DONATION:
                messages.success(
                    request,
                    _("Thank you: your donation to %(cause)s is made (receipt %(code)s).")
                    % {"cause": redemption.cause, "code": redemption.code},
                )
            else:
                messages.success(
                    request,
                    _("“%(name)s” is in your wallet: your code is %(code)s.")
                    % {"name": reward.name, "code": redemption.code},
                )
            return redirect(reverse("loyalty:page") + "#wallet")
    messages.error(request, _("The reward was not redeemed: see the message next to it."))
    context = _context(request, customer, forms={reward.pk: form})
    return render(request, "loyalty/page.html", context, status=status)


@require_http_methods(["GET", "HEAD"])
def referral_landing(request, code: str):
    """A friend's referral link: remember the code for the signup, then ask to sign up."""
    if referrer_for_code(code) is None:
        raise Http404(_("This referral link is not valid."))
    if request.user.is_authenticated:
        messages.info(
            request, _("You already have an account: referral links are for new customers.")
        )
        return redirect(
            "loyalty:page" if getattr(request.user, "customer", None) else "portal:home"
        )
    request.session[SESSION_KEY] = code
    return redirect("account_signup")
