"""Earning from the interaction log (the outbox).

Every earn rule reads events the other apps already record as ``Interaction`` rows, so no
peer imports loyalty and loyalty imports no peer:

- ``purchase`` (amount >= 0): rule ``purchase``, points per currency unit rounded down;
  source ``purchase``/<purchase id>.
- ``purchase`` with a negative amount (a refund; its order reference is the order's plus
  ``-R``, ``-R2`` ...): reverses the order's points in proportion, never more than it
  earned; source ``purchase_refund``/<order id>:<refund id>.
- ``forum_accept`` (metadata post, author, asker): ``accepted_answer`` to the answer's
  author, never for accepting one's own answer; source ``forum_accepted``/<post id>. An
  accept undone, or another answer accepted (metadata ``previous``), reverses it.
- ``forum_vote`` (+1 on an answer, metadata author): ``answer_upvoted`` to its author,
  reversed when the vote is taken back; source ``forum_vote``/<post>:<voter>.
- ``forum_moderation`` reject, hide or delete of a post: reverses everything it earned;
  ``to_article``: ``promoted_answer`` to the answer's author (source ``kb_promotion``).
- ``survey_response``: ``survey_completed`` (source ``survey``/<survey id>).
- ``compensation`` of kind "points": the granted amount, no rule and no cap, once per
  customer and incident (source ``outage_compensation``/<incident id>).

The anniversary rule has no event: ``anniversaries_pass`` earns it (periodic).

``interactions_process`` is the catch-up pass: it reads the log after its ``Cursor`` in id
order. On PostgreSQL ids are taken before commit, so a transaction that commits later than a
higher id leaves a gap when the pass runs: gaps are remembered on the cursor and looked at
again until ``GAP_WAIT`` has passed (after which the id was rolled back). The
``interaction_recorded`` listener (``loyalty.receivers``) runs the same pass right after a
commit, for promptness; the periodic pass is the guarantee. LOYALTY interactions (the
programme's own) are skipped.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import ExtractDay, ExtractMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.models import Cursor, PointsEntry, RuleKey
from loyalty.services.ledger import points_earn, points_reverse, rule_for
from portal.models import Customer, Interaction, InteractionKind, Purchase
from portal.services.helpers import now_or

logger = logging.getLogger(__name__)

CURSOR = "earning"
BATCH = 2000
#: How long an id missing from the log may still appear (a transaction still open).
GAP_WAIT = timedelta(minutes=10)
#: Gap ranges kept on the cursor at most (a rolled-back bulk insert is one range).
GAPS_MAX = 500
ANNIVERSARY_LOOKBACK_DAYS = 7

E = PointsEntry.Kind


@dataclass(frozen=True)
class Event:
    """The columns of an interaction the rules read."""

    pk: int
    kind: str
    customer_id: int | None
    user_id: int | None
    target_id: str
    value: Decimal | None
    metadata: dict[str, Any]
    occurred_at: datetime


FIELDS = ("pk", "kind", "customer_id", "user_id", "target_id", "value", "metadata", "occurred_at")


def _customer(customer_id: int | None) -> Customer | None:
    if customer_id is None:
        return None
    return Customer.objects.filter(pk=customer_id).first()


def _customer_of_user(user_id: Any) -> Customer | None:
    if not isinstance(user_id, int):
        return None
    return Customer.objects.filter(user_id=user_id).first()


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# --- purchases ---------------------------------------------------------------------------------
_REFUND_SUFFIX = re.compile(r"-R\d*$")


def _order_of_refund(refund: Purchase) -> Purchase | None:
    """The order a refund belongs to: same customer and source, and the refund's order
    reference is the order's plus ``-R`` (``-R2`` for a second partial refund, ...)."""
    base = _REFUND_SUFFIX.sub("", refund.order_ref)
    if base == refund.order_ref:
        return None
    return (
        Purchase.objects.orders()
        .filter(customer_id=refund.customer_id, source=refund.source, order_ref=base)
        .first()
    )


def _purchase(event: Event) -> None:
    if not event.target_id.isdigit():
        return
    purchase = Purchase.objects.select_related("customer").filter(pk=event.target_id).first()
    if purchase is None:
        return
    if purchase.amount >= 0:
        rule = rule_for(RuleKey.PURCHASE)
        if rule is None:
            return
        points = int((purchase.amount * rule.points).to_integral_value(ROUND_DOWN))
        points_earn(
            customer=purchase.customer,
            rule=RuleKey.PURCHASE,
            points=points,
            source_type="purchase",
            source_id=str(purchase.pk),
            reason=_("Order %(ref)s") % {"ref": purchase.order_ref},
            at=purchase.ordered_at,
        )
        return
    _refund(purchase)


def _refund(refund: Purchase) -> None:
    order = _order_of_refund(refund)
    refunded = -refund.amount
    if order is None:
        rule = rule_for(RuleKey.PURCHASE)
        if rule is None:
            return
        points = int((refunded * rule.points).to_integral_value(ROUND_DOWN))
        source_id = f"-:{refund.pk}"
    else:
        earned = PointsEntry.objects.filter(
            customer_id=order.customer_id,
            kind=E.EARN,
            source_type="purchase",
            source_id=str(order.pk),
        ).first()
        if earned is None or order.amount <= 0:
            return
        share = min(Decimal(1), refunded / order.amount)
        points = int((earned.points * share).to_integral_value(ROUND_HALF_UP))
        already = -(
            PointsEntry.objects.filter(
                customer_id=order.customer_id,
                kind=E.REVERSE,
                source_type="purchase_refund",
                source_id__startswith=f"{order.pk}:",
            )
            .exclude(source_id=f"{order.pk}:{refund.pk}")
            .aggregate(total=Sum("points"))["total"]
            or 0
        )
        points = max(0, min(points, earned.points - already))
        source_id = f"{order.pk}:{refund.pk}"
    points_reverse(
        customer=refund.customer,
        points=points,
        source_type="purchase_refund",
        source_id=source_id,
        reason=_("Refund %(ref)s") % {"ref": refund.order_ref},
        rule=RuleKey.PURCHASE,
        at=refund.ordered_at,
    )


# --- community ---------------------------------------------------------------------------------
def _reverse_post(post_id: int, *, reason: str, at: datetime, only: tuple[str, ...] = ()) -> int:
    """Reverse every earn that ``post_id`` brought its author (accepted, promoted, upvotes)."""
    earned = PointsEntry.objects.filter(kind=E.EARN).filter(
        source_type__in=("forum_accepted", "kb_promotion"), source_id=str(post_id)
    ) | PointsEntry.objects.filter(
        kind=E.EARN, source_type="forum_vote", source_id__startswith=f"{post_id}:"
    )
    if only:
        earned = earned.filter(source_type__in=only)
    count = 0
    for entry in earned.select_related("customer"):
        reversed_ = points_reverse(
            customer=entry.customer,
            points=entry.points,
            source_type=entry.source_type,
            source_id=entry.source_id,
            reason=reason,
            rule=entry.rule,
            at=at,
        )
        count += reversed_ is not None
    return count


def _accept(event: Event) -> None:
    meta = event.metadata
    previous, post = _int(meta.get("previous")), _int(meta.get("post"))
    if previous is not None and previous != post:
        _reverse_post(
            previous,
            reason=_("Answer no longer accepted"),
            at=event.occurred_at,
            only=("forum_accepted",),
        )
    if meta.get("undone") or post is None:
        return
    author = _int(meta.get("author"))
    if author is None or author == _int(meta.get("asker")) or author == event.user_id:
        return  # no points for accepting one's own answer
    customer = _customer_of_user(author)
    if customer is None:
        return
    points_earn(
        customer=customer,
        rule=RuleKey.ACCEPTED_ANSWER,
        points=None,
        source_type="forum_accepted",
        source_id=str(post),
        reason=_("Your answer was accepted"),
        at=event.occurred_at,
    )


def _vote(event: Event) -> None:
    meta = event.metadata
    post, author = _int(meta.get("post")), _int(meta.get("author"))
    value = int(event.value) if event.value is not None else None
    previous = _int(meta.get("previous"))
    if post is None or author is None or event.user_id is None or author == event.user_id:
        return
    if meta.get("question"):
        return  # upvotes of answers only
    customer = _customer_of_user(author)
    if customer is None:
        return
    source_id = f"{post}:{event.user_id}"
    if previous == 1 and value != 1:
        earned = PointsEntry.objects.filter(
            customer=customer, kind=E.EARN, source_type="forum_vote", source_id=source_id
        ).first()
        if earned is not None:
            points_reverse(
                customer=customer,
                points=earned.points,
                source_type="forum_vote",
                source_id=source_id,
                reason=_("An upvote was taken back"),
                rule=earned.rule,
                at=event.occurred_at,
            )
    elif value == 1 and previous != 1:
        if PointsEntry.objects.filter(
            customer=customer, kind=E.REVERSE, source_type="forum_vote", source_id=source_id
        ).exists():
            return  # voted, took it back, voted again: earned once, reversed once, done
        points_earn(
            customer=customer,
            rule=RuleKey.ANSWER_UPVOTED,
            points=None,
            source_type="forum_vote",
            source_id=source_id,
            reason=_("Your answer was upvoted"),
            at=event.occurred_at,
        )


UNDOING_ACTIONS = frozenset({"reject", "hide", "delete"})


def _moderation(event: Event) -> None:
    meta = event.metadata
    action, post = meta.get("action"), _int(meta.get("post"))
    if post is None:
        return
    if action in UNDOING_ACTIONS:
        _reverse_post(post, reason=_("The post was removed by moderation"), at=event.occurred_at)
    elif action == "to_article":
        author = _int(meta.get("author"))
        if author is None or author == event.user_id:
            return  # a moderator promoting their own answer earns nothing
        customer = _customer_of_user(author)
        if customer is None:
            return
        points_earn(
            customer=customer,
            rule=RuleKey.PROMOTED_ANSWER,
            points=None,
            source_type="kb_promotion",
            source_id=str(post),
            reason=_("Your answer became a knowledge base article"),
            at=event.occurred_at,
        )


# --- surveys, compensation ----------------------------------------------------------------------
def _survey(event: Event) -> None:
    customer = _customer(event.customer_id)
    if customer is None:
        return
    points_earn(
        customer=customer,
        rule=RuleKey.SURVEY_COMPLETED,
        points=None,
        source_type="survey",
        source_id=event.target_id or f"i{event.pk}",
        reason=_("Thank you for answering a survey"),
        at=event.occurred_at,
    )


#: Outage compensation in points is credited as granted, bounded like any ledger row.
COMPENSATION_MAX = 1_000_000


def _compensation(event: Event) -> None:
    meta = event.metadata
    if meta.get("kind") != "points" or event.value is None:
        return
    customer = _customer(event.customer_id)
    if customer is None:
        return
    points = int(Decimal(event.value).to_integral_value(ROUND_DOWN))
    if points <= 0:
        return
    incident = meta.get("incident")
    points_earn(
        customer=customer,
        rule="",
        points=min(points, COMPENSATION_MAX),
        source_type="outage_compensation",
        source_id=str(incident if incident is not None else f"g{event.target_id}"),
        reason=_("Compensation for a service interruption"),
        at=event.occurred_at,
    )


HANDLERS: dict[str, Callable[[Event], None]] = {
    InteractionKind.PURCHASE: _purchase,
    InteractionKind.FORUM_ACCEPT: _accept,
    InteractionKind.FORUM_VOTE: _vote,
    InteractionKind.FORUM_MODERATION: _moderation,
    InteractionKind.SURVEY_RESPONSE: _survey,
    InteractionKind.COMPENSATION: _compensation,
}


def interaction_handle(event: Event) -> None:
    """Apply one interaction's earn or reversal (idempotent). A failure is logged and the
    interaction skipped, so one bad row never stops the pass."""
    handler = HANDLERS.get(event.kind)
    if handler is None:
        return
    try:
        with transaction.atomic():
            handler(event)
    except Exception:
        logger.exception(
            "loyalty: interaction %s (%s) could not be processed", event.pk, event.kind
        )


def _events(queryset, *, limit: int | None = None) -> list[Event]:
    rows = queryset.order_by("pk").values_list(*FIELDS)
    return [Event(*row) for row in (rows[:limit] if limit else rows)]


#: The highest interaction id this process has seen processed (the listener skips below it).
processed_up_to = 0


def _gaps_after(last: int, ids: list[int]) -> list[tuple[int, int]]:
    gaps, expected = [], last + 1
    for pk in ids:
        if pk > expected:
            gaps.append((expected, pk - 1))
        expected = pk + 1
    return gaps


def _revisit_gaps(cursor: Cursor, now: datetime) -> int:
    kept, seen = [], 0
    for low, high, since in cursor.gaps:
        found = _events(Interaction.objects.filter(pk__gte=low, pk__lte=high))
        for event in found:
            if event.kind in HANDLERS:
                interaction_handle(event)
        seen += len(found)
        missing = (high - low + 1) - len(found)
        if missing and now - datetime.fromisoformat(since) < GAP_WAIT:
            kept.append([low, high, since])
    cursor.gaps = kept
    return seen


def interactions_process(*, batch: int = BATCH, max_batches: int = 50) -> int:
    """The catch-up pass: apply every interaction after the cursor (in batches, each batch
    and its cursor move in one transaction; concurrent passes wait for each other on the
    cursor row). Returns how many interactions were read."""
    global processed_up_to
    read = 0
    now = timezone.now()
    for _round in range(max_batches):
        with transaction.atomic():
            cursor, _created = Cursor.objects.select_for_update().get_or_create(name=CURSOR)
            if _round == 0 and cursor.gaps:
                _revisit_gaps(cursor, now)
            events = _events(
                Interaction.objects.filter(pk__gt=cursor.last_interaction_id), limit=batch
            )
            for event in events:
                if event.kind in HANDLERS:
                    interaction_handle(event)
            if events:
                new_gaps = _gaps_after(cursor.last_interaction_id, [e.pk for e in events])
                stamp = now.isoformat()
                cursor.gaps = (cursor.gaps + [[lo, hi, stamp] for lo, hi in new_gaps])[-GAPS_MAX:]
                cursor.last_interaction_id = events[-1].pk
            cursor.save()
            processed_up_to = max(processed_up_to, cursor.last_interaction_id)
        read += len(events)
        if len(events) < batch:
            break
    return read


# --- anniversaries ------------------------------------------------------------------------------
def anniversaries_pass(*, now: datetime | None = None) -> int:
    """Earn the ``anniversary`` rule for each full year a customer has been with us, once
    per year (looks back a week, so a pass that did not run for a few days catches up)."""
    now = now_or(now)
    if rule_for(RuleKey.ANNIVERSARY) is None:
        return 0
    earned = 0
    today = timezone.localdate(now)
    for back in range(ANNIVERSARY_LOOKBACK_DAYS):
        day = today - timedelta(days=back)
        customers = (
            Customer.objects.annotate(m=ExtractMonth("created_at"), d=ExtractDay("created_at"))
            .filter(m=day.month, d=day.day, created_at__year__lt=day.year)
            .only("pk", "created_at")
        )
        for customer in customers.iterator(chunk_size=2000):
            years = day.year - timezone.localtime(customer.created_at).year
            entry = points_earn(
                customer=customer,
                rule=RuleKey.ANNIVERSARY,
                points=None,
                source_type="anniversary",
                source_id=str(years),
                reason=_("%(years)d year(s) with us: thank you") % {"years": years},
                at=now,
            )
            earned += entry is not None
    return earned
