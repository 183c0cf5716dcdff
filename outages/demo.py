"""Demo incidents for ``manage.py seed_demo`` (``OutagesConfig.demo_seed``).

Four incidents, each found again by its title on a re-run (nothing is created twice):

- a major fibre outage 40 days ago, resolved after three hours, with an automatic service
  credit for every affected customer;
- degraded mobile data last week, resolved;
- an open partial outage on alice's first service (in her region), published, with two
  updates and a credit of 5.00 to claim from the notice;
- a maintenance window next week, announced ahead.

They go through the services (declare, publish, updates, resolve), so audiences, notices,
grants and interactions are real; the notices are sent right away with emails suppressed (the
queued fan-out task then finds nothing left to send) and the timestamps are moved back to
when the demo says things happened.

Every incident and update has its Italian (``ITALIAN``, by English title: the title and the
messages in update order), written at declaration; a re-run adds the Italian to demo incidents
made before it existed (``services.incident_translation_set``), keeping any set by an agent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction

from outages import services
from outages.models import CompensationOffer, Incident, IncidentUpdate
from portal.models import Product, Subscription
from portal.services.notifications import emails_suppressed


@dataclass(frozen=True)
class DemoIncident:
    title: str
    impact: str
    service: str  # product slug; "alice" for alice's first service
    start: timedelta  # from now (negative: in the past)
    duration: timedelta | None  # None: still open
    updates: tuple[tuple[str, str, timedelta], ...]  # (status, message, after the start)
    offer: tuple[str, str, bool] | None = None  # (kind, amount, automatic)
    region_of_alice: bool = False


INCIDENTS = (
    DemoIncident(
        "Fibre broadband down in several areas",
        Incident.Impact.MAJOR,
        "fibre-broadband",
        -timedelta(days=40, hours=3),
        timedelta(hours=3),
        (
            ("investigating", "Many customers cannot connect. We are investigating.", timedelta()),
            (
                "identified",
                "A failed core router is the cause; traffic is being moved.",
                timedelta(minutes=50),
            ),
            (
                "monitoring",
                "Connections are coming back. We are watching closely.",
                timedelta(hours=2, minutes=30),
            ),
            (
                "resolved",
                "Everything works again. A 10.00 credit is on your account.",
                timedelta(hours=3),
            ),
        ),
        offer=("credit", "10.00", True),
    ),
    DemoIncident(
        "Slow mobile data",
        Incident.Impact.DEGRADED,
        "mobile-plan",
        -timedelta(days=6, hours=5),
        timedelta(hours=2, minutes=15),
        (
            ("investigating", "Mobile data is slower than usual in the evening.", timedelta()),
            (
                "resolved",
                "Capacity was added; speeds are back to normal.",
                timedelta(hours=2, minutes=15),
            ),
        ),
    ),
    DemoIncident(
        "Service interruption in your area",
        Incident.Impact.PARTIAL,
        "alice",
        -timedelta(hours=2, minutes=10),
        None,
        (
            ("investigating", "Some customers cannot use the service. We are on it.", timedelta()),
            (
                "identified",
                "A power failure at one of our sites is the cause. Engineers are on "
                "site; we expect a fix within two hours.",
                timedelta(minutes=45),
            ),
        ),
        offer=("credit", "5.00", False),
        region_of_alice=True,
    ),
    DemoIncident(
        "Planned maintenance of TV Streaming",
        Incident.Impact.MAINTENANCE,
        "tv-streaming",
        timedelta(days=7, hours=3),
        timedelta(hours=3),
        (
            (
                "investigating",
                "We are upgrading the streaming servers. Live TV may stop for "
                "a few minutes during the window.",
                timedelta(),
            ),
        ),
    ),
)

# English title -> (Italian title, Italian messages in the order of the updates)
ITALIAN: dict[str, tuple[str, tuple[str, ...]]] = {
    "Fibre broadband down in several areas": (
        "Fibra non disponibile in diverse zone",
        (
            "Molti clienti non riescono a connettersi. Stiamo verificando.",
            "La causa è un guasto a un router della rete principale: stiamo spostando il "
            "traffico su altri apparati.",
            "Le connessioni stanno tornando. Teniamo la situazione sotto controllo.",
            "Tutto funziona di nuovo. Sul tuo conto trovi un credito di 10,00.",
        ),
    ),
    "Slow mobile data": (
        "Traffico dati mobile lento",
        (
            "La sera la navigazione da rete mobile è più lenta del solito.",
            "Abbiamo aumentato la capacità della rete: la velocità è tornata normale.",
        ),
    ),
    "Service interruption in your area": (
        "Interruzione del servizio nella tua zona",
        (
            "Alcuni clienti non riescono a usare il servizio. Ci stiamo lavorando.",
            "La causa è un guasto elettrico in una delle nostre sedi. I tecnici sono sul posto "
            "e contiamo di risolvere entro due ore.",
        ),
    ),
    "Planned maintenance of TV Streaming": (
        "Manutenzione programmata di TV Streaming",
        (
            "Aggiorniamo i server dello streaming. Durante l'intervento la TV in diretta "
            "potrebbe interrompersi per qualche minuto.",
        ),
    ),
}

DEMO_KEYWORDS = "no connection, cannot connect, offline, power failure"


def _alice_service(*, fallback: str) -> tuple[Product | None, str]:
    subscription = (
        Subscription.objects.active()
        .filter(customer__customer_ref="C-ALICE", product__kind=Product.Kind.SERVICE)
        .select_related("product")
        .order_by("product__slug")
        .first()
    )
    if subscription is None:
        return Product.objects.filter(slug=fallback).first(), ""
    return subscription.product, subscription.region


def seed(*, now: datetime) -> str:
    created = []
    for spec in INCIDENTS:
        existing = Incident.objects.filter(title=spec.title).first()
        if existing is not None:
            _translate(existing)
            continue
        if _create(spec, now=now):
            created.append(spec.title)
    total = Incident.objects.filter(title__in=[s.title for s in INCIDENTS]).count()
    return f"{len(created)} demo incidents created ({total} in all, one open on alice's service)"


def _create(spec: DemoIncident, *, now: datetime) -> Incident | None:
    if spec.service == "alice":
        product, region = _alice_service(fallback="fibre-broadband")
    else:
        product, region = Product.objects.filter(slug=spec.service).first(), ""
    if product is None:
        return None
    starts_at = now + spec.start
    ends_at = starts_at + spec.duration if spec.duration else None
    (_first_status, first_message, _at), *later = spec.updates
    title_it, messages_it = ITALIAN.get(spec.title, ("", ()))
    messages_it = tuple(messages_it) + ("",) * (len(spec.updates) - len(messages_it))
    with emails_suppressed():
        with transaction.atomic():
            incident = services.incident_declare(
                title=spec.title,
                title_it=title_it,
                products=[product],
                impact=spec.impact,
                message=first_message,
                message_it=messages_it[0],
                region=region if spec.region_of_alice else "",
                # the open one: affected customers' new tickets about it are linked to it
                keywords=DEMO_KEYWORDS if spec.region_of_alice else "",
                starts_at=starts_at,
                ends_at=ends_at if spec.impact == Incident.Impact.MAINTENANCE else None,
            )
            if spec.offer:
                kind, amount, automatic = spec.offer
                CompensationOffer.objects.create(
                    incident=incident, kind=kind, amount=Decimal(amount), automatic=automatic
                )
            services.incident_publish(incident=incident)
            for (status, message, _after), message_it in zip(later, messages_it[1:], strict=True):
                services.incident_update_post(
                    incident=incident, status=status, message=message, message_it=message_it
                )
        services.notices_send(incident_id=incident.pk)
    _drop_queued_fan_out(incident)
    _backdate(incident, spec, starts_at=starts_at, ends_at=ends_at, now=now)
    return incident


def _translate(incident: Incident) -> None:
    """The Italian of a demo incident made before it existed (what is set stays)."""
    title_it, messages_it = ITALIAN.get(incident.title, ("", ()))
    updates = list(incident.updates.order_by("created_at", "pk"))
    missing = {
        update.pk: text
        for update, text in zip(updates, messages_it, strict=False)
        if not update.message_it
    }
    if missing or not incident.title_it:
        services.incident_translation_set(
            incident=incident, title_it=incident.title_it or title_it, messages_it=missing
        )


def _drop_queued_fan_out(incident: Incident) -> None:
    """The notices were sent above, emails suppressed. Publishing also queued the fan-out
    task; with the database task backend a worker would run it later, outside the
    suppression, and email every demo customer about demo incidents: drop it."""
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - another task backend: nothing is stored
        return
    queued = DBTaskResult.objects.filter(
        task_path="outages.tasks.notices_fan_out", status="READY"
    ).only("id", "args_kwargs")
    ids = [row.id for row in queued if row.args_kwargs.get("args") == [incident.pk]]
    DBTaskResult.objects.filter(id__in=ids).delete()


def _backdate(incident, spec: DemoIncident, *, starts_at, ends_at, now) -> None:
    """Move the timeline to when the demo says it happened (announcements of future work
    were published now)."""
    published = min(starts_at, now)
    Incident.objects.filter(pk=incident.pk).update(
        published_at=published, created_at=published, ends_at=ends_at
    )
    updates = list(IncidentUpdate.objects.filter(incident=incident).order_by("created_at", "pk"))
    for update, (_status, _message, after) in zip(updates, spec.updates, strict=False):
        when = min(starts_at + after, now) if starts_at <= now else now
        IncidentUpdate.objects.filter(pk=update.pk).update(created_at=when, published_at=when)
