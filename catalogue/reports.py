"""The catalogue report (Wagtail admin, Reports menu; CSV and XLSX export).

Per item, over the requests submitted in the last ``days`` (30, 90 or 365; default 90):

- requests: submitted in the period;
- fulfilled, automated: fulfilled, and fulfilled by an automation (without an agent);
- automation rate: automated / (requests - rejected - still awaiting approval);
- median and p90 time to fulfil: submission to completion of the fulfilled requests
  (nearest-rank percentiles), in minutes;
- failed: requests whose automation failed (they fell back to a ticket);
- top failure reason: the most frequent first line of the failures' errors.

A second report lists the failure reasons (item, reason, count).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median

from django.db.models import Q
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column

from catalogue.models import RequestStatus, ServiceRequest
from portal.admin_reports import AdminReportView

PERIODS = (30, 90, 365)
DEFAULT_DAYS = 90
TOTAL = "__total__"


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (``share`` in 0..1) of ``values``; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def _minutes(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds / 60:.1f}"


def reason_of(error: str) -> str:
    line = (error or "").strip().splitlines()[0] if (error or "").strip() else ""
    return line[:120] or force_str(_("(no message)"))


def ever_failed(status: str, automated: bool, error: str) -> bool:
    """Failed now, or failed and then completed by an agent."""
    return status == RequestStatus.FAILED or (
        status == RequestStatus.FULFILLED and not automated and bool(error)
    )


@dataclass
class ItemRow:
    item: str
    requests: int = 0
    fulfilled: int = 0
    automated: int = 0
    failed: int = 0
    rejected: int = 0
    awaiting: int = 0
    durations: list[float] = field(default_factory=list)
    reasons: Counter = field(default_factory=Counter)

    @property
    def automation_rate(self) -> str:
        base = self.requests - self.rejected - self.awaiting
        return f"{100 * self.automated / base:.0f}%" if base > 0 else "-"

    @property
    def median_minutes(self) -> str:
        return _minutes(median(self.durations) if self.durations else None)

    @property
    def p90_minutes(self) -> str:
        return _minutes(percentile(self.durations, 0.9))

    @property
    def top_reason(self) -> str:
        if not self.reasons:
            return ""
        reason, count = self.reasons.most_common(1)[0]
        return f"{reason} ({count})"


def report_rows(*, days: int = DEFAULT_DAYS, now: datetime | None = None) -> list[ItemRow]:
    """One row per item with requests in the period (by name), then the total."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    rows: dict[str, ItemRow] = {}
    total = ItemRow(item=force_str(_("All items")))
    requests = (
        ServiceRequest.objects.filter(created_at__gte=since, created_at__lte=now)
        .values_list("item__name", "status", "automated", "created_at", "completed_at", "error")
        .order_by()
    )
    for name, status, automated, created, completed, error in requests.iterator():
        row = rows.setdefault(name, ItemRow(item=name))
        for target in (row, total):
            target.requests += 1
            if status == RequestStatus.FULFILLED:
                target.fulfilled += 1
                target.automated += bool(automated)
                if completed is not None:
                    target.durations.append((completed - created).total_seconds())
            elif status == RequestStatus.REJECTED:
                target.rejected += 1
            elif status == RequestStatus.AWAITING_APPROVAL:
                target.awaiting += 1
            if ever_failed(status, automated, error):
                target.failed += 1
                target.reasons[reason_of(error)] += 1
    return [rows[name] for name in sorted(rows, key=str.lower)] + ([total] if rows else [])


@dataclass
class ReasonRow:
    item: str
    reason: str
    count: int


def failure_rows(*, days: int = DEFAULT_DAYS, now: datetime | None = None) -> list[ReasonRow]:
    now = now or timezone.now()
    counts: Counter = Counter()
    failed = ServiceRequest.objects.filter(
        created_at__gte=now - timedelta(days=days), created_at__lte=now
    ).filter(
        Q(status=RequestStatus.FAILED)
        | Q(status=RequestStatus.FULFILLED, automated=False) & ~Q(error="")
    )
    for name, error in failed.values_list("item__name", "error").order_by().iterator():
        counts[(name, reason_of(error))] += 1
    grouped: dict[str, list] = defaultdict(list)
    for (name, reason), count in counts.items():
        grouped[name].append(ReasonRow(name, reason, count))
    return sorted(
        (row for rows in grouped.values() for row in rows),
        key=lambda row: (-row.count, row.item.lower(), row.reason),
    )


class _CatalogueReport(AdminReportView):
    header_icon = "form"
    periods = PERIODS
    default_days = DEFAULT_DAYS

    def get_page_subtitle(self):
        return _("Requests of the last %(days)d days") % {"days": self.days}


class CatalogueReportView(_CatalogueReport):
    page_title = _("Service catalogue")
    index_url_name = "catalogue_reports:items"
    index_results_url_name = "catalogue_reports:items_results"
    export_filename = "service-catalogue"
    columns = [
        Column("item", label=_("Item")),
        Column("requests", label=_("Requests")),
        Column("fulfilled", label=_("Fulfilled")),
        Column("automated", label=_("Without an agent")),
        Column("automation_rate", label=_("Automation rate")),
        Column("median_minutes", label=_("Median to fulfil (min)")),
        Column("p90_minutes", label=_("p90 to fulfil (min)")),
        Column("failed", label=_("Failed")),
        Column("rejected", label=_("Rejected")),
        Column("top_reason", label=_("Top failure reason")),
    ]
    list_export = [
        "item",
        "requests",
        "fulfilled",
        "automated",
        "automation_rate",
        "median_minutes",
        "p90_minutes",
        "failed",
        "rejected",
        "top_reason",
    ]

    def get_queryset(self):
        return report_rows(days=self.days)


class FailureReasonsView(_CatalogueReport):
    page_title = _("Service catalogue: failure reasons")
    index_url_name = "catalogue_reports:failures"
    index_results_url_name = "catalogue_reports:failures_results"
    export_filename = "service-catalogue-failures"
    columns = [
        Column("item", label=_("Item")),
        Column("reason", label=_("Reason")),
        Column("count", label=_("Requests")),
    ]
    list_export = ["item", "reason", "count"]

    def get_queryset(self):
        return failure_rows(days=self.days)
