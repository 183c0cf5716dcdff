"""The outages demo (``seed_demo`` runs ``outages.demo.seed``): four incidents through the
services, idempotent, no email."""

from __future__ import annotations

from datetime import timedelta

from django.apps import apps
from django.core import mail
from django.utils import timezone

from outages import demo, selectors
from outages.models import CompensationGrant, Incident, IncidentAudience, IncidentUpdate
from portal.demo.seed import seed_products
from portal.models import Interaction, Notification, Subscription


def test_registered_as_the_apps_seeder():
    assert apps.get_app_config("outages").demo_seed == "outages.demo.seed"


def test_seed_creates_the_story_once(alice, bob, client_for):
    """(The fan-out queued on commit is not run here: the seeder sends the notices itself,
    with emails suppressed, and drops the queued task.)"""
    products = seed_products()
    now = timezone.now()
    since = now - timedelta(days=400)
    Subscription.objects.create(
        customer=alice.customer, product=products["cloud-backup"], region="North", since=since
    )
    Subscription.objects.create(
        customer=bob.customer, product=products["fibre-broadband"], since=since
    )
    summary = demo.seed(now=now)
    assert summary.startswith("4 demo incidents created")
    assert not Incident.objects.filter(published_at__isnull=True).exists()

    major = Incident.objects.get(impact="major")
    assert major.status == "resolved" and abs(major.ends_at - (now - timedelta(days=40))) < (
        timedelta(hours=1)
    )
    assert max(major.updates.values_list("published_at", flat=True)) < now - timedelta(days=39)
    grant = CompensationGrant.objects.get(incident=major)
    assert grant.customer == bob.customer and not grant.claimed  # automatic credit

    degraded = Incident.objects.get(impact="degraded")
    assert degraded.status == "resolved"
    assert now - timedelta(days=8) < degraded.starts_at < now - timedelta(days=5)

    open_one = Incident.objects.get(impact="partial")
    assert open_one.is_open and open_one.region == "North"
    assert list(open_one.products.values_list("slug", flat=True)) == ["cloud-backup"]
    assert open_one.updates.count() == 2
    assert open_one.offer.kind == "credit" and not open_one.offer.automatic
    assert IncidentAudience.objects.filter(incident=open_one, customer=alice.customer).exists()

    maintenance = Incident.objects.get(impact="maintenance")
    assert maintenance.starts_at > now + timedelta(days=6) and maintenance.is_open

    board = selectors.status_board(now=now)
    assert [i.title for i in board.scheduled] == [maintenance.title]
    states = {s.product.slug: s.state for s in board.services}
    assert states["cloud-backup"] == "partial"
    assert {i.pk for i in board.past} == {major.pk, degraded.pk}
    assert Notification.objects.filter(user=alice, kind="outage_notice").exists()
    assert mail.outbox == []  # demo data mails nobody

    html = client_for(alice).get(f"/status/incidents/{open_one.pk}/").content.decode()
    assert "You are affected" in html and "Claim compensation" in html

    counts = [
        m.objects.count()
        for m in (Incident, IncidentUpdate, CompensationGrant, Notification, Interaction)
    ]
    again = demo.seed(now=now)
    assert again.startswith("0 demo incidents created")
    assert counts[:4] == [
        m.objects.count() for m in (Incident, IncidentUpdate, CompensationGrant, Notification)
    ]
