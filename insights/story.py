"""The customer's story for the desk: their lifecycle stage and since when, and the timeline
of their interactions with a link to what each one is about and who acted.

The stage follows the same rules as the lifecycle report (``metrics.lifecycle.with_stage``);
"since" is the moment the stage's rule became true and has held since:

- awareness: the customer record was created;
- acquisition: they have had a portal login (the later of the record and the login);
- conversion: their first order or subscription, whichever came first;
- retention: their second order;
- advocacy: the start of the unbroken run of promoter answers (NPS 9-10) and community
  answers, each within ``ADVOCACY_WINDOW`` of the next, that reaches today (and not before
  they converted).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Min
from django.utils import timezone
from wagtail.admin.admin_url_finder import AdminURLFinder
from wagtail.models import Page

from insights.metrics.lifecycle import ADVOCACY_WINDOW, STAGES, with_stage
from insights.models import Survey, SurveyKind
from portal.models import Customer, Interaction, InteractionKind, Purchase, Subscription

LABELS = dict(STAGES)


@dataclass(frozen=True)
class Stage:
    key: str
    since: datetime | None

    @property
    def label(self) -> str:
        return str(LABELS[self.key])

    @property
    def position(self) -> int:
        """1 (awareness) to 5 (advocacy), for the panel's stepper."""
        return [key for key, _label in STAGES].index(self.key) + 1


def customer_stage(customer: Customer, at: datetime | None = None) -> Stage | None:
    """The customer's stage at ``at`` (default now) and since when; ``None`` when the rules
    do not count them yet (a record created later, with no order)."""
    at = at or timezone.now()
    row = with_stage(Customer.objects.filter(pk=customer.pk), at).values("stage").first()
    if row is None:
        return None
    key = row["stage"]
    return Stage(key, _since(customer, key, at))


def _since(customer: Customer, key: str, at: datetime) -> datetime | None:
    orders = list(
        Purchase.objects.orders()
        .filter(customer=customer, ordered_at__lt=at)
        .order_by("ordered_at", "pk")
        .values_list("ordered_at", flat=True)[:2]
    )
    if key == "awareness":
        return customer.created_at
    if key == "acquisition":
        joined = customer.user.date_joined if customer.user_id else None
        return max(filter(None, (customer.created_at, joined)), default=None)
    if key == "retention":
        return orders[1]
    converted = _converted_at(customer, orders, at)
    if key == "conversion":
        return converted
    return _advocate_since(customer, at, converted)


def _converted_at(customer: Customer, orders: list[datetime], at: datetime) -> datetime | None:
    subscribed = Subscription.objects.filter(customer=customer, since__lt=at).aggregate(
        first=Min("since")
    )["first"]
    return min(filter(None, (orders[0] if orders else None, subscribed)), default=None)


def _advocate_since(customer: Customer, at: datetime, converted: datetime | None) -> datetime:
    promoter = Survey.objects.filter(
        customer=customer, kind=SurveyKind.NPS, score__gte=9, answered_at__lt=at
    ).values_list("answered_at", flat=True)
    answers = Interaction.objects.filter(
        customer=customer, kind=InteractionKind.FORUM_ANSWER, occurred_at__lt=at
    ).values_list("occurred_at", flat=True)
    moments = sorted((*promoter, *answers), reverse=True)
    since = moments[0]  # the stage holds, so the newest is within the window
    for earlier in moments[1:]:
        if since - earlier > ADVOCACY_WINDOW:
            break
        since = earlier
    return max(since, converted) if converted else since


# --- the timeline -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Entry:
    interaction: Interaction
    title: str  # what it is about ("T-123 Router down"), "" when nothing is linked
    url: str  # where an agent reads it, "" when there is no page for it
    actor: str  # who acted when it was not the customer (an agent), else ""


def timeline_entries(
    interactions: Iterable[Interaction], customer: Customer, viewer
) -> list[Entry]:
    """``interactions`` (one page of the customer's) with links for ``viewer`` (an agent):
    the objects are fetched with one query per kind of object."""
    rows = list(interactions)
    wanted: dict[int, set[str]] = defaultdict(set)
    for row in rows:
        if row.target_type_id and row.target_id:
            wanted[row.target_type_id].add(row.target_id)
    objects: dict[tuple[int, str], object] = {}
    for type_id, ids in wanted.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        if model is None:
            continue
        manager = model._default_manager
        if issubclass(model, Page):
            manager = manager.specific()
        for obj in manager.filter(pk__in=_pks(model, ids)):
            objects[(type_id, str(obj.pk))] = obj
    finder = AdminURLFinder(viewer)
    actors = _actors(rows, customer)
    return [
        Entry(
            interaction=row,
            title=str(obj) if (obj := objects.get((row.target_type_id, row.target_id))) else "",
            url=_url_for(obj, finder) if obj is not None else "",
            actor=actors.get(row.pk, ""),
        )
        for row in rows
    ]


def _pks(model, ids: set[str]) -> list:
    field = model._meta.pk
    pks = []
    for raw in ids:
        try:
            pks.append(field.to_python(raw))
        except ValidationError:  # a malformed id links to nothing
            continue
    return pks


def _url_for(obj, finder: AdminURLFinder) -> str:
    """The agent's page for ``obj``: the desk's view of a ticket, the public page of an
    article, thread or request, else its edit page in the admin."""
    for name in ("get_desk_url", "get_absolute_url"):
        if hasattr(obj, name):
            return getattr(obj, name)()
    if isinstance(obj, Page):
        return obj.get_url() or finder.get_edit_url(obj) or ""
    return finder.get_edit_url(obj) or ""


def _actors(rows: list[Interaction], customer: Customer) -> dict[int, str]:
    """The acting user's name for the rows an agent (or anyone but the customer) did."""
    acted = {row.user_id for row in rows if row.user_id and row.user_id != customer.user_id}
    if not acted:
        return {}
    names = {
        user.pk: (user.get_full_name() or user.email)
        for user in get_user_model().objects.filter(pk__in=acted)
    }
    return {
        row.pk: names.get(row.user_id, "")
        for row in rows
        if row.user_id in acted and row.user_id in names
    }
