"""This portal side by side with django-helpdesk, on the same data, server and database server.

Issue 20: the agent's ticket list (default view and one queue), a ticket page, a ticket
search, a KB page and the customer's ticket list, in both, measured in one run: requests/s and
p95 latency under wrk, queries per page, and the ratio ours/theirs.

What it does:

1. The peer: a virtual environment of its own under ``var/peers/venv`` (made with uv, from the
   package registry: django-helpdesk, Django pinned to the portal's version, psycopg, gunicorn)
   and a minimal project around it (``bench/peers_helpdesk/``: settings, URLs, loader).
2. Ours (database ``bench_peer_ours``): ``bench/agent_queue.py``'s generator (COPY: 200
   organisations, 50,000 customers, 20 agents, 6 queues, N tickets over three years, 5% active),
   then messages: each ticket's first message and 0-4 replies (none for a new ticket), agents
   and customer alternating, written with one ``INSERT ... SELECT``; then ``bench/kb_search.py``'s
   bulk writer for the help centre (1,000 English articles in 40 categories, with their Italian
   translations); one customer (the one with the most tickets) gets a login.
3. Theirs (database ``bench_peer_helpdesk``): the peer's loader copies the same rows from ours
   into helpdesk's tables (same ids, subjects, statuses, priorities, dates, queues, submitters,
   assignees, replies, KB articles; see ``bench/peers_helpdesk/load.py``).
4. Queries per page: one request each (after a warm-up) through Django's test client with
   ``CaptureQueriesContext``, in each side's own process.
5. Timing: gunicorn (sync workers, ``DEBUG`` off) for theirs and for ours twice, with the
   page caches off (``PORTAL_SIGNED_IN_CACHE=0``, ``PORTAL_VISITOR_CACHE=0``: rendering against
   rendering) and on (what customers get; Redis as our cache, ``--redis``); then wrk against
   each page in turn (theirs, ours without, ours with the caches), signed in with a session
   cookie and the CSRF cookie the page hands out. helpdesk's lists are a page and a
   JSON request that its JavaScript makes once the page has loaded; each is measured, and the
   "page" row adds them up (time of both, in a row: 1 / (1/a + 1/b) requests/s, p95 of each
   added).

    .venv/bin/python bench/peers.py [--tickets 100000] [--keep] [--duration 10]
        [--connections 4] [--workers 2]

``--keep`` leaves both databases for a re-run with the same ``--tickets`` (the data is then
reused). Needs wrk (Debian: apt-get install wrk), uv (``.tools/bin/uv`` or on PATH) and a
PostgreSQL server (``--server postgres://postgres@127.0.0.1:5432``).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.agent_queue import drop_database, ensure_database  # noqa: E402

PEER_VENV = ROOT / "var" / "peers" / "venv"
PEER_PYTHON = PEER_VENV / "bin" / "python"
OURS_PORT, OURS_CACHED_PORT, THEIRS_PORT = 8111, 8112, 8113
KB_ARTICLES = 1000  # English ones (the help centre holds their Italian translations too)

# A wrk script that prints what its summary leaves out: p95 and the count of non-2xx answers.
WRK_LUA = """
done = function(summary, latency, requests)
  io.write(string.format("BENCH %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(95.0), summary.errors.status + summary.errors.timeout))
end
"""

MESSAGES_SQL = """
INSERT INTO tickets_message (ticket_id, author_id, author_role, internal, body, body_html,
    channel, created_at)
SELECT t.id,
    CASE WHEN k % 2 = 1 THEN t.assignee_id ELSE c.user_id END,
    CASE WHEN k % 2 = 1 THEN 'agent' ELSE 'customer' END,
    false,
    body.text,
    '<p>' || body.text || '</p>',
    'web',
    t.created_at + k * interval '3 hours'
FROM tickets_ticket t
JOIN portal_customer c ON c.id = t.customer_id
CROSS JOIN LATERAL generate_series(
    0, CASE WHEN t.status = 'new' THEN 0 ELSE abs(hashint4(t.id::int)) % 5 END
) AS k
CROSS JOIN LATERAL (
    SELECT CASE
        WHEN k = 0 THEN 'Hello, ' || lower(t.subject) || '. It started a few days ago and '
            || 'happens several times a day; I already restarted everything. Ticket '
            || t.id || ', please have a look.'
        WHEN k % 2 = 1 THEN 'Thank you for the details. We checked your account and the '
            || 'settings on our side; please try again now and tell us whether it works. '
            || 'Step ' || k || '.'
        ELSE 'It still happens, less often than before. Attached the details you asked '
            || 'for, reply ' || k || '.'
    END AS text
) body
"""


def ensure_peer_venv() -> str:
    """The peer's virtual environment (made once); returns its django-helpdesk version."""
    check = [str(PEER_PYTHON), "-c", "import helpdesk, gunicorn, psycopg"]
    if PEER_PYTHON.exists() and subprocess.run(check, capture_output=True).returncode == 0:  # noqa: S603
        return peer_version()
    uv = shutil.which("uv") or str(ROOT / ".tools" / "bin" / "uv")
    import django

    base = Path(sys.base_prefix) / "bin" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    print(f"making the peer's virtual environment in {PEER_VENV} ...", flush=True)
    subprocess.run([uv, "venv", "--python", str(base), str(PEER_VENV)], check=True, env=env)  # noqa: S603
    subprocess.run(  # noqa: S603
        [
            uv,
            "pip",
            "install",
            "--python",
            str(PEER_PYTHON),
            "django-helpdesk",
            f"Django=={django.get_version()}",
            "psycopg[binary]",
            "gunicorn",
        ],
        check=True,
        env=env,
    )
    return peer_version()


def peer_version() -> str:
    out = subprocess.run(  # noqa: S603
        [
            str(PEER_PYTHON),
            "-c",
            "from importlib.metadata import version; "
            "print(version('django-helpdesk'), version('django'), version('gunicorn'))",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def generate_ours(tickets: int) -> None:
    from django.db import connection, transaction

    from bench.agent_queue import generate
    from bench.kb_search import generate as generate_kb

    started = time.perf_counter()
    generate(tickets, datetime.now(UTC))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(MESSAGES_SQL)
        print(f"  messages: {cursor.rowcount:,}", flush=True)
    generate_kb(2 * KB_ARTICLES)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"  ours generated in {time.perf_counter() - started:.0f} s", flush=True)


def persona_customer() -> str:
    """The customer with the most tickets (and no organisation) gets a login: the same
    address signs in on both sides; returns it."""
    from django.db import connection, transaction

    from portal.models import Customer, User

    customer = Customer.objects.filter(user__isnull=False, customer_ref__startswith="B").first()
    if customer is None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT t.customer_id FROM tickets_ticket t "
                "JOIN portal_customer c ON c.id = t.customer_id "
                "WHERE c.organisation_id IS NULL GROUP BY t.customer_id "
                "ORDER BY count(*) DESC, t.customer_id LIMIT 1"
            )
            customer = Customer.objects.get(pk=cursor.fetchone()[0])
        with transaction.atomic():
            user = User.objects.create(email=customer.email, full_name=customer.name)
            user.set_unusable_password()
            user.save()
            customer.user = user
            customer.save(update_fields=["user"])
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE tickets_message SET author_id = %s FROM tickets_ticket t "
                    "WHERE t.id = tickets_message.ticket_id AND t.customer_id = %s "
                    "AND author_role = 'customer'",
                    [user.pk, customer.pk],
                )
    return customer.email


def existing_tickets(url: str, table: str) -> int | None:
    """How many tickets an earlier run left in ``url`` (None: no such database or table)."""
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=10) as conn:
            return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    except psycopg.Error:
        return None


def our_pages(tickets: int) -> tuple[list[dict], dict]:
    """Our pages and what the peer needs to find its own (the same ticket, queue, article)."""
    from django.db import connection

    from knowledgebase.models import ArticlePage

    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM tickets_queue ORDER BY position LIMIT 1 OFFSET 2")
        queue = cursor.fetchone()[0]
        # A resolved ticket with four replies, a thousand from the newest.
        cursor.execute(
            "SELECT id FROM tickets_ticket WHERE abs(hashint4(id::int)) %% 5 = 4 "
            "AND status <> 'new' ORDER BY id DESC LIMIT 1 OFFSET %s",
            [min(1000, tickets // 50)],
        )
        row = cursor.fetchone()
        if row is None:
            cursor.execute("SELECT max(id) FROM tickets_ticket")
            row = cursor.fetchone()
        ticket = row[0]
    article = (
        ArticlePage.objects.live()
        .filter(audience="public", locale__language_code="en")
        .order_by("path")[KB_ARTICLES // 2]
    )
    found = [
        ("agent list", "/desk/", "agent"),
        ("agent list, one queue", f"/desk/?queue={queue}", "agent"),
        ("ticket page", f"/desk/tickets/{ticket}/", "agent"),
        ("ticket search", "/desk/?q=router", "agent"),
        ("KB page", article.get_url(), "customer"),
        ("KB page (anonymous)", article.get_url(), None),
        ("customer list", "/tickets/", "customer"),
    ]
    pages = [{"label": label, "path": path, "persona": who} for label, path, who in found]
    return pages, {"queue": queue, "ticket": ticket, "article": article.pk}


def count_our_queries(pages: list[dict], emails: dict[str, str]) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from portal.models import User

    clients = {None: Client()}
    for persona, email in emails.items():
        clients[persona] = Client()
        clients[persona].force_login(User.objects.get(email=email))
    for page in pages:
        client = clients[page["persona"]]
        client.get(page["path"])  # warm-up
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page["path"])
        page["status"] = response.status_code
        page["queries"] = len(queries)
        page["bytes"] = len(response.content)


def our_session(email: str) -> str:
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from portal.models import User

    user = User.objects.get(email=email)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def get_page(port: int, path: str, cookie: str = "") -> tuple[int, list[str], str]:
    """The status of ``path``, the cookies it sets and its ``X-Page-Cache`` (hit, miss)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = conn.getresponse()
        response.read()
        return (
            response.status,
            response.headers.get_all("Set-Cookie") or [],
            response.headers.get("X-Page-Cache", ""),
        )
    finally:
        conn.close()


def get_status(port: int, path: str, cookie: str = "") -> int:
    return get_page(port, path, cookie)[0]


def start_server(
    python: Path, app: str, env: dict[str, str], *, port: int, workers: int, ready: str
) -> subprocess.Popen:
    server = subprocess.Popen(  # noqa: S603
        [
            str(python.parent / "gunicorn"),
            app,
            f"--workers={workers}",
            f"--bind=127.0.0.1:{port}",
            "--log-level=warning",
            "--no-control-socket",  # several servers (and other benchmarks) run at once
            "--timeout=300",  # helpdesk's ticket list takes seconds on a loaded machine
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(150):
        time.sleep(0.2)
        if server.poll() is not None:
            raise SystemExit(f"gunicorn for {app} on {port} exited")
        try:
            if get_status(port, ready) == 200:
                return server
        except OSError:
            continue
    server.terminate()
    raise SystemExit(f"gunicorn for {app} on {port} did not start")


def wrk(port: int, path: str, cookie: str, *, seconds: int, connections: int, lua: Path):
    """(requests/s, p95 in ms, requests) of ``path`` under wrk."""
    cmd = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--timeout=300s"]
    cmd += ["-s", str(lua), f"http://127.0.0.1:{port}{path}"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(cmd, check=True, text=True, capture_output=True).stdout  # noqa: S603
    match = re.search(r"^BENCH (\d+) (\d+) (\d+) (\d+)$", out, re.MULTILINE)
    if not match:
        raise SystemExit(f"cannot read wrk output:\n{out}")
    requests, micros, p95, errors = (int(g) for g in match.groups())
    if errors:
        raise SystemExit(f"wrk saw {errors} non-2xx answers or timeouts for {path}:\n{out}")
    return requests / (micros / 1e6), p95 / 1000, requests


def combine(parts: list[tuple[float, float, int]]) -> tuple[float, float, int]:
    """A page made of requests in a row: 1 / (1/a + 1/b) per second; p95s added."""
    return (
        1 / sum(1 / rate for rate, _, _ in parts),
        sum(p95 for _, p95, _ in parts),
        min(n for _, _, n in parts),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep both databases afterwards")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers each")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument(
        "--redis",
        default="redis://127.0.0.1:6379/0",
        help="our REDIS_URL (cache, sessions, page cache); '' for the database cache",
    )
    args = parser.parse_args()
    # A stop (SIGTERM) still runs the clean-up below: the servers are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing (Debian: apt-get install wrk)")
    ours_url = f"{args.server}/bench_peer_ours"
    theirs_url = f"{args.server}/bench_peer_helpdesk"

    versions = ensure_peer_venv()
    print(f"peer: django-helpdesk, Django, gunicorn {versions}", flush=True)

    os.environ["DATABASE_URL"] = ours_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("TASK_BACKEND", "django.tasks.backends.dummy.DummyBackend")
    # Queries are counted without the page caches (signed-in and anonymous visitors').
    os.environ["PORTAL_SIGNED_IN_CACHE"] = os.environ["PORTAL_VISITOR_CACHE"] = "0"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if args.redis:  # as deployed (README: production settings)
        os.environ["REDIS_URL"] = args.redis
        # A prefix of this run's own: no page cached by an earlier run (other data) is served.
        os.environ["CACHE_KEY_PREFIX"] = f"bench-peers-{int(time.time())}"
    # Sessions carry a hash keyed by SECRET_KEY: the servers must have the loaders' key.
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "k" * 50)
    existing = existing_tickets(ours_url, "tickets_ticket")
    fresh = existing != args.tickets
    ensure_database(ours_url, fresh=fresh)

    import django
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    if fresh:
        print(f"generating {args.tickets:,} tickets (ours) ...", flush=True)
        generate_ours(args.tickets)
    else:
        print(f"reusing {existing:,} tickets in {ours_url}")
    customer = persona_customer()
    agent = "agent0@bench.example"
    agents = [f"agent{n}@bench.example" for n in range(20)]
    pages, ids = our_pages(args.tickets)
    count_our_queries(pages, {"agent": agent, "customer": customer})
    sessions = {"agent": our_session(agent), "customer": our_session(customer)}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM tickets_message), "
            "pg_size_pretty(pg_database_size(current_database())), version()"
        )
        messages, size, pg_version = cursor.fetchone()
    connection.close()
    print(f"ours: {args.tickets:,} tickets, {messages:,} messages, {size}", flush=True)

    # Theirs: the peer's loader, in the peer's virtual environment.
    reuse = not fresh and existing_tickets(theirs_url, "helpdesk_ticket") == args.tickets
    print(f"{'reusing' if reuse else 'loading'} theirs ({theirs_url}) ...", flush=True)
    started = time.perf_counter()
    peer_env = {**os.environ, "PYTHONPATH": str(ROOT)}
    peer_env.pop("DJANGO_SETTINGS_MODULE")
    peer_env.pop("DATABASE_URL")
    loaded = subprocess.run(  # noqa: S603
        [
            str(PEER_PYTHON),
            "bench/peers_helpdesk/load.py",
            "--source",
            ours_url,
            "--database",
            theirs_url,
            "--agents",
            ",".join(agents),
            "--customer",
            customer,
            "--ticket",
            str(ids["ticket"]),
            "--article",
            str(ids["article"]),
            "--queue",
            str(ids["queue"]),
            *(["--reuse"] if reuse else []),
        ],
        cwd=ROOT,
        env=peer_env,
        check=False,
        capture_output=True,
        text=True,
    )
    if loaded.returncode:
        raise SystemExit(f"the peer's loader failed:\n{loaded.stderr[-4000:]}")
    theirs = json.loads(loaded.stdout.strip().splitlines()[-1])
    print(
        f"theirs: {theirs['tickets']:,} tickets, {theirs['followups']:,} follow-ups, "
        f"{theirs['kb_items']:,} KB items, {theirs['size']} "
        f"({time.perf_counter() - started:.0f} s)",
        flush=True,
    )
    for page in pages + theirs["pages"]:
        if page["status"] != 200:
            raise SystemExit(f"{page['path']} answered {page['status']} in-process")

    tmp = Path(tempfile.mkdtemp(prefix="bench-peers-"))
    lua = tmp / "p95.lua"
    lua.write_text(WRK_LUA)
    common = {
        **os.environ,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    servers: list[subprocess.Popen] = []
    try:
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env={**common, "DJANGO_SETTINGS_MODULE": "bench.settings"},
            check=True,
        )
        for port, cache in ((OURS_PORT, "0"), (OURS_CACHED_PORT, "1")):
            servers.append(
                start_server(
                    Path(sys.executable),
                    "portal.wsgi:application",
                    {**common, "DJANGO_SETTINGS_MODULE": "bench.settings"}
                    | {"PORTAL_SIGNED_IN_CACHE": cache, "PORTAL_VISITOR_CACHE": cache},
                    port=port,
                    workers=args.workers,
                    ready="/bench/minimal/",
                )
            )
        servers.append(
            start_server(
                PEER_PYTHON,
                "bench.peers_helpdesk.wsgi:application",
                {**peer_env, "PEER_DATABASE_URL": theirs_url},
                port=THEIRS_PORT,
                workers=args.workers,
                ready="/kb/",
            )
        )
        print(
            f"\ngunicorn: {args.workers} sync workers each; wrk: {args.connections} connections,"
            f" {args.duration} s a run; load average before: {os.getloadavg()[0]:.1f}\n",
            flush=True,
        )

        jar: dict[tuple[int, str | None], str] = {}
        hits: dict[tuple[int, str], str] = {}  # the last warm-up's X-Page-Cache

        def measure(port: int, page: dict, session: dict) -> tuple[float, float, int]:
            key = (port, page["persona"])
            persona = page["persona"]
            cookie = jar.setdefault(key, f"sessionid={session[persona]}" if persona else "")
            for _ in range(3):  # warm-up; a redirect to the login would be a wrong figure
                status, set_cookies, page_cache = get_page(port, page["path"], cookie)
                if status != 200:
                    raise SystemExit(f"{page['path']} on {port} answered {status}")
                # Keep the CSRF cookie a page hands out, as a browser does (without it every
                # request gets a new one, and a response that sets a cookie is never cached).
                for header in set_cookies:
                    name, _, rest = header.partition("=")
                    if name.strip() == "csrftoken" and "csrftoken=" not in cookie:
                        cookie = "; ".join(
                            filter(None, [cookie, f"csrftoken={rest.split(';')[0]}"])
                        )
                        jar[key] = cookie
            result = wrk(
                port,
                page["path"],
                cookie,
                seconds=args.duration,
                connections=args.connections,
                lua=lua,
            )
            hits[port, page["label"]] = page_cache
            if result[2] < 20:  # too few for a p95: again, long enough for about 20
                seconds = min(90, round(20 / result[0]) + 2) if result[2] else 90
                result = wrk(
                    port,
                    page["path"],
                    cookie,
                    seconds=seconds,
                    connections=args.connections,
                    lua=lua,
                )
            return result

        rows = []
        for page in pages:
            wanted = (page["label"], page["label"] + " data")
            parts = [p for p in theirs["pages"] if p["label"] in wanted]
            their_parts = [measure(THEIRS_PORT, p, theirs["sessions"]) for p in parts]
            their = combine(their_parts)
            plain = measure(OURS_PORT, page, sessions)
            cached = measure(OURS_CACHED_PORT, page, sessions)
            row = {
                "label": page["label"],
                "ours_path": page["path"],
                "theirs_paths": [p["path"] for p in parts],
                "ours_queries": page["queries"],
                "theirs_queries": sum(p["queries"] for p in parts),
                "theirs_parts": [
                    (p["label"], p["queries"], *m) for p, m in zip(parts, their_parts, strict=True)
                ],
                "theirs": their,
                "ours": plain,
                "ours_cached": cached,
            }
            rows.append(row)
            print(
                f"  {page['label']:<22} theirs {their[0]:7.1f}/s p95 {their[1]:7.1f} ms "
                f"(n={their[2]}) | ours {plain[0]:7.1f}/s p95 {plain[1]:7.1f} ms (n={plain[2]}) "
                f"| cached {cached[0]:7.1f}/s p95 {cached[1]:7.1f} ms (n={cached[2]}; "
                f"X-Page-Cache: {hits.get((OURS_CACHED_PORT, page['label'])) or '-'})",
                flush=True,
            )
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
        for server in servers:
            server.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)

    report(rows, args, theirs, messages, size, pg_version, versions)
    out = ROOT / "var" / "peers" / f"last-{args.tickets}.json"
    out.write_text(json.dumps({"rows": rows, "theirs": theirs, "args": vars(args)}, indent=1))
    print(f"\nfigures also in {out.relative_to(ROOT)}")
    if not args.keep:
        drop_database(ours_url)
        drop_database(theirs_url)


def report(rows, args, theirs, messages, size, pg_version, versions) -> None:
    print(
        f"\n{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} CPUs; load average after: "
        f"{os.getloadavg()[0]:.1f}; Python {platform.python_version()}; "
        f"{pg_version.split(',')[0]}; django-helpdesk, Django, gunicorn: {versions}; "
        f"our cache: {'Redis' if args.redis else 'database'}"
    )
    print(
        f"data: {args.tickets:,} tickets each; ours {messages:,} messages ({size}); theirs "
        f"{theirs['followups']:,} follow-ups + descriptions, {theirs['kb_items']:,} KB items "
        f"({theirs['size']})\n"
    )
    print(
        "| page | queries ours / theirs | theirs req/s | p95 | ours req/s | p95 | ours/theirs "
        "req/s, p95 | ours cached req/s | p95 | cached/theirs req/s, p95 |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        their, plain, cached = row["theirs"], row["ours"], row["ours_cached"]
        print(
            f"| {row['label']} | {row['ours_queries']} / {row['theirs_queries']} "
            f"| {their[0]:.1f} | {their[1]:.0f} ms | {plain[0]:.1f} | {plain[1]:.0f} ms "
            f"| {plain[0] / their[0]:.2f}x, {plain[1] / their[1]:.2f}x "
            f"| {cached[0]:.1f} | {cached[1]:.0f} ms "
            f"| {cached[0] / their[0]:.2f}x, {cached[1] / their[1]:.2f}x |"
        )
    print("\nqueries: ours/theirs (theirs: page + data request where the list loads by JSON)")
    print("ours/theirs: requests/s (above 1: ours serves more) and p95 (below 1: ours is faster)")
    for row in rows:
        if len(row["theirs_parts"]) > 1:
            parts = "; ".join(
                f"{label}: {queries} queries, {rate:.1f}/s, p95 {p95:.1f} ms ({n} requests)"
                for label, queries, rate, p95, n in row["theirs_parts"]
            )
            print(f"  theirs, {row['label']}: {parts}")
    print("\npaths:")
    for row in rows:
        print(f"  {row['label']}: ours {row['ours_path']}; theirs {', '.join(row['theirs_paths'])}")


if __name__ == "__main__":
    main()
