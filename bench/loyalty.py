"""Loyalty at scale: 100,000 members, 1,000,000 ledger rows on PostgreSQL.

Targets (issue 15): the balance (``GET /api/v1/loyalty/me``) and the loyalty page
(``GET /me/loyalty/``) under 50 ms at p95; the expiry pass (``points_expire_pass``) under 60 s.

What it does: creates its own PostgreSQL database (``bench_loyalty``), migrates it and fills
it with COPY (``bench/pgdata.py``): N customers with a login and a loyalty account (tiers
spread over Bronze, Silver and Gold), ten ledger rows each over the last two years (earns
expiring after ``LOYALTY_POINTS_EXPIRE_DAYS``, one redemption in five customers), cached
balances set from the ledger; a rewards catalogue; ``VACUUM ANALYZE``. Then, in-process
through Django's test client (the whole middleware stack, ``DEBUG=0``), signed in as random
members: R requests of each endpoint, p50/p95/max; then the expiry pass, timed, and a check
that every cached balance still equals its ledger sum and none is negative.

    .venv/bin/python bench/loyalty.py [--members 100000] [--requests 300] [--keep]
        [--database postgres://postgres@127.0.0.1:5432/bench_loyalty]
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pgdata import copy_customers, copy_rows, drop_database, ensure_database  # noqa: E402

ROWS_PER_MEMBER = 10
TARGET_MS = 50
EXPIRY_TARGET_S = 60


def generate(members: int, now: datetime, expire_days: int) -> list[int]:
    from django.db import connection

    from loyalty.models import Tier

    tiers = list(Tier.objects.order_by("rank").values_list("pk", flat=True))
    rng = random.Random(15)
    with connection.cursor() as cursor:
        customers = copy_customers(cursor, members, tag="loyal", now=now)
        ids = [customers[n] for n in range(members)]
        copy_rows(
            cursor,
            "loyalty_account",
            ["customer_id", "balance", "tier_id", "tier_since", "referral_code", "updated_at"],
            (
                (pk, 0, tiers[min(n % 10 // 4, len(tiers) - 1)], now, f"b{n:07d}", now)
                for n, pk in enumerate(ids)
            ),
        )

        def ledger():
            for n, pk in enumerate(ids):
                spent = 0
                for i in range(ROWS_PER_MEMBER):
                    at = now - timedelta(days=rng.randrange(0, 730), minutes=i)
                    if i == ROWS_PER_MEMBER - 1 and n % 5 == 0 and spent == 0:
                        yield (pk, "redeem", -50, "Reward", "", "redemption", f"r{n}", at, None)
                        continue
                    points = rng.randrange(10, 200)
                    expires = at + timedelta(days=expire_days)
                    yield (
                        pk,
                        "earn",
                        points,
                        "Order",
                        "purchase",
                        "purchase",
                        f"p{n}-{i}",
                        at,
                        expires,
                    )

        copy_rows(
            cursor,
            "loyalty_pointsentry",
            [
                "customer_id",
                "kind",
                "points",
                "reason",
                "rule",
                "source_type",
                "source_id",
                "created_at",
                "expires_at",
            ],
            ledger(),
        )
        cursor.execute(
            "UPDATE loyalty_account a SET balance = s.total FROM (SELECT customer_id, "
            "SUM(points) AS total FROM loyalty_pointsentry GROUP BY customer_id) s "
            "WHERE s.customer_id = a.customer_id"
        )
        cursor.execute(
            "INSERT INTO loyalty_reward (name, description, kind, cost, value, currency, causes, "
            "active, valid_days) VALUES "
            "('10 off', '', 'discount_code', 500, 10, 'EUR', '', true, 90), "
            "('Trees', '', 'donation', 200, 5, 'EUR', 'Forests', true, 90), "
            "('Upgrade', '', 'upgrade', 1500, 15, 'EUR', '', true, 90)"
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return ids


def measure(client, users: list, path: str, requests: int) -> list[float]:
    times = []
    for n in range(requests):
        client.force_login(users[n % len(users)])
        started = time.perf_counter()
        response = client.get(path, secure=True)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return times


def report(label: str, times: list[float]) -> float:
    times = sorted(times)
    p95 = times[int(len(times) * 0.95) - 1]
    verdict = "met" if p95 < TARGET_MS else "NOT met"
    print(
        f"  {label:<28} p50 {statistics.median(times):6.1f} ms   p95 {p95:6.1f} ms   "
        f"max {times[-1]:6.1f} ms   (target p95 < {TARGET_MS} ms: {verdict})",
        flush=True,
    )
    return p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/bench_loyalty")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if not args.database.startswith("postgres"):
        sys.exit("this benchmark needs PostgreSQL (--database postgres://...)")
    os.environ.update(
        {
            "DATABASE_URL": args.database,
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DEBUG": "0",
            "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-loyalty-not-secret"),
        }
    )
    ensure_database(args.database)
    import django
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG=0: the manifest
    from loyalty.models import Account, PointsEntry
    from loyalty.services.expiry import points_expire_pass
    from portal.models import User

    now = datetime.now(UTC)
    print(
        f"generating {args.members:,} members, {args.members * ROWS_PER_MEMBER:,} ledger rows",
        flush=True,
    )
    started = time.perf_counter()
    ids = generate(args.members, now, settings.LOYALTY_POINTS_EXPIRE_DAYS)
    print(
        f"  done in {time.perf_counter() - started:.0f} s ({PointsEntry.objects.count():,} rows)",
        flush=True,
    )

    rng = random.Random(7)
    sample = rng.sample(ids, min(args.requests, len(ids)))
    users = list(User.objects.filter(customer__pk__in=sample))
    client = Client()
    measure(client, users[:20], "/me/loyalty/", 20)  # warm up (templates, connections)
    print(f"{args.requests} requests each, random members, in-process:", flush=True)
    p95_balance = report(
        "balance (API /loyalty/me)", measure(client, users, "/api/v1/loyalty/me", args.requests)
    )
    p95_page = report("page /me/loyalty/", measure(client, users, "/me/loyalty/", args.requests))
    report(
        "baseline /me/notifications/",
        measure(client, users, "/me/notifications/", args.requests),
    )  # a signed-in page of the same layout, for scale on this machine

    started = time.perf_counter()
    expired = points_expire_pass()
    seconds = time.perf_counter() - started
    verdict = "met" if seconds < EXPIRY_TARGET_S else "NOT met"
    print(
        f"  expiry pass: {expired:,} customers lost points in {seconds:.1f} s "
        f"(target < {EXPIRY_TARGET_S} s: {verdict})",
        flush=True,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM loyalty_account a JOIN (SELECT customer_id, SUM(points) AS t "
            "FROM loyalty_pointsentry GROUP BY customer_id) s ON s.customer_id = a.customer_id "
            "WHERE a.balance <> s.t OR a.balance < 0"
        )
        wrong = cursor.fetchone()[0]
    print(f"  balances differing from the ledger or negative after the pass: {wrong}", flush=True)
    print(f"  accounts: {Account.objects.count():,}", flush=True)
    connection.close()
    if not args.keep:
        drop_database(args.database)
    ok = p95_balance < TARGET_MS and p95_page < TARGET_MS and seconds < EXPIRY_TARGET_S
    sys.exit(0 if ok and wrong == 0 else 1)


if __name__ == "__main__":
    main()
