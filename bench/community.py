"""Forum pages under load: a thread with 200 posts and a category of 100,000 threads, against
a minimal Django view on the same server and database, with wrk.

Target (issue 7): the thread page (200 posts) and the category page (100,000 threads) at
>= 50% of the requests/s of a minimal Django view; queries per page constant (asserted in
``tests/community/test_pages.py``; printed here for each measured page as well).

What it does: creates (or reuses) its own PostgreSQL database (``bench_community``), migrates
it and fills it in bulk (``INSERT ... SELECT generate_series``, no services): 500 members with
forum profiles, 12 tags, a public category "Bench big" with N threads (one question post each,
two tags each, a few pinned, a mix of questions and discussions, solved and unsolved) and a
public category "Bench thread" with one thread of 200 posts (the question and 199 answers with
rendered Markdown, one accepted, staff answers, votes); then ``VACUUM ANALYZE``. It counts the
queries of each page in-process (Django test client), collects static files, starts gunicorn
(sync workers, ``DEBUG=0``, ``bench.settings``: the portal plus ``/bench/minimal/``), and runs
wrk against the baseline and each page in turn, alternating so that drift affects both:

- thread, first page and last page of answers (30 per page);
- category, first page and a deep page (the last one: the largest OFFSET).

Anonymous visitors (the public forum is what search engines and most readers hit).

    .venv/bin/python bench/community.py [--threads 100000] [--duration 10] [--connections 8]
        [--workers 2] [--keep] [--database postgres://postgres@127.0.0.1:5432/bench_community]

``--keep`` leaves the database for a re-run (a second run with the same ``--threads`` reuses the
data). Needs wrk (Debian: apt-get install wrk).
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.agent_queue import drop_database, ensure_database  # noqa: E402
from bench.pages import start_gunicorn, status_of, wrk  # noqa: E402

MEMBERS, TAGS, THREAD_POSTS = 500, 12, 200
TARGET = 0.5  # issue 7: public forum pages, for anonymous visitors
MEMBER = 0.2  # DESIGN.md: signed-in pages (never served from the visitor page cache)
TOPICS = (
    "router restarts every evening",
    "slow speeds since the upgrade",
    "TV box shows no picture",
    "mobile data abroad",
    "charged twice this month",
    "invoice shows the old address",
    "Wi-Fi drops in the bedroom",
    "voicemail greeting lost",
    "porting my number",
    "fibre installation date",
    "parental controls on the TV app",
    "SIM card not recognised",
    "email on the new phone",
    "roaming charges",
    "upgrade to a faster plan",
)
ANSWER = """Thanks for the details. Here is what fixed it for me:

1. Open the **app** and go to *Settings → Network*.
2. Turn `Smart connect` off, wait ten seconds and turn it on again.
3. If the light stays orange, hold the reset button for ten seconds.

> The router keeps your Wi-Fi name and password after a reset.

More in the [help centre](https://example.com/kb/router) if that does not help. @member-{m}
"""


def generate(threads: int, now: datetime) -> dict[str, int]:
    """Fill the database; returns the ids of what the pages show."""
    from django.db import connection, transaction

    from community.models import Category, MemberProfile, Post, Tag, Thread, Vote
    from community.rendering import render_post
    from portal.models import User

    with transaction.atomic():
        members = User.objects.bulk_create(
            User(
                email=f"member{n}@bench.example",
                full_name=f"Member {n}",
                password="!",  # noqa: S106 - unusable password
            )
            for n in range(MEMBERS)
        )
        MemberProfile.objects.bulk_create(
            MemberProfile(user=user, handle=f"member-{n}", reputation=n % 300)
            for n, user in enumerate(members)
        )
        tags = Tag.objects.bulk_create(Tag(name=f"tag {n}", slug=f"tag-{n}") for n in range(TAGS))
        big = Category.objects.create(name="Bench big", slug="bench-big", order=1)
        single = Category.objects.create(name="Bench thread", slug="bench-thread", order=2)
        member_ids = [m.pk for m in members]
        tag_ids = [t.pk for t in tags]
        with connection.cursor() as cursor:
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
                       g > %(n)s - 3, false, false, false, false,
                       g %% 3 = 0, g %% 7, g %% 11 - 2, g %% 500, 1,
                       %(now)s - (%(n)s - g) * interval '4 minutes',
                       %(now)s - (%(n)s - g) * interval '4 minutes' + interval '1 minute',
                       (%(members)s::bigint[])[1 + (g * 7) %% %(nmembers)s]
                FROM generate_series(1, %(n)s) AS g
                """,
                {
                    "category": big.pk,
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
                FROM community_thread WHERE category_id = %s
                """,
                [big.pk],
            )
            cursor.execute(
                """
                INSERT INTO community_thread_tags (thread_id, tag_id)
                SELECT id, (%(tags)s::bigint[])[1 + id %% %(ntags)s] FROM community_thread
                WHERE category_id = %(category)s
                UNION ALL
                SELECT id, (%(tags)s::bigint[])[1 + (id + 5) %% %(ntags)s] FROM community_thread
                WHERE category_id = %(category)s
                """,
                {"tags": tag_ids, "ntags": len(tag_ids), "category": big.pk},
            )
        # The long thread: the question and 199 answers (rendered once, as the services do).
        start = now - timedelta(days=30)
        thread = Thread.objects.create(
            category=single,
            title="Router light blinks orange after the firmware update",
            author=members[0],
            created_at=start,
            last_activity_at=now,
            last_poster=members[1],
            answer_count=THREAD_POSTS - 1,
            follower_count=1,
        )
        html = {m: render_post(ANSWER.format(m=m), handles={f"member-{m}"}) for m in range(5)}
        posts = Post.objects.bulk_create(
            Post(
                thread=thread,
                author=members[n % MEMBERS],
                is_question=n == 0,
                body_markdown=ANSWER.format(m=n % 5),
                body_html=html[n % 5],
                score=(n * 7) % 13 - 3,
                is_staff_answer=n % 17 == 0 and n > 0,
                created_at=start + timedelta(minutes=10 * n),
            )
            for n in range(THREAD_POSTS)
        )
        accepted = posts[42]
        Thread.objects.filter(pk=thread.pk).update(
            accepted_answer=accepted, is_solved=True, first_answer_at=posts[1].created_at
        )
        thread.tags.set(tags[:3])
        Vote.objects.bulk_create(
            Vote(post=post, voter=members[(i * 13 + 1) % MEMBERS], value=1)
            for i, post in enumerate(posts)
            if i % 3 == 0 and post.author_id != members[(i * 13 + 1) % MEMBERS].pk
        )
    return {"thread": thread.pk}


def member_session() -> str:
    """A session of a signed-in member (``member1``), for the member rows."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from portal.models import User

    user = User.objects.get(email="member1@bench.example")
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def count_queries(paths: list[str], *, cookie: str) -> dict[tuple[str, str], int]:
    """Queries per page for a visitor and for a member, without the page cache (the second
    request: the first writes the daily view row)."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    plain = "django.contrib.staticfiles.storage.StaticFilesStorage"  # no manifest needed
    counts = {}
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": plain}}
    with override_settings(STORAGES=storages, PORTAL_VISITOR_CACHE=False):
        for reader, headers in (("visitor", {}), ("member", {"Cookie": cookie})):
            client = Client(headers=headers)
            for path in paths:
                client.get(path)
                with CaptureQueriesContext(connection) as ctx:
                    response = client.get(path)
                if response.status_code != 200:
                    raise SystemExit(f"{path} ({reader}): HTTP {response.status_code}")
                counts[reader, path] = len(ctx)
    return counts


def free_port() -> int:
    """A port nobody listens on (bench/pages.py may be running on its fixed one)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/bench_community")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if not args.database.startswith("postgres"):
        sys.exit("this benchmark needs PostgreSQL (--database postgres://...)")
    if args.threads < 100:
        sys.exit("--threads: at least 100")

    env = {
        **os.environ,
        "DATABASE_URL": args.database,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-" + "k" * 50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
        "TASK_BACKEND": "django.tasks.backends.dummy.DummyBackend",
    }
    os.environ.update(env)
    ensure_database(args.database, fresh=False)

    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    call_command("migrate", verbosity=0)
    from community.models import Category, Thread

    big = Category.objects.filter(slug="bench-big").first()
    existing = Thread.objects.filter(category=big).count() if big else 0
    if existing != args.threads:
        connection.close()
        ensure_database(args.database, fresh=True)
        call_command("migrate", verbosity=0)
        print(f"generating {args.threads:,} threads and a thread of {THREAD_POSTS} posts ...")
        began = time.perf_counter()
        ids = generate(args.threads, datetime.now(UTC))
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(f"  done in {time.perf_counter() - began:.1f} s")
    else:
        print(f"reusing {existing:,} threads in {args.database}")
        ids = {"thread": Thread.objects.get(category__slug="bench-thread").pk}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database())), version()")
        size, version = cursor.fetchone()
    print(f"database: {size}; {version.split(',')[0]}")

    from community.views.pages import ANSWERS_PER_PAGE, THREADS_PER_PAGE

    last_answers = math.ceil((THREAD_POSTS - 1) / ANSWERS_PER_PAGE)
    last_threads = math.ceil(args.threads / THREADS_PER_PAGE)
    thread = f"/community/t/{ids['thread']}/"
    pages = [
        ("thread, first page", thread),
        (f"thread, page {last_answers} (last)", f"{thread}?page={last_answers}"),
        ("category, first page", "/community/c/bench-big/"),
        (f"category, page {last_threads:,} (last)", f"/community/c/bench-big/?page={last_threads}"),
    ]
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    cookie = f"sessionid={member_session()}"
    queries = count_queries([path for _, path in pages], cookie=cookie)
    connection.close()
    port = free_port()
    server = start_gunicorn(env, port=port, workers=args.workers)
    base = f"http://127.0.0.1:{port}"
    failures = 0
    try:
        print(
            f"gunicorn: {args.workers} sync workers; wrk: {args.connections} connections, "
            f"{args.duration} s per run\n"
        )
        print(
            f"{'page':<30} {'reader':<9} {'queries':>7} {'req/s':>8} {'baseline':>9} "
            f"{'ratio':>6}  target"
        )
        for reader, session, target in (("visitor", "", TARGET), ("member", cookie, MEMBER)):
            for label, path in pages:
                if status_of(base + path, session) != 200:
                    raise SystemExit(f"{path} ({reader}): not 200")
                baseline = wrk(
                    f"{base}/bench/minimal/", seconds=args.duration, connections=args.connections
                )
                rate = wrk(
                    base + path,
                    seconds=args.duration,
                    connections=args.connections,
                    cookie=session,
                )
                ratio = rate / baseline
                ok = ratio >= target
                failures += not ok
                print(
                    f"{label:<30} {reader:<9} {queries[reader, path]:>7} {rate:>8.0f} "
                    f"{baseline:>9.0f} {ratio:>5.0%}  >= {target:.0%} "
                    f"{'met' if ok else 'NOT met'}"
                )
        print(f"\n{'all targets met' if not failures else f'{failures} target(s) not met'}")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        if not args.keep:
            drop_database(args.database)


if __name__ == "__main__":
    main()
