"""Points expire ``LOYALTY_POINTS_EXPIRE_DAYS`` after they were earned, oldest first (FIFO),
and customers are emailed ``LOYALTY_EXPIRY_NOTICE_DAYS`` before.

FIFO without walking rows: every debit (redeem, expire, reverse, adjust down) is taken from
the earliest-expiring credits first, so at time ``T`` the points that must have expired are
``max(0, credits expiring by T + debits)`` (debits are negative; earlier expiries are
debits too, so a second pass expires nothing more). That is one aggregate per customer, which
the database computes for every customer at once (``points_expire_pass``: one
``INSERT ... SELECT`` of the expiry rows, one ``UPDATE`` of the cached balances). The amount
can never exceed the balance (credits that have not expired are still in it), so no balance
goes negative. A reversal counts as a debit like the others (it may take the oldest credits
instead of the reversed one: the customer keeps those points a little longer, never shorter).

Concurrency: the accounts concerned are locked first (``select_for_update``), then the
amounts are computed, so a redemption committing meanwhile is either seen (its debit counted)
or waits for the pass. Idempotent per day: the expiry rows' source is ``expiry:<date>``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import Case, F, IntegerField, Min, OuterRef, Q, Subquery, Sum, When
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.models import Account, ExpiryNotice, PointsEntry, Redemption
from portal.db.bulk import insert_from_select
from portal.models import Customer
from portal.services.notifications import NotificationContent, notify
from portal.templatetags.dates import day_text

SOURCE_TYPE = "expiry"


def expires_at_for(earned_at: datetime) -> datetime:
    """When points earned at ``earned_at`` expire (F's ``points_earn`` sets this)."""
    return earned_at + timedelta(days=settings.LOYALTY_POINTS_EXPIRE_DAYS)


def _due_sql(connection) -> str:
    table = connection.ops.quote_name(PointsEntry._meta.db_table)
    return (
        "SELECT customer_id, SUM(CASE WHEN points > 0 AND expires_at <= %s THEN points "  # noqa: S608
        "WHEN points < 0 THEN points ELSE 0 END) AS due "
        f"FROM {table} GROUP BY customer_id"
    )


@transaction.atomic
def points_expire_pass(*, now: datetime | None = None) -> int:
    """Expire every customer's points that are past their date (FIFO); returns how many
    customers lost points. Also marks reward codes past their date as expired."""
    now = now or timezone.now()
    connection = connections[router.db_for_write(PointsEntry)]
    adapt = connection.ops.adapt_datetimefield_value
    source_id = now.date().isoformat()
    due = _due_sql(connection)
    # 1. lock the accounts that will lose points (a redemption now waits for this pass)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT customer_id FROM ({due}) AS d WHERE due > 0",  # noqa: S608
            [adapt(now)],
        )
        customers = [row[0] for row in cursor.fetchall()]
    if not customers:
        _codes_expire(now)
        return 0
    list(
        Account.objects.select_for_update()
        .filter(customer_id__in=customers)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    # 2. the expiry rows, computed again under the locks, written by the database
    reason = _("Points expired")
    inserted = insert_from_select(
        PointsEntry,
        ["customer", "kind", "points", "reason", "rule", "source_type", "source_id", "created_at"],
        (
            f"SELECT customer_id, %s, -due, %s, %s, %s, %s, %s FROM ({due}) AS d "  # noqa: S608
            "WHERE due > 0",
            [
                PointsEntry.Kind.EXPIRE,
                reason,
                "",
                SOURCE_TYPE,
                source_id,
                adapt(now),
                adapt(now),
            ],
        ),
        ignore_conflicts=True,
    )
    # 3. the cached balances of exactly the rows this run wrote
    written = PointsEntry.objects.filter(
        kind=PointsEntry.Kind.EXPIRE, source_type=SOURCE_TYPE, source_id=source_id, created_at=now
    )
    Account.objects.filter(customer_id__in=written.values("customer_id")).update(
        balance=F("balance")
        + Subquery(written.filter(customer_id=OuterRef("customer_id")).values("points")[:1])
    )
    _codes_expire(now)
    return inserted


def _codes_expire(now: datetime) -> int:
    return Redemption.objects.filter(
        state=Redemption.State.ACTIVE, expires_at__isnull=False, expires_at__lte=now
    ).update(state=Redemption.State.EXPIRED)


def expiring_soon(customer: Customer | None = None, *, now: datetime | None = None):
    """Per customer: points that will expire within the notice period and the first date
    (``customer_id``, ``due``, ``first_at``)."""
    now = now or timezone.now()
    horizon = now + timedelta(days=settings.LOYALTY_EXPIRY_NOTICE_DAYS)
    rows = PointsEntry.objects.all()
    if customer is not None:
        rows = rows.filter(customer=customer)
    return (
        rows.values("customer_id")
        .annotate(
            due=Sum(
                Case(
                    When(Q(points__gt=0, expires_at__lte=horizon), then=F("points")),
                    When(points__lt=0, then=F("points")),
                    default=0,
                    output_field=IntegerField(),
                )
            ),
            first_at=Min(
                Case(
                    When(
                        Q(points__gt=0, expires_at__gt=now, expires_at__lte=horizon),
                        then=F("expires_at"),
                    )
                )
            ),
        )
        .filter(due__gt=0, first_at__isnull=False)
        .order_by("customer_id")
    )


def _content(points: int, day):
    def build(user) -> NotificationContent:
        return NotificationContent(
            title=_("%(points)d loyalty points expire soon") % {"points": points},
            body=_(
                "%(points)d of your loyalty points expire on %(date)s. Use them for a reward "
                "before then."
            )
            % {"points": points, "date": day_text(day)},
            url="/me/loyalty/",
        )

    return build


def expiry_notices_pass(*, now: datetime | None = None) -> int:
    """Email (and notify in the portal) every customer whose points expire within
    ``LOYALTY_EXPIRY_NOTICE_DAYS``: once per customer and first expiry date. Returns how many
    customers were told."""
    now = now or timezone.now()
    told = 0
    for row in expiring_soon(now=now).iterator(chunk_size=2000):
        day = timezone.localdate(row["first_at"])
        with transaction.atomic():
            _notice, created = ExpiryNotice.objects.get_or_create(
                customer_id=row["customer_id"], due_date=day, defaults={"points": row["due"]}
            )
            if not created:
                continue
            user = (
                Customer.objects.filter(pk=row["customer_id"])
                .values_list("user", flat=True)
                .first()
            )
            if user is None:
                continue
            from portal.models import User

            notify(
                event_key=f"loyalty-expiry:{row['customer_id']}:{day.isoformat()}",
                kind="loyalty_expiry",
                topic="loyalty",
                recipients=User.objects.filter(pk=user),
                content=_content(row["due"], day),
            )
            told += 1
    return told
