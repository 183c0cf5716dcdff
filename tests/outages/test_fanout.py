"""The bulk fan-out of outage notices: every affected customer told once per update, in their
language and on the channels they chose, however often (or however far) the task runs."""

from __future__ import annotations

import email.policy
import re
import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection, connections, transaction
from django.utils import timezone

from outages import services
from outages.models import CompensationGrant, CompensationOffer, IncidentAudience
from outages.services import incidents, notices
from portal.models import (
    Customer,
    Interaction,
    Notification,
    NotificationDelivery,
    Product,
    Subscription,
    User,
)
from portal.services import notifications
from tests.factories import CustomerFactory, SubscriptionFactory, UserFactory

CUSTOMERS = 12


@pytest.fixture
def fibre(db) -> Product:
    return Product.objects.create(name="Fibre 1000", slug="fibre-1000")


def make_customers(product: Product, n: int, *, start: int = 0, region: str = "north"):
    """``n`` customers with a login, subscribed to ``product``; every third speaks Italian."""
    users = []
    for i in range(start, start + n):
        user = UserFactory(email=f"c{i}@example.com")
        customer = CustomerFactory(
            user=user, customer_ref=f"C-{i}", language="it" if i % 3 == 0 else "en"
        )
        SubscriptionFactory(customer=customer, product=product, region=region)
        users.append(user)
    return users


def declare(product, **kwargs):
    return services.incident_declare(
        title="Fibre down", products=[product], impact="major", message="Looking", **kwargs
    )


def publish(incident, capture):
    with capture(execute=True):
        services.incident_publish(incident=incident)


def counts() -> dict[str, int]:
    return {
        "notifications": Notification.objects.count(),
        "web": NotificationDelivery.objects.filter(channel="web").count(),
        "email": NotificationDelivery.objects.filter(channel="email").count(),
        "sent": NotificationDelivery.objects.filter(channel="email", status="sent").count(),
        "received": Interaction.objects.filter(kind="notice_received").count(),
        "outbox": len(mail.outbox),
    }


def test_each_affected_customer_once_per_channel_in_their_language(
    fibre, django_capture_on_commit_callbacks
):
    users = make_customers(fibre, CUSTOMERS)
    quiet, web_only, inactive = users[1], users[2], users[4]
    quiet.notification_preferences = {"email_outage_notices": False, "web_outage_notices": False}
    quiet.save()
    web_only.notification_preferences = {"email_outage_notices": False}
    web_only.save()
    inactive.is_active = False
    inactive.save()
    Customer.objects.create(customer_ref="NO-LOGIN", email="nologin@example.com")
    Subscription.objects.create(
        customer=Customer.objects.get(customer_ref="NO-LOGIN"),
        product=fibre,
        region="north",
        since=timezone.now(),
    )
    incident = declare(fibre)
    publish(incident, django_capture_on_commit_callbacks)

    assert IncidentAudience.objects.filter(incident=incident).count() == CUSTOMERS + 1
    told = CUSTOMERS - 2  # not the one who switched both off, not the inactive one
    assert counts() == {
        "notifications": told,
        "web": told,
        "email": told - 1,
        "sent": told - 1,
        "received": told,
        "outbox": told - 1,
    }
    assert not Notification.objects.filter(user__in=[quiet, inactive]).exists()
    assert Notification.objects.filter(user=web_only).exists()
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects["c0@example.com"] == "In analisi: Fibre down"
    assert subjects["c5@example.com"] == "Investigating: Fibre down"
    assert Notification.objects.get(user=users[3]).title == "In analisi: Fibre down"
    message = next(m for m in mail.outbox if m.to == ["c5@example.com"])
    assert message.extra_headers["X-Portal-Event"].startswith(f"incident:{incident.pk}:update:")
    assert f"/status/incidents/{incident.pk}/" in message.body
    mimes = [m.message() for m in mail.outbox]  # one prototype per language, copied
    assert [str(m["To"]) for m in mimes] == [m.to[0] for m in mail.outbox]
    assert len({m["Message-ID"] for m in mimes}) == len(mimes)
    assert {str(m["Subject"]) for m in mimes} == {
        "In analisi: Fibre down",
        "Investigating: Fibre down",
    }
    web_received = Interaction.objects.get(kind="notice_received", customer=web_only.customer)
    assert web_received.channel == "web" and web_received.metadata["channels"] == ["web"]
    emailed = Interaction.objects.get(kind="notice_received", customer=users[5].customer)
    assert emailed.channel == "email" and emailed.metadata["incident"] == incident.pk


def test_publish_twice_and_rerun_send_nothing_twice(fibre, django_capture_on_commit_callbacks):
    make_customers(fibre, CUSTOMERS)
    incident = declare(fibre)
    publish(incident, django_capture_on_commit_callbacks)
    before = counts()
    publish(incident, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notices_send(incident_id=incident.pk, batch_size=5) == 0
    assert counts() == before


def test_crash_halfway_then_rerun_tells_each_once(
    fibre, monkeypatch, django_capture_on_commit_callbacks
):
    make_customers(fibre, CUSTOMERS)
    incident = declare(fibre)
    with django_capture_on_commit_callbacks(execute=False):
        services.incident_publish(incident=incident)
    real, calls = notices._send_batch, {"n": 0}

    def dies_on_third_batch(*args, **kwargs):
        calls["n"] += 1
        told = real(*args, **kwargs)
        if calls["n"] == 3:
            raise RuntimeError("worker killed")  # after its rows, before its commit
        return told

    monkeypatch.setattr(notices, "_send_batch", dies_on_third_batch)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        services.notices_send(incident_id=incident.pk, batch_size=5)
    assert counts()["notifications"] == 10  # two batches committed, the third rolled back
    assert counts()["outbox"] == 10
    monkeypatch.setattr(notices, "_send_batch", real)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notices_send(incident_id=incident.pk, batch_size=5) == 2
        assert services.notices_send(incident_id=incident.pk, batch_size=5) == 0
    assert counts() == dict.fromkeys(counts(), CUSTOMERS)
    assert len({m.to[0] for m in mail.outbox}) == CUSTOMERS


def test_crash_between_commit_and_email_queue_is_picked_up_by_the_rerun(
    fibre, monkeypatch, django_capture_on_commit_callbacks
):
    make_customers(fibre, CUSTOMERS)
    incident = declare(fibre)
    monkeypatch.setattr(notifications, "_enqueue_batch", lambda ids: None)  # lost enqueue
    publish(incident, django_capture_on_commit_callbacks)
    assert counts()["email"] == CUSTOMERS and not mail.outbox
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notices_send(incident_id=incident.pk) == 0
    assert counts()["sent"] == CUSTOMERS and len(mail.outbox) == CUSTOMERS
    with django_capture_on_commit_callbacks(execute=True):
        services.notices_send(incident_id=incident.pk)
    assert len(mail.outbox) == CUSTOMERS


def test_rolled_back_publication_writes_and_sends_nothing(
    fibre, django_capture_on_commit_callbacks
):
    make_customers(fibre, CUSTOMERS)
    incident = declare(fibre)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.incident_publish(incident=incident)
        raise RuntimeError("the agent's request failed after publishing")
    assert not callbacks
    assert not IncidentAudience.objects.exists()
    assert counts() == dict.fromkeys(counts(), 0)
    incident.refresh_from_db()
    assert incident.published_at is None


def test_queries_per_batch_do_not_grow_with_the_batch(
    fibre, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    make_customers(fibre, 40)
    incident = declare(fibre)
    with django_capture_on_commit_callbacks(execute=False):
        services.incident_publish(incident=incident)
    with django_assert_max_num_queries(30), django_capture_on_commit_callbacks(execute=False):
        assert services.notices_send(incident_id=incident.pk, batch_size=40) == 40


def test_automatic_compensation_granted_once_beside_a_claim(
    fibre, django_capture_on_commit_callbacks
):
    users = make_customers(fibre, CUSTOMERS)
    incident = declare(fibre)
    CompensationOffer.objects.create(
        incident=incident, kind="discount", amount=Decimal("5"), automatic=True
    )
    with django_capture_on_commit_callbacks(execute=False):
        services.incident_publish(incident=incident)
    claimed = services.compensation_grant(
        incident=incident, customer=users[0].customer, claimed=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.notices_send(incident_id=incident.pk, batch_size=5)
        services.notices_send(incident_id=incident.pk, batch_size=5)
    grants = CompensationGrant.objects.filter(incident=incident)
    assert grants.count() == CUSTOMERS
    assert len(set(grants.values_list("code", flat=True))) == CUSTOMERS
    assert grants.get(customer=users[0].customer).pk == claimed.pk
    assert Interaction.objects.filter(kind="compensation").count() == CUSTOMERS
    auto = Interaction.objects.filter(kind="compensation", customer=users[1].customer).get()
    assert auto.value == Decimal("5") and auto.metadata["claimed"] is False


class BouncingBackend(EmailBackend):
    """The locmem backend, except that the mail server refuses addresses with "bounce"."""

    def send_messages(self, messages):
        for message in messages:
            if any("bounce" in address for address in message.to):
                raise OSError("550 mailbox unavailable")
        return super().send_messages(messages)


def test_a_refused_email_is_retried_then_failed_and_the_rest_go_out(
    fibre, settings, django_capture_on_commit_callbacks
):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.BouncingBackend"}}
    users = make_customers(fibre, 4)
    User.objects.filter(pk=users[1].pk).update(email="bounce@example.com")
    incident = declare(fibre)
    publish(incident, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 3
    bounced = NotificationDelivery.objects.get(channel="email", to_address="bounce@example.com")
    assert bounced.status == "pending" and bounced.attempts == 1
    assert "550" in bounced.last_error
    for _ in range(notifications.MAX_ATTEMPTS):
        notifications.deliveries_send_batch([bounced.pk])
    bounced.refresh_from_db()
    assert bounced.status == "failed" and bounced.attempts == notifications.MAX_ATTEMPTS
    assert len(mail.outbox) == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_fan_outs_tell_each_customer_once():
    """Two workers run the same fan-out at once (PostgreSQL: real threads released together;
    SQLite serialises writers, so there they run one after the other)."""
    fibre = Product.objects.create(name="Fibre", slug="fibre")
    make_customers(fibre, CUSTOMERS)
    incident = declare(fibre)
    with transaction.atomic():
        incidents._audience_freeze(incident)
        incident.published_at = timezone.now()
        incident.save(update_fields=["published_at"])
        incident.updates.update(published_at=incident.published_at)
    told: list[int] = []
    errors: list[Exception] = []

    def run(barrier=None):
        try:
            if barrier is not None:
                barrier.wait(timeout=10)
            told.append(services.notices_send(incident_id=incident.pk, batch_size=4))
        except Exception as exc:  # surfaced by the assertions below
            errors.append(exc)
        finally:
            if barrier is not None:
                connections.close_all()

    if connection.vendor == "postgresql":
        barrier = threading.Barrier(2)
        threads = [threading.Thread(target=run, args=(barrier,)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    else:
        run()
        run()
    assert not errors
    assert sum(told) == CUSTOMERS
    assert counts() == dict.fromkeys(counts(), CUSTOMERS)


class BytesBackend(EmailBackend):
    """Keeps what a wire backend would send: the SMTP backend's ``message(policy=SMTP)``
    bytes and the file backend's ``message().as_bytes()``."""

    wire: list[tuple[bytes, bytes]] = []

    def send_messages(self, messages):
        for message in messages:
            smtp = message.message(policy=email.policy.SMTP).as_bytes()
            self.wire.append((smtp, message.message().as_bytes()))
        return super().send_messages(messages)


def _without_varying_headers(data: bytes) -> bytes:
    """The bytes without what differs between two builds of one email: the Date and the
    Message-ID lines, and the random MIME boundary."""
    data = re.sub(rb"={15}\d+==", b"BOUNDARY", data)
    return b"".join(
        line
        for line in data.splitlines(keepends=True)
        if not line.startswith((b"Date:", b"Message-ID:"))
    )


def test_batched_emails_are_byte_for_byte_what_django_builds(
    fibre, settings, django_capture_on_commit_callbacks
):
    """The batch renders a notice once per language and puts each recipient's address and
    a fresh Message-ID in: the bytes must be those the one-by-one path builds
    (``delivery_email``: multipart text and HTML, the same headers)."""
    from portal.services.notifications import delivery_email

    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.BytesBackend"}}
    BytesBackend.wire = []
    make_customers(fibre, 4)
    User.objects.filter(email="c1@example.com").update(email="Zoë <zoe@exämple.com>")
    incident = services.incident_declare(
        title="Fibre giù: è un guasto", products=[fibre], impact="major", message="Ci siamo."
    )
    publish(incident, django_capture_on_commit_callbacks)
    assert len(BytesBackend.wire) == 4
    smtp_sent = [_without_varying_headers(smtp) for smtp, _file in BytesBackend.wire]
    file_sent = [_without_varying_headers(file) for _smtp, file in BytesBackend.wire]
    for delivery in NotificationDelivery.objects.filter(channel="email"):
        plain = delivery_email(delivery)
        assert type(plain) is mail.EmailMultiAlternatives
        smtp = _without_varying_headers(plain.message(policy=email.policy.SMTP).as_bytes())
        assert smtp_sent.index(smtp) == file_sent.index(
            _without_varying_headers(plain.message().as_bytes())
        )
        assert b"multipart/alternative" in smtp and b"text/html" in smtp
        assert b"List-Unsubscribe:" in smtp and b"Auto-Submitted: auto-generated" in smtp
    wire = b"".join(smtp + file for smtp, file in BytesBackend.wire)
    assert b"placeholder" not in wire and b"xn--" in wire  # the IDNA address: the slow path
    ids = {line for line in wire.splitlines() if line.startswith(b"Message-ID:")}
    assert len(ids) == 8  # each copy (and each rendering) its own Message-ID
    assert len(mail.outbox) == 4 and {m.to[0] for m in mail.outbox} >= {"c0@example.com"}


def test_fan_out_leaves_the_garbage_collector_as_it_found_it(fibre):
    import gc

    make_customers(fibre, 2)
    incident = declare(fibre)
    services.incident_publish(incident=incident)
    assert gc.isenabled()
    services.notices_send(incident_id=incident.pk)
    assert gc.isenabled()
    gc.disable()
    try:
        services.notices_send(incident_id=incident.pk)
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.parametrize("n", [1, 5])
def test_bulk_rows_mixing_shared_and_varying_values_round_trip(fibre, n):
    """The bulk insert sends a value shared by every row once and varying ones as arrays
    (PostgreSQL): whatever mixes, each row reads back as written, keys in row order."""
    from django.contrib.contenttypes.models import ContentType

    from portal.services.interactions import interaction_record_bulk

    customers = [u.customer for u in make_customers(fibre, n)]
    shared = {"incident": 1}
    now = timezone.now()
    rows = [
        (
            c.pk,
            "7",
            Decimal("2.50") if i % 2 else None,
            shared if i % 3 else {"other": i},
            now,
        )
        for i, c in enumerate(customers)
    ]
    pks = interaction_record_bulk(
        kind="notice_received",
        channel="email",
        target_type=ContentType.objects.get_for_model(Product),
        rows=rows,
    )
    saved = Interaction.objects.in_bulk(pks)
    for pk, (customer_id, target_id, value, metadata, occurred_at) in zip(pks, rows, strict=True):
        row = saved[pk]
        assert (row.customer_id, row.target_id, row.value, row.metadata) == (
            customer_id,
            target_id,
            value,
            metadata,
        )
        assert row.occurred_at == occurred_at and row.user_id is None and row.visitor == ""
