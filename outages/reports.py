"""The incident report (Wagtail admin, Reports menu; CSV and XLSX export).

One row per published incident: affected customers (the frozen audience), notices delivered
(in the portal and by email, across all its updates), emails that failed, compensation
granted and claimed and its cost, linked tickets (and how many were opened proactively).
Six queries whatever the number of incidents: counts are grouped, never per row.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column

from outages.models import CompensationGrant, Incident, IncidentAudience, IncidentTicket
from portal.admin_reports import AdminReportView
from portal.models import NotificationDelivery

EVENT_PREFIX = "incident:"


@dataclass
class IncidentRow:
    pk: int
    title: str
    impact: str
    status: str
    starts_at: object
    ends_at: object
    affected: int = 0
    notices_web: int = 0
    emails_sent: int = 0
    emails_failed: int = 0
    granted: int = 0
    claimed: int = 0
    cost: Decimal = Decimal(0)
    linked_tickets: int = 0
    proactive_tickets: int = 0


def _by_incident(queryset, field: str = "incident") -> dict:
    return dict(queryset.order_by().values(field).annotate(n=Count("pk")).values_list(field, "n"))


def incident_rows() -> list[IncidentRow]:
    incidents = list(Incident.objects.published().order_by("-starts_at", "-pk"))
    ids = [incident.pk for incident in incidents]
    affected = _by_incident(IncidentAudience.objects.filter(incident__in=ids))
    linked = _by_incident(IncidentTicket.objects.filter(incident__in=ids))
    proactive = _by_incident(IncidentTicket.objects.filter(incident__in=ids, proactive=True))
    grants = {
        row["incident"]: row
        for row in CompensationGrant.objects.filter(incident__in=ids)
        .order_by()
        .values("incident")
        .annotate(
            granted=Count("pk"), claimed=Count("pk", filter=Q(claimed=True)), cost=Sum("amount")
        )
    }
    web, sent, failed = Counter(), Counter(), Counter()
    deliveries = (
        NotificationDelivery.objects.filter(event_key__startswith=EVENT_PREFIX)
        .order_by()
        .values_list("event_key", "channel", "status")
        .annotate(n=Count("pk"))
    )
    for key, channel, status, n in deliveries:
        pk = int(key.split(":")[1])
        if channel == NotificationDelivery.Channel.WEB:
            web[pk] += n
        elif status == NotificationDelivery.Status.SENT:
            sent[pk] += n
        elif status == NotificationDelivery.Status.FAILED:
            failed[pk] += n
    rows = []
    for incident in incidents:
        grant = grants.get(incident.pk, {})
        rows.append(
            IncidentRow(
                pk=incident.pk,
                title=incident.tr.title,
                impact=force_str(incident.get_impact_display()),
                status=force_str(incident.state_label),
                starts_at=incident.starts_at,
                ends_at=incident.ends_at,
                affected=affected.get(incident.pk, 0),
                notices_web=web[incident.pk],
                emails_sent=sent[incident.pk],
                emails_failed=failed[incident.pk],
                granted=grant.get("granted", 0),
                claimed=grant.get("claimed", 0),
                cost=grant.get("cost") or Decimal(0),
                linked_tickets=linked.get(incident.pk, 0),
                proactive_tickets=proactive.get(incident.pk, 0),
            )
        )
    return rows


class IncidentReportView(AdminReportView):
    page_title = _("Incidents")
    header_icon = "warning"
    index_url_name = "outages_reports:incidents"
    index_results_url_name = "outages_reports:incidents_results"
    export_filename = "incidents"
    columns = [
        Column("title", label=_("Incident")),
        Column("impact", label=_("Impact")),
        Column("status", label=_("Status")),
        Column("starts_at", label=_("Started")),
        Column("affected", label=_("Affected customers")),
        Column("notices_web", label=_("Notices in the portal")),
        Column("emails_sent", label=_("Emails sent")),
        Column("emails_failed", label=_("Emails failed")),
        Column("granted", label=_("Compensation granted")),
        Column("claimed", label=_("Claimed")),
        Column("cost", label=_("Compensation cost")),
        Column("linked_tickets", label=_("Linked tickets")),
        Column("proactive_tickets", label=_("Proactive tickets")),
    ]
    list_export = [
        "pk",
        "title",
        "impact",
        "status",
        "starts_at",
        "ends_at",
        "affected",
        "notices_web",
        "emails_sent",
        "emails_failed",
        "granted",
        "claimed",
        "cost",
        "linked_tickets",
        "proactive_tickets",
    ]
    export_headings = {"pk": "id", "ends_at": _("Ended")}

    def get_queryset(self):
        return incident_rows()
