"""Writes for incidents: declare, post updates, publish (freeze the audience, fan out), resolve.

Fan-out: ``incident_publish`` and ``incident_update_post`` enqueue ``outages.tasks.notices_fan_out``
after commit (a rolled-back publication enqueues nothing). The task walks the frozen audience in
batches and calls ``portal.services.notifications.notify`` with one event key per incident
update: ``NotificationDelivery`` is unique per (event, recipient, channel), so a retried task,
a crash halfway or publishing twice never sends anything twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import DateTimeField, IntegerField, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.db.bulk import insert_from_select
from portal.models import Customer, Product, Subscription, User
from portal.models.interactions import Channel, InteractionKind
from portal.services.interactions import interaction_record, interaction_record_bulk
from portal.services.notifications import (
    NotificationContent,
    bulk_recipients,
    collector_paused,
    notify_bulk,
)

from .models import Incident, IncidentAudience, IncidentUpdate, StatusSubscription

BATCH_SIZE = 2000
TITLE_MAX = 200
REGION_MAX = 64
KEYWORDS_MAX = 500
MESSAGE_MAX = 20_000
OFFER_MAX = Decimal("100000000")


class IncidentError(ValueError):
    """A request that cannot be applied to the incident in its current state."""


@transaction.atomic
def incident_declare(
    *,
    title: str,
    products: Iterable[Product],
    impact: str,
    message: str,
    by: User | None = None,
    region: str = "",
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    offer_kind: str = "",
    offer_amount: Decimal | None = None,
    offer_automatic: bool = False,
    keywords: str = "",
) -> Incident:
    """Declare an incident (not yet published) with its first message and, optionally, the
    compensation its affected customers will get (``offer_kind``: credit, discount, points)
    and keywords (comma-separated) that link affected customers' new tickets to it."""
    from .models import CompensationOffer

    products = list(products)
    title, region, message = title.strip(), region.strip(), message.strip()
    keywords = ", ".join(
        dict.fromkeys(word.strip() for word in (keywords or "").split(",") if word.strip())
    )
    if len(keywords) > KEYWORDS_MAX:
        raise IncidentError(
            _("Keep the keywords under %(max)d characters.") % {"max": KEYWORDS_MAX}
        )
    if not title:
        raise IncidentError(_("An incident needs a public title."))
    if len(title) > TITLE_MAX:
        raise IncidentError(_("Keep the title under %(max)d characters.") % {"max": TITLE_MAX})
    if len(region) > REGION_MAX:
        raise IncidentError(_("Keep the region under %(max)d characters.") % {"max": REGION_MAX})
    if not products:
        raise IncidentError(_("Choose at least one affected service."))
    if impact not in Incident.Impact.values:
        raise IncidentError(_("Unknown impact."))
    if not message:
        raise IncidentError(_("Write a first message for the customers."))
    if len(message) > MESSAGE_MAX:
        raise IncidentError(_("Keep the message under %(max)d characters.") % {"max": MESSAGE_MAX})
    starts_at = starts_at or timezone.now()
    if ends_at is not None and ends_at <= starts_at:
        raise IncidentError(_("The end must be after the start."))
    if offer_kind and offer_kind not in CompensationOffer.Kind.values:
        raise IncidentError(_("Unknown kind of compensation."))
    if offer_kind and (offer_amount is None or not Decimal(0) < offer_amount < OFFER_MAX):
        raise IncidentError(_("Give the compensation an amount above zero."))
    incident = Incident.objects.create(
        title=title,
        region=region,
        keywords=keywords,
        impact=impact,
        starts_at=starts_at,
        ends_at=ends_at,
        created_by=by,
    )
    incident.products.set(products)
    IncidentUpdate.objects.create(incident=incident, status=incident.status, message=message)
    if offer_kind:
        CompensationOffer.objects.create(
            incident=incident, kind=offer_kind, amount=offer_amount, automatic=offer_automatic
        )
    return incident  # a draft: nothing public changes until it is published


def affected_customers(incident: Incident):
    """Customers with an active subscription to an affected service (in the region, if any)."""
    subscriptions = Subscription.objects.active().filter(product__in=incident.products.all())
    if incident.region:
        subscriptions = subscriptions.filter(region=incident.region)
    return Customer.objects.filter(pk__in=subscriptions.values("customer_id"))


def _audience_freeze(incident: Incident) -> int:
    """Add the currently affected customers to the audience (never removes any): one
    ``INSERT ... SELECT`` that skips those already in it. Returns how many were added."""
    now = timezone.now()
    select = (
        affected_customers(incident)
        .order_by()
        .annotate(
            frozen_incident=Value(incident.pk, output_field=IntegerField()),
            frozen_at=Value(now, output_field=DateTimeField()),
        )
        .values_list("frozen_incident", "pk", "frozen_at")
    )
    return insert_from_select(
        IncidentAudience, ["incident", "customer", "added_at"], select, ignore_conflicts=True
    )


def _status_changed() -> None:
    """What ``/status/``, the incident pages and the banners show has changed: drop their
    caches now, and again after commit (a page rendered in between, from the data before
    this transaction, would otherwise be cached for its whole lifetime)."""
    from .selectors import status_caches_clear

    status_caches_clear()
    transaction.on_commit(status_caches_clear)


def _fan_out_after_commit(incident: Incident) -> None:
    pk = incident.pk

    def enqueue() -> None:
        from .tasks import notices_fan_out

        notices_fan_out.enqueue(pk)

    transaction.on_commit(enqueue)


@transaction.atomic
def incident_publish(*, incident: Incident) -> int:
    """Publish the notice: freeze (or extend) the audience and fan out. Returns how many
    customers were added to the audience."""
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    added = _audience_freeze(incident)
    now = timezone.now()
    if incident.published_at is None:
        incident.published_at = now
        incident.save(update_fields=["published_at"])
    incident.updates.filter(published_at__isnull=True).update(published_at=now)
    _status_changed()
    _fan_out_after_commit(incident)
    return added


@transaction.atomic
def incident_update_post(*, incident: Incident, status: str, message: str) -> IncidentUpdate:
    if status not in Incident.Status.values:
        raise IncidentError(_("Unknown status."))
    if not message.strip():
        raise IncidentError(_("Write what changed."))
    if len(message.strip()) > MESSAGE_MAX:
        raise IncidentError(_("Keep the message under %(max)d characters.") % {"max": MESSAGE_MAX})
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if not incident.is_open:
        raise IncidentError(_("This incident is resolved."))
    now = timezone.now()
    update = IncidentUpdate.objects.create(
        incident=incident,
        status=status,
        message=message.strip(),
        published_at=now if incident.published_at else None,
    )
    incident.status = status
    fields = ["status"]
    if status == Incident.Status.RESOLVED and incident.ends_at is None:
        incident.ends_at = now
        fields.append("ends_at")
    incident.save(update_fields=fields)
    if incident.published_at:
        _status_changed()
        _audience_freeze(incident)  # the scope may have grown
        _fan_out_after_commit(incident)
    return update


def incident_resolve(*, incident: Incident, message: str) -> IncidentUpdate:
    return incident_update_post(incident=incident, status=Incident.Status.RESOLVED, message=message)


def _content(incident: Incident, update: IncidentUpdate):
    """The notice of one update, built once per language (in that language)."""

    def build(language: str) -> NotificationContent:
        return NotificationContent(
            title=_("%(status)s: %(title)s")
            % {"status": update.state_label, "title": incident.title},
            body=update.message,
            url=f"/status/incidents/{incident.pk}/",
        )

    return build


def notices_send(*, incident_id: int, batch_size: int = BATCH_SIZE) -> int:
    """Send every published update of the incident to its audience (and followers), in
    batches of one transaction each; what was already sent is skipped (the delivery rows are
    unique per event, recipient and channel and only newly inserted ones are sent). Emails
    left pending by a run that crashed between a batch's commit and its enqueue are queued
    again first. Returns how many customers were told something by this run.

    The cyclic garbage collector is paused meanwhile: each batch allocates tens of thousands
    of short-lived rows (freed by reference counting), which would otherwise trigger full
    collections of the worker's whole heap, a quarter of the run's time (profiled)."""
    with collector_paused():
        return _notices_send(incident_id=incident_id, batch_size=batch_size)


def _notices_send(*, incident_id: int, batch_size: int) -> int:
    incident = Incident.objects.get(pk=incident_id)
    updates = list(incident.updates.filter(published_at__isnull=False))
    _requeue_pending([_event_key(incident, update) for update in updates])
    created = 0
    for update in updates:
        event_key = _event_key(incident, update)
        last = 0
        while True:
            with transaction.atomic():
                batch = list(
                    IncidentAudience.objects.filter(incident=incident, pk__gt=last)
                    .order_by("pk")
                    .values_list("pk", "customer_id")[:batch_size]
                )
                if not batch:
                    break
                last = batch[-1][0]
                customer_ids = [c for _, c in batch]
                _grant_automatic(incident, customer_ids)
                created += _send_batch(incident, update, event_key, customer_ids)
        followers = (
            StatusSubscription.objects.filter(product__in=incident.products.all())
            .exclude(
                customer__in=IncidentAudience.objects.filter(incident=incident).values("customer")
            )
            .order_by("customer_id")
            .values_list("customer_id", flat=True)
            .distinct()
        )
        last = 0
        while True:
            with transaction.atomic():
                chunk = list(followers.filter(customer_id__gt=last)[:batch_size])
                if not chunk:
                    break
                last = chunk[-1]
                created += _send_batch(incident, update, event_key, chunk)
    return created


def _event_key(incident: Incident, update: IncidentUpdate) -> str:
    return f"incident:{incident.pk}:update:{update.pk}"


def _requeue_pending(event_keys: list[str]) -> None:
    from portal.models import NotificationDelivery
    from portal.tasks import notifications_deliver_batch

    pending = list(
        NotificationDelivery.objects.filter(
            event_key__in=event_keys,
            channel=NotificationDelivery.Channel.EMAIL,
            status=NotificationDelivery.Status.PENDING,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(pending), BATCH_SIZE):
        notifications_deliver_batch.enqueue(pending[start : start + BATCH_SIZE])


def _grant_automatic(incident: Incident, customer_ids: list[int]) -> None:
    from .models import CompensationOffer

    offer = CompensationOffer.objects.filter(incident=incident, automatic=True).first()
    if offer is not None:
        compensation_grant_bulk(incident=incident, offer=offer, customer_ids=customer_ids)


def _send_batch(incident, update, event_key: str, customer_ids: list[int]) -> int:
    """Notify one batch of customers (with a login) and record one interaction for each
    customer told something new. Runs inside the batch's transaction."""
    recipients = bulk_recipients(User.objects.filter(customer__pk__in=customer_ids))
    result = notify_bulk(
        event_key=event_key,
        kind="outage_notice",
        topic="outage_notices",
        recipients=recipients,
        content=_content(incident, update),
    )
    if not result.told:
        return 0
    now = timezone.now()
    customer_of = {r.user_id: r.customer_id for r in recipients}
    by_email = {"incident": incident.pk, "channels": ["email", "web"]}
    email_only = {"incident": incident.pk, "channels": ["email"]}
    web_only = {"incident": incident.pk, "channels": ["web"]}
    rows: dict[str, list] = {Channel.EMAIL: [], Channel.WEB: []}
    for user_id in sorted(result.told):
        emailed = user_id in result.emails
        metadata = (by_email if user_id in result.web else email_only) if emailed else web_only
        rows[Channel.EMAIL if emailed else Channel.WEB].append(
            (customer_of[user_id], str(update.pk), None, metadata, now)
        )
    target_type = ContentType.objects.get_for_model(IncidentUpdate)
    for channel, channel_rows in rows.items():
        interaction_record_bulk(
            kind=InteractionKind.NOTICE_RECEIVED,
            channel=channel,
            target_type=target_type,
            rows=channel_rows,
        )
    return len(result.told)


class CompensationError(ValueError):
    """A claim or redemption that cannot be honoured."""


def _new_code() -> str:
    import secrets

    return "SORRY-" + secrets.token_hex(6).upper()


@transaction.atomic
def compensation_grant(*, incident: Incident, customer: Customer, claimed: bool = False):
    """Grant the incident's offer to one affected customer, once (returns the grant)."""
    from django.db import IntegrityError

    from .models import CompensationGrant, CompensationOffer

    offer = CompensationOffer.objects.filter(incident=incident).first()
    if offer is None:
        raise CompensationError(_("This incident has no compensation."))
    if not IncidentAudience.objects.filter(incident=incident, customer=customer).exists():
        raise CompensationError(_("You were not affected by this incident."))
    existing = CompensationGrant.objects.filter(incident=incident, customer=customer).first()
    if existing is not None:
        return existing
    code = _new_code() if offer.kind == CompensationOffer.Kind.DISCOUNT else ""
    try:
        with transaction.atomic():
            grant = CompensationGrant.objects.create(
                incident=incident,
                customer=customer,
                kind=offer.kind,
                amount=offer.amount,
                claimed=claimed,
                code=code,
            )
    except IntegrityError:  # a concurrent claim won
        return CompensationGrant.objects.get(incident=incident, customer=customer)
    interaction_record(
        kind=InteractionKind.COMPENSATION,
        customer=customer,
        target=grant,
        value=offer.amount,
        metadata={"incident": incident.pk, "kind": offer.kind, "claimed": claimed},
    )
    return grant


@transaction.atomic
def compensation_grant_bulk(*, incident: Incident, offer, customer_ids: list[int]) -> int:
    """Grant ``offer`` to many affected customers at once (the automatic offers of the
    fan-out): rows that exist already (an earlier run, the customer's own claim) are
    skipped; each new grant gets its ledger interaction. Returns how many were new."""
    from .models import CompensationGrant, CompensationOffer

    now = timezone.now()
    wanted = set(
        IncidentAudience.objects.filter(incident=incident, customer_id__in=customer_ids)
        .exclude(
            customer_id__in=CompensationGrant.objects.filter(incident=incident).values(
                "customer_id"
            )
        )
        .values_list("customer_id", flat=True)
    )
    new: list[tuple[int, int]] = []
    for _attempt in range(3):  # a discount code that collided leaves its row out: retry it
        if not wanted:
            break
        codes = {
            c: _new_code() if offer.kind == CompensationOffer.Kind.DISCOUNT else "" for c in wanted
        }
        CompensationGrant.objects.bulk_create(
            [
                CompensationGrant(
                    incident=incident,
                    customer_id=c,
                    kind=offer.kind,
                    amount=offer.amount,
                    code=code,
                    created_at=now,
                )
                for c, code in codes.items()
            ],
            ignore_conflicts=True,
        )
        inserted = CompensationGrant.objects.filter(
            incident=incident, customer_id__in=wanted
        ).values_list("pk", "customer_id", "code", "created_at")
        for pk, customer_id, code, created_at in inserted:
            wanted.discard(customer_id)  # granted: by this run, or by a concurrent claim
            if created_at == now and code == codes[customer_id]:
                new.append((pk, customer_id))
    metadata = {"incident": incident.pk, "kind": offer.kind, "claimed": False}
    interaction_record_bulk(
        kind=InteractionKind.COMPENSATION,
        channel=Channel.WEB,
        target_type=ContentType.objects.get_for_model(CompensationGrant),
        rows=[(c, str(pk), offer.amount, metadata, now) for pk, c in new],
    )
    return len(new)


@transaction.atomic
def discount_redeem(*, code: str):
    """Use a discount code once; a second redemption is refused."""
    from .models import CompensationGrant

    grant = (
        CompensationGrant.objects.select_for_update()
        .filter(code=code.strip().upper(), kind="discount")
        .first()
    )
    if grant is None:
        raise CompensationError(_("Unknown discount code."))
    if grant.redeemed_at is not None:
        raise CompensationError(_("This discount code has already been used."))
    grant.redeemed_at = timezone.now()
    grant.save(update_fields=["redeemed_at"])
    return grant
