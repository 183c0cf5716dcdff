"""The desk's panels on the Wagtail dashboard (agents and admins): open tickets by status and
by queue, and the SLA today (breaches recorded today, tickets at risk now). Each row opens the
desk queue filtered to what it counts."""

from __future__ import annotations

from datetime import datetime, time

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from portal.admin_panels import DashboardPanel, PanelRow, works_the_desk
from tickets.models import ACTIVE_STATUSES, Queue, SlaBreach, Status, Ticket
from tickets.selectors import sla_condition


def desk_url(**params) -> str:
    base = reverse("desk:index")
    return f"{base}?{urlencode(params)}" if params else base


class OpenTicketsPanel(DashboardPanel):
    panel_id = "support-open-tickets"
    heading = _("Open tickets")
    empty_text = _("No open tickets.")
    order = 10

    @classmethod
    def is_shown_to(cls, user) -> bool:
        return works_the_desk(user)

    def rows(self) -> list[PanelRow]:
        """Two queries: the active tickets counted by status and queue, and the queues."""
        counts = (
            Ticket.objects.filter(status__in=ACTIVE_STATUSES)
            .values_list("status", "queue")
            .annotate(n=Count("status"))
            .order_by()
        )
        by_status: dict[str, int] = {}
        by_queue: dict[int | None, int] = {}
        for status, queue_id, n in counts:
            by_status[status] = by_status.get(status, 0) + n
            by_queue[queue_id] = by_queue.get(queue_id, 0) + n
        if not by_status:
            return []
        labels = dict(Status.choices)
        rows = [
            PanelRow(
                str(labels[status]),
                desk_url(status=status),
                by_status[status],
                group=str(_("By status")),
            )
            for status in ACTIVE_STATUSES
            if by_status.get(status)
        ]
        queues = Queue.objects.filter(pk__in=[pk for pk in by_queue if pk is not None])
        for queue in sorted(queues, key=lambda q: (-by_queue[q.pk], q.name)):
            rows.append(
                PanelRow(
                    str(queue.name),
                    desk_url(queue=queue.pk),
                    by_queue[queue.pk],
                    group=str(_("By queue")),
                )
            )
        if by_queue.get(None):
            rows.append(
                PanelRow(str(_("No queue")), desk_url(), by_queue[None], group=str(_("By queue")))
            )
        return rows

    def see_all(self):
        return desk_url(), _("Open the desk")


class SlaPanel(DashboardPanel):
    panel_id = "support-sla"
    heading = _("SLA today")
    empty_text = _("No breaches today and nothing at risk.")
    order = 20

    @classmethod
    def is_shown_to(cls, user) -> bool:
        return works_the_desk(user)

    def rows(self) -> list[PanelRow]:
        """Two counting queries, whatever the number of tickets."""
        now = timezone.now()
        today = timezone.make_aware(datetime.combine(timezone.localdate(now), time.min))
        breached_today = SlaBreach.objects.filter(breached_at__gte=today).aggregate(
            tickets=Count("ticket", distinct=True)
        )["tickets"]
        active = Ticket.objects.filter(status__in=ACTIVE_STATUSES)
        counts = active.aggregate(
            at_risk=Count("pk", filter=sla_condition("at_risk", now)),
            breached=Count("pk", filter=sla_condition("breached", now)),
        )
        candidates = [
            (_("Breached today"), "breached", breached_today, "critical"),
            (_("Open tickets past their target"), "breached", counts["breached"], "critical"),
            (_("At risk now"), "at_risk", counts["at_risk"], "warning"),
        ]
        rows = [
            PanelRow(str(label), desk_url(sla=state), value, tone=tone)
            for label, state, value, tone in candidates
            if value
        ]
        return rows

    def see_all(self):
        return desk_url(sort="due"), _("Tickets by due time")


PANELS = (OpenTicketsPanel, SlaPanel)
