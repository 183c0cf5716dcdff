"""What an outage notice email says: the update's text, the affected services, the severity in
words, the compensation offered to that customer (the affected audience; a follower who was not
affected is offered none), the status page and the incident's page; in the recipient's
language, in the text and the HTML part alike, with List-Unsubscribe and Auto-Submitted on the
bulk (pre-rendered) path."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from outages import services
from outages.models import StatusSubscription
from portal.models import Product
from tests.factories import CustomerFactory, SubscriptionFactory, UserFactory


@pytest.fixture
def fibre(db) -> Product:
    return Product.objects.create(name="Fibre 1000", slug="fibre-1000")


@pytest.fixture
def tv(db) -> Product:
    return Product.objects.create(name="TV Plus", slug="tv-plus")


def customer(email: str, *, language: str = "en", product=None, region: str = "north"):
    user = UserFactory(email=email)
    person = CustomerFactory(user=user, customer_ref=email.split("@")[0], language=language)
    if product is not None:
        SubscriptionFactory(customer=person, product=product, region=region)
    return person


def publish(capture, products, **offer):
    incident = services.incident_declare(
        title="Fibre down in the north",
        products=products,
        impact="major",
        region="north",
        message="A cable was cut; crews are on site.",
        **offer,
    )
    with capture(execute=True):
        services.incident_publish(incident=incident)
    return incident


def sent_to(address: str):
    (message,) = [m for m in mail.outbox if m.to == [address]]
    html = next(content for content, mimetype in message.alternatives if mimetype == "text/html")
    return message, html


def test_the_notice_names_services_severity_compensation_and_the_status_page(
    fibre, tv, settings, django_capture_on_commit_callbacks
):
    customer("affected@example.com", product=fibre)
    follower = customer("follower@example.com", product=fibre, region="south")
    StatusSubscription.objects.create(customer=follower, product=fibre)
    incident = publish(
        django_capture_on_commit_callbacks,
        [fibre, tv],
        offer_kind="credit",
        offer_amount=Decimal("10"),
        offer_automatic=True,
    )
    status_page = f"{settings.SITE_URL}{reverse('outages:status')}"
    incident_page = f"{settings.SITE_URL}{reverse('outages:incident', args=[incident.pk])}"

    message, html = sent_to("affected@example.com")
    assert message.subject == "Investigating: Fibre down in the north"
    for part in (message.body, html):
        assert "A cable was cut; crews are on site." in part
        assert "Affected services: Fibre 1000, TV Plus" in part
        assert "Severity: Major outage" in part
        assert "Compensation: 10.00 EUR service credit, granted to you automatically." in part
        assert incident_page in part
    assert f"Status page: {status_page}" in message.body
    assert f'Status page: <a href="{status_page}"' in html  # a link in HTML
    assert f'href="{incident_page}"' in html  # the button

    message, html = sent_to("follower@example.com")  # not affected: nothing to compensate
    for part in (message.body, html):
        assert "Affected services: Fibre 1000, TV Plus" in part
        assert "Compensation" not in part
    for message in mail.outbox:  # the bulk path: an automatic notice, with a way out
        assert message.extra_headers["Auto-Submitted"] == "auto-generated"
        assert message.extra_headers["List-Unsubscribe"] == (
            f"<{settings.SITE_URL}{reverse('portal:notification_settings')}>"
        )


def test_an_offer_to_claim_says_so(fibre, django_capture_on_commit_callbacks):
    customer("affected@example.com", product=fibre)
    publish(
        django_capture_on_commit_callbacks,
        [fibre],
        offer_kind="points",
        offer_amount=Decimal("250"),
        offer_automatic=False,
    )
    message, html = sent_to("affected@example.com")
    for part in (message.body, html):
        assert "Compensation: 250 loyalty points. Claim it on the incident page." in part


def test_no_offer_no_compensation_line(fibre, django_capture_on_commit_callbacks):
    customer("affected@example.com", product=fibre)
    publish(django_capture_on_commit_callbacks, [fibre])
    message, html = sent_to("affected@example.com")
    assert "Compensation" not in message.body and "Compensation" not in html
    assert "Severity: Major outage" in message.body


def test_italian_and_english_recipients_each_read_their_language(
    fibre, django_capture_on_commit_callbacks
):
    customer("rossi@example.com", language="it", product=fibre)
    customer("smith@example.com", language="en", product=fibre)
    publish(django_capture_on_commit_callbacks, [fibre])

    message, html = sent_to("rossi@example.com")
    assert message.subject == "In analisi: Fibre down in the north"
    assert message.extra_headers["Content-Language"] == "it"
    assert 'lang="it"' in html
    for part in (message.body, html):
        assert "Disservizio grave" in part  # the severity, in words, in Italian
        assert "Impostazioni delle notifiche" in part  # the footer's settings link
        assert "Major outage" not in part

    message, html = sent_to("smith@example.com")
    assert message.subject == "Investigating: Fibre down in the north"
    assert message.extra_headers["Content-Language"] == "en"
    for part in (message.body, html):
        assert "Major outage" in part and "Notification settings" in part
        assert "Disservizio grave" not in part


def test_the_batch_renders_the_templates_once_per_language_not_per_recipient(
    fibre, monkeypatch, django_capture_on_commit_callbacks
):
    from portal.services import notifications

    for i in range(6):
        customer(f"c{i}@example.com", language="it" if i % 2 else "en", product=fibre)
    rendered: list[str] = []
    real = notifications.notification_parts

    def counting(**kwargs):
        rendered.append(kwargs["language"])
        return real(**kwargs)

    monkeypatch.setattr(notifications, "notification_parts", counting)
    publish(django_capture_on_commit_callbacks, [fibre])
    assert len(mail.outbox) == 6
    assert sorted(rendered) == ["en", "it"]
