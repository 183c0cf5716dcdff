"""Page throughput against a minimal Django view, measured with wrk in one run, with the memory
of the web and task workers.

DESIGN.md targets: public pages (home, a KB article, the status page, a forum thread) at >= 50%
of the requests/s of a minimal Django view on the same server and database; signed-in pages at
>= 20% (issue 20: home, my tickets, a ticket page, my requests, search, ``/me/`` as a customer;
the agent queue and a desk ticket page as an agent; a forum thread and a category as a member).

What it does: prepares a database, collects static files, starts gunicorn (sync workers,
``DEBUG=0``) with ``bench.settings`` (the portal plus ``/bench/minimal/``, a view that returns
"ok" behind the same middleware) and one task worker (``manage.py worker --queue-name '*'``, as
``make worker``), then runs ``wrk`` against the baseline and each page in turn, alternating so
that drift affects both. Signed-in pages use a session of a demo persona (alice, customer and
forum member; ada, agent), made with the configured ``SESSION_ENGINE``, and the CSRF cookie
the portal gives them, as a browser sends it. A lua script counts the ``X-Page-Cache``
header of every response (hit, miss, none). The RSS of every gunicorn worker and of the task
worker is sampled during the run; the peak (``VmHWM``) is reported.

Databases (``--database-size``):

- ``demo`` (default): SQLite in a temporary directory, migrated and seeded with ``seed_demo``
  (``--keep``: a fixed file, reused by the next run), the cache in the database (as ``make
  run``);
- ``big``: PostgreSQL (``bench_pages``), ``seed_demo`` and then, in bulk (COPY and
  ``INSERT ... SELECT``, as ``bench/agent_queue.py`` and ``bench/community.py``), 50,000
  customers, 19 more agents in ada's team, 1,000,000 tickets (alice has 50 of them, ada sees
  them all in her queue) and 100,000 forum threads in the busiest public category; the cache
  in Redis (``REDIS_URL``, as in production). ``--keep`` keeps it: a re-run with the same
  sizes reuses it (generating takes several minutes on 2 cores).

Modes: ``PORTAL_SIGNED_IN_CACHE=1`` (default) or ``--no-signed-in-cache``; ``--compare`` runs
both, one after the other, in one run. ``--writes N``: a writer process (``manage.py shell``)
does N writes a second through the real services while wrk runs (an agent's reply on one of
alice's tickets, a forum answer by another member, in turn), so the hit ratio is what a busy
portal gets; the task worker then has their notifications to send.

    .venv/bin/python bench/pages.py [--duration 10] [--connections 8] [--workers 2] [--compare]
        [--no-signed-in-cache] [--writes N] [--database-size demo|big] [--keep]

Needs wrk (Debian: apt-get install wrk).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PORT = 8099
BIG_DATABASE = "postgres://postgres@127.0.0.1:5432/bench_pages"
QUIET = ((2, 40), (2, 58))  # UTC: the latency benchmark of another job runs then


@dataclass
class Page:
    label: str
    path: str
    persona: str | None  # None: anonymous
    target: float  # fraction of the baseline's requests/s


@dataclass
class Result:
    rate: float
    baseline: float
    cache: dict[str, int] = field(default_factory=dict)  # hit / miss / none


SESSION_SCRIPT = """
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from portal.models import User
SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
print("cookie", settings.SESSION_COOKIE_NAME)
print("engine", settings.SESSION_ENGINE)
for email in ("alice@example.com", "ada@example.com"):
    user = User.objects.get(email=email)
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    print(email.split("@")[0], store.session_key)
"""

URLS_SCRIPT = """
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q
from django.urls import reverse
from portal.models import User
alice = User.objects.get(email="alice@example.com")
def first_url(app, model, **filters):
    if not apps.is_installed(app):
        return ""
    try:
        Model = apps.get_model(app, model)
    except LookupError:
        return ""
    obj = Model.objects.filter(**filters).first()
    return obj.get_url() if hasattr(obj, "get_url") else (obj.get_absolute_url() if obj else "")
print("article", first_url("knowledgebase", "ArticlePage", live=True, audience="public"))
def busiest_thread(user):
    # The busiest thread the reader may read (a private category's would be a 404).
    if not apps.is_installed("community"):
        return ""
    Thread = apps.get_model("community", "Thread")
    thread = (
        Thread.objects.visible_to(user).annotate(n=Count("posts")).order_by("-n", "pk").first()
    )
    return thread.get_absolute_url() if thread else ""
print("thread", busiest_thread(AnonymousUser()))
print("member_thread", busiest_thread(alice))
if apps.is_installed("community"):
    Category = apps.get_model("community", "Category")
    # The category with the most threads the member sees (the bulk one at benchmark size).
    category = (
        Category.objects.visible_to(alice).annotate(n=Count("threads")).order_by("-n").first()
    )
    print("category", category.get_absolute_url() if category else "")
from tickets.models import Ticket
ticket = (
    Ticket.objects.filter(customer__user=alice)
    .annotate(n=Count("messages"))
    .order_by("-n", "-pk")
    .first()
)
print("ticket", ticket.get_absolute_url() if ticket else "")
print("desk_ticket", reverse("desk:ticket", args=[ticket.pk]) if ticket else "")
print("ticket_id", ticket.pk if ticket else "")
print("alice_tickets", Ticket.objects.filter(customer__user=alice).count())
print("tickets", Ticket.objects.count())
"""

# Runs in ``manage.py shell`` while wrk runs: ``BENCH_WRITES`` writes a second through the
# services, in turn an agent's reply on one of alice's tickets and a forum answer by another
# member on one of the threads alice reads, until the file ``BENCH_WRITER_STOP`` exists.
WRITER_SCRIPT = """
import itertools, os, random, time
from collections import Counter
from django.db.models import Count
from community.models import Thread
from community.services.posting import post_answer
from portal.models import User
from tickets.models import Ticket
from tickets.services.workflow import ticket_reply
rate = float(os.environ["BENCH_WRITES"])
stop = os.environ["BENCH_WRITER_STOP"]
rng = random.Random(20)
ada = User.objects.get(email="ada@example.com")
alice = User.objects.get(email="alice@example.com")
tickets = list(Ticket.objects.filter(customer__user=alice).order_by("-pk")[:50])
threads = list(
    Thread.objects.visible_to(alice).filter(is_locked=False, is_pending=False)
    .annotate(n=Count("posts")).order_by("-n", "pk")[:20]
)
members = list(
    User.objects.filter(community_profile__isnull=False, is_active=True, is_staff=False)
    .exclude(pk=alice.pk).order_by("pk")[:40]
)
done, errors = Counter(), Counter()
started = time.monotonic()
for n in itertools.count():
    if os.path.exists(stop):
        break
    wait = started + n / rate - time.monotonic()
    if wait > 0:
        time.sleep(wait)
    try:
        if n % 2 == 0:
            ticket_reply(ticket=rng.choice(tickets), author=ada, body=f"Bench reply {n}: on it.")
            done["ticket reply"] += 1
        else:
            post_answer(
                thread=rng.choice(threads),
                author=members[(n // 2) % len(members)],
                body=f"Bench answer {n}: restarting the router fixed it for me.",
            )
            done["forum answer"] += 1
    except Exception as exc:  # counted, not fatal: a rate limit, a locked thread
        errors[type(exc).__name__] += 1
elapsed = time.monotonic() - started
total = sum(done.values())
print("writes", total, f"{total / elapsed:.2f}/s", dict(done), dict(errors))
"""

TASKS_SCRIPT = """
from django.db.models import Count
from django_tasks_db.models import DBTaskResult
print("tasks", dict(DBTaskResult.objects.values_list("status").annotate(n=Count("id"))))
"""

# Counts the X-Page-Cache header of every response wrk gets, over all its threads.
WRK_LUA = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) hit = 0; miss = 0; none = 0 end
function response(status, headers, body)
  local value = headers["X-Page-Cache"] or headers["x-page-cache"]
  if value == "hit" then hit = hit + 1 elseif value == "miss" then miss = miss + 1
  else none = none + 1 end
end
function done(summary, latency, requests)
  local h, m, n = 0, 0, 0
  for _, t in ipairs(threads) do
    h = h + t:get("hit"); m = m + t:get("miss"); n = n + t:get("none")
  end
  io.write(string.format("PAGECACHE %d %d %d\\n", h, m, n))
end
"""


def in_quiet_window(now: datetime | None = None) -> bool:
    now = now or datetime.now(UTC)
    return QUIET[0] <= (now.hour, now.minute) < QUIET[1]


def wait_for_quiet_window_end() -> None:
    """Heavy work (loading, wrk) does not start between 02:40 and 02:58 UTC."""
    while in_quiet_window():
        print("quiet window (02:40-02:58 UTC): waiting", flush=True)
        time.sleep(30)


def manage(args: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        text=True,
        capture_output=True,
        **kwargs,
    )


def shell_lines(script: str, env: dict[str, str]) -> dict[str, str]:
    """Run ``script`` in ``manage.py shell``; each printed line is "key value" (or "key")."""
    out = manage(["shell", "-c", script], env).stdout
    return {key: value for key, _, value in (line.partition(" ") for line in out.splitlines())}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def fetch(url: str, cookie: str = "") -> tuple[int, dict[str, list[str]]]:
    """Status and headers of a GET (redirects not followed)."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310
    try:
        with _opener.open(request, timeout=30) as response:
            headers = response.headers
            status = response.status
    except urllib.error.HTTPError as exc:
        headers, status = exc.headers, exc.code
    return status, {key.lower(): headers.get_all(key) for key in headers}


def status_of(url: str, cookie: str = "") -> int:
    return fetch(url, cookie)[0]


def wrk(
    url: str, *, seconds: int, connections: int, cookie: str = "", counts: dict | None = None
) -> float:
    """Requests/s of ``url``; with ``counts``, the X-Page-Cache headers seen are put in it."""
    cmd = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", url]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    script = None
    if counts is not None:
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
            lua.write(WRK_LUA)
        script = lua.name
        cmd += ["-s", script]
    try:
        out = subprocess.run(cmd, check=True, text=True, capture_output=True).stdout  # noqa: S603
    finally:
        if script:
            os.unlink(script)
    if "Non-2xx" in out:
        raise SystemExit(f"wrk saw non-2xx responses for {url}:\n{out}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not match:
        raise SystemExit(f"cannot read wrk output:\n{out}")
    if counts is not None:
        cache = re.search(r"PAGECACHE (\d+) (\d+) (\d+)", out)
        if cache:
            counts.update(zip(("hit", "miss", "none"), map(int, cache.groups()), strict=True))
    return float(match.group(1))


def start_gunicorn(env: dict[str, str], *, port: int, workers: int) -> subprocess.Popen:
    """gunicorn (sync workers) serving the portal with ``env``; returns once
    ``/bench/minimal/`` answers 200 (the caller stops it)."""
    server = subprocess.Popen(  # noqa: S603
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "portal.wsgi:application",
            f"--workers={workers}",
            f"--bind=127.0.0.1:{port}",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(300):
        time.sleep(0.2)
        if server.poll() is not None:
            raise SystemExit("gunicorn exited")
        try:
            if status_of(f"http://127.0.0.1:{port}/bench/minimal/") == 200:
                return server
        except OSError:
            continue
    server.terminate()
    raise SystemExit("gunicorn did not start")


# --- memory -------------------------------------------------------------------------------


def _status_kb(pid: int, field_name: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as children:
            return [int(child) for child in children.read().split()]
    except OSError:
        return []


class MemorySampler(threading.Thread):
    """Samples the RSS of gunicorn's workers (the master's children) and of the task worker
    (and its children) every half second; ``peaks()`` adds the kernel's ``VmHWM``."""

    def __init__(self, gunicorn: int, task_worker: int | None) -> None:
        super().__init__(daemon=True)
        self.gunicorn, self.task_worker = gunicorn, task_worker
        self.rss: dict[tuple[str, int], int] = {}
        self.hwm: dict[tuple[str, int], int] = {}
        self.stopped = threading.Event()

    def _pids(self) -> list[tuple[str, int]]:
        pids = [("web", pid) for pid in _children(self.gunicorn)]
        if self.task_worker:
            pids += [("task", self.task_worker)]
            pids += [("task", pid) for pid in _children(self.task_worker)]
        return pids

    def sample(self) -> None:
        for key in self._pids():
            self.rss[key] = max(self.rss.get(key, 0), _status_kb(key[1], "VmRSS"))
            self.hwm[key] = max(self.hwm.get(key, 0), _status_kb(key[1], "VmHWM"))

    def run(self) -> None:
        while not self.stopped.wait(0.5):
            self.sample()

    def stop(self) -> dict[tuple[str, int], tuple[int, int]]:
        """{(kind, pid): (largest sampled RSS, VmHWM)} in kB."""
        self.sample()
        self.stopped.set()
        return {key: (self.rss[key], self.hwm.get(key, 0)) for key in self.rss}


# --- benchmark-size database --------------------------------------------------------------


def generate_big(tickets: int, threads: int, *, alice_tickets: int = 50) -> None:
    """Bulk rows on top of the demo (run inside Django, after ``seed_demo``): customers,
    agents in ada's team, ``tickets`` tickets (alice's customer gets ``alice_tickets`` in all)
    and ``threads`` forum threads in the busiest public category. No services: COPY and
    ``INSERT ... SELECT`` of plausible rows, like an import (generators of
    ``bench/agent_queue.py`` and ``bench/community.py``)."""
    import random
    from datetime import timedelta

    from django.contrib.auth.models import Group
    from django.core.cache import cache
    from django.db import connection, transaction
    from django.db.models import Count

    from bench.agent_queue import ACTIVE, SUBJECTS, copy_rows
    from bench.community import TOPICS
    from community.models import Category, MemberProfile
    from community.models import Tag as ForumTag
    from portal import roles
    from portal.models import Customer, Team, User
    from tickets.models import Priority, Queue, SlaPolicy, Tag, Ticket

    now = datetime.now(UTC)
    rng = random.Random(2026)
    customers_n, agents_n = 50_000, 19
    started = time.perf_counter()
    alice = Customer.objects.get(user__email="alice@example.com")
    ada = User.objects.get(email="ada@example.com")
    with transaction.atomic():
        agents = User.objects.bulk_create(
            User(
                email=f"agent{n}@pages.bench.example",
                full_name=f"Bench Agent {n}",
                is_staff=True,
                password="!",  # noqa: S106 - unusable password
            )
            for n in range(agents_n)
        )
        Group.objects.get(name=roles.AGENTS).user_set.add(*agents)
        team = Team.objects.filter(lead=ada).first() or Team.objects.first()
        team.members.add(*agents)
        agent_ids = [ada.pk, *(a.pk for a in agents)]
        queue_ids = list(Queue.objects.values_list("pk", flat=True))
        tag_ids = list(Tag.objects.values_list("pk", flat=True))
        policies = {
            p: SlaPolicy.objects.filter(priority=p, organisation=None)
            .values_list("pk", flat=True)
            .first()
            for p in Priority.values
        }
        with connection.cursor() as cursor:
            copy_rows(
                cursor,
                "portal_customer",
                [
                    "customer_ref",
                    "name",
                    "email",
                    "is_org_admin",
                    "language",
                    "consent_surveys",
                    "consent_marketing",
                    "created_at",
                ],
                (
                    (
                        f"PB{n:07d}",
                        f"Customer {n}",
                        f"c{n}@pages.bench.example",
                        False,
                        "it" if n % 3 == 0 else "en",
                        True,
                        False,
                        now - timedelta(days=rng.randrange(1500)),
                    )
                    for n in range(customers_n)
                ),
            )
            cursor.execute(
                "SELECT id FROM portal_customer WHERE customer_ref LIKE %s ORDER BY id", ["PB%"]
            )
            customer_ids = [pk for (pk,) in cursor.fetchall()]
    print(
        f"  {customers_n:,} customers, {agents_n} agents ({time.perf_counter() - started:.0f} s)",
        flush=True,
    )

    more_for_alice = max(0, alice_tickets - Ticket.objects.filter(customer=alice).count())
    every = tickets // more_for_alice if more_for_alice else 0
    start = now - timedelta(days=3 * 365)
    span = (now - start).total_seconds()

    def ticket_rows():
        for n in range(tickets):
            mine = every and n % every == every - 1 and n // every < more_for_alice
            customer, organisation = (
                (alice.pk, alice.organisation_id) if mine else (rng.choice(customer_ids), None)
            )
            created = start + timedelta(seconds=span * (n + rng.random()) / tickets)
            active = rng.random() < 0.05 or created > now - timedelta(days=10)
            priority = rng.choices((1, 2, 3, 4), (20, 55, 20, 5))[0]
            assignee = rng.choice(agent_ids) if (not active or rng.random() < 0.6) else None
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
                customer,
                organisation,
                "problem",
                "me",
                priority,
                status,
                "web",
                assignee,
                rng.choice(queue_ids),
                created,
                closed or resolved or created,
                first,
                resolved,
                closed,
                0,
                policies.get(priority),
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
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM tickets_ticket")
        low = cursor.fetchone()[0] + 1
        count = copy_rows(cursor, "tickets_ticket", columns, ticket_rows())
        if tag_ids:

            def tag_rows():
                for ticket in range(low, low + count):
                    if rng.random() < 0.1:
                        yield (ticket, rng.choice(tag_ids))

            copy_rows(cursor, "tickets_ticket_tags", ["ticket_id", "tag_id"], tag_rows())
    print(f"  {count:,} tickets ({time.perf_counter() - started:.0f} s)", flush=True)

    category = (
        Category.objects.filter(visibility="public")
        .annotate(n=Count("threads"))
        .order_by("-n")
        .first()
    )
    member_ids = list(MemberProfile.objects.values_list("user_id", flat=True))
    forum_tags = list(ForumTag.objects.values_list("pk", flat=True))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM community_thread")
        first_thread = cursor.fetchone()[0]
        cursor.execute(
            """
            INSERT INTO community_thread (
                category_id, kind, title, author_id, is_pinned, is_locked, is_hidden,
                is_pending, is_deleted, is_solved, answer_count, score, view_count,
                follower_count, created_at, last_activity_at, last_poster_id
            )
            SELECT %(category)s,
                   CASE WHEN g %% 5 = 0 THEN 'discussion' ELSE 'question' END,
                   'Question ' || g || ': ' || (%(topics)s::text[])[1 + g %% %(ntopics)s],
                   (%(members)s::bigint[])[1 + g %% %(nmembers)s],
                   false, false, false, false, false,
                   g %% 3 = 0, g %% 7, g %% 11 - 2, g %% 500, 1,
                   %(now)s - (%(n)s - g) * interval '4 minutes' - interval '1 day',
                   %(now)s - (%(n)s - g) * interval '4 minutes' - interval '1 day'
                       + interval '1 minute',
                   (%(members)s::bigint[])[1 + (g * 7) %% %(nmembers)s]
            FROM generate_series(1, %(n)s) AS g
            """,
            {
                "category": category.pk,
                "topics": list(TOPICS),
                "ntopics": len(TOPICS),
                "members": member_ids,
                "nmembers": len(member_ids),
                "n": threads,
                "now": now,
            },
        )
        cursor.execute(
            """
            INSERT INTO community_post (
                thread_id, author_id, is_question, body_markdown, body_html, score,
                is_staff_answer, status, is_hidden, is_deleted, created_at, edit_count
            )
            SELECT id, author_id, true, 'The details of ' || title,
                   '<p>The details of ' || title || '</p>', score, false, 'published',
                   false, false, created_at, 0
            FROM community_thread WHERE id > %s
            """,
            [first_thread],
        )
        if forum_tags:
            cursor.execute(
                """
                INSERT INTO community_thread_tags (thread_id, tag_id)
                SELECT id, (%(tags)s::bigint[])[1 + id %% %(ntags)s] FROM community_thread
                WHERE id > %(first)s
                """,
                {"tags": forum_tags, "ntags": len(forum_tags), "first": first_thread},
            )
    print(
        f"  {threads:,} threads in {category.slug} ({time.perf_counter() - started:.0f} s)",
        flush=True,
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    cache.clear()
    print(f"  vacuum analyze done ({time.perf_counter() - started:.0f} s)", flush=True)


def big_ready(env: dict[str, str], tickets: int, threads: int) -> bool:
    script = (
        "from tickets.models import Ticket; from community.models import Thread;"
        "print('counts', Ticket.objects.count(), Thread.objects.count())"
    )
    try:
        counts = shell_lines(script, env).get("counts", "0 0").split()
    except subprocess.CalledProcessError:
        return False
    return int(counts[0]) >= tickets and int(counts[1]) >= threads


def prepare(args: argparse.Namespace, env: dict[str, str], tmp: Path) -> None:
    """Migrate and seed the database in ``env`` (or reuse a kept one)."""
    if args.database_size == "big":
        from bench.pgdata import admin_execute, db_name

        url = env["DATABASE_URL"]
        name = db_name(url)
        exists = False
        try:
            import psycopg

            with psycopg.connect(url, connect_timeout=10):
                exists = True
        except Exception:  # absent or unreachable: made below
            exists = False
        if exists and big_ready(env, args.tickets, args.threads):
            print(f"reusing {name} (>= {args.tickets:,} tickets, >= {args.threads:,} threads)")
            return
        wait_for_quiet_window_end()
        admin_execute(
            url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'
        )
        print(
            f"{name}: migrate, seed_demo, then {args.tickets:,} tickets, {args.threads:,} threads"
        )
        began = time.perf_counter()
        manage(["migrate", "--noinput", "-v0"], env)
        manage(["seed_demo"], env)
        print(f"  seed_demo done ({time.perf_counter() - began:.0f} s)", flush=True)
        wait_for_quiet_window_end()
        subprocess.run(  # noqa: S603
            [
                sys.executable,
                "manage.py",
                "shell",
                "-c",
                "from bench.pages import generate_big; "
                f"generate_big({args.tickets}, {args.threads})",
            ],
            cwd=ROOT,
            env=env,
            check=True,
        )
        print(f"  generated in {time.perf_counter() - began:.0f} s")
        return
    if args.keep and Path(env["DATABASE_URL"].removeprefix("sqlite:///")).exists():
        print(f"reusing {env['DATABASE_URL']}")
        manage(["migrate", "--noinput", "-v0"], env)
        return
    print(f"database: {env['DATABASE_URL'].split('@')[-1]}; preparing (migrate, seed_demo)")
    manage(["migrate", "--noinput", "-v0"], env)
    manage(["seed_demo"], env)


# --- the run ------------------------------------------------------------------------------


def pages_of(found: dict[str, str]) -> list[Page]:
    return [
        Page("home (anonymous)", "/", None, 0.5),
        Page("KB index", "/kb/", None, 0.5),
        Page("KB article", found.get("article", ""), None, 0.5),
        Page("status page", "/status/", None, 0.5),
        Page("forum thread", found.get("thread", ""), None, 0.5),
        # Not a page: the floor of any signed-in request (session, user, language middleware).
        Page("minimal view (alice)", "/bench/minimal/", "alice", 0.2),
        Page("home (alice)", "/", "alice", 0.2),
        Page("my tickets (alice)", "/tickets/", "alice", 0.2),
        Page("a ticket (alice)", found.get("ticket", ""), "alice", 0.2),
        Page("my requests (alice)", "/requests/", "alice", 0.2),
        Page("search (alice)", "/search/?q=internet", "alice", 0.2),
        Page("/me/ (alice)", "/me/", "alice", 0.2),
        Page("forum thread (alice)", found.get("member_thread", ""), "alice", 0.2),
        Page("forum category (alice)", found.get("category", ""), "alice", 0.2),
        Page("agent queue (ada)", "/desk/", "ada", 0.2),
        Page("desk ticket (ada)", found.get("desk_ticket", ""), "ada", 0.2),
    ]


def csrf_cookies(base: str, pages: list[Page], cookies: dict[str | None, str]) -> None:
    """Adds the CSRF cookie the portal hands each persona to its cookie header (a browser
    sends it back; without it every page with a form sets a new one, and such responses are
    never kept by the signed-in page cache)."""
    for page in pages:
        if not page.persona or not page.path or "csrftoken=" in cookies[page.persona]:
            continue
        _, headers = fetch(base + page.path, cookies[page.persona])
        for value in headers.get("set-cookie", []):
            name, _, rest = value.partition("=")
            if name.strip() == "csrftoken":
                cookies[page.persona] += f"; csrftoken={rest.split(';')[0]}"
                break


def run_mode(
    args: argparse.Namespace,
    env: dict[str, str],
    pages: list[Page],
    cookies: dict[str | None, str],
    found: dict[str, str],
    tmp: Path,
    *,
    cache_on: bool,
) -> tuple[dict[str, Result | str], dict, str, str]:
    """One gunicorn (+ task worker, + writer) with the signed-in cache on or off; returns the
    result per page label, the memory peaks, the writer's and the task counts' lines."""
    mode_env = {**env, "PORTAL_SIGNED_IN_CACHE": "1" if cache_on else "0"}
    tasks_before = shell_lines(TASKS_SCRIPT, mode_env).get("tasks", "")
    worker_log = open(tmp / f"worker-{int(cache_on)}.log", "w")  # noqa: SIM115
    task_worker = subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--queue-name", "*", "--no-reload"],
        cwd=ROOT,
        env=mode_env,
        stdout=worker_log,
        stderr=subprocess.STDOUT,
    )
    server = start_gunicorn(mode_env, port=PORT, workers=args.workers)
    base = f"http://127.0.0.1:{PORT}"
    sampler = MemorySampler(server.pid, task_worker.pid)
    sampler.start()
    writer = None
    stop_file = tmp / "writer.stop"
    stop_file.unlink(missing_ok=True)
    if args.writes:
        writer = subprocess.Popen(  # noqa: S603
            [sys.executable, "manage.py", "shell", "-c", WRITER_SCRIPT],
            cwd=ROOT,
            env={**mode_env, "BENCH_WRITES": str(args.writes), "BENCH_WRITER_STOP": str(stop_file)},
            stdout=subprocess.PIPE,
            text=True,
        )
    results: dict[str, Result | str] = {}
    writes_line = ""
    try:
        csrf_cookies(base, pages, cookies)
        print(f"\nsigned-in page cache {'ON' if cache_on else 'OFF'}", flush=True)
        print(
            f"{'page':<24} {'path':<40} {'req/s':>8} {'baseline':>9} {'ratio':>6}  "
            f"{'target':<14} X-Page-Cache hit/miss/none"
        )
        for page in pages:
            wait_for_quiet_window_end()
            cookie = cookies[page.persona]
            status = status_of(base + page.path, cookie) if page.path else 404
            if status != 200:
                results[page.label] = f"HTTP {status}"
                print(
                    f"{page.label:<24} {page.path or '-':<40} skipped (HTTP {status})", flush=True
                )
                continue
            # Alternating slices of baseline and page: drift (other jobs on the machine)
            # affects both.
            baseline = rate = 0.0
            counts: dict[str, int] = {}
            slice_seconds = max(1, round(args.duration / args.rounds))
            for _ in range(args.rounds):
                wait_for_quiet_window_end()
                baseline += wrk(
                    f"{base}/bench/minimal/",
                    seconds=slice_seconds,
                    connections=args.connections,
                    counts={},
                )
                part: dict[str, int] = {}
                rate += wrk(
                    base + page.path,
                    seconds=slice_seconds,
                    connections=args.connections,
                    cookie=cookie,
                    counts=part,
                )
                for key, value in part.items():
                    counts[key] = counts.get(key, 0) + value
            baseline, rate = baseline / args.rounds, rate / args.rounds
            result = Result(rate, baseline, counts)
            results[page.label] = result
            ratio = rate / baseline
            total = sum(counts.values()) or 1
            print(
                f"{page.label:<24} {page.path[:40]:<40} {rate:>8.0f} {baseline:>9.0f} "
                f"{ratio:>5.0%}  >= {page.target:.0%} "
                f"{'met' if ratio >= page.target else 'NOT met':<7} "
                f"{counts.get('hit', 0) / total:>4.0%} / {counts.get('miss', 0) / total:.0%} / "
                f"{counts.get('none', 0) / total:.0%}",
                flush=True,
            )
    finally:
        if writer is not None:
            stop_file.touch()
            writes_line = (writer.communicate(timeout=120)[0] or "").strip().splitlines()[-1:] or [
                ""
            ]
            writes_line = writes_line[0]
        time.sleep(2)  # the task worker finishes what the last writes queued
        memory = sampler.stop()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        task_worker.send_signal(signal.SIGTERM)
        try:
            task_worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            task_worker.kill()
        worker_log.close()
    tasks = f"{tasks_before} before, {shell_lines(TASKS_SCRIPT, mode_env).get('tasks', '')} after"
    return results, memory, writes_line, tasks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per page (and baseline)")
    parser.add_argument("--rounds", type=int, default=3, help="baseline/page slices per page")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--database-size", choices=("demo", "big"), default="demo")
    parser.add_argument("--database", help="database URL (big: default " + BIG_DATABASE + ")")
    parser.add_argument("--tickets", type=int, default=1_000_000, help="big: tickets")
    parser.add_argument("--threads", type=int, default=100_000, help="big: forum threads")
    parser.add_argument("--keep", action="store_true", help="keep the database for a re-run")
    parser.add_argument(
        "--redis", help="REDIS_URL for the cache (big: default redis://127.0.0.1:6379/0)"
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--no-signed-in-cache", action="store_true", help="PORTAL_SIGNED_IN_CACHE=0")
    mode.add_argument("--compare", action="store_true", help="the signed-in cache on, then off")
    parser.add_argument("--writes", type=float, default=0, help="writes a second during the run")
    parser.add_argument("--only", default="", help="comma-separated parts of page labels")
    parser.add_argument(
        "--prepare-only", action="store_true", help="make the database (with --keep), no run"
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing (Debian: apt-get install wrk)")

    tmp = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-" + "k" * 50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
        "EMAIL_BACKEND": "console",  # the task worker's emails go to its log
    }
    if args.database:
        env["DATABASE_URL"] = args.database
    elif args.database_size == "big":
        env["DATABASE_URL"] = BIG_DATABASE
    elif args.keep:
        env["DATABASE_URL"] = (
            f"sqlite:///{Path(tempfile.gettempdir()) / 'bench-pages-demo.sqlite3'}"
        )
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp / 'portal.sqlite3'}"
    redis = args.redis or ("redis://127.0.0.1:6379/0" if args.database_size == "big" else "")
    if redis:
        env["REDIS_URL"] = redis
        env["CACHE_KEY_PREFIX"] = f"bench-pages-{os.getpid()}"  # nothing left from other runs
    else:
        env.pop("REDIS_URL", None)
    try:
        prepare(args, env, tmp)
        if args.prepare_only:
            return
        manage(["collectstatic", "--noinput", "-v0"], env)
        sessions = shell_lines(SESSION_SCRIPT, env)
        found = shell_lines(URLS_SCRIPT, env)
        cookie_name = sessions.get("cookie", "sessionid")
        cookies: dict[str | None, str] = {
            None: "",
            "alice": f"{cookie_name}={sessions['alice']}",
            "ada": f"{cookie_name}={sessions['ada']}",
        }
        pages = pages_of(found)
        if args.only:
            wanted = [part.strip() for part in args.only.split(",")]
            pages = [p for p in pages if any(part in p.label for part in wanted)]
        print(
            f"database: {args.database_size}, {env['DATABASE_URL'].split('@')[-1]}; "
            f"{int(found.get('tickets') or 0):,} tickets, alice has {found.get('alice_tickets')}; "
            f"sessions: {sessions.get('engine')}; cache: {'Redis' if redis else 'database'}\n"
            f"gunicorn: {args.workers} sync workers; wrk: {args.connections} connections, "
            f"{args.duration} s per page in {args.rounds} slices alternating with the "
            f"baseline; writes: {args.writes:g}/s; "
            f"load average {os.getloadavg()[0]:.1f} at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
            flush=True,
        )
        modes = [True, False] if args.compare else [not args.no_signed_in_cache]
        runs = []
        for cache_on in modes:
            runs.append(
                (
                    cache_on,
                    *run_mode(args, env, pages, dict(cookies), found, tmp, cache_on=cache_on),
                )
            )
        report(pages, runs, args)
    finally:
        if args.database_size == "big" and not args.keep:
            from bench.pgdata import drop_database

            drop_database(env["DATABASE_URL"])
        shutil.rmtree(tmp, ignore_errors=True)


def report(pages: list[Page], runs: list, args: argparse.Namespace) -> None:
    """Markdown: one row per page, the figures of each mode side by side; then memory."""
    print(f"\nload average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}\n")
    head = "| page | target |"
    rule = "|---|---|"
    for cache_on, *_ in runs:
        name = "cache on" if cache_on else "cache off"
        head += f" req/s ({name}) | baseline | ratio | hits |"
        rule += "---:|---:|---:|---:|"
    print(head)
    print(rule)
    failures = 0
    for page in pages:
        row = f"| {page.label} | >= {page.target:.0%} |"
        for _cache_on, results, *_ in runs:
            result = results.get(page.label)
            if not isinstance(result, Result):
                row += f" {result or '-'} | | | |"
                continue
            ratio = result.rate / result.baseline
            ok = ratio >= page.target
            failures += not ok
            total = sum(result.cache.values()) or 1
            hits = (
                f"{result.cache.get('hit', 0) / total:.0%}"
                if result.cache.get("none", 0) < total
                else "-"
            )
            row += (
                f" {result.rate:,.0f} | {result.baseline:,.0f} | "
                f"{'**' if not ok else ''}{ratio:.0%}{'**' if not ok else ''} | {hits} |"
            )
        print(row)
    print()
    for cache_on, _results, memory, writes, tasks in runs:
        web = sorted((hwm, rss) for (kind, _), (rss, hwm) in memory.items() if kind == "web")
        task = sorted((hwm, rss) for (kind, _), (rss, hwm) in memory.items() if kind == "task")
        print(
            f"cache {'on' if cache_on else 'off'}: web workers peak RSS (VmHWM) "
            f"{', '.join(f'{hwm / 1024:.0f} MB' for hwm, _ in web)}; task worker "
            f"{', '.join(f'{hwm / 1024:.0f} MB' for hwm, _ in task) or '-'}"
            + (f"; writer: {writes}" if writes else "")
            + (f"; tasks by status: {tasks}" if tasks else "")
        )
    print(f"\n{'all targets met' if not failures else f'{failures} target(s) not met'}")


if __name__ == "__main__":
    main()
