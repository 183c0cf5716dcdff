"""Benchmark the agent queue (/desk/) over 1,000,000 tickets on PostgreSQL.

DESIGN.md target: the agent queue page over 1M tickets, p95 < 100 ms; queries per page
constant as data grows.

What it does: creates (or reuses) its own PostgreSQL database, migrates it, fills it with
COPY (200 organisations, 50,000 customers, 20 agents in one team, 6 queues, 12 tags, SLA
policies, N tickets over three years: 5% active, the rest resolved or closed, about 10% of
tickets tagged), runs VACUUM ANALYZE, then requests /desk/ with a signed-in agent through
Django's test client: the real view, middleware, session, the selector
(tickets.selectors.desk_tickets), pagination, counters and template, for a set of filters
(default queue, page 5, mine, unassigned, one queue, urgent, SLA breached/at risk, an
organisation, a tag, due-first sorting, all statuses newest first, search by number and by
word). Baseline, in the same run: the default page's two statements (COUNT and the
50-row page with the same joins, filter and order) as hand-written SQL on a raw cursor.

    .venv/bin/python bench/agent_queue.py [--tickets 1000000] [--requests 40] [--keep]
        [--database postgres://postgres@127.0.0.1:5432/bench_agent_queue]

``--keep`` leaves the database for a re-run (a second run with the same ``--tickets`` reuses
the data: generation takes a few minutes).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SUBJECTS = (
    "Internet drops every evening",
    "Slow speeds since the upgrade",
    "Router keeps restarting",
    "No internet at the office",
    "Mobile data not working abroad",
    "Charged twice this month",
    "Invoice shows the old address",
    "Refund not received",
    "TV app asks for login every day",
    "Card declined abroad",
    "Transfer pending for days",
    "Cannot sign in to the app",
    "Backup stopped on my laptop",
    "Please cancel my insurance",
    "Upgrade to a faster plan",
)
ACTIVE = ("new", "open", "waiting_customer", "waiting_third_party")
AGENTS, CUSTOMERS, ORGS, QUEUES, TAGS = 20, 50_000, 200, 6, 12


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def ensure_database(url: str, *, fresh: bool) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{name}"')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parsed.path.lstrip("/")}" WITH (FORCE)')


def copy_rows(cursor, table: str, columns: list[str], rows) -> int:
    count = 0
    with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def generate(tickets: int, now: datetime) -> None:
    """Fill the database (no services: COPY of plausible rows, like an import)."""
    from django.contrib.auth.models import Group
    from django.db import connection, transaction

    from portal import roles
    from portal.models import Organisation, Product, Team, User
    from tickets.models import BusinessCalendar, Priority, Queue, SlaPolicy, Tag

    rng = random.Random(2026)
    with transaction.atomic():
        orgs = Organisation.objects.bulk_create(
            Organisation(name=f"Org {n}", slug=f"org-{n}", share_tickets=n % 3 == 0)
            for n in range(ORGS)
        )
        products = Product.objects.bulk_create(
            Product(name=f"Product {n}", slug=f"product-{n}") for n in range(8)
        )
        group = Group.objects.get_or_create(name=roles.AGENTS)[0]
        agents = User.objects.bulk_create(
            User(
                email=f"agent{n}@bench.example",
                full_name=f"Agent {n}",
                is_staff=True,
                password="!",  # noqa: S106 - unusable password
            )
            for n in range(AGENTS)
        )
        group.user_set.add(*agents)
        team = Team.objects.create(name="Bench team", slug="bench-team", lead=agents[0])
        team.members.add(*agents)
        queues = Queue.objects.bulk_create(
            Queue(name=f"Queue {n}", slug=f"queue-{n}", team=team, is_default=n == 0, position=n)
            for n in range(QUEUES)
        )
        tags = Tag.objects.bulk_create(Tag(name=f"tag{n}", slug=f"tag{n}") for n in range(TAGS))
        calendar = BusinessCalendar.objects.create(name="Bench office")
        policies = {
            p: SlaPolicy.objects.create(
                name=f"P{p}",
                priority=p,
                calendar=calendar,
                first_response_minutes=60 * p,
                resolution_minutes=480 * p,
            )
            for p in Priority.values
        }
        with connection.cursor() as cursor:
            org_of = {}

            def customers():
                for n in range(CUSTOMERS):
                    org = rng.choice(orgs).pk if rng.random() < 0.4 else None
                    org_of[n] = org
                    yield (
                        f"B{n:07d}",
                        f"Customer {n}",
                        f"c{n}@bench.example",
                        org,
                        False,
                        "en",
                        True,
                        False,
                        now - timedelta(days=rng.randrange(1500)),
                    )

            copy_rows(
                cursor,
                "portal_customer",
                [
                    "customer_ref",
                    "name",
                    "email",
                    "organisation_id",
                    "is_org_admin",
                    "language",
                    "consent_surveys",
                    "consent_marketing",
                    "created_at",
                ],
                customers(),
            )
            cursor.execute(
                "SELECT id, customer_ref FROM portal_customer WHERE customer_ref LIKE %s", ["B%"]
            )
            customer_ids = {int(ref[1:]): pk for pk, ref in cursor.fetchall()}
    print(f"  customers: {len(customer_ids)}", flush=True)

    priorities = [1, 2, 3, 4]
    weights = [20, 55, 20, 5]
    start = now - timedelta(days=3 * 365)
    span = (now - start).total_seconds()

    def ticket_rows():
        for n in range(tickets):
            customer = rng.randrange(CUSTOMERS)
            created = start + timedelta(seconds=span * (n + rng.random()) / tickets)
            active = rng.random() < 0.05 or created > now - timedelta(days=10)
            priority = rng.choices(priorities, weights)[0]
            assignee = rng.choice(agents).pk if (not active or rng.random() < 0.6) else None
            if active:
                status = rng.choices(ACTIVE, (30, 40, 20, 10))[0]
                paused = created + timedelta(hours=2) if status == "waiting_customer" else None
                due = now + timedelta(hours=rng.uniform(-72, 120))
                sla_due = None if paused else due
                warn = None if paused else due - timedelta(hours=1)
                first = None if status == "new" else created + timedelta(hours=1)
                resolved = closed = None
                breached = sla_due is not None and sla_due < now - timedelta(hours=1)
            else:
                status = "closed" if rng.random() < 0.85 else "resolved"
                paused = sla_due = warn = None
                due = created + timedelta(hours=8)
                first = created + timedelta(minutes=rng.randrange(20, 600))
                resolved = first + timedelta(hours=rng.randrange(1, 96))
                closed = resolved + timedelta(days=7) if status == "closed" else None
                breached = rng.random() < 0.08
            yield (
                rng.choice(SUBJECTS),
                customer_ids[customer],
                org_of[customer],
                rng.choice(products).pk if rng.random() < 0.7 else None,
                "problem",
                "me",
                priority,
                status,
                "web",
                assignee,
                rng.choice(queues).pk,
                created,
                closed or resolved or created,
                first,
                resolved,
                closed,
                0,
                policies[priority].pk,
                created,
                paused,
                0,
                created + timedelta(hours=4),
                due,
                sla_due,
                warn,
                breached,
                2 if breached else 0,
                False,
            )

    columns = [
        "subject",
        "customer_id",
        "organisation_id",
        "product_id",
        "category",
        "impact",
        "priority",
        "status",
        "channel",
        "assignee_id",
        "queue_id",
        "created_at",
        "updated_at",
        "first_response_at",
        "resolved_at",
        "closed_at",
        "reopened_count",
        "sla_policy_id",
        "sla_started_at",
        "sla_paused_at",
        "sla_paused_seconds",
        "first_response_due_at",
        "resolution_due_at",
        "sla_due_at",
        "sla_warn_at",
        "sla_breached",
        "escalation_level",
        "priority_escalated",
    ]
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        count = copy_rows(cursor, "tickets_ticket", columns, ticket_rows())
        cursor.execute("SELECT min(id), max(id) FROM tickets_ticket")
        low, high = cursor.fetchone()

        def tag_rows():
            for ticket in range(low, high + 1):
                if rng.random() < 0.1:
                    for tag in rng.sample(tags, rng.choice((1, 1, 2))):
                        yield (ticket, tag.pk)

        tagged = copy_rows(cursor, "tickets_ticket_tags", ["ticket_id", "tag_id"], tag_rows())
    print(
        f"  tickets: {count}, tag links: {tagged} ({time.perf_counter() - started:.0f} s)",
        flush=True,
    )


def scenarios() -> list[tuple[str, str]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM tickets_queue ORDER BY position LIMIT 1 OFFSET 2")
        queue = cursor.fetchone()[0]
        cursor.execute(
            "SELECT organisation_id FROM tickets_ticket WHERE organisation_id IS NOT NULL "
            "GROUP BY organisation_id ORDER BY count(*) DESC LIMIT 1"
        )
        org = cursor.fetchone()[0]
        cursor.execute("SELECT max(id) - 1000 FROM tickets_ticket")
        number = cursor.fetchone()[0]
        cursor.execute("SELECT id FROM portal_product ORDER BY id LIMIT 1")
        product = cursor.fetchone()[0]
    return [
        ("default: active, priority then due", "/desk/"),
        ("page 5", "/desk/?page=5"),
        ("assigned to me", "/desk/?assignee=me"),
        ("unassigned", "/desk/?assignee=none"),
        ("one queue", f"/desk/?queue={queue}"),
        ("urgent", "/desk/?priority=urgent"),
        ("SLA breached", "/desk/?sla=breached"),
        ("SLA at risk", "/desk/?sla=at_risk"),
        ("an organisation", f"/desk/?organisation={org}"),
        ("a tag", "/desk/?tag=tag3"),
        ("a product, due first", f"/desk/?product={product}&sort=due"),
        ("all statuses, newest", "/desk/?status=all&sort=newest"),
        ("search by number", f"/desk/?q=T-{number}"),
        ("search a word", "/desk/?q=router"),
    ]


def matching(path: str, agent) -> str:
    """How many tickets the desk says match (its capped count, as the page shows it)."""
    from django.http import QueryDict

    from tickets.desk_forms import DeskFilterForm
    from tickets.selectors import DeskPaginator, desk_tickets

    query = path.partition("?")[2]
    paginator = DeskPaginator(
        desk_tickets(DeskFilterForm(QueryDict(query)).params(), user=agent), 50
    )
    return f"{paginator.cap:,}+" if paginator.count_capped else f"{paginator.count:,}"


BASELINE_SQL = """
SELECT t.id, t.subject, t.status, t.priority, t.sla_due_at, t.updated_at,
       c.name, o.name, u.full_name, q.name, p.name
FROM tickets_ticket t
JOIN portal_customer c ON c.id = t.customer_id
LEFT JOIN portal_organisation o ON o.id = t.organisation_id
LEFT JOIN portal_user u ON u.id = t.assignee_id
LEFT JOIN tickets_queue q ON q.id = t.queue_id
LEFT JOIN portal_product p ON p.id = t.product_id
WHERE t.status IN ('new', 'open', 'waiting_customer', 'waiting_third_party')
ORDER BY t.priority DESC, t.sla_due_at ASC NULLS LAST, t.id
LIMIT 50
"""
BASELINE_COUNT = (
    "SELECT count(*) FROM tickets_ticket "
    "WHERE status IN ('new', 'open', 'waiting_customer', 'waiting_third_party')"
)


def measure(requests: int) -> None:
    from django.db import connection
    from django.test import Client

    from portal.models import User

    agent = User.objects.get(email="agent0@bench.example")
    client = Client()
    client.force_login(agent)
    rows = []
    every = []
    for label, path in scenarios():
        for _ in range(3):  # warm-up (caches, plans)
            assert client.get(path).status_code == 200, path
        queries: list[str] = []

        def count_query(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count_query):
            client.get(path)
        count = matching(path, agent)
        timings = []
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        every += timings
        rows.append((label, count, len(queries), timings))

    baseline = []
    with connection.cursor() as cursor:
        for _ in range(3):
            cursor.execute(BASELINE_COUNT)
            cursor.fetchall()
            cursor.execute(BASELINE_SQL)
            cursor.fetchall()
        for _ in range(requests):
            started = time.perf_counter()
            cursor.execute(BASELINE_COUNT)
            cursor.fetchall()
            cursor.execute(BASELINE_SQL)
            cursor.fetchall()
            baseline.append((time.perf_counter() - started) * 1000)

    print()
    print("| filter | matching tickets | queries | p50 ms | p95 ms | max ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, count, queries, timings in rows:
        print(
            f"| {label} | {count} | {queries} | {statistics.median(timings):.1f} "
            f"| {percentile(timings, 0.95):.1f} | {max(timings):.1f} |"
        )
    print(
        f"| **all requests** ({len(every)}) | | | {statistics.median(every):.1f} "
        f"| **{percentile(every, 0.95):.1f}** | {max(every):.1f} |"
    )
    print(
        f"| baseline: the default page as raw SQL (count + 50 rows) | | 2 "
        f"| {statistics.median(baseline):.1f} | {percentile(baseline, 0.95):.1f} "
        f"| {max(baseline):.1f} |"
    )
    p95 = percentile(every, 0.95)
    default = rows[0][3]
    print()
    print(
        f"p95 over every request: {p95:.1f} ms (target < 100 ms: "
        f"{'met' if p95 < 100 else 'NOT met'}); default page p95 "
        f"{percentile(default, 0.95):.1f} ms = "
        f"{percentile(default, 0.95) / percentile(baseline, 0.95):.1f}x the raw-SQL baseline"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument(
        "--database", default="postgres://postgres@127.0.0.1:5432/bench_agent_queue"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if not args.database.startswith("postgres"):
        sys.exit("this benchmark needs PostgreSQL (--database postgres://...)")

    os.environ["DATABASE_URL"] = args.database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("TASK_BACKEND", "django.tasks.backends.dummy.DummyBackend")
    ensure_database(args.database, fresh=False)

    import django
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    settings.DEBUG = False  # no query log; static files keep the development storage
    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tickets_ticket")
        existing = cursor.fetchone()[0]
    if existing != args.tickets:
        connection.close()
        ensure_database(args.database, fresh=True)
        call_command("migrate", verbosity=0)
        print(f"generating {args.tickets:,} tickets ...", flush=True)
        generate(args.tickets, datetime.now(UTC))
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    else:
        print(f"reusing {existing:,} tickets in {args.database}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database())), version()")
        size, version = cursor.fetchone()
    print(f"database: {size}; {version.split(',')[0]}")
    try:
        measure(args.requests)
    finally:
        connection.close()
        if not args.keep:
            drop_database(args.database)


if __name__ == "__main__":
    main()
