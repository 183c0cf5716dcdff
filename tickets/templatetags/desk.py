"""``{% desk_rows rows %}``: the queue's table rows, built in Python.

The queue is the desk's hottest page (bench/agent_queue.py): rendering 50 rows through the
template engine (a few thousand nodes) cost more than all of the page's SQL. The markup is
the same as a template would produce; every value goes through ``format_html`` (escaped).
"""

from __future__ import annotations

from django import template
from django.middleware.csrf import get_token
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from portal.templatetags.dates import stamp_text

register = template.Library()

ROW = (
    '<tr class="sla-row-{state}">'
    '<td class="cell-check"><input type="checkbox" name="tickets" value="{pk}" form="bulk-form"'
    ' aria-label="{select} {number}"></td>'
    '<th scope="row" data-label="{l_ticket}"><span class="desk-subject">'
    '<a href="{url}"><span class="ticket-number">{number}</span> {subject}</a>'
    '<span class="muted small">{who}</span>{tags}</span></th>'
    '<td data-label="{l_status}"><span class="badge status status-{status}">{status_label}'
    "</span></td>"
    '<td data-label="{l_priority}"><span class="badge priority priority-{priority}">'
    "{priority_label}</span></td>"
    '<td data-label="{l_sla}"><span class="sla-cell">{sla}</span></td>'
    '<td data-label="{l_assignee}">{assignee}</td>'
    '<td data-label="{l_updated}"><time datetime="{updated_iso}" title="{updated_exact}">{updated}'
    "</time></td>"
    "</tr>"
)


def _sla(row) -> SafeString:
    if row.sla_state == "none":
        return mark_safe('<span class="muted">—</span>')
    badge = format_html('<span class="badge sla sla-{}">{}</span>', row.sla_state, row.sla_label)
    if not row.due:
        return badge
    return format_html(
        '{}<span class="muted small"><time datetime="{}" title="{}">{}</time></span>',
        badge,
        row.ticket.sla_due_at.isoformat(),
        stamp_text(row.ticket.sla_due_at),
        row.due,
    )


@register.simple_tag(takes_context=True)
def desk_rows(context, rows) -> SafeString:
    token = get_token(context["request"])
    labels = {
        "select": _("Select"),
        "l_ticket": _("Ticket"),
        "l_status": _("Status"),
        "l_priority": _("Priority"),
        "l_sla": _("SLA"),
        "l_assignee": _("Assignee"),
        "l_updated": _("Updated"),
    }
    claim = _("Claim")
    html = []
    for row in rows:
        ticket = row.ticket
        url = ticket.get_desk_url()
        who = " · ".join(
            part
            for part in (
                ticket.customer.display_name,
                ticket.organisation.name if ticket.organisation_id else "",
                ticket.queue.name if ticket.queue_id else "",
            )
            if part
        )
        tags = list(ticket.tags.all())
        tag_html = (
            format_html(
                '<span class="tag-row">{}</span>',
                format_html_join("", '<span class="tag-chip">{}</span>', ((t.name,) for t in tags)),
            )
            if tags
            else ""
        )
        if ticket.assignee_id:
            assignee = format_html("{}", ticket.assignee.get_full_name())
        else:
            assignee = format_html(
                '<form method="post" action="{}claim/"><input type="hidden"'
                ' name="csrfmiddlewaretoken" value="{}"><button type="submit"'
                ' class="btn btn-secondary btn-sm">{}<span class="visually-hidden"> {}</span>'
                "</button></form>",
                url,
                token,
                claim,
                ticket.number,
            )
        html.append(
            format_html(
                ROW,
                state=row.sla_state,
                pk=ticket.pk,
                number=ticket.number,
                url=url,
                subject=ticket.subject,
                who=who,
                tags=tag_html,
                status=ticket.status,
                status_label=ticket.get_status_display(),
                priority=ticket.priority_key,
                priority_label=ticket.get_priority_display(),
                sla=_sla(row),
                assignee=assignee,
                updated_iso=ticket.updated_at.isoformat(),
                updated_exact=stamp_text(ticket.updated_at),
                updated=row.updated,
                **labels,
            )
        )
    return mark_safe("\n".join(html))  # noqa: S308 - every part built with format_html
