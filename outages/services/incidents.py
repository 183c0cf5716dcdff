"""Writes for incidents: declare, publish (freeze the audience, fan out), post updates, resolve.

Publishing and every update of a published incident enqueue ``outages.tasks.notices_fan_out``
after commit (a rolled-back publication enqueues nothing); the notices themselves are
``outages.services.notices``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import DateTimeField, IntegerField, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from outages.models import CompensationOffer, Incident, IncidentAudience, IncidentUpdate
from outages.selectors import affected_customers, status_caches_clear
from outages.services.errors import IncidentError
from portal.db.bulk import insert_from_select
from portal.models import Product, User

TITLE_MAX = 200
REGION_MAX = 64
KEYWORDS_MAX = 500
MESSAGE_MAX = 20_000
OFFER_MAX = Decimal("100000000")


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
    title_it: str = "",
    message_it: str = "",
) -> Incident:
    """Declare an incident (not yet published) with its first message and, optionally, the
    compensation its affected customers will get (``offer_kind``: credit, discount, points)
    and keywords (comma-separated) that link affected customers' new tickets to it.
    ``title_it``/``message_it``: the Italian texts, empty when not (yet) written: Italian
    readers then get the English ones with a note (``portal.i18n``)."""
    products = list(products)
    title, region, message = title.strip(), region.strip(), message.strip()
    title_it, message_it = (title_it or "").strip(), (message_it or "").strip()
    if len(title_it) > TITLE_MAX:
        raise IncidentError(_("Keep the title under %(max)d characters.") % {"max": TITLE_MAX})
    if len(message_it) > MESSAGE_MAX:
        raise IncidentError(_("Keep the message under %(max)d characters.") % {"max": MESSAGE_MAX})
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
        title_it=title_it,
        region=region,
        keywords=keywords,
        impact=impact,
        starts_at=starts_at,
        ends_at=ends_at,
        created_by=by,
    )
    incident.products.set(products)
    IncidentUpdate.objects.create(
        incident=incident, status=incident.status, message=message, message_it=message_it
    )
    if offer_kind:
        CompensationOffer.objects.create(
            incident=incident, kind=offer_kind, amount=offer_amount, automatic=offer_automatic
        )
    return incident  # a draft: nothing public changes until it is published


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
    status_caches_clear()
    transaction.on_commit(status_caches_clear)


def _fan_out_after_commit(incident: Incident) -> None:
    pk = incident.pk

    def enqueue() -> None:
        from outages.tasks import notices_fan_out

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
def incident_update_post(
    *, incident: Incident, status: str, message: str, message_it: str = ""
) -> IncidentUpdate:
    """Post an update (``message_it``: its Italian, or empty) and, once published, notify."""
    if status not in Incident.Status.values:
        raise IncidentError(_("Unknown status."))
    if not message.strip():
        raise IncidentError(_("Write what changed."))
    if max(len(message.strip()), len((message_it or "").strip())) > MESSAGE_MAX:
        raise IncidentError(_("Keep the message under %(max)d characters.") % {"max": MESSAGE_MAX})
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if not incident.is_open:
        raise IncidentError(_("This incident is resolved."))
    now = timezone.now()
    update = IncidentUpdate.objects.create(
        incident=incident,
        status=status,
        message=message.strip(),
        message_it=(message_it or "").strip(),
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


@transaction.atomic
def incident_translation_set(
    *, incident: Incident, title_it: str, messages_it: dict[int, str] | None = None
) -> Incident:
    """Set (or clear, with "") the Italian title and the Italian of some updates
    (``messages_it``: update id -> text) after the fact. Notices already sent stay as they
    were; the pages show the new text at once."""
    title_it = (title_it or "").strip()
    if len(title_it) > TITLE_MAX:
        raise IncidentError(_("Keep the title under %(max)d characters.") % {"max": TITLE_MAX})
    messages_it = {pk: (text or "").strip() for pk, text in (messages_it or {}).items()}
    if any(len(text) > MESSAGE_MAX for text in messages_it.values()):
        raise IncidentError(_("Keep the message under %(max)d characters.") % {"max": MESSAGE_MAX})
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    updates = {u.pk: u for u in incident.updates.filter(pk__in=list(messages_it))}
    if set(updates) != set(messages_it):
        raise IncidentError(_("Unknown update."))
    if incident.title_it != title_it:
        incident.title_it = title_it
        incident.save(update_fields=["title_it"])
    for pk, text in messages_it.items():
        if updates[pk].message_it != text:
            IncidentUpdate.objects.filter(pk=pk).update(message_it=text)
    if incident.published_at:
        _status_changed()
    return incident


def incident_resolve(*, incident: Incident, message: str, message_it: str = "") -> IncidentUpdate:
    return incident_update_post(
        incident=incident, status=Incident.Status.RESOLVED, message=message, message_it=message_it
    )
