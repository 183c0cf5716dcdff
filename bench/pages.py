"""Page throughput against a minimal Django view, measured with wrk in one run.

DESIGN.md target: public pages (home, a KB article, the status page, a forum thread) at >= 50%
of the requests/s of a minimal Django view on the same server and database; signed-in pages
(my tickets, the agent queue, search) at >= 20%.

What it does: migrates and seeds (``seed_demo``) a fresh SQLite database in a temporary
directory (or uses ``DATABASE_URL`` if set, e.g. PostgreSQL, which it migrates and seeds),
collects static files, starts gunicorn (sync workers, ``DEBUG=0``) with ``bench.settings``
(the portal plus ``/bench/minimal/``, a view that returns "ok" behind the same middleware),
then runs ``wrk`` against the baseline and each page in turn, alternating so that drift
affects both. Signed-in pages use a session of the demo persona (alice, customer; ada, agent).
Pages of parts that are not installed yet are listed as skipped.

    .venv/bin/python bench/pages.py [--duration 10] [--connections 8] [--workers 2]

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
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = 8099


@dataclass
class Page:
    label: str
    path: str
    persona: str | None  # None: anonymous
    target: float  # fraction of the baseline's requests/s


SESSION_SCRIPT = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from portal.models import User
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
from django.urls import NoReverseMatch, reverse
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
def public_thread():
    # The busiest thread an anonymous visitor may read (a private category's would be a 404).
    if not apps.is_installed("community"):
        return ""
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import Count
    Thread = apps.get_model("community", "Thread")
    thread = (
        Thread.objects.visible_to(AnonymousUser())
        .annotate(n=Count("posts"))
        .order_by("-n", "pk")
        .first()
    )
    return thread.get_absolute_url() if thread else ""
print("thread", public_thread())
"""


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


def status_of(url: str, cookie: str = "") -> int:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def wrk(url: str, *, seconds: int, connections: int, cookie: str = "") -> float:
    cmd = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", url]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(cmd, check=True, text=True, capture_output=True).stdout  # noqa: S603
    if "Non-2xx" in out:
        raise SystemExit(f"wrk saw non-2xx responses for {url}:\n{out}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not match:
        raise SystemExit(f"cannot read wrk output:\n{out}")
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
    for _ in range(100):
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
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
    }
    env.setdefault("DATABASE_URL", f"sqlite:///{tmp / 'portal.sqlite3'}")
    server = None
    try:
        print(f"database: {env['DATABASE_URL'].split('@')[-1]}; preparing (migrate, seed_demo)")
        manage(["migrate", "--noinput", "-v0"], env)
        manage(["seed_demo"], env)
        manage(["collectstatic", "--noinput", "-v0"], env)
        sessions = shell_lines(SESSION_SCRIPT, env)
        found = shell_lines(URLS_SCRIPT, env)
        pages = [
            Page("home (anonymous)", "/", None, 0.5),
            Page("KB index", "/kb/", None, 0.5),
            Page("KB article", found.get("article", ""), None, 0.5),
            Page("status page", "/status/", None, 0.5),
            Page("forum thread", found.get("thread", ""), None, 0.5),
            Page("home (alice)", "/", "alice", 0.2),
            Page("my tickets (alice)", "/tickets/", "alice", 0.2),
            Page("search (alice)", "/search/?q=internet", "alice", 0.2),
            Page("agent queue (ada)", "/desk/", "ada", 0.2),
        ]
        server = start_gunicorn(env, port=PORT, workers=args.workers)
        base = f"http://127.0.0.1:{PORT}"

        print(
            f"gunicorn: {args.workers} sync workers; wrk: {args.connections} connections, "
            f"{args.duration} s per run\n"
        )
        print(f"{'page':<22} {'path':<44} {'req/s':>8} {'baseline':>9} {'ratio':>6}  target")
        failures = 0
        for page in pages:
            cookie = f"sessionid={sessions[page.persona]}" if page.persona else ""
            status = status_of(base + page.path, cookie) if page.path else 404
            if status != 200:
                print(f"{page.label:<22} {page.path or '-':<44} skipped (HTTP {status}: not built)")
                continue
            baseline = wrk(
                f"{base}/bench/minimal/", seconds=args.duration, connections=args.connections
            )
            rate = wrk(
                base + page.path,
                seconds=args.duration,
                connections=args.connections,
                cookie=cookie,
            )
            ratio = rate / baseline
            ok = ratio >= page.target
            failures += not ok
            print(
                f"{page.label:<22} {page.path[:44]:<44} {rate:>8.0f} {baseline:>9.0f} "
                f"{ratio:>5.0%}  >= {page.target:.0%} {'met' if ok else 'NOT met'}"
            )
        print(f"\n{'all targets met' if not failures else f'{failures} target(s) not met'}")
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
