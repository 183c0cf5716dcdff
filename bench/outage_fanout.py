"""Benchmark: an outage notice to 100,000 affected customers on PostgreSQL.

DESIGN.md / issue 6 target: an incident affecting 100,000 customers, audience frozen and
notices delivered exactly once each in under 60 s with the database task backend on this
machine (email to a file or locmem backend).

What it does: creates its own PostgreSQL database, migrates it and fills it with COPY:
N customers with a login (a third of them Italian), each with an active subscription to
"Fibre" (all in region "north"), plus N/10 customers of another region and N/10 of another
service who must not be told. Then, as the desk does:

1. ``incident_declare`` + ``incident_publish``: the audience is frozen (one INSERT ... SELECT)
   and the fan-out task is queued after commit (timed: "audience freeze").
2. ``manage.py db_worker`` processes (``--workers``, default 2: the machine's cores) run the
   real task path: ``outages.tasks.notices_fan_out`` writes the in-portal notifications,
   delivery rows and interactions in batches and queues one
   ``portal.tasks.notifications_deliver_batch`` per batch, which sends its emails through
   one mailer connection (the file backend; each notice is rendered to MIME once per
   language and copied per recipient). Timed until no task is left and every email
   delivery is sent ("delivery").
3. ``incident_publish`` again, and the fan-out again: counts what was added (must be 0).

Baseline in the same run: the same rows (N notifications, 2N delivery rows, N interactions)
COPY'd into empty copies of the tables (``CREATE TEMP TABLE ... LIKE ... INCLUDING ALL``),
plus N ready-made emails of the notices' shape (multipart/alternative, text and HTML) sent
through one file-backend connection: the bare cost of writing what the fan-out writes.

    .venv/bin/python bench/outage_fanout.py [--customers 100000] [--workers 2] [--keep]
        [--database postgres://postgres@127.0.0.1:5432/bench_outage_fanout]
        [--profile fanout.prof]

``--profile FILE`` runs the same fan-out in this process under cProfile instead (no workers,
no baseline): the fan-out task's function, then the email batches; prints the top functions
by own time and saves the statistics (``python -m pstats FILE``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pgdata import copy_customers, copy_rows, drop_database, ensure_database  # noqa: E402


def generate(customers: int, now: datetime):
    """N affected customers plus N/10 in another region and N/10 on another service."""
    from django.db import connection, transaction

    from portal.models import Product

    fibre = Product.objects.create(name="Fibre", slug="fibre")
    tv = Product.objects.create(name="TV", slug="tv")
    others = customers // 10
    total = customers + 2 * others
    with transaction.atomic(), connection.cursor() as cursor:
        ids = copy_customers(cursor, total, tag="fanout", now=now)

        def subscriptions():
            for n in range(total):
                if n < customers:
                    yield (ids[n], fibre.pk, "north", "active", now)
                elif n < customers + others:
                    yield (ids[n], fibre.pk, "south", "active", now)
                else:
                    yield (ids[n], tv.pk, "north", "active", now)

        copy_rows(
            cursor,
            "portal_subscription",
            ["customer_id", "product_id", "region", "status", "since"],
            subscriptions(),
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return fibre


def counts() -> dict[str, int]:
    from django.db import connection

    queries = {
        "audience": "SELECT count(*) FROM outages_incidentaudience",
        "notifications": "SELECT count(*) FROM portal_notification",
        "web deliveries": "SELECT count(*) FROM portal_notificationdelivery WHERE channel='web'",
        "email deliveries": (
            "SELECT count(*) FROM portal_notificationdelivery WHERE channel='email'"
        ),
        "emails sent": (
            "SELECT count(*) FROM portal_notificationdelivery "
            "WHERE channel='email' AND status='sent'"
        ),
        "notice interactions": (
            "SELECT count(*) FROM portal_interaction WHERE kind='notice_received'"
        ),
        "tasks left": (
            "SELECT count(*) FROM django_tasks_database_dbtaskresult "
            "WHERE status IN ('READY', 'RUNNING')"
        ),
        "tasks failed": (
            "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = 'FAILED'"
        ),
    }
    with connection.cursor() as cursor:
        result = {}
        for key, sql in queries.items():
            cursor.execute(sql)
            result[key] = cursor.fetchone()[0]
    return result


def emails_written(mail_dir: Path) -> int:
    return sum(path.read_bytes().count(b"\nX-Portal-Event: ") for path in mail_dir.iterdir())


class Workers:
    """``n`` ``manage.py db_worker`` processes, started (and Django loaded) before the clock
    starts, as in production where the workers are always running."""

    def __init__(self, n: int, env: dict[str, str], log_dir: Path) -> None:
        self.logs = [log_dir / f"worker-{i}.log" for i in range(n)]
        self.procs = [
            subprocess.Popen(  # noqa: S603 - our own manage.py
                [
                    sys.executable,
                    str(ROOT / "manage.py"),
                    "db_worker",
                    "--queue-name",
                    "*",  # every queue: the fan-out and its emails are on "urgent"
                    "--interval",
                    "0.05",
                    "--no-startup-delay",
                    "--no-reload",
                    "-v",
                    "1",
                ],
                env=env,
                cwd=ROOT,
                stdout=log.open("w"),
                stderr=subprocess.STDOUT,
            )
            for log in self.logs
        ]
        deadline = time.monotonic() + 180
        while not all("Starting worker" in log.read_text() for log in self.logs):
            if time.monotonic() > deadline:
                raise SystemExit("the workers did not start")
            time.sleep(0.2)

    def wait_idle(self, *, timeout: float = 900) -> None:
        started = time.monotonic()
        while counts()["tasks left"]:
            if time.monotonic() - started > timeout:
                raise SystemExit(f"timed out: {counts()}")
            time.sleep(0.1)

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            proc.wait(timeout=30)


def task_span(task_path: str, since: datetime) -> float:
    """Seconds from ``since`` to when the last task of that path finished."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT max(finished_at) FROM django_tasks_database_dbtaskresult "
            "WHERE task_path = %s AND enqueued_at >= %s",
            [task_path, since],
        )
        (finished,) = cursor.fetchone()
    return (finished - since).total_seconds() if finished else float("nan")


def baseline(customers: int, mail_dir: Path) -> tuple[float, float]:
    """The same rows COPY'd into empty copies of the tables, and N emails through one
    connection: returns (insert seconds, email seconds)."""
    from django.core.mail import EmailMultiAlternatives, mailers
    from django.db import connection, transaction

    from portal.mail.compose import notification_parts

    now = datetime.now(UTC)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for table in ("portal_notification", "portal_notificationdelivery", "portal_interaction"):
            cursor.execute(f"CREATE TEMP TABLE bl_{table} (LIKE {table} INCLUDING ALL)")
        copy_rows(
            cursor,
            "bl_portal_notification",
            ["id", "user_id", "kind", "event_key", "title", "body", "url", "created_at"],
            (
                (n, n, "outage_notice", "e", "Investigating: Fibre down", "Looking", "/s/", now)
                for n in range(customers)
            ),
        )
        columns = [
            "id",
            "event_key",
            "recipient_id",
            "channel",
            "kind",
            "status",
            "to_address",
            "reply_to",
            "subject",
            "body",
            "attempts",
            "last_error",
            "created_at",
        ]
        copy_rows(
            cursor,
            "bl_portal_notificationdelivery",
            columns,
            (
                (
                    n,
                    "e",
                    n // 2,
                    "email" if n % 2 else "web",
                    "outage_notice",
                    "sent",
                    "c@bench.example",
                    "",
                    "Investigating",
                    "Looking",
                    1,
                    "",
                    now,
                )
                for n in range(2 * customers)
            ),
        )
        copy_rows(
            cursor,
            "bl_portal_interaction",
            [
                "id",
                "kind",
                "channel",
                "customer_id",
                "visitor",
                "target_id",
                "metadata",
                "occurred_at",
            ],
            (
                (n, "notice_received", "email", n, "", "1", '{"incident": 1}', now)
                for n in range(customers)
            ),
        )
        for table in ("portal_notification", "portal_notificationdelivery", "portal_interaction"):
            cursor.execute(f"DROP TABLE bl_{table}")
    inserted = time.perf_counter() - started
    # the same shape as a notice: multipart/alternative, text and HTML (rendered once, before
    # the clock starts: only sending is measured)
    parts = notification_parts(
        subject="Investigating: Fibre down",
        body="Looking\n\nAffected services: Fibre\nSeverity: Major outage\n\n"
        "http://127.0.0.1:8000/status/incidents/1/",
        language="en",
        replies=False,
    )
    started = time.perf_counter()
    mailer = mailers.default
    with mailer:
        for n in range(customers):
            mailer.send_messages(
                [
                    EmailMultiAlternatives(
                        subject="Investigating: Fibre down",
                        body=parts.text,
                        from_email="support@example.com",
                        to=[f"c{n}@bench.example"],
                        headers={"X-Baseline": "1"},
                        alternatives=[(parts.html, "text/html")],
                    )
                ]
            )
    return inserted, time.perf_counter() - started


def profile(incident, path: str) -> None:
    """The fan-out and then the email batches in this process, under cProfile."""
    import cProfile
    import pstats

    from outages import services
    from portal.models import NotificationDelivery
    from portal.services.notifications import deliveries_send_batch

    profiler = cProfile.Profile()
    started = time.perf_counter()
    services.incident_publish(incident=incident)  # queues a task no worker will run
    freeze = time.perf_counter() - started
    started = time.perf_counter()
    profiler.runcall(services.notices_send, incident_id=incident.pk)
    fan_out = time.perf_counter() - started
    pending = list(
        NotificationDelivery.objects.filter(channel="email", status="pending")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    started = time.perf_counter()
    for start in range(0, len(pending), services.BATCH_SIZE):
        profiler.runcall(deliveries_send_batch, pending[start : start + services.BATCH_SIZE])
    emails = time.perf_counter() - started
    print(
        f"profiled: audience freeze {freeze:.2f} s, fan-out {fan_out:.1f} s, "
        f"{len(pending):,} emails {emails:.1f} s (profiler overhead included)"
    )
    profiler.dump_stats(path)
    pstats.Stats(path).sort_stats("tottime").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--database", default="postgres://postgres@127.0.0.1:5432/bench_outage_fanout"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--profile", metavar="FILE", help="profile the fan-out in-process, save stats to FILE"
    )
    args = parser.parse_args()
    if not args.database.startswith("postgres"):
        sys.exit("this benchmark needs PostgreSQL (--database postgres://...)")

    work_dir = Path(tempfile.mkdtemp(prefix="outage-fanout-"))
    mail_dir = work_dir / "mail"
    mail_dir.mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": args.database,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "TASK_BACKEND": "django_tasks_db.DatabaseBackend",
        "EMAIL_BACKEND": "file",
        "EMAIL_FILE_PATH": str(mail_dir),
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-outage-fanout-not-secret"),
    }
    os.environ.update(env)
    ensure_database(args.database)

    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    call_command("migrate", verbosity=0)
    from outages import services

    print(f"generating {args.customers:,} affected customers (+20% unaffected) ...", flush=True)
    started = time.perf_counter()
    fibre = generate(args.customers, datetime.now(UTC))
    print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)

    incident = services.incident_declare(
        title="Fibre down in the north",
        products=[fibre],
        impact="major",
        region="north",
        message="We are looking into it.",
    )
    if args.profile:
        profile(incident, args.profile)
        connection.close()
        shutil.rmtree(work_dir)
        if not args.keep:
            drop_database(args.database)
        return
    workers = Workers(args.workers, env, mail_dir.parent)
    try:
        clock = datetime.now(UTC)
        started = time.perf_counter()
        added = services.incident_publish(incident=incident)  # commits, then queues the fan-out
        freeze = time.perf_counter() - started
        workers.wait_idle()
        delivery = time.perf_counter() - started - freeze
        fan_out = task_span("outages.tasks.notices_fan_out", clock)
        first = counts()
        first_emails = emails_written(mail_dir)

        started = time.perf_counter()
        again = services.incident_publish(incident=incident)
        workers.wait_idle()
        second_run = time.perf_counter() - started
        second = counts()
        second_emails = emails_written(mail_dir)
    finally:
        workers.stop()

    for path in mail_dir.iterdir():
        path.unlink()
    inserted, emailed = baseline(args.customers, mail_dir)
    base = inserted + emailed

    n = args.customers
    print()
    print("| step | seconds | rows |")
    print("|---|---:|---:|")
    print(f"| audience freeze (`incident_publish`) | {freeze:.2f} | {added:,} customers |")
    print(
        f"| delivery: fan-out + emails, {args.workers} `db_worker`s | **{delivery:.1f}** "
        f"| {first['notifications']:,} notifications, {first['web deliveries']:,} + "
        f"{first['email deliveries']:,} deliveries, {first['notice interactions']:,} "
        f"interactions, {first_emails:,} emails |"
    )
    print(f"| of which the fan-out task (rows, interactions, queueing) | {fan_out:.1f} | |")
    print(f"| **total: publish to last email** | **{freeze + delivery:.1f}** | |")
    print(
        f"| publish again + fan-out again | {second_run:.1f} | {again} added, "
        f"{second_emails - first_emails} emails, "
        f"{second['notice interactions'] - first['notice interactions']} interactions |"
    )
    print(
        f"| baseline: COPY of the same rows into bare table copies | {inserted:.1f} | {4 * n:,} |"
    )
    print(f"| baseline: {n:,} emails through one file-backend connection | {emailed:.1f} | |")
    print()
    duplicates = (
        (first_emails - n)
        + (second_emails - first_emails)
        + (second["notice interactions"] - n)
        + (second["notifications"] - n)
    )
    ok = (
        first["emails sent"] == n
        and first["notifications"] == n
        and first["tasks failed"] == 0
        and added == n
    )
    total = freeze + delivery
    print(
        f"told exactly once: {'yes' if ok else 'NO'}; duplicates after a second publish: "
        f"{duplicates}; failed tasks: {second['tasks failed']}"
    )
    print(
        f"publish to last email: {total:.1f} s (target < 60 s: "
        f"{'met' if total < 60 else 'NOT met'}) = {total / base:.1f}x the baseline "
        f"({base:.1f} s: rows {inserted:.1f} s + emails {emailed:.1f} s)"
    )
    connection.close()
    shutil.rmtree(work_dir)
    if not args.keep:
        drop_database(args.database)


if __name__ == "__main__":
    main()
