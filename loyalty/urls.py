"""Customer URLs: /me/loyalty/ (balance, tier, history, rewards, wallet), redeeming a reward,
and the referral link /r/<code>/."""

from django.urls import path

from loyalty.views import pages

app_name = "loyalty"

urlpatterns = [
    path("me/loyalty/", pages.loyalty_page, name="page"),
    path("me/loyalty/rewards/<id:pk>/redeem/", pages.reward_redeem_view, name="redeem"),
    path("r/<str:code>/", pages.referral_landing, name="referral"),
]
