"""Benchmark the email channel's intake service: 10,000 messages through ``mail_intake`` (what
``mail_receive``, ``mail_fetch`` and the webhook call), target < 60 s with bounded memory.

A fresh database (SQLite in a temporary directory by default; ``--database-url`` for
PostgreSQL, whose database is dropped and created) is migrated, then a child process seeds
1,000 customers with a login, an agent team and two queues, and feeds the messages one by
one, as a mail server's pipe would, in this mix:

- 35% new tickets from known customers (multipart text + HTML, a quoted signature),
- 10% new tickets from unknown senders (a customer is created),
- 35% replies to tickets opened earlier in the run (half by the plus address, half by
  In-Reply-To/References to the customer's first mail; quoted history; every fifth with a
  PNG attachment),
- 5% agent replies, 10% auto-replies and bounces (ignored), 5% redeliveries (duplicates).

Reported: wall time of the intake calls, messages/s, the outcome counts, and memory: the
process's resident set size after every 1,000 messages (flat = bounded) and the
``tracemalloc`` peak over a separate 1,000-message sample (tracemalloc slows Python down, so
it is not on while timing).

    .venv/bin/python bench/mail_intake.py [--messages 10000] [--sample 1000] [--database-url URL]
        [--deliveries N]   # N processes at once on PostgreSQL, as a mail server delivers
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)
CUSTOMERS = 1000


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


def backend_cpu() -> float:
    """CPU seconds of this connection's PostgreSQL backend (same machine), 0 on SQLite."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rpartition(")")[2].split()
    except OSError:  # not on this machine
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def message(
    n: int, *, sender: str, to: str, subject: str, text: str, extra: str = "", png: bool = False
) -> bytes:
    import base64

    html = "".join(f"<p>{line}</p>" for line in text.split("\n\n"))
    alternative = (
        'Content-Type: multipart/alternative; boundary="alt"\n\n'
        "--alt\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: "
        f"quoted-printable\n\n{text}\n\n--alt\nContent-Type: text/html; charset=UTF-8\n\n"
        f"<div>{html}</div>\n--alt--\n"
    )
    if png:
        body = (
            'Content-Type: multipart/mixed; boundary="mix"\n\n--mix\n'
            f"{alternative}\n--mix\nContent-Type: image/png; name=shot.png\n"
            "Content-Disposition: attachment; filename=shot.png\n"
            f"Content-Transfer-Encoding: base64\n\n{base64.b64encode(PNG).decode()}\n--mix--\n"
        )
    else:
        body = alternative
    return (
        f"From: {sender}\nTo: {to}\nSubject: {subject}\n"
        f"Message-ID: <bench-{n}@client.example.org>\nDate: Sun, 6 Dec 2026 10:00:00 +0100\n"
        f"MIME-Version: 1.0\n{extra}{body}"
    ).encode()


QUOTE = "On Sat, 5 Dec 2026 at 17:40, Support <support@example.com> wrote:\n\n" + "\n".join(
    f"> Earlier text of the conversation, line {i}." for i in range(25)
)
SIGNATURE = "-- \nA. Customer\nAcme S.p.A.\nVia Roma 1, Torino"


def child(
    count_: int,
    sample: int = 1000,
    mode: str = "batch",
    chunk: int = 50,
    queue_emails: bool = False,
    profile: str = "",
    part: tuple[int, int] | None = None,
) -> None:
    """One delivering process. ``part`` (i, n): the i-th of n concurrent deliveries over a
    database the ``--setup`` child prepared (messages i, i + n, i + 2n, ...); None: alone,
    setting up first."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from portal.models import User

    if part is not None:
        rng = random.Random(2026 + part[0])
        emails = list(User.objects.filter(customer__isnull=False).values_list("email", flat=True))
    else:
        rng = random.Random(2026)
        emails = set_up()
    run_messages(
        count_, sample, mode, chunk, queue_emails, profile, rng=rng, emails=emails, part=part
    )


def set_up() -> list[str]:
    """The agent, the team, the default queue and the customers; their emails."""
    from django.contrib.auth.models import Group

    from portal import roles
    from portal.models import Customer, Team, User
    from tickets.models import Queue

    agent = User.objects.create_user(email="agent@example.com", password=None, is_staff=True)
    agent.groups.add(Group.objects.get_or_create(name=roles.AGENTS)[0])
    team = Team.objects.create(name="Support", slug="support", lead=agent)
    team.members.add(agent)
    Queue.objects.create(name="General", slug="general", team=team, is_default=True)
    users = User.objects.bulk_create(
        [
            User(email=f"customer{i}@example.com", full_name=f"Customer {i}")
            for i in range(CUSTOMERS)
        ]
    )
    Customer.objects.bulk_create(
        [
            Customer(user=user, customer_ref=f"C{i:05d}", email=user.email, name=user.full_name)
            for i, user in enumerate(users)
        ]
    )
    return [user.email for user in users]


def run_messages(
    count_: int,
    sample: int,
    mode: str,
    chunk: int,
    queue_emails: bool,
    profile: str,
    *,
    rng: random.Random,
    emails: list[str],
    part: tuple[int, int] | None,
) -> None:
    import tracemalloc

    from django.db import connection

    from portal.services.notifications import emails_suppressed
    from tickets.models import InboundMessage
    from tickets.services.intake import intake_many, mail_intake

    first, step = part if part is not None else (0, 1)
    opened: list[tuple[int, str, str]] = []  # tickets opened in the run: id, requester, mail
    sent: list[bytes] = []

    def next_message(n: int) -> bytes:
        n = first + n * step  # unique across concurrent deliveries
        roll = rng.random()
        if roll < 0.05 and sent:
            return rng.choice(sent)  # a redelivery
        if roll < 0.15:
            if rng.random() < 0.5:
                return message(
                    n,
                    sender=rng.choice(emails),
                    to="support@example.com",
                    subject="Automatic reply: out of office",
                    text="I am away until Monday.",
                    extra="Auto-Submitted: auto-replied\n",
                )
            return message(
                n,
                sender="MAILER-DAEMON@mx.example.net",
                to="support@example.com",
                subject="Undelivered Mail Returned to Sender",
                text="550 5.1.1 User unknown",
            )
        if roll < 0.50 and opened:
            ticket, requester, first_id = rng.choice(opened)
            if roll < 0.325:  # by the plus address
                to, extra = f"support+T-{ticket}@example.com", ""
            else:  # by In-Reply-To/References to the customer's first mail (no number)
                to = "support@example.com"
                extra = f"In-Reply-To: <{first_id}>\nReferences: <{first_id}>\n"
            return message(
                n,
                sender=requester,
                to=to,
                subject="Re: Problem with my line",
                text=f"Thanks, it still happens.\n\nDetails for message {n}.\n\n{QUOTE}",
                extra=extra,
                png=n % 5 == 0,
            )
        if roll < 0.55 and opened:
            ticket, _requester, _first = rng.choice(opened)
            return message(
                n,
                sender="agent@example.com",
                to=f"support+T-{ticket}@example.com",
                subject=f"Re: [T-{ticket}] Customer replied",
                text=f"We are looking into it ({n}).\n\n{QUOTE}",
            )
        sender = f"new{n}@unknown.example.org" if roll > 0.90 else rng.choice(emails)
        return message(
            n,
            sender=sender,
            to="support@example.com",
            subject=f"Problem number {n} with my line",
            text=f"Hello,\n\nmy line drops every evening ({n}).\n\nThanks\n{SIGNATURE}",
        )

    def outcome_of(raw: bytes, result) -> str:
        if len(sent) < 200:
            sent.append(raw)
        inbound = result.inbound
        if not result.duplicate and inbound.reason == "new_ticket":
            opened.append((inbound.ticket_id, inbound.from_address, inbound.message_id))
        return "duplicate" if result.duplicate else f"{inbound.state}/{inbound.reason}"

    outcomes: dict[str, int] = {}
    rss = [f"start {rss_mb():.0f}"]
    times: list[float] = []  # per message: the call (single), handing in to result (batch)
    generating = [0.0]

    def count(n: int, outcome: str) -> None:
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if (n + 1) % 1000 == 0:
            rss.append(f"{n + 1}: {rss_mb():.0f}")

    def single(first: int, last: int, record: bool) -> None:
        for n in range(first, last):
            raw = next_message(n)
            started = time.perf_counter()
            result = mail_intake(raw=raw)
            elapsed = time.perf_counter() - started
            outcome = outcome_of(raw, result)
            if record:
                times.append(elapsed)
                count(n, outcome)

    def batch(first: int, last: int, record: bool) -> None:
        handed: dict[int, tuple[float, bytes]] = {}

        def feed():
            for n in range(first, last):
                started = time.perf_counter()
                raw = next_message(n)
                done = time.perf_counter()
                generating[0] += done - started
                handed[n] = (done, raw)
                yield raw

        for n, result in enumerate(intake_many(feed(), source="bench", chunk=chunk), first):
            handed_at, raw = handed.pop(n)
            outcome = outcome_of(raw, result)
            if record:
                times.append(time.perf_counter() - handed_at)
                count(n, outcome)

    run = batch if mode == "batch" else single
    load_before = os.getloadavg()
    with contextlib.nullcontext() if queue_emails else emails_suppressed():
        cpu, db_cpu = time.process_time(), backend_cpu()
        profiler = None
        if profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        statements = [0]

        def counted(execute, sql, params, many, context):
            statements[0] += 1
            return execute(sql, params, many, context)

        started_at = time.time()
        wall = time.perf_counter()
        with connection.execute_wrapper(counted):
            run(0, count_, True)
        wall = time.perf_counter() - wall
        ended_at = time.time()
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(profile)
        cpu, db_cpu = time.process_time() - cpu, backend_cpu() - db_cpu
        intake_seconds = wall - generating[0] if mode == "batch" else sum(times)
        tracemalloc.start()
        run(count_, count_ + sample, False)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    load_after = os.getloadavg()
    times.sort()
    p50 = times[len(times) // 2] * 1000
    p95 = times[int(len(times) * 0.95)] * 1000
    what = "handing in to result (after its chunk's commit)" if mode == "batch" else "one call"
    print(f"mode: {mode}" + (f" (intake_many, chunks of {chunk})" if mode == "batch" else ""))
    print("notification emails: " + ("queued" if queue_emails else "suppressed"))
    print(f"messages: {count_}")
    print(f"intake time: {intake_seconds:.1f} s ({count_ / intake_seconds:.0f} messages/s)")
    print(f"loop wall time (with generating the messages): {wall:.1f} s")
    print(f"per message ({what}): p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    at_10k = intake_seconds * 10_000 / count_
    print(
        f"target 10,000 in < 60 s: {'met' if at_10k < 60 else 'NOT met'}"
        + ("" if count_ == 10_000 else f" (projected {at_10k:.0f} s)")
    )
    total_cpu = cpu + db_cpu
    print(
        f"CPU: this process {cpu:.1f} s, database backend {db_cpu:.1f} s, together "
        f"{total_cpu / count_ * 1000:.2f} ms a message ({count_ / total_cpu:.0f} messages "
        "per CPU second: about the rate on an idle machine, where the two take turns)"
    )
    print(f"statements sent to the database: {statements[0] / count_:.1f} a message")
    if part is not None:  # for the parent, which adds the concurrent deliveries up
        summary = {
            "start": started_at,
            "end": ended_at,
            "messages": count_,
            "cpu": cpu,
            "db_cpu": db_cpu,
            "statements": statements[0],
            "outcomes": outcomes,
        }
        print("RESULT " + json.dumps(summary))
    print("outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    print("RSS MB: " + ", ".join(rss))
    print(f"tracemalloc peak over {sample} more messages: {peak / 1024 / 1024:.1f} MB")
    print(f"inbound rows: {InboundMessage.objects.count()}")
    print(
        "load average (1, 5, 15 min): before "
        + " ".join(f"{x:.1f}" for x in load_before)
        + ", after "
        + " ".join(f"{x:.1f}" for x in load_after)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--sample", type=int, default=1000, help="messages under tracemalloc")
    parser.add_argument(
        "--mode",
        choices=("batch", "single"),
        default="batch",
        help="intake_many in chunks (mail_receive --mbox/--maildir) or mail_intake one by one "
        "(mail_receive on a pipe, the webhook)",
    )
    parser.add_argument("--chunk", type=int, default=50, help="intake_many's chunk size")
    parser.add_argument(
        "--emails",
        action="store_true",
        help="write the notification emails' deliveries and queue them for the worker (by "
        "default suppressed, as in the first figures; in-portal notifications are written)",
    )
    parser.add_argument(
        "--profile", default="", help="write cProfile statistics of the timed run to this file"
    )
    parser.add_argument(
        "--deliveries",
        type=int,
        default=1,
        help="concurrent delivering processes sharing the messages (a mail server runs "
        "several pipe deliveries at once; PostgreSQL only)",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--setup", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--part", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup:
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        set_up()
        return
    if args.child:
        part = tuple(int(x) for x in args.part.split("/")) if args.part else None
        child(args.messages, args.sample, args.mode, args.chunk, args.emails, args.profile, part)
        return
    if args.deliveries > 1 and not args.database_url.startswith("postgres"):
        parser.error("--deliveries needs --database-url postgres://... (SQLite has one writer)")
    with tempfile.TemporaryDirectory(prefix="bench-mail-") as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
        if url.startswith("postgres"):
            import psycopg

            base, _slash, name = url.rpartition("/")
            with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
                conn.execute(f'CREATE DATABASE "{name}"')
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "MEDIA_ROOT": f"{tmp}/media",
            "DEBUG": "0",
            "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key-" + "x" * 40),
            "EMAIL_BACKEND": "locmem",
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "portal.settings",
        }
        python = sys.executable
        subprocess.run(  # noqa: S603
            [python, "manage.py", "migrate", "--no-input", "-v", "0", "--skip-checks"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        print(f"database: {url.split('@')[-1]}")
        common = [
            f"--sample={args.sample}",
            f"--mode={args.mode}",
            f"--chunk={args.chunk}",
            *(["--emails"] if args.emails else []),
            *([f"--profile={os.path.abspath(args.profile)}"] if args.profile else []),
        ]
        if args.deliveries == 1:
            subprocess.run(  # noqa: S603
                [python, __file__, "--child", f"--messages={args.messages}", *common],
                cwd=ROOT,
                env=env,
                check=True,
            )
            return
        concurrent(python, env, args.messages, args.deliveries, common)


def concurrent(python: str, env: dict, messages: int, deliveries: int, common: list) -> None:
    """``deliveries`` processes take in ``messages`` together, as a mail server delivering
    several messages at once; reported: from the first one's start to the last one's end."""
    subprocess.run([python, __file__, "--setup"], cwd=ROOT, env=env, check=True)  # noqa: S603
    share = messages // deliveries
    children = [
        subprocess.Popen(  # noqa: S603
            [
                python,
                __file__,
                "--child",
                f"--messages={share}",
                f"--part={i}/{deliveries}",
                *common,
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(deliveries)
    ]
    results = []
    for i, process in enumerate(children):
        out, _err = process.communicate()
        if process.returncode:
            raise SystemExit(f"delivery {i} failed ({process.returncode})")
        print(f"--- delivery {i + 1} of {deliveries}")
        for line in out.splitlines():
            if line.startswith("RESULT "):
                results.append(json.loads(line[len("RESULT ") :]))
            else:
                print(f"  {line}")
    total = sum(r["messages"] for r in results)
    wall = max(r["end"] for r in results) - min(r["start"] for r in results)
    cpu = sum(r["cpu"] for r in results)
    db_cpu = sum(r["db_cpu"] for r in results)
    outcomes: dict[str, int] = {}
    for result in results:
        for key, value in result["outcomes"].items():
            outcomes[key] = outcomes.get(key, 0) + value
    print(f"=== {deliveries} concurrent deliveries, {total} messages")
    print(
        f"wall time, first start to last end (generating the messages included): {wall:.1f} s "
        f"({total / wall:.0f} messages/s); target 10,000 in < 60 s: "
        + ("met" if wall * 10_000 / total < 60 else "NOT met")
    )
    print(
        f"CPU: the deliveries {cpu:.1f} s, their database backends {db_cpu:.1f} s, together "
        f"{(cpu + db_cpu) / total * 1000:.2f} ms a message"
    )
    statements = sum(r["statements"] for r in results) / total
    print(f"statements sent to the database: {statements:.1f} a message")
    print("outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))


if __name__ == "__main__":
    main()
