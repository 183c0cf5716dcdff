"""Demo tickets for ``manage.py seed_demo`` (``TicketsConfig.demo_seed``).

The desk set-up (calendars with holidays, SLA policies, queues, tags, canned replies) is
get-or-created by name. Tickets are planned from ``random.Random(2026)`` before the database
is looked at, each with a natural key (customer, subject): a re-run creates only the missing
ones. They are created through the services with past timestamps (the same code path as
real tickets: history, interactions, SLA), with emails suppressed; a final SLA pass records
the breaches and auto-closes old resolved tickets.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction

from portal.demo import data
from portal.models import Customer, Organisation, Product, Team, User
from portal.services.notifications import emails_suppressed
from tickets.models import (
    BusinessCalendar,
    CannedReply,
    Holiday,
    Priority,
    Queue,
    SlaPolicy,
    Status,
    Tag,
    Ticket,
)
from tickets.services import (
    ticket_claim,
    ticket_close,
    ticket_note,
    ticket_open,
    ticket_reply,
    ticket_status_change,
    ticket_tag,
)
from tickets.services.escalation import sla_tick

PERSONA_TICKETS = {"C-ALICE": 12, "C-1001": 4, "C-BOB": 12, "C-CAROL": 10}  # ~40
OTHER_TICKETS = 120
DAYS_BACK = 180

# (subject, category, product slug or "", impact, first message, tags)
TOPICS = (
    (
        "Internet drops every evening",
        "problem",
        "fibre-broadband",
        "me",
        "Since Monday the connection drops around 9pm for a few minutes.",
        ("router",),
    ),
    (
        "Slow speeds since the upgrade",
        "problem",
        "fibre-broadband",
        "me",
        "Speed tests show 80 Mbit/s instead of 1 Gbit/s, wired and on Wi-Fi.",
        ("router",),
    ),
    (
        "Router keeps restarting",
        "problem",
        "fibre-broadband",
        "some",
        "The router reboots itself every hour; the power light blinks orange.",
        ("router",),
    ),
    (
        "No internet at the office",
        "problem",
        "fibre-broadband",
        "all",
        "Nobody in the office has internet since 8:00. We cannot work.",
        ("outage",),
    ),
    (
        "Mobile data not working abroad",
        "problem",
        "mobile-plan",
        "me",
        "I am in Spain and mobile data does not connect; calls work.",
        (),
    ),
    (
        "How do I add a second SIM?",
        "question",
        "mobile-plan",
        "me",
        "I would like a second SIM for my tablet on the same plan.",
        (),
    ),
    (
        "Charged twice this month",
        "billing",
        "",
        "me",
        "My bank statement shows two debits for the same invoice.",
        ("billing",),
    ),
    (
        "Invoice shows the old address",
        "billing",
        "",
        "me",
        "I moved in June but the invoice still has my old address.",
        ("billing",),
    ),
    (
        "Refund not received",
        "billing",
        "smart-home-hub",
        "me",
        "I returned the hub three weeks ago and the refund has not arrived.",
        ("billing",),
    ),
    (
        "TV app asks for login every day",
        "problem",
        "tv-streaming",
        "me",
        "The TV app logs me out every night and I have to sign in again.",
        ("app",),
    ),
    (
        "Buffering on live channels",
        "problem",
        "tv-streaming",
        "some",
        "Live channels buffer every few minutes in the evening; films are fine.",
        (),
    ),
    (
        "Card declined abroad",
        "problem",
        "premium-card",
        "me",
        "My card was declined at a hotel in Lisbon although I have credit left.",
        (),
    ),
    (
        "Transfer pending for days",
        "billing",
        "online-banking",
        "me",
        "A transfer I made on Tuesday is still pending.",
        (),
    ),
    (
        "Add a colleague to our account",
        "account",
        "",
        "some",
        "We hired someone and they need access to our company account.",
        (),
    ),
    (
        "Cannot sign in to the app",
        "account",
        "",
        "me",
        "The app says my password is wrong, but it works on the website.",
        ("app",),
    ),
    (
        "Backup stopped on my laptop",
        "problem",
        "cloud-backup",
        "me",
        "The last backup of my laptop is from two weeks ago.",
        (),
    ),
    (
        "Smart hub does not find the lights",
        "problem",
        "smart-home-hub",
        "me",
        "After the update the hub no longer shows my living-room lights.",
        (),
    ),
    (
        "Please cancel my travel insurance",
        "request",
        "travel-insurance",
        "me",
        "My trip is cancelled; please cancel the insurance I bought.",
        (),
    ),
    (
        "Great service in the shop",
        "feedback",
        "",
        "me",
        "Just wanted to say the staff in the Milan shop were very helpful.",
        (),
    ),
    (
        "Upgrade to a faster plan",
        "request",
        "fibre-broadband",
        "me",
        "What would it cost to move to the fastest fibre plan?",
        (),
    ),
)
AGENT_REPLIES = (
    "Thanks for the details. We are looking into it and will update you today.",
    "Could you restart the device and tell us if the problem is still there?",
    "We found the cause on our side and fixed it. Can you confirm it works now?",
    "I have passed this to our specialists; we will get back to you within a day.",
    "Done: you should see the change on your next invoice.",
)
CUSTOMER_REPLIES = (
    "Thank you, it works now.",
    "I restarted it but the problem is still there.",
    "Here are the details you asked for.",
    "Any news on this?",
)
NOTES = (
    "Checked the line: errors on the port, ticket open with the network team.",
    "Customer is on the old plan; offer the upgrade when closing.",
    "Billing confirms the double debit; refund requested.",
)
CANNED = (
    (
        "Greeting",
        "Hello {{ customer.first_name }},\n\nthank you for contacting us about "
        "{{ ticket.subject }}. ",
    ),
    (
        "Ask for device details",
        "Could you tell us the model of your router and whether "
        "the problem happens on cable and on Wi-Fi?",
    ),
    (
        "Refund confirmed",
        "We have refunded the amount; it will reach your account within 5 working days.",
    ),
    (
        "Closing",
        "I am marking this as resolved. If anything is still not right, just reply "
        "and the ticket reopens.\n\nBest regards,\n{{ agent.name }}",
    ),
)
HOLIDAYS = (
    (1, 1, "New Year"),
    (1, 6, "Epiphany"),
    (4, 25, "Liberation Day"),
    (5, 1, "Labour Day"),
    (6, 2, "Republic Day"),
    (8, 15, "Ferragosto"),
    (11, 1, "All Saints"),
    (12, 8, "Immaculate Conception"),
    (12, 25, "Christmas"),
    (12, 26, "St Stephen"),
)
# final state, and how many days ago a ticket in that state was opened: work in progress is
# recent (a few breaches remain, as in any real queue), history goes back six months
STATES = (
    ("closed", 40),
    ("resolved", 6),
    ("new", 10),
    ("open", 14),
    ("waiting_customer", 8),
    ("waiting_third_party", 3),
)
RECENT_DAYS = (0, 0, 0, 0, 0, 1, 1, 2, 4)


@dataclass(frozen=True)
class PlannedTicket:
    customer_ref: str
    topic: int
    opened_at: datetime
    state: str
    replies: int  # agent replies (customer replies in between)
    note: bool
    assigned: bool


@dataclass
class TicketSeedReport:
    created: int = 0
    breached: int = 0
    auto_closed: int = 0


def _weighted(rng: random.Random, choices) -> str:
    return rng.choices([c for c, _w in choices], weights=[w for _c, w in choices])[0]


def plan(rng: random.Random, now: datetime) -> list[PlannedTicket]:
    others = [spec.ref for spec in data.CUSTOMERS if spec.ref not in PERSONA_TICKETS]
    owners = [ref for ref, count in PERSONA_TICKETS.items() for _ in range(count)]
    owners += [rng.choice(others) for _ in range(OTHER_TICKETS)]
    planned, seen = [], set()
    for ref in owners:
        topic = rng.randrange(len(TOPICS))
        if (ref, topic) in seen:
            topic = next((t for t in range(len(TOPICS)) if (ref, t) not in seen), topic)
        seen.add((ref, topic))
        state = _weighted(rng, STATES)
        done = state in ("closed", "resolved")
        days = rng.randint(1, DAYS_BACK) if done else rng.choice(RECENT_DAYS)
        opened = (now - timedelta(days=days)).replace(
            hour=rng.randint(8, 19), minute=rng.choice((0, 10, 20, 30, 40, 50))
        )
        opened = min(opened, now - timedelta(minutes=rng.randint(20, 240)))
        planned.append(
            PlannedTicket(
                customer_ref=ref,
                topic=topic,
                opened_at=opened,
                state=state,
                replies=0 if state == "new" else rng.randint(1, 3),
                note=rng.random() < 0.3,
                assigned=state != "new" or rng.random() < 0.3,
            )
        )
    return planned


def seed_setup(now: datetime) -> dict:
    """Calendars, holidays, SLA policies, queues, tags, canned replies (get-or-create)."""
    office, _ = BusinessCalendar.objects.get_or_create(
        name="Customer Care office",
        defaults={"timezone": "Europe/Rome", "day_start": time(9), "day_end": time(18)},
    )
    always, _ = BusinessCalendar.objects.get_or_create(
        name="Around the clock",
        defaults={
            "timezone": "Europe/Rome",
            "saturday": True,
            "sunday": True,
            "day_start": time(0),
            "day_end": time(0),
        },
    )
    for year in (now.year - 1, now.year, now.year + 1):
        for month, day, name in HOLIDAYS:
            Holiday.objects.get_or_create(
                calendar=office, date=date(year, month, day), defaults={"name": name}
            )
    targets = {
        Priority.LOW: (office, 480, 2400),
        Priority.NORMAL: (office, 240, 960),
        Priority.HIGH: (office, 120, 480),
        Priority.URGENT: (always, 60, 240),
    }
    for priority, (calendar, first, resolution) in targets.items():
        if not SlaPolicy.objects.filter(priority=priority, organisation=None).exists():
            SlaPolicy.objects.create(
                name=f"{priority.label} priority",
                priority=priority,
                calendar=calendar,
                first_response_minutes=first,
                resolution_minutes=resolution,
            )
    acme = Organisation.objects.filter(slug="acme-logistics").first()
    if acme and not SlaPolicy.objects.filter(organisation=acme, priority=Priority.NORMAL).exists():
        SlaPolicy.objects.create(
            name="Acme Logistics premium support",
            priority=Priority.NORMAL,
            organisation=acme,
            calendar=office,
            first_response_minutes=120,
            resolution_minutes=480,
        )
    slug, _name, _lead = data.AGENT_TEAM
    team = Team.objects.get(slug=slug)
    queues = {
        "general": ("General", True, ()),
        "connectivity": ("Connectivity", False, ("fibre-broadband", "mobile-plan")),
        "billing-banking": ("Billing and banking", False, ("online-banking", "premium-card")),
        "entertainment": ("TV and devices", False, ("tv-streaming", "smart-home-hub")),
    }
    for position, (queue_slug, (name, default, products)) in enumerate(queues.items()):
        queue, created = Queue.objects.get_or_create(
            slug=queue_slug,
            defaults={"name": name, "team": team, "is_default": default, "position": position},
        )
        if created:
            queue.products.set(Product.objects.filter(slug__in=products))
    for name in ("router", "billing", "vip", "outage", "app"):
        Tag.objects.get_or_create(slug=name, defaults={"name": name})
    for title, body in CANNED:
        CannedReply.objects.get_or_create(title=title, defaults={"body": body})
    return {"team": team}


def _open(item: PlannedTicket, customer: Customer, agent: User) -> Ticket:
    subject, category, product_slug, impact, body, _tags = TOPICS[item.topic]
    product = Product.objects.filter(slug=product_slug).first() if product_slug else None
    by_phone = customer.user is None
    return ticket_open(
        customer=customer,
        opened_by=agent if by_phone else customer.user,
        subject=subject,
        body=body,
        product=product,
        category=category,
        impact=impact,
        channel="phone" if by_phone else "web",
        now=item.opened_at,
    )


def _play(
    item: PlannedTicket, ticket: Ticket, agent: User, rng: random.Random, now: datetime
) -> None:
    """The conversation, then the planned final state, at times between the opening and now
    (squeezed together for tickets opened minutes ago)."""
    customer_user = ticket.customer.user
    span = (now - item.opened_at) / 12

    def later(at: datetime, minutes: int) -> datetime:
        return min(at + timedelta(minutes=minutes), at + span)

    at = later(item.opened_at, rng.randint(20, 300))
    if item.assigned:
        ticket_claim(ticket=ticket, agent=agent, now=at)
    tags = TOPICS[item.topic][5]
    if tags:
        ticket_tag(ticket=ticket, actor=agent, add=tags, now=at)
    if item.note:
        ticket_note(ticket=ticket, author=agent, body=rng.choice(NOTES), now=at)
    for n in range(item.replies):
        at = later(at, rng.randint(30, 600))
        ticket_reply(ticket=ticket, author=agent, body=rng.choice(AGENT_REPLIES), now=at)
        if customer_user is not None and n < item.replies - 1:
            at = later(at, rng.randint(30, 900))
            ticket_reply(
                ticket=ticket, author=customer_user, body=rng.choice(CUSTOMER_REPLIES), now=at
            )
    at = later(at, rng.randint(10, 120))
    if item.state in ("open", "waiting_customer", "waiting_third_party", "resolved", "closed"):
        if item.state == "closed":
            ticket_status_change(ticket=ticket, status=Status.RESOLVED, actor=agent, now=at)
            at = later(at, 60 * rng.randint(1, 48))
            ticket_close(ticket=ticket, actor=customer_user or agent, now=at)
        elif item.state != "open":
            ticket_status_change(ticket=ticket, status=item.state, actor=agent, now=at)
        elif ticket.status == Status.NEW:
            ticket_status_change(ticket=ticket, status=Status.OPEN, actor=agent, now=at)


SEED = 20264


def seed_tickets(*, now: datetime) -> TicketSeedReport:
    """Create whatever demo tickets are missing (see the module docstring)."""
    report = TicketSeedReport()
    planned = plan(random.Random(SEED), now)  # noqa: S311 - demo data
    with transaction.atomic():
        seed_setup(now)
    agent = Team.objects.get(slug=data.AGENT_TEAM[0]).lead
    customers = {c.customer_ref: c for c in Customer.objects.select_related("user")}
    existing = set(Ticket.objects.values_list("customer__customer_ref", "subject"))
    with emails_suppressed():
        for item in planned:
            customer = customers.get(item.customer_ref)
            subject = TOPICS[item.topic][0]
            if customer is None or (item.customer_ref, subject) in existing:
                continue
            existing.add((item.customer_ref, subject))
            play_rng = random.Random(f"{item.customer_ref}:{item.topic}")  # noqa: S311
            with transaction.atomic():
                ticket = _open(item, customer, agent)
                _play(item, ticket, agent, play_rng, now)
            report.created += 1
        if report.created:
            tick = sla_tick(now=now)
            report.breached, report.auto_closed = tick.breached, tick.auto_closed
    return report


def seed(*, now: datetime) -> str:
    """``TicketsConfig.demo_seed``: what ``seed_demo`` prints after "tickets created:"."""
    report = seed_tickets(now=now)
    return (
        f"{report.created} (SLA breaches recorded: {report.breached}, "
        f"auto-closed: {report.auto_closed})"
    )
