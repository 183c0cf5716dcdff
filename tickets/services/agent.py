"""What agents do to tickets: assign, claim, prioritise, tag, re-route, merge."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from portal import roles
from portal.models import Channel, InteractionKind, Product, User
from portal.services.helpers import now_or, require_agent
from tickets.models import (
    Category,
    Impact,
    Message,
    Priority,
    Queue,
    Status,
    Tag,
    Ticket,
    TicketArticleLink,
    TicketEvent,
)
from tickets.services import notify
from tickets.services.common import (
    SLA_FIELDS,
    event,
    lock,
    record,
    touch,
)
from tickets.services.errors import TicketConflict, TicketError
from tickets.services.sla import sla_recompute
from tickets.services.workflow import STATUS_FIELDS, _status_apply

TAG_MAX = 50
TAGS_PER_TICKET = 20


def _name(user: User | None) -> str:
    return user.get_full_name() if user is not None else ""


@transaction.atomic
def ticket_assign(
    *,
    ticket: Ticket,
    assignee: User | None,
    actor,
    channel: str = Channel.WEB,
    now: datetime | None = None,
) -> Ticket:
    """Give the ticket to an agent (or to nobody with ``assignee=None``)."""
    require_agent(actor)
    if assignee is not None and (not assignee.is_active or not roles.is_agent(assignee)):
        raise TicketError(_("Tickets can only be assigned to agents."))
    now = now_or(now)
    ticket = lock(ticket)
    if ticket.assignee_id == (assignee.pk if assignee else None):
        return ticket
    old = ticket.assignee
    ticket.assignee = assignee
    touch(ticket, now, "assignee")
    change = event(ticket, actor, "assignee", _name(old), _name(assignee), now=now)
    record(
        InteractionKind.TICKET_ASSIGN,
        ticket,
        actor,
        now=now,
        channel=channel,
        assignee=assignee.pk if assignee else None,
        previous=old.pk if old else None,
    )
    if assignee is not None and assignee.pk != actor.pk:
        notify.ticket_assigned(ticket=ticket, actor=actor, event_id=change.pk)
    return ticket


@transaction.atomic
def ticket_claim(
    *, ticket: Ticket, agent, channel: str = Channel.WEB, now: datetime | None = None
) -> Ticket:
    """Take an unassigned ticket. Race-safe: a conditional UPDATE (``assignee IS NULL``) on
    the row, so of two agents claiming at once exactly one wins; the other gets
    ``TicketConflict`` naming the winner. Claiming your own ticket again is a no-op."""
    require_agent(agent)
    now = now_or(now)
    won = Ticket.objects.filter(pk=ticket.pk, assignee__isnull=True, merged_into__isnull=True)
    if not won.update(assignee=agent, updated_at=now):
        current = Ticket.objects.select_related("assignee").get(pk=ticket.pk)
        if current.assignee_id == agent.pk:
            return current
        if current.merged_into_id is not None:
            raise TicketConflict(_("This ticket was merged into another one."))
        raise TicketConflict(
            _("%(name)s has already claimed this ticket.") % {"name": _name(current.assignee)}
        )
    ticket = lock(ticket)
    event(ticket, agent, "assignee", "", _name(agent), now=now)
    if ticket.status == Status.NEW:
        _status_apply(ticket, Status.OPEN, agent, now, channel)
        touch(ticket, now, *STATUS_FIELDS)
    record(InteractionKind.TICKET_CLAIM, ticket, agent, now=now, channel=channel)
    return ticket


@transaction.atomic
def ticket_priority_change(
    *,
    ticket: Ticket,
    priority: int,
    actor,
    channel: str = Channel.WEB,
    now: datetime | None = None,
) -> Ticket:
    """Change the priority; the SLA targets follow the new priority's policy."""
    require_agent(actor)
    if priority not in Priority.values:
        raise TicketError(_("Unknown priority."))
    now = now_or(now)
    ticket = lock(ticket)
    if ticket.priority == priority:
        return ticket
    old = ticket.priority
    ticket.priority = priority
    sla_recompute(ticket=ticket)
    touch(ticket, now, "priority", *SLA_FIELDS)
    event(ticket, actor, "priority", old, priority, now=now)
    record(
        InteractionKind.TICKET_PRIORITY,
        ticket,
        actor,
        now=now,
        channel=channel,
        old=Priority(old).key,
        new=Priority(priority).key,
    )
    return ticket


def tag_clean(name: str) -> str:
    text = " ".join((name or "").split())
    if not text or not slugify(text):
        raise TicketError(_("A tag needs letters or digits."))
    if len(text) > TAG_MAX:
        raise TicketError(_("Tags are at most %(max)d characters.") % {"max": TAG_MAX})
    return text


def tags_get_or_create(names: Iterable[str]) -> list[Tag]:
    tags = []
    for name in names:
        clean = tag_clean(name)
        slug = slugify(clean)[:60]
        tag = Tag.objects.filter(slug=slug).first()
        if tag is None:
            tag, _created = Tag.objects.get_or_create(slug=slug, defaults={"name": clean})
        if tag not in tags:
            tags.append(tag)
    return tags


@transaction.atomic
def ticket_tag(
    *,
    ticket: Ticket,
    actor,
    add: Iterable[str] = (),
    remove: Iterable[str] = (),
    now: datetime | None = None,
) -> Ticket:
    """Add and remove tags by name (new names create tags)."""
    require_agent(actor)
    now = now_or(now)
    adding = tags_get_or_create(add)
    removing = {slugify(tag_clean(name)) for name in remove}
    ticket = lock(ticket)
    before = sorted(tag.name for tag in ticket.tags.all())
    current = {tag.slug: tag for tag in ticket.tags.all()}
    for slug in removing:
        current.pop(slug, None)
    for tag in adding:
        current.setdefault(tag.slug, tag)
    if len(current) > TAGS_PER_TICKET:
        raise TicketError(_("A ticket has at most %(max)d tags.") % {"max": TAGS_PER_TICKET})
    after = sorted(tag.name for tag in current.values())
    if after == before:
        return ticket
    ticket.tags.set(current.values())
    touch(ticket, now)
    event(ticket, actor, "tags", ", ".join(before), ", ".join(after), now=now)
    record(InteractionKind.TICKET_TAG, ticket, actor, now=now, tags=after)
    return ticket


_UNSET = object()


@transaction.atomic
def ticket_update(
    *,
    ticket: Ticket,
    actor,
    subject: str | object = _UNSET,
    queue: Queue | object | None = _UNSET,
    product: Product | object | None = _UNSET,
    category: str | object = _UNSET,
    impact: str | object = _UNSET,
    now: datetime | None = None,
) -> Ticket:
    """Agents correct a ticket's details or move it to another queue."""
    require_agent(actor)
    now = now_or(now)
    changes = {
        name: value
        for name, value in {
            "subject": subject,
            "queue": queue,
            "product": product,
            "category": category,
            "impact": impact,
        }.items()
        if value is not _UNSET
    }
    if "subject" in changes:
        text = " ".join(str(changes["subject"] or "").split())
        if not text or len(text) > 200:
            raise TicketError(_("The subject must be 1 to 200 characters."))
        changes["subject"] = text
    if "category" in changes and changes["category"] not in Category.values:
        raise TicketError(_("Choose a category."))
    if "impact" in changes and changes["impact"] not in Impact.values:
        raise TicketError(_("Choose who is affected."))
    ticket = lock(ticket)
    changed = []
    for name, value in changes.items():
        old = getattr(ticket, name)
        if old == value:
            continue
        setattr(ticket, name, value)
        changed.append(name)
        event(ticket, actor, name, old, value, now=now)
    if changed:
        touch(ticket, now, *changed)
        record(InteractionKind.TICKET_UPDATE, ticket, actor, now=now, fields=changed)
    return ticket


@transaction.atomic
def ticket_merge(*, source: Ticket, target: Ticket, actor, now: datetime | None = None) -> Ticket:
    """Merge a duplicate (``source``) into ``target``: the conversation, attachments, linked
    articles and tags move over, ``source`` is closed and points at ``target``. Both tickets
    must belong to the same customer (or organisation)."""
    require_agent(actor)
    now = now_or(now)
    if source.pk == target.pk:
        raise TicketError(_("A ticket cannot be merged into itself."))
    # Lock both rows in a fixed order (no deadlock between opposite merges).
    first, second = sorted((source.pk, target.pk))
    locked = {t.pk: t for t in Ticket.objects.select_for_update().filter(pk__in=(first, second))}
    if len(locked) != 2:
        raise TicketError(_("Ticket not found."))
    source, target = locked[source.pk], locked[target.pk]
    if source.merged_into_id is not None or target.merged_into_id is not None:
        raise TicketConflict(_("One of these tickets was already merged."))
    same_customer = source.customer_id == target.customer_id
    same_org = source.organisation_id is not None and (
        source.organisation_id == target.organisation_id
    )
    if not (same_customer or same_org):
        raise TicketError(_("Only tickets of the same customer or organisation can be merged."))
    if target.status == Status.CLOSED:
        raise TicketError(_("Merge into a ticket that is not closed."))
    source.messages.update(ticket=target)
    source.attachments.update(ticket=target)
    for link in TicketArticleLink.objects.filter(ticket=source):
        if TicketArticleLink.objects.filter(ticket=target, article_id=link.article_id).exists():
            link.delete()
        else:
            link.ticket = target
            link.save(update_fields=["ticket"])
    target.tags.add(*source.tags.all())
    Message.objects.create(
        ticket=source,
        author=actor,
        author_role=Message.Author.SYSTEM,
        body=_("This request was merged into ticket %(number)s.") % {"number": target.number},
        created_at=now,
    )
    Message.objects.create(
        ticket=target,
        author=actor,
        author_role=Message.Author.SYSTEM,
        internal=True,
        body=_("Ticket %(number)s (%(subject)s) was merged into this ticket.")
        % {"number": source.number, "subject": source.subject},
        created_at=now,
    )
    source.merged_into = target
    if source.status != Status.CLOSED:
        _status_apply(source, Status.CLOSED, actor, now, Channel.WEB, quiet=True)
    touch(source, now, "merged_into", *STATUS_FIELDS)
    touch(target, now)
    event(source, actor, "merged_into", "", target.number, now=now, kind=TicketEvent.Kind.MERGED)
    event(target, actor, "merged_into", source.number, "", now=now, kind=TicketEvent.Kind.MERGED)
    record(InteractionKind.TICKET_MERGE, source, actor, now=now, into=target.pk)
    return target


@transaction.atomic
def ticket_properties_update(
    *,
    ticket: Ticket,
    actor,
    status: str,
    priority: int,
    assignee: User | None,
    queue: Queue | None,
    category: str,
    impact: str,
    product: Product | None,
    tags: Iterable[str],
    now: datetime | None = None,
) -> Ticket:
    """The desk's properties form: every changed field through its own service, all or
    nothing (one invalid change leaves the ticket as it was)."""
    from tickets.services.workflow import ticket_status_change

    require_agent(actor)
    now = now_or(now)
    current = lock(ticket)
    ticket_update(
        ticket=current,
        actor=actor,
        queue=queue,
        category=category,
        impact=impact,
        product=product,
        now=now,
    )
    if priority != current.priority:
        ticket_priority_change(ticket=current, priority=priority, actor=actor, now=now)
    if (assignee.pk if assignee else None) != current.assignee_id:
        ticket_assign(ticket=current, assignee=assignee, actor=actor, now=now)
    wanted = {slugify(tag_clean(name)): name for name in tags}
    have = {tag.slug: tag.name for tag in current.tags.all()}
    if set(wanted) != set(have):
        ticket_tag(
            ticket=current,
            actor=actor,
            add=[name for slug, name in wanted.items() if slug not in have],
            remove=[name for slug, name in have.items() if slug not in wanted],
            now=now,
        )
    if status != current.status:
        ticket_status_change(ticket=current, status=status, actor=actor, now=now)
    return lock(current)


__all__ = [
    "ticket_assign",
    "ticket_claim",
    "ticket_merge",
    "ticket_priority_change",
    "ticket_properties_update",
    "ticket_tag",
    "ticket_update",
]
