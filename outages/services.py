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

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Customer, Product, Subscription, User
from portal.models.interactions import InteractionKind
from portal.services.interactions import interaction_record
from portal.services.notifications import NotificationContent, notify

from .models import Incident, IncidentAudience, IncidentUpdate, StatusSubscription

BATCH_SIZE = 1000


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
) -> Incident:
    products = list(products)
    if not title.strip():
        raise IncidentError(_("An incident needs a public title."))
    if not products:
        raise IncidentError(_("Choose at least one affected service."))
    if impact not in Incident.Impact.values:
        raise IncidentError(_("Unknown impact."))
    starts_at = starts_at or timezone.now()
    if ends_at is not None and ends_at <= starts_at:
        raise IncidentError(_("The end must be after the start."))
    incident = Incident.objects.create(
        title=title.strip(),
        region=region.strip(),
        impact=impact,
        starts_at=starts_at,
        ends_at=ends_at,
        created_by=by,
    )
    incident.products.set(products)
    IncidentUpdate.objects.create(incident=incident, status=incident.status, message=message)
    return incident


def affected_customers(incident: Incident):
    """Customers with an active subscription to an affected service (in the region, if any)."""
    subscriptions = Subscription.objects.active().filter(product__in=incident.products.all())
    if incident.region:
        subscriptions = subscriptions.filter(region=incident.region)
    return Customer.objects.filter(pk__in=subscriptions.values("customer_id"))


def _audience_freeze(incident: Incident) -> int:
    """Add the currently affected customers to the audience (never removes any)."""
    now = timezone.now()
    ids = (
        affected_customers(incident)
        .exclude(pk__in=IncidentAudience.objects.filter(incident=incident).values("customer_id"))
        .values_list("pk", flat=True)
    )
    rows = [IncidentAudience(incident=incident, customer_id=pk, added_at=now) for pk in ids]
    IncidentAudience.objects.bulk_create(rows, batch_size=BATCH_SIZE, ignore_conflicts=True)
    return len(rows)


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
    _fan_out_after_commit(incident)
    return added


@transaction.atomic
def incident_update_post(*, incident: Incident, status: str, message: str) -> IncidentUpdate:
    if status not in Incident.Status.values:
        raise IncidentError(_("Unknown status."))
    if not message.strip():
        raise IncidentError(_("Write what changed."))
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
        _audience_freeze(incident)  # the scope may have grown
        _fan_out_after_commit(incident)
    return update


def incident_resolve(*, incident: Incident, message: str) -> IncidentUpdate:
    return incident_update_post(incident=incident, status=Incident.Status.RESOLVED, message=message)


def _content(incident: Incident, update: IncidentUpdate):
    def build(user: User) -> NotificationContent:
        return NotificationContent(
            title=_("%(status)s: %(title)s")
            % {"status": update.get_status_display(), "title": incident.title},
            body=update.message,
            url=f"/status/incidents/{incident.pk}/",
        )

    return build


def notices_send(*, incident_id: int, batch_size: int = BATCH_SIZE) -> int:
    """Send every published update of the incident to its audience (and followers), in
    batches of one transaction each; already sent deliveries are skipped. Returns how many
    notices were created by this run."""
    incident = Incident.objects.get(pk=incident_id)
    updates = list(incident.updates.filter(published_at__isnull=False))
    followers = list(
        StatusSubscription.objects.filter(product__in=incident.products.all())
        .exclude(customer__in=IncidentAudience.objects.filter(incident=incident).values("customer"))
        .values_list("customer_id", flat=True)
    )
    created = 0
    for update in updates:
        event_key = f"incident:{incident.pk}:update:{update.pk}"
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
        if followers:
            with transaction.atomic():
                created += _send_batch(incident, update, event_key, followers)
    return created


def _grant_automatic(incident: Incident, customer_ids: list[int]) -> None:
    from .models import CompensationOffer

    offer = CompensationOffer.objects.filter(incident=incident, automatic=True).first()
    if offer is None:
        return
    for customer in Customer.objects.filter(pk__in=customer_ids):
        compensation_grant(incident=incident, customer=customer)


def _send_batch(incident, update, event_key: str, customer_ids: list[int]) -> int:
    users = list(User.objects.filter(customer__pk__in=customer_ids).select_related("customer"))
    result = notify(
        event_key=event_key,
        kind="outage_notice",
        topic="outage_notices",
        recipients=users,
        content=_content(incident, update),
    )
    told = {n.user_id for n in result.notifications} | {d.recipient_id for d in result.emails}
    by_user = {u.pk: u for u in users}
    for user_id in told:
        user = by_user[user_id]
        interaction_record(
            kind=InteractionKind.NOTICE_RECEIVED,
            customer=user.customer,
            user=user,
            target=update,
            metadata={"incident": incident.pk},
        )
    return len(told)


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
