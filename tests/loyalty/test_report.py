"""The programme report (admin, with CSV) and the figures insights reads."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from loyalty.selectors import programme_figures
from loyalty.services.expiry import points_expire_pass
from loyalty.services.ledger import account_for
from loyalty.services.referrals import referral_attach, referral_convert
from loyalty.services.rewards import reward_redeem
from tests.conftest import make_customer, make_user
from tests.loyalty.g_builders import give, reward

pytestmark = pytest.mark.django_db


def test_figures_issued_redeemed_expired_outstanding_and_referrals(alice, bob, settings):
    settings.LOYALTY_POINTS_EXPIRE_DAYS = 10
    now = timezone.now()
    give(alice.customer, 200, at=now - timedelta(days=20))  # 200 expire at day -10
    give(bob.customer, 300, at=now - timedelta(days=5))
    reward_redeem(customer=bob.customer, reward=reward(cost=100), now=now - timedelta(days=4))
    points_expire_pass(now=now - timedelta(days=1))
    dana = make_customer(make_user("dana@dana-mail.test"), ref="C-DANA")
    referral_attach(referred=dana, code=account_for(bob.customer).referral_code)
    eve = make_customer(make_user("eve@eve-mail.test"), ref="C-EVE")
    referral_attach(referred=eve, code=account_for(bob.customer).referral_code)
    referral_convert(referred=dana, purchase_ref="D-1")
    figures = programme_figures(now - timedelta(days=30), now + timedelta(seconds=1))
    assert figures["points_issued"] == 200 + 300 + 300  # the referral earned bob 300
    assert figures["points_redeemed"] == 100
    assert figures["points_expired"] == 200
    assert figures["points_outstanding"] == 500
    assert figures["redemption_rate"] == pytest.approx(100 / 800)
    assert figures["referral_conversion_rate"] == 0.5
    assert figures["loyalty_members"] == 2


def test_report_page_and_csv_for_admins(client_for, root, alice):
    give(alice.customer, 75)
    client = client_for(root)
    page = client.get("/admin/reports/loyalty/")
    assert page.status_code == 200 and "Outstanding (liability)" in page.content.decode()
    response = client.get("/admin/reports/loyalty/?export=csv")
    csv = b"".join(response.streaming_content).decode()
    assert csv.splitlines()[0].strip() == "Section,Measure,Value"
    assert "Points,Issued,75" in csv and "Members per tier,Bronze,1" in csv


def test_report_is_admins_only(client_for, ada):
    response = client_for(ada).get("/admin/reports/loyalty/")
    assert response.status_code == 302
