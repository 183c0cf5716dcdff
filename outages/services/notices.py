"""Notices of an incident: the fan-out to its frozen audience (and the followers of its
services), and a customer's first view of a notice.

The fan-out task (``outages.tasks.notices_fan_out``) walks the frozen audience in batches and
calls ``portal.services.notifications.notify_bulk`` with one event key per incident update:
``NotificationDelivery`` is unique per (event, recipient, channel), so a retried task, a crash
halfway or publishing twice never sends anything twice.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from outages.models import (
    CompensationOffer,
    Incident,
    IncidentAudience,
    IncidentUpdate,
    StatusSubscription,
)
from outages.selectors import notice_event_key
from outages.services.common import customer_lock
from outages.services.compensation import compensation_grant_bulk
from portal.i18n import is_missing, translated
from portal.models import Customer, NotificationDelivery, User
from portal.models.interactions import Channel, Interaction, InteractionKind
from portal.services.interactions import interaction_record, interaction_record_bulk
from portal.services.notifications import (
    NotificationContent,
    bulk_recipients,
    collector_paused,
    notify_bulk,
)

BATCH_SIZE = 2000


def _offer_text(offer: CompensationOffer) -> str:
    """The offer in words (in the active language), as the incident page shows it."""
    if offer.kind == CompensationOffer.Kind.CREDIT:
        return _("%(amount)s %(currency)s service credit") % {
            "amount": formats.number_format(offer.amount, 2, use_l10n=True),
            "currency": settings.PORTAL_DEFAULT_CURRENCY,
        }
    if offer.kind == CompensationOffer.Kind.POINTS:
        return _("%(amount)s loyalty points") % {
            "amount": formats.number_format(offer.amount, 0, use_l10n=True)
        }
    return _("A one-time discount code worth %(amount)s") % {
        "amount": formats.number_format(offer.amount, 2, use_l10n=True)
    }


def _content(
    incident: Incident,
    update: IncidentUpdate,
    *,
    services: list[str],
    offer: CompensationOffer | None,
):
    """The notice of one update, built once per language (in that language): the update's
    text, the affected services, the severity in words, the compensation offered (``offer``:
    the incident's offer when these recipients are its affected audience, else None) and
    the status page; the email's link is the incident's page. The title and the update's
    text are in ``language`` when the agent wrote them so, else English with a note."""

    def build(language: str) -> NotificationContent:
        message = translated(update, "message", language)
        if is_missing(update, "message", language):
            message = _("Not yet available in Italian: shown in English.") + "\n\n" + message
        lines = [
            _("Affected services: %(services)s") % {"services": ", ".join(services)},
            _("Severity: %(impact)s") % {"impact": incident.get_impact_display()},
        ]
        if offer is not None:
            text = _offer_text(offer)
            if offer.automatic:
                lines.append(
                    _("Compensation: %(offer)s, granted to you automatically.") % {"offer": text}
                )
            else:
                lines.append(
                    _("Compensation: %(offer)s. Claim it on the incident page.") % {"offer": text}
                )
        lines.append(
            _("Status page: %(url)s") % {"url": f"{settings.SITE_URL}{reverse('outages:status')}"}
        )
        return NotificationContent(
            title=_("%(status)s: %(title)s")
            % {"status": update.state_label, "title": translated(incident, "title", language)},
            body=f"{message}\n\n" + "\n".join(lines),
            url=reverse("outages:incident", args=[incident.pk]),
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
    services = list(incident.products.order_by("name").values_list("name", flat=True))
    offer = CompensationOffer.objects.filter(incident=incident).first()
    _requeue_pending([notice_event_key(incident, update) for update in updates])
    created = 0
    for update in updates:
        event_key = notice_event_key(incident, update)
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
                _grant_automatic(incident, offer, customer_ids)
                content = _content(incident, update, services=services, offer=offer)
                created += _send_batch(incident, update, event_key, customer_ids, content)
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
                # followers of a service who were not affected: no compensation to offer
                content = _content(incident, update, services=services, offer=None)
                created += _send_batch(incident, update, event_key, chunk, content)
    return created


def _requeue_pending(event_keys: list[str]) -> None:
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


def _grant_automatic(
    incident: Incident, offer: CompensationOffer | None, customer_ids: list[int]
) -> None:
    if offer is not None and offer.automatic:
        compensation_grant_bulk(incident=incident, offer=offer, customer_ids=customer_ids)


def _send_batch(incident, update, event_key: str, customer_ids: list[int], content) -> int:
    """Notify one batch of customers (with a login) and record one interaction for each
    customer told something new. Runs inside the batch's transaction."""
    recipients = bulk_recipients(User.objects.filter(customer__pk__in=customer_ids))
    result = notify_bulk(
        event_key=event_key,
        kind="outage_notice",
        topic="outage_notices",
        recipients=recipients,
        content=content,
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


VIEWED_TTL = 24 * 3600


def _viewed_key(incident_id: int, customer_id: int) -> str:
    return f"outages:viewed:{incident_id}:{customer_id}"


def notice_view_record(*, incident: Incident, customer: Customer, user: User | None = None) -> bool:
    """Record that the customer read the incident's notice: one NOTICE_VIEWED interaction per
    customer and incident, however often the page is opened. Returns whether it was recorded
    now. A cache entry spares repeated views the database round trip."""
    key = _viewed_key(incident.pk, customer.pk)
    if cache.get(key):
        return False
    recorded = _notice_view_record(incident=incident, customer=customer, user=user)
    cache.set(key, 1, VIEWED_TTL)
    return recorded


@transaction.atomic
def _notice_view_record(*, incident: Incident, customer: Customer, user: User | None) -> bool:
    customer = customer_lock(customer)
    seen = Interaction.objects.filter(
        kind=InteractionKind.NOTICE_VIEWED,
        customer=customer,
        target_type__model="incident",
        target_type__app_label="outages",
        target_id=str(incident.pk),
    ).exists()
    if seen:
        return False
    interaction_record(
        kind=InteractionKind.NOTICE_VIEWED,
        customer=customer,
        user=user,
        target=incident,
        metadata={"incident": incident.pk},
    )
    return True
