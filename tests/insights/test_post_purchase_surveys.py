"""A survey after a purchase: portal imports purchases (CSV or API) and cannot call insights,
so the periodic sender reads new purchases after its cursor, in windows, and asks each
customer about their latest order under the same contact policy as every other survey."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from insights.models import (
    FollowUp,
    Survey,
    SurveyCursor,
    SurveyKind,
    SurveySettings,
    SurveyTrigger,
)
from insights.services import sender as sender_module
from insights.services import surveys as S
from insights.services.followups import followup_open
from insights.services.sender import surveys_send
from outages.models import Incident, IncidentAudience
from portal.models import Customer, Purchase
from tests.conftest import make_customer, make_user

pytestmark = pytest.mark.django_db


def _send() -> dict[str, int]:
    return surveys_send(nps=False)


def _cursor() -> int:
    """The id of the last purchase the sender has read."""
    row = SurveyCursor.objects.filter(source="purchase").first()
    return row.last_interaction_id if row else 0


def _purchase(customer, *, ref, amount="19.90", days_ago=1) -> Purchase:
    return Purchase.objects.create(
        customer=customer,
        ordered_at=timezone.now() - timedelta(days=days_ago),
        amount=Decimal(amount),
        order_ref=ref,
        source="test",
    )


def _purchase_surveys():
    return Survey.objects.filter(trigger=SurveyTrigger.PURCHASE)


# --- the rule -------------------------------------------------------------------------------------
def test_an_imported_purchase_gets_a_survey_about_it(alice, tmp_path, mailoutbox):
    ordered = (timezone.now() - timedelta(days=1)).isoformat()
    csv = tmp_path / "orders.csv"
    csv.write_text(
        f"customer_ref,ordered_at,amount,order_ref\n{alice.customer.customer_ref},{ordered},42.00,SHOP-1\n"
    )
    call_command("import_purchases", str(csv), stdout=StringIO())
    purchase = Purchase.objects.get(order_ref="SHOP-1")
    counts = _send()
    survey = _purchase_surveys().get()
    assert survey.customer == alice.customer
    assert survey.kind == SurveyKind.CSAT
    assert survey.trigger_ref == f"P-{purchase.pk}"
    assert counts == {"csat_sent": 1}
    assert _cursor() == purchase.pk


def test_the_email_asks_about_the_order(alice, django_capture_on_commit_callbacks, mailoutbox):
    _purchase(alice.customer, ref="O-1")
    with django_capture_on_commit_callbacks(execute=True):
        _send()
    assert len(mailoutbox) == 1
    assert "How satisfied are you with your recent order?" in mailoutbox[0].body


def test_a_purchase_posted_through_the_api_gets_a_survey(client_for, root, alice):
    body = {
        "purchases": [
            {
                "customer_ref": alice.customer.customer_ref,
                "ordered_at": (timezone.now() - timedelta(hours=2)).isoformat(),
                "amount": "10.00",
                "order_ref": "API-1",
            }
        ]
    }
    response = client_for(root).post("/api/v1/purchases", body, content_type="application/json")
    assert response.status_code == 201, response.content
    _send()
    purchase = Purchase.objects.get(order_ref="API-1")
    assert _purchase_surveys().get().trigger_ref == f"P-{purchase.pk}"


def test_a_free_order_counts_a_refund_does_not(alice, bob):
    _purchase(alice.customer, ref="FREE", amount="0")
    _purchase(bob.customer, ref="REFUND", amount="-5")
    _send()
    assert list(_purchase_surveys().values_list("customer", flat=True)) == [alice.customer.pk]


def test_a_back_dated_import_asks_nobody(alice):
    old = _purchase(alice.customer, ref="OLD", days_ago=90)
    assert _send() == {}
    assert not _purchase_surveys().exists()
    assert _cursor() == old.pk  # read once, not again


def test_admins_choose_ces_after_purchases(alice):
    SurveySettings.objects.create(purchase_survey_kind=SurveyKind.CES)
    _purchase(alice.customer, ref="O-1")
    _send()
    assert _purchase_surveys().get().kind == SurveyKind.CES


# --- exactly once ---------------------------------------------------------------------------------
def test_each_purchase_once_and_one_survey_per_period(alice, bob, settings):
    first = _purchase(alice.customer, ref="O-1")
    _send()
    _send()
    assert _purchase_surveys().count() == 1
    # a second order in the same period: the customer was just asked
    _purchase(alice.customer, ref="O-2")
    _purchase(bob.customer, ref="O-3")
    _send()
    assert sorted(_purchase_surveys().values_list("trigger_ref", flat=True)) == sorted(
        [f"P-{first.pk}", f"P-{Purchase.objects.get(order_ref='O-3').pk}"]
    )
    # once the period is over, a re-read (cursor moved back) still asks nothing twice
    settings.INSIGHTS_SURVEY_MIN_DAYS = 0
    SurveyCursor.objects.filter(source="purchase").update(last_interaction_id=0)
    _send()
    refs = list(_purchase_surveys().values_list("trigger_ref", flat=True))
    assert len(refs) == len(set(refs))
    assert f"P-{first.pk}" in refs


def test_a_big_import_is_read_in_windows_with_one_survey_per_customer(
    alice, bob, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(sender_module, "PURCHASE_WINDOW", 100)
    monkeypatch.setattr(sender_module, "PURCHASE_WINDOWS_PER_PASS", 3)
    shoppers = [alice.customer, bob.customer]
    shoppers += [Customer.objects.create(customer_ref=f"C-X{i}", name=f"x{i}") for i in range(20)]
    now = timezone.now()
    Purchase.objects.bulk_create(
        Purchase(
            customer=shoppers[i % len(shoppers)],
            ordered_at=now - timedelta(hours=1),
            amount=Decimal("5"),
            order_ref=f"B-{i}",
            source="bulk",
        )
        for i in range(500)
    )
    # 3 windows of 100 rows: a handful of set-based queries each, plus the two customers
    # with a login (the other twenty have none and are filtered out in SQL)
    ids = list(Purchase.objects.order_by("pk").values_list("pk", flat=True))
    with django_assert_max_num_queries(90):
        counts = _send()
    assert counts == {"csat_sent": 2}
    assert _cursor() == ids[299]
    assert _purchase_surveys().count() == 2
    assert _send() == {}  # the rest: both buyers were just asked (filtered out in SQL)
    assert _cursor() == ids[-1]
    assert _purchase_surveys().count() == 2


def _pass_in_thread(barrier, outcomes):
    try:
        barrier.wait(timeout=10)
        outcomes.append(("ok", _send()))
    except Exception as exc:  # surfaced by the assertions below
        outcomes.append(("error", repr(exc)))
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_one_survey_per_purchase():
    """Two passes at once (threads with their own connections on PostgreSQL; one after the
    other on SQLite, which serialises writers): the cursor's row lock orders them."""
    users = [make_user(f"buyer{i}@example.com", full_name=f"Buyer {i}") for i in range(3)]
    customers = [make_customer(user, ref=f"C-BUY{i}") for i, user in enumerate(users)]
    purchases = [_purchase(customer, ref=f"R-{i}") for i, customer in enumerate(customers)]
    outcomes: list[tuple[str, object]] = []
    if connection.vendor == "postgresql":
        barrier = threading.Barrier(2)
        threads = [
            threading.Thread(target=_pass_in_thread, args=(barrier, outcomes)) for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    else:
        for _ in range(2):
            _pass_in_thread(threading.Barrier(1), outcomes)
    assert [o for o in outcomes if o[0] == "error"] == []
    assert sorted(_purchase_surveys().values_list("trigger_ref", flat=True)) == sorted(
        f"P-{p.pk}" for p in purchases
    )
    assert sum(result.get("csat_sent", 0) for _, result in outcomes) == 3
    assert _cursor() == purchases[-1].pk


# --- the contact policy ---------------------------------------------------------------------------
def test_opted_out_customers_get_none(alice, bob):
    Customer.objects.filter(pk=alice.customer.pk).update(consent_surveys=False)
    alice.refresh_from_db()
    _purchase(alice.customer, ref="O-1")
    _purchase(bob.customer, ref="O-2")
    _send()
    assert list(_purchase_surveys().values_list("customer", flat=True)) == [bob.customer.pk]


def test_email_preference_off_gets_none(alice, bob):
    alice.notification_preferences = {**alice.notification_preferences, "email_surveys": False}
    alice.save(update_fields=["notification_preferences"])
    _purchase(alice.customer, ref="O-1")
    _purchase(bob.customer, ref="O-2")
    assert _send()["skipped_opted_out"] == 1
    assert list(_purchase_surveys().values_list("customer", flat=True)) == [bob.customer.pk]


def test_no_survey_during_an_open_incident_that_affects_the_customer(alice, bob, ada):
    incident = Incident.objects.create(
        title="Fibre down",
        impact=Incident.Impact.MAJOR,
        published_at=timezone.now(),
        status=Incident.Status.INVESTIGATING,
    )
    IncidentAudience.objects.create(incident=incident, customer=alice.customer)
    _purchase(alice.customer, ref="O-1")
    _purchase(bob.customer, ref="O-2")
    counts = _send()
    assert counts["skipped_open_incident"] == 1
    assert list(_purchase_surveys().values_list("customer", flat=True)) == [bob.customer.pk]


def test_no_survey_while_a_followup_is_open(alice, bob):
    now = timezone.now()
    unhappy = Survey.objects.create(
        customer=alice.customer,
        kind=SurveyKind.NPS,
        trigger=SurveyTrigger.SCHEDULE,
        trigger_ref="nps-1",
        sent_at=now - timedelta(days=60),
        expires_at=now - timedelta(days=46),
        answered_at=now - timedelta(days=59),
        score=1,
    )
    assert followup_open(survey=unhappy).created
    assert FollowUp.objects.open().filter(customer=alice.customer).exists()
    _purchase(alice.customer, ref="O-1")
    assert _send()["skipped_followup_open"] == 1
    assert not _purchase_surveys().exists()


def test_sampling_rate_set_by_admins_without_a_deploy(alice, bob, settings):
    settings.INSIGHTS_SURVEY_SAMPLE_PERCENT = {**settings.INSIGHTS_SURVEY_SAMPLE_PERCENT}
    settings.INSIGHTS_SURVEY_SAMPLE_PERCENT["purchase"] = 100
    assert S.sample_percent(SurveyTrigger.PURCHASE) == 100  # no settings saved: environment
    chosen = SurveySettings.load()
    chosen.sample_purchase_percent = 0
    chosen.save()
    assert S.sample_percent(SurveyTrigger.PURCHASE) == 0
    assert (
        S.sample_percent(SurveyTrigger.TICKET) == settings.INSIGHTS_SURVEY_SAMPLE_PERCENT["ticket"]
    )
    _purchase(alice.customer, ref="O-1")
    assert _send()["skipped_sampled_out"] == 1
    assert not _purchase_surveys().exists()
    chosen.sample_purchase_percent = None  # back to the environment's 100
    chosen.save()
    _purchase(bob.customer, ref="O-2")
    _send()
    assert _purchase_surveys().count() == 1


# --- bad input ------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", [101, -1])
def test_a_sampling_rate_out_of_range_is_refused(value):
    chosen = SurveySettings(sample_purchase_percent=value)
    with pytest.raises(ValidationError) as error:
        chosen.full_clean()
    assert "sample_purchase_percent" in error.value.message_dict


def test_a_bad_kind_is_refused():
    chosen = SurveySettings(purchase_survey_kind=SurveyKind.NPS)
    with pytest.raises(ValidationError) as error:
        chosen.full_clean()
    assert "purchase_survey_kind" in error.value.message_dict


def test_admins_edit_the_settings_in_wagtail(client_for, root, alice):
    client = client_for(root)
    shown = client.get("/admin/settings/insights/surveysettings/", follow=True)
    assert shown.status_code == 200
    url = shown.redirect_chain[-1][0]  # the settings row's own page
    bad = client.post(url, {"sample_purchase_percent": "250", "purchase_survey_kind": "csat"})
    assert bad.status_code == 200 and "100" in bad.content.decode()
    assert not SurveySettings.objects.filter(sample_purchase_percent=250).exists()
    good = client.post(url, {"sample_purchase_percent": "0", "purchase_survey_kind": "ces"})
    assert good.status_code == 302
    assert SurveySettings.load().sample_purchase_percent == 0
    assert client_for(alice).get(url).status_code in (302, 403)


def test_an_invalid_api_purchase_writes_nothing_and_asks_nothing(client_for, root, alice):
    body = {
        "purchases": [
            {
                "customer_ref": alice.customer.customer_ref,
                "ordered_at": "yesterday",
                "amount": "10.00",
                "order_ref": "API-BAD",
            }
        ]
    }
    response = client_for(root).post("/api/v1/purchases", body, content_type="application/json")
    assert response.status_code == 422
    _send()
    assert not Purchase.objects.exists() and not _purchase_surveys().exists()
