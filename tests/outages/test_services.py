from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from outages import services
from outages.models import Incident, IncidentAudience, StatusSubscription
from outages.services import notices
from portal.models import Interaction, NotificationDelivery, Product, Subscription
from portal.services import notifications as deliveries


@pytest.fixture
def fibre(db) -> Product:
    return Product.objects.create(name="Fibre 1000", slug="fibre-1000")


@pytest.fixture
def tv(db) -> Product:
    return Product.objects.create(name="TV", slug="tv")


@pytest.fixture
def setup(alice, bob, carol, amy, fibre, tv):
    now = timezone.now()
    Subscription.objects.create(customer=alice.customer, product=fibre, region="north", since=now)
    Subscription.objects.create(customer=bob.customer, product=fibre, region="south", since=now)
    Subscription.objects.create(customer=carol.customer, product=tv, region="north", since=now)
    Subscription.objects.create(
        customer=amy.customer, product=fibre, region="north", since=now, status="cancelled"
    )
    return fibre


def declare(fibre, region="north"):
    return services.incident_declare(
        title="Fibre down", products=[fibre], impact="major", message="Looking", region=region
    )


def email_to(address):
    return [m for m in mail.outbox if address in m.to]


def test_declare_validates(setup):
    with pytest.raises(services.IncidentError):
        services.incident_declare(title=" ", products=[setup], impact="major", message="x")
    with pytest.raises(services.IncidentError):
        services.incident_declare(title="t", products=[], impact="major", message="x")
    with pytest.raises(services.IncidentError):
        services.incident_declare(title="t", products=[setup], impact="bad", message="x")
    assert not Incident.objects.exists()


def test_publish_tells_only_affected_exactly_once(
    setup, alice, bob, carol, amy, django_capture_on_commit_callbacks
):
    incident = declare(setup)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.incident_publish(incident=incident) == 1
    assert list(IncidentAudience.objects.values_list("customer", flat=True)) == [alice.customer.pk]
    assert len(email_to(alice.email)) == 1
    assert not email_to(bob.email) and not email_to(carol.email) and not email_to(amy.email)
    assert alice.notifications.count() == 1
    assert not bob.notifications.exists()
    assert Interaction.objects.filter(kind="notice_received", customer=alice.customer).count() == 1
    # publishing twice and re-running the task send nothing new
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_publish(incident=incident)
    assert services.notices_send(incident_id=incident.pk) == 0
    assert len(email_to(alice.email)) == 1
    assert Interaction.objects.filter(kind="notice_received").count() == 1


def test_email_in_customer_language(setup, alice, django_capture_on_commit_callbacks):
    alice.customer.language = "it"
    alice.customer.save()
    incident = declare(setup)
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_publish(incident=incident)
    (message,) = email_to(alice.email)
    assert message.subject == "In analisi: Fibre down"


def test_rolled_back_publication_sends_nothing(setup, django_capture_on_commit_callbacks):
    incident = declare(setup)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.incident_publish(incident=incident)
        raise RuntimeError
    assert not callbacks
    assert not mail.outbox
    assert not IncidentAudience.objects.exists()
    assert not NotificationDelivery.objects.exists()
    incident.refresh_from_db()
    assert incident.published_at is None


def test_crash_halfway_then_retry_sends_each_once(
    setup, alice, bob, fibre, monkeypatch, django_capture_on_commit_callbacks
):
    Subscription.objects.filter(customer=bob.customer).update(region="north")
    incident = declare(setup)
    calls = {"n": 0}
    real = notices._send_batch

    def crashing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker died")
        return real(*args, **kwargs)

    monkeypatch.setattr(notices, "_send_batch", crashing)
    with django_capture_on_commit_callbacks(execute=False):
        services.incident_publish(incident=incident)
    with pytest.raises(RuntimeError):
        services.notices_send(incident_id=incident.pk, batch_size=1)
    emails = NotificationDelivery.objects.filter(channel="email")
    assert emails.count() == 1
    monkeypatch.setattr(notices, "_send_batch", real)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notices_send(incident_id=incident.pk, batch_size=1) == 1
        assert services.notices_send(incident_id=incident.pk, batch_size=1) == 0
    assert emails.count() == 2
    deliveries.deliveries_send_pending()
    deliveries.deliveries_send_pending()
    assert len(email_to(alice.email)) == 1 and len(email_to(bob.email)) == 1


def test_updates_and_resolution_reach_same_audience_and_scope_grows(
    setup, alice, bob, django_capture_on_commit_callbacks
):
    incident = declare(setup)
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_publish(incident=incident)
    Subscription.objects.filter(customer=bob.customer).update(region="north")
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_update_post(incident=incident, status="identified", message="Cable cut")
    assert IncidentAudience.objects.filter(incident=incident).count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_resolve(incident=incident, message="Fixed")
    incident.refresh_from_db()
    assert incident.status == "resolved" and incident.ends_at is not None
    assert len(email_to(alice.email)) == 3
    assert len(email_to(bob.email)) == 3  # joined late: gets the whole story once
    with pytest.raises(services.IncidentError):
        services.incident_update_post(incident=incident, status="monitoring", message="x")


def test_unpublished_update_sends_nothing(setup, django_capture_on_commit_callbacks):
    incident = declare(setup)
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_update_post(incident=incident, status="identified", message="x")
    assert not mail.outbox


def test_followers_get_updates_but_are_not_affected(
    setup, carol, django_capture_on_commit_callbacks
):
    StatusSubscription.objects.create(customer=carol.customer, product=setup)
    incident = declare(setup)
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_publish(incident=incident)
    assert len(email_to(carol.email)) == 1
    assert not IncidentAudience.objects.filter(customer=carol.customer).exists()


def test_customer_of_several_affected_services_is_told_once(
    setup, alice, tv, django_capture_on_commit_callbacks
):
    """alice has fibre and TV, both affected, and follows fibre too: one audience row, one
    notice, one email, one interaction."""
    Subscription.objects.create(
        customer=alice.customer, product=tv, region="north", since=timezone.now()
    )
    StatusSubscription.objects.create(customer=alice.customer, product=setup)
    incident = services.incident_declare(
        title="Core network down", products=[setup, tv], impact="major", message="Looking"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_publish(incident=incident)
    assert IncidentAudience.objects.filter(customer=alice.customer).count() == 1
    assert len(email_to(alice.email)) == 1
    assert alice.notifications.count() == 1
    assert Interaction.objects.filter(kind="notice_received", customer=alice.customer).count() == 1
