"""Soak with faults: mixed load on PostgreSQL + Redis while things break, one at a time.

Issue 21 ("a soak with faults"). The production set-up of deploy/ on one machine: gunicorn
with 4 sync workers, two ``manage.py worker`` processes (one for ``urgent,default``, one for
``bulk``) and ``manage.py tick --enqueue --every 10``, all restarted 2 s after they exit by
this script's supervising loop (as systemd does: ``Restart=always``, ``RestartSec=2``).

What it does:

1. Creates its own PostgreSQL database (``soak_bench``), migrates it, seeds the demo
   (``seed_demo``) and adds N customers (``--customers``) subscribed to a service in one
   region, by COPY as ``bench/outage_fanout.py`` does; starts its own ``redis-server`` on a
   free loopback port (``--redis-port``, 6390; ``--save "" --appendonly no``; database 5,
   ``CACHE_KEY_PREFIX=soak``: the machine's shared Redis is never touched), email to the file
   backend in a temporary directory.
2. For ``--seconds`` (180) runs a mixed load from ``--threads`` threads against 127.0.0.1
   only (at most ``--max-requests``): anonymous public pages, signed-in customer pages, new
   tickets through the API with an ``Idempotency-Key`` (every acknowledged 201 is recorded
   with its key and id; one in ten is posted twice at once with the same key; a failed post
   is retried with the same key, as a client would), replies through the API (also with a
   key), and ``/healthz`` every second.
3. Meanwhile, spaced out: publishes an outage to the N customers (the notices go out by
   email through the urgent worker), then injects one fault at a time:
   - **task worker SIGKILL**: the ``urgent,default`` worker, while it is sending the outage
     emails (the supervising loop starts it again 2 s later);
   - **database refuses connections for 10 s**: ``ALTER DATABASE soak_bench ALLOW_CONNECTIONS
     false`` and ``pg_terminate_backend`` of its sessions, then allowed again;
   - **Redis restart**: the soak's own redis-server is stopped, and started again after
     ``--redis-down`` (3) seconds, empty;
   - **web worker SIGKILL**: one gunicorn worker (its master starts another).
4. Stops the load, waits (bounded, ``--drain-timeout``) until the outage emails are all
   sent and the queue is empty (the ticker is stopped once the emails are out), then checks.

Reports per request kind: count, errors by status, p50 and p95; per fault: when it began and
ended, and the recovery time after it ended (the first ``/healthz`` 200, the first success of
each request kind, the component itself back); and the checks: no acknowledged ticket or reply
lost, one ticket per idempotency key, no duplicate notification or delivery (one per event
and recipient in the database), every outage recipient emailed, at most one extra email per
crashed worker, every outage email delivery sent, queue drained, no task left RUNNING.
Prints markdown tables; exits 1 if a check fails. Everything it started is stopped and its
database dropped at the end, also on Ctrl-C or failure (``--keep`` keeps the database).

    .venv/bin/python bench/soak.py [--seconds 180] [--customers 2000] [--threads 6]
        [--redis-port 6390] [--database postgres://postgres@127.0.0.1:5432/soak_bench] [--keep]
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pgdata import (  # noqa: E402
    admin_execute,
    copy_customers,
    copy_rows,
    db_name,
    drop_database,
    ensure_database,
)

REDIS_DB = 5
RESTART_SEC = 2.0  # as deploy/'s units: Restart=always, RestartSec=2
WEB_WORKERS = 4
KINDS = ["anonymous page", "customer page", "API new ticket", "API reply", "healthz"]


# --- the database ---------------------------------------------------------------------------
def generate(customers: int):
    """N customers with a login, each with an active subscription to "Soak fibre" in region
    "soak-north" (the outage's audience); a third of them Italian."""
    from django.db import connection, transaction

    from portal.models import Product

    now = datetime.now(UTC)
    fibre = Product.objects.create(name="Soak fibre", slug="soak-fibre")
    with transaction.atomic(), connection.cursor() as cursor:
        ids = copy_customers(cursor, customers, tag="soak", now=now)
        copy_rows(
            cursor,
            "portal_subscription",
            ["customer_id", "product_id", "region", "status", "since"],
            ((ids[n], fibre.pk, "soak-north", "active", now) for n in range(customers)),
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return fibre


def sessions_and_tokens() -> tuple[dict[str, str], dict[str, str]]:
    """A signed-in session and a personal API token for each demo customer persona."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from portal.models import User
    from portal.services.tokens import api_token_create

    sessions, tokens = {}, {}
    for email in ("alice@example.com", "bob@example.com", "carol@example.com"):
        user = User.objects.get(email=email)
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        sessions[email] = store.session_key
        _, raw = api_token_create(name="soak", kind="personal", user=user)
        tokens[email] = raw
    return sessions, tokens


def public_paths() -> list[str]:
    from django.contrib.auth.models import AnonymousUser

    from community.models import Thread
    from knowledgebase.models import ArticlePage

    paths = ["/", "/kb/", "/status/"]
    article = ArticlePage.objects.live().filter(audience="public").first()
    if article:
        paths.append(article.get_url())
    thread = Thread.objects.visible_to(AnonymousUser()).order_by("pk").first()
    if thread:
        paths.append(thread.get_absolute_url())
    return paths


def sql(query: str, params: list | None = None) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(query, params or [])
        return cursor.fetchall()


def db_retry(fn, *, timeout: float = 60):
    """``fn()`` with the bench's own connection, retried while the database is unreachable."""
    from django.db import InterfaceError, OperationalError, connection

    deadline = time.monotonic() + timeout
    while True:
        try:
            return fn()
        except (OperationalError, InterfaceError):
            connection.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


# --- processes ------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def child_pids(parent: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            pids.append(int(stat.parent.name))
    return pids


@dataclass
class Service:
    """One supervised process: started again ``RESTART_SEC`` after it exits."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    proc: subprocess.Popen | None = None
    restarts: list[float] = field(default_factory=list)  # monotonic times of restarts
    exited_at: float | None = None
    supervised: bool = True

    def start(self) -> None:
        with self.log.open("a") as log:
            self.proc = subprocess.Popen(  # noqa: S603 - our own commands
                self.argv,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches the bench only, which stops us
            )

    def stop(self, timeout: float = 20) -> None:
        self.supervised = False
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


class Supervisor(threading.Thread):
    def __init__(self, services: list[Service]) -> None:
        super().__init__(daemon=True)
        self.services = services
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            now = time.monotonic()
            for service in self.services:
                if not service.supervised or service.proc is None:
                    continue
                if service.proc.poll() is None:
                    continue
                if service.exited_at is None:
                    service.exited_at = now
                elif now - service.exited_at >= RESTART_SEC:
                    service.exited_at = None
                    service.start()
                    service.restarts.append(time.monotonic())
            self.stopping.wait(0.1)


# --- the load -------------------------------------------------------------------------------
@dataclass
class Sample:
    kind: str
    started: float
    finished: float
    status: int  # 0: no answer (connection refused, reset, timeout)


class Load:
    def __init__(self, base: str, *, sessions, tokens, paths, max_requests: int) -> None:
        self.base = base
        self.sessions = list(sessions.values())
        self.tokens = list(tokens.values())
        self.paths = paths
        self.max_requests = max_requests
        self.samples: list[Sample] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.acked_tickets: dict[str, set[int]] = defaultdict(set)  # key -> ids answered
        self.ticket_owner: dict[int, str] = {}
        self.acked_replies: dict[str, set[int]] = defaultdict(set)
        self.double_posts = 0

    # HTTP
    def request(self, kind: str, method: str, path: str, *, headers=None, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 - 127.0.0.1 only
            self.base + path, data=data, method=method, headers=headers or {}
        )
        if data is not None:
            request.add_header("Content-Type", "application/json")
        started = time.monotonic()
        status, payload = 0, b""
        try:
            with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, payload = exc.code, exc.read()
        except (OSError, urllib.error.URLError):
            status = 0
        with self.lock:
            self.samples.append(Sample(kind, started, time.monotonic(), status))
        return status, payload

    def budget_left(self) -> bool:
        return not self.stop.is_set() and len(self.samples) < self.max_requests

    # request kinds
    def anonymous_page(self) -> None:
        self.request("anonymous page", "GET", random.choice(self.paths))

    def customer_page(self) -> None:
        cookie = f"sessionid={random.choice(self.sessions)}"
        path = random.choice(["/", "/tickets/", "/me/notifications/"])
        self.request("customer page", "GET", path, headers={"Cookie": cookie})

    def _post_ticket(self, token: str, key: str, body: dict) -> int:
        status, payload = self.request(
            "API new ticket",
            "POST",
            "/api/v1/tickets",
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
            body=body,
        )
        if status == 201:
            pk = json.loads(payload)["id"]
            with self.lock:
                self.acked_tickets[key].add(pk)
                self.ticket_owner[pk] = token
        return status

    def new_ticket(self) -> None:
        token = random.choice(self.tokens)
        key = f"soak-{uuid.uuid4().hex}"
        body = {"subject": f"soak {key}", "description": "Soak test: my line is down."}
        if random.random() < 0.1:  # a double submit: the same request twice at once
            with self.lock:
                self.double_posts += 1
            twin = threading.Thread(target=self._post_ticket, args=(token, key, body))
            twin.start()
            self._post_ticket(token, key, body)
            twin.join()
            return
        for attempt in range(3):  # a client retries a failure with the same key
            status = self._post_ticket(token, key, body)
            if status not in (0, 500, 502, 503, 504) or not self.budget_left():
                return
            time.sleep(1 + attempt)

    def reply(self) -> None:
        with self.lock:
            recent = list(self.ticket_owner.items())[-200:]
        if not recent:
            return self.new_ticket()
        pk, token = random.choice(recent)
        key = f"soak-r-{uuid.uuid4().hex}"
        for attempt in range(3):
            status, payload = self.request(
                "API reply",
                "POST",
                f"/api/v1/tickets/{pk}/replies",
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
                body={"body": f"soak reply {key}"},
            )
            if status == 201:
                with self.lock:
                    self.acked_replies[key].add(json.loads(payload)["id"])
            if status not in (0, 500, 502, 503, 504) or not self.budget_left():
                return
            time.sleep(1 + attempt)
        return None

    def user(self) -> None:
        actions = [self.anonymous_page, self.customer_page, self.new_ticket, self.reply]
        weights = [50, 30, 12, 8]
        while self.budget_left():
            random.choices(actions, weights)[0]()
            time.sleep(random.uniform(0.02, 0.12))

    def healthz(self) -> None:
        while not self.stop.is_set():
            started = time.monotonic()
            self.request("healthz", "GET", "/healthz")
            self.stop.wait(max(0.0, 1.0 - (time.monotonic() - started)))


# --- report helpers -------------------------------------------------------------------------
def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def ok_status(kind: str, status: int) -> bool:
    return status == 201 if kind.startswith("API") else status == 200


def emails_per_recipient(mail_dir: Path, event_keys: set[str]) -> Counter:
    """How many messages of these events the file backend wrote to each address."""
    counts: Counter = Counter()
    separator = b"\n" + b"-" * 79 + b"\n"
    for path in mail_dir.iterdir():
        for message in path.read_bytes().split(separator):
            match = re.search(rb"^X-Portal-Event: (.+?)\r?$", message, re.MULTILINE)
            if not match or match.group(1).decode() not in event_keys:
                continue
            to = re.search(rb"^To: (.+?)\r?$", message, re.MULTILINE)
            counts[to.group(1).decode().strip() if to else "?"] += 1
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=180, help="length of the load")
    parser.add_argument("--customers", type=int, default=2000, help="the outage's audience")
    parser.add_argument("--threads", type=int, default=6, help="load threads")
    parser.add_argument("--max-requests", type=int, default=200_000)
    parser.add_argument("--redis-port", type=int, default=6390)
    parser.add_argument("--redis-down", type=float, default=3.0, help="seconds Redis is down")
    parser.add_argument("--db-down", type=float, default=10.0, help="seconds the DB refuses")
    parser.add_argument("--drain-timeout", type=float, default=150.0)
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/soak_bench")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if not args.database.startswith("postgres"):
        sys.exit("this benchmark needs PostgreSQL (--database postgres://...)")
    if port_in_use(args.redis_port):
        sys.exit(f"port {args.redis_port} is in use: choose another --redis-port")
    redis_server = shutil.which("redis-server")
    if not redis_server:
        sys.exit("redis-server is missing (Debian: apt-get install redis-server)")

    work = Path(tempfile.mkdtemp(prefix="soak-"))
    mail_dir = work / "mail"
    mail_dir.mkdir()
    web_port = free_port()
    base = f"http://127.0.0.1:{web_port}"
    env = {
        **os.environ,
        "DATABASE_URL": args.database,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "REDIS_URL": f"redis://127.0.0.1:{args.redis_port}/{REDIS_DB}",
        "CACHE_KEY_PREFIX": "soak",
        "TASK_BACKEND": "django_tasks_db.DatabaseBackend",
        "EMAIL_BACKEND": "file",
        "EMAIL_FILE_PATH": str(mail_dir),
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "soak-bench-only-" + "k" * 50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": base,
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": str(ROOT),
    }
    python = sys.executable
    manage = [python, str(ROOT / "manage.py")]
    redis = Service(
        "redis",
        [
            redis_server,
            "--port",
            str(args.redis_port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
        ],
        env,
        work / "redis.log",
        supervised=False,  # the soak stops and starts it on purpose
    )
    web = Service(
        "web",
        [
            str(Path(python).parent / "gunicorn"),
            "portal.wsgi:application",
            f"--bind=127.0.0.1:{web_port}",
            f"--workers={WEB_WORKERS}",
            "--timeout=30",
            "--graceful-timeout=10",
            "--capture-output",
            f"--error-logfile={work / 'web.log'}",
        ],
        env,
        work / "web.out",
    )
    urgent = Service(
        "worker urgent,default",
        [
            *manage,
            "worker",
            "--queue-name",
            "urgent,default",
            "--no-reload",
            "--worker-id",
            "soak-urgent-default",
        ],
        env,
        work / "worker-urgent.log",
    )
    bulk = Service(
        "worker bulk",
        [*manage, "worker", "--queue-name", "bulk", "--no-reload", "--worker-id", "soak-bulk"],
        env,
        work / "worker-bulk.log",
    )
    tick = Service("tick", [*manage, "tick", "--enqueue", "--every", "10"], env, work / "tick.log")
    services = [redis, web, urgent, bulk, tick]
    supervisor = Supervisor(services)
    state = {"cleaned": False}

    def cleanup() -> None:
        if state["cleaned"]:
            return
        state["cleaned"] = True
        supervisor.stopping.set()
        for service in reversed(services):
            try:
                service.stop()
            except Exception as exc:
                print(f"could not stop {service.name}: {exc}", file=sys.stderr)
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: S110 - Django may not be loaded yet
            pass
        try:
            if args.keep:
                admin_execute(
                    args.database,
                    f'ALTER DATABASE "{db_name(args.database)}" ALLOW_CONNECTIONS true',
                )
            else:
                drop_database(args.database)
        except Exception as exc:
            print(f"could not drop/re-allow the database: {exc}", file=sys.stderr)
        shutil.rmtree(work, ignore_errors=True)

    atexit.register(cleanup)

    def on_term(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    try:
        return run(args, env, work, mail_dir, base, services, supervisor, cleanup)
    except KeyboardInterrupt:
        print("\ninterrupted: cleaning up", file=sys.stderr)
        return 130
    finally:
        cleanup()


def run(args, env, work, mail_dir, base, services, supervisor, cleanup) -> int:
    redis, web, urgent, bulk, tick = services
    os.environ.update(env)
    print(f"preparing: database {db_name(args.database)}, redis :{args.redis_port}/{REDIS_DB}")
    clock = time.monotonic()
    ensure_database(args.database)
    redis.start()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    subprocess.run(
        [sys.executable, "manage.py", "seed_demo"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    import django

    django.setup()
    from django.db import connection

    from outages import services as outages
    from portal.models import NotificationDelivery

    fibre = generate(args.customers)
    sessions, tokens = sessions_and_tokens()
    paths = public_paths()
    incident = outages.incident_declare(
        title="Soak: fibre down in the north",
        products=[fibre],
        impact="major",
        region="soak-north",
        message="We are looking into it.",
    )
    connection.close()
    for service in (urgent, bulk, tick, web):
        service.start()
    supervisor.start()
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    break
        except (OSError, urllib.error.URLError):
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"the portal did not become healthy; logs in {work}")
        time.sleep(0.5)
    print(f"  ready in {time.monotonic() - clock:.0f} s; {args.customers:,} outage customers")

    load = Load(base, sessions=sessions, tokens=tokens, paths=paths, max_requests=args.max_requests)
    faults: list[dict] = []
    t0 = time.monotonic()
    # Daemon threads: an interrupted soak never waits for a request in flight.
    threads = [threading.Thread(target=load.user, daemon=True) for _ in range(args.threads)]
    threads.append(threading.Thread(target=load.healthz, daemon=True))
    for thread in threads:
        thread.start()

    def at(fraction: float) -> None:
        wait = t0 + fraction * args.seconds - time.monotonic()
        if wait > 0:
            time.sleep(wait)

    def log(message: str) -> None:
        print(f"  [{time.monotonic() - t0:6.1f} s] {message}", flush=True)

    print(f"load: {args.threads} threads for {args.seconds} s against {base}")
    try:
        # The outage notice, then the task worker killed while it sends the emails.
        at(0.08)
        published = time.monotonic()
        db_retry(lambda: outages.incident_publish(incident=incident))
        log(f"outage published to {args.customers:,} customers")
        sending = False
        while time.monotonic() - published < 60:
            sending = db_retry(
                lambda: NotificationDelivery.objects.filter(
                    kind="outage_notice", channel="email", status="sending"
                ).exists()
            )
            if sending:
                break
            time.sleep(0.02)
        pid = urgent.proc.pid
        sent_before = db_retry(
            lambda: NotificationDelivery.objects.filter(
                kind="outage_notice", channel="email", status="sent"
            ).count()
        )
        kill_at = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        faults.append({"name": "task worker SIGKILL", "start": kill_at, "end": kill_at})
        log(
            f"SIGKILL task worker urgent,default (pid {pid}) "
            f"{'while sending' if sending else 'NOT while sending (never saw it sending)'}; "
            f"{sent_before:,} emails marked sent before"
        )

        at(0.3)
        name = db_name(args.database)
        start = time.monotonic()
        admin_execute(
            args.database,
            f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false',
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{name}' AND pid <> pg_backend_pid()",
        )
        log(f"database refuses connections for {args.db_down:.0f} s")
        time.sleep(args.db_down)
        admin_execute(args.database, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        faults.append(
            {"name": f"database down {args.db_down:.0f} s", "start": start, "end": time.monotonic()}
        )
        connection.close()
        log("database allows connections again")

        at(0.55)
        start = time.monotonic()
        redis.stop(timeout=10)
        log(f"redis stopped for {args.redis_down:.0f} s")
        time.sleep(args.redis_down)
        redis.start()
        faults.append({"name": "Redis restart", "start": start, "end": time.monotonic()})
        log("redis started again (empty)")

        at(0.8)
        victims = child_pids(web.proc.pid)
        victim = random.choice(victims)
        kill_at = time.monotonic()
        os.kill(victim, signal.SIGKILL)
        faults.append({"name": "web worker SIGKILL", "start": kill_at, "end": kill_at})
        log(f"SIGKILL gunicorn worker pid {victim} (of {len(victims)})")
        web_back = None
        while time.monotonic() - kill_at < 30:
            current = child_pids(web.proc.pid)
            if len(current) >= WEB_WORKERS and victim not in current:
                web_back = time.monotonic() - kill_at
                break
            time.sleep(0.05)
        faults[-1]["component"] = web_back

        at(1.0)
    finally:
        load.stop.set()
        for thread in threads:
            thread.join(timeout=30)
    log(f"load stopped: {len(load.samples):,} requests")

    # Component recovery of the task worker: its restart.
    worker_fault = faults[0]
    worker_fault["component"] = (
        urgent.restarts[0] - worker_fault["end"] if urgent.restarts else None
    )

    # Drain: the outage emails out (a delivery left "sending" by the killed worker is sent once
    # more after SENDING_STALE), then the ticker stopped and the queue empty.
    drain_start = time.monotonic()

    def emails_open() -> int:
        return NotificationDelivery.objects.filter(
            kind="outage_notice", channel="email", status__in=["pending", "sending"]
        ).count()

    def tasks_open() -> int:
        return sql(
            "SELECT count(*) FROM django_tasks_database_dbtaskresult "
            "WHERE status IN ('READY', 'RUNNING')"
        )[0][0]

    while time.monotonic() - drain_start < args.drain_timeout and db_retry(emails_open):
        time.sleep(1)
    tick.stop()
    while time.monotonic() - drain_start < args.drain_timeout and db_retry(tasks_open):
        time.sleep(0.5)
    drained_in = time.monotonic() - drain_start
    log(f"drain: {drained_in:.0f} s")

    # --- checks ------------------------------------------------------------------------------
    from tickets.models import Message, Ticket

    acked_ids = {pk for ids in load.acked_tickets.values() for pk in ids}
    existing = set(Ticket.objects.filter(pk__in=acked_ids).values_list("pk", flat=True))
    lost_tickets = len(acked_ids - existing)
    keys_with_two_ids = sum(1 for ids in load.acked_tickets.values() if len(ids) > 1)
    per_key = sql(
        "SELECT subject, count(*) FROM tickets_ticket WHERE subject LIKE 'soak %%' "
        "GROUP BY subject HAVING count(*) > 1"
    )
    soak_tickets = Ticket.objects.filter(subject__startswith="soak ").count()
    reply_ids = {pk for ids in load.acked_replies.values() for pk in ids}
    lost_replies = len(reply_ids) - Message.objects.filter(pk__in=reply_ids).count()
    reply_dupes = sql(
        "SELECT body, count(*) FROM tickets_message WHERE body LIKE 'soak reply %%' "
        "GROUP BY body HAVING count(*) > 1"
    )
    notification_dupes = sql(
        "SELECT user_id, event_key FROM portal_notification "
        "GROUP BY user_id, event_key HAVING count(*) > 1"
    )
    delivery_dupes = sql(
        "SELECT event_key, recipient_id, channel FROM portal_notificationdelivery "
        "GROUP BY event_key, recipient_id, channel HAVING count(*) > 1"
    )
    outage = NotificationDelivery.objects.filter(kind="outage_notice", channel="email")
    event_keys = set(outage.values_list("event_key", flat=True).distinct())
    addresses = set(outage.values_list("to_address", flat=True))
    statuses = Counter(outage.values_list("status", flat=True))
    resent = outage.filter(resent_after_crash=True).count()
    per_recipient = emails_per_recipient(mail_dir, event_keys)
    missing = len(addresses - set(per_recipient))
    extra = sum(n - 1 for n in per_recipient.values() if n > 1)
    worker_kills = 1
    tasks = Counter(
        dict(sql("SELECT status, count(*) FROM django_tasks_database_dbtaskresult GROUP BY 1"))
    )

    # --- report ------------------------------------------------------------------------------
    print()
    print(f"{len(load.samples):,} requests in {args.seconds} s ({args.threads} threads + healthz)")
    print()
    print("| request kind | count | errors (by status) | p50 | p95 |")
    print("|---|---:|---|---:|---:|")
    for kind in KINDS:
        mine = [s for s in load.samples if s.kind == kind]
        errors = Counter(s.status for s in mine if not ok_status(kind, s.status))
        shown = ", ".join(
            f"{n} x {'no answer' if status == 0 else status}"
            for status, n in sorted(errors.items())
        )
        times = [(s.finished - s.started) * 1000 for s in mine]
        print(
            f"| {kind} | {len(mine):,} | {sum(errors.values()) or 0}"
            f"{f' ({shown})' if shown else ''} | {percentile(times, 0.5):.0f} ms "
            f"| {percentile(times, 0.95):.0f} ms |"
        )
    print()
    print(
        "| fault | at | lasted | errors during + 10 s after | component back | healthz 200 | "
        + " | ".join(k for k in KINDS if k != "healthz")
        + " |"
    )
    print("|---|---:|---:|---:|---:|---:|" + "---:|" * (len(KINDS) - 1))
    slow = []
    for fault in faults:
        after = [s for s in load.samples if s.finished >= fault["end"]]
        window = [
            s
            for s in load.samples
            if fault["start"] <= s.finished <= fault["end"] + 10 and s.kind != "healthz"
        ]
        errors = sum(1 for s in window if not ok_status(s.kind, s.status))
        cells = []
        for kind in KINDS[-1:] + KINDS[:-1]:
            first = next(
                (
                    s
                    for s in sorted(after, key=lambda s: s.finished)
                    if s.kind == kind and ok_status(kind, s.status)
                ),
                None,
            )
            seconds = None if first is None else max(0.0, first.finished - fault["end"])
            if seconds is None or seconds > 10:
                slow.append(f"{fault['name']}: {kind}")
            cells.append("never" if seconds is None else f"{seconds:.1f} s")
        # The component itself: the killed process replaced (by the supervising loop or
        # gunicorn's master); for the database and Redis, /healthz (the next column) says it.
        if "component" not in fault:
            component_cell = "(healthz)"
        elif fault["component"] is None or fault["component"] > 10:
            slow.append(f"{fault['name']}: the process itself")
            component_cell = (
                "never" if fault["component"] is None else f"{fault['component']:.1f} s"
            )
        else:
            component_cell = f"{fault['component']:.1f} s"
        print(
            f"| {fault['name']} | {fault['start'] - t0:.0f} s "
            f"| {fault['end'] - fault['start']:.1f} s | {errors} | {component_cell} | "
            + " | ".join(cells)
            + " |"
        )
    print()
    checks = [
        ("acknowledged tickets lost", lost_tickets, f"of {len(acked_ids):,} acknowledged"),
        (
            "idempotency keys answered with two ticket ids",
            keys_with_two_ids,
            f"{len(load.acked_tickets):,} keys, {load.double_posts} posted twice at once",
        ),
        (
            "idempotency keys with more than one ticket",
            len(per_key),
            f"{soak_tickets:,} soak tickets in the database",
        ),
        ("acknowledged replies lost", lost_replies, f"of {len(reply_ids):,} acknowledged"),
        ("idempotency keys with more than one reply", len(reply_dupes), ""),
        ("duplicate notifications (user, event)", len(notification_dupes), ""),
        ("duplicate deliveries (event, recipient, channel)", len(delivery_dupes), ""),
        (
            "outage recipients without an email",
            missing,
            f"{len(addresses):,} recipients, {sum(per_recipient.values()):,} emails written",
        ),
        (
            f"extra outage emails (allowed: {worker_kills}, one per crashed worker)",
            max(0, extra - worker_kills),
            f"{extra} extra; {resent} delivery sent once more after the crash",
        ),
        (
            "outage email deliveries not sent",
            sum(n for s, n in statuses.items() if s != "sent"),
            ", ".join(f"{n:,} {s}" for s, n in sorted(statuses.items())),
        ),
        (
            "tasks READY or RUNNING after the drain",
            tasks.get("READY", 0) + tasks.get("RUNNING", 0),
            f"drain {drained_in:.0f} s; "
            + ", ".join(f"{n:,} {s}" for s, n in sorted(tasks.items())),
        ),
        ("tasks left RUNNING", tasks.get("RUNNING", 0), ""),
        ("recoveries slower than 10 s (or never)", len(slow), "; ".join(slow)),
    ]
    print("| check | found | |")
    print("|---|---:|---|")
    failed = 0
    for label, found, note in checks:
        failed += bool(found)
        print(f"| {label} | {'**' + str(found) + '**' if found else 0} | {note} |")
    print()
    restarts = ", ".join(f"{s.name} {len(s.restarts)}" for s in services if s.restarts)
    print(f"restarts by the supervising loop: {restarts or 'none'}")
    print("all checks passed" if not failed else f"{failed} check(s) FAILED (logs: {work})")
    if failed and os.environ.get("SOAK_KEEP_LOGS"):
        kept = Path(tempfile.mkdtemp(prefix="soak-logs-"))
        for log_file in work.glob("*.log"):
            shutil.copy(log_file, kept)
        print(f"logs copied to {kept}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
