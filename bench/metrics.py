"""Benchmark the insights metrics over 10,000,000 interactions on PostgreSQL.

DESIGN.md target: metrics over 10M interactions, a full report in < 2 s and within 1.5x of
the equivalent hand-written SQL aggregate, measured in the same run.

What it does: creates (or reuses) its own PostgreSQL database, migrates it and fills it
with ``INSERT ... SELECT generate_series`` (100,000 customers, 1,000,000 purchases over two
years with 3% refunds and 2% free orders, N interactions over the last year across kinds
and channels with the tickets' resolution metadata, 200,000 answered surveys), then VACUUM
ANALYZE and the rollups. The hand-written SQL counts an order as the engine does
(``portal.models.purchases.ORDER_SQL``: ``amount >= 0``; refunds are not orders). It
times, for the last 365 days:

1. the rollup-served metrics through ``insights.metrics`` against hand-written SQL on the
   same rollups (and the raw-table numbers for scale);
2. the dashboard's data (``insights.dashboard.dashboard()``) against the same numbers in
   hand-written SQL (``dashboard_sql``), cold (cache empty) and warm (after the periodic
   task's warm-up), checking that both agree; the ratios are the target's "within 1.5x";
3. ``GET /admin/insights/`` cold and warm, ``report()`` and the CLV fit.

    .venv/bin/python bench/metrics.py [--interactions 10000000] [--repeat 3] [--keep]
        [--database postgres://postgres@127.0.0.1:5432/bench_insights]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import dashboard_sql  # noqa: E402
from agent_queue import drop_database, ensure_database  # noqa: E402

CUSTOMERS, PURCHASES, SURVEYS = 100_000, 1_000_000, 200_000
KINDS = (
    ["kb_view"] * 30
    + ["login"] * 15
    + ["search"] * 15
    + ["ticket_open"] * 5
    + ["ticket_reply"] * 8
    + ["ticket_resolved"] * 4
    + ["deflection"] * 3
    + ["catalogue_request"] * 4
    + ["catalogue_fulfilled"] * 3
    + ["forum_view"] * 8
    + ["forum_post"] * 2
    + ["forum_answer"] * 2
    + ["purchase"] * 1
)
CHANNELS = ["web"] * 6 + ["email", "api", "community", "phone", "chat", "shop"]


def _array(values: list[str]) -> str:
    return "ARRAY[" + ",".join(f"'{v}'" for v in values) + "]"


def generate(cursor, interactions: int) -> None:
    started = time.perf_counter()
    cursor.execute(
        "INSERT INTO portal_product (name, slug, kind, category, description, is_active) "
        "SELECT 'Bench ' || g, 'bench-' || g, 'service', '', '', true "
        "FROM generate_series(1, 3) g"
    )
    cursor.execute(
        "INSERT INTO portal_customer (customer_ref, name, email, is_org_admin, language, "
        "consent_surveys, consent_marketing, created_at) "
        "SELECT 'B-' || g, 'Customer ' || g, '', false, 'en', true, false, "
        "now() - random() * interval '730 days' FROM generate_series(1, %s) g",
        [CUSTOMERS],
    )
    cursor.execute("SELECT min(id) FROM portal_customer")
    (first,) = cursor.fetchone()
    cursor.execute(
        "INSERT INTO portal_purchase (customer_id, ordered_at, amount, currency, product_id, "
        "source, order_ref, imported_at) "
        "SELECT %s + (random() * (%s - 1))::int, now() - random() * interval '730 days', "
        "CASE WHEN random() < 0.03 THEN -round((random() * 50)::numeric, 2) "
        "WHEN random() < 0.02 THEN 0 "  # free orders: orders like any other
        "ELSE round((5 + random() * 120)::numeric, 2) END, 'EUR', NULL, 'bench', 'O-' || g, now() "
        "FROM generate_series(1, %s) g",
        [first, CUSTOMERS, PURCHASES],
    )
    print(f"  customers and purchases: {time.perf_counter() - started:.0f} s", flush=True)
    kinds, channels = _array(KINDS), _array(CHANNELS)
    batch = 1_000_000
    for offset in range(0, interactions, batch):
        size = min(batch, interactions - offset)
        cursor.execute(
            "INSERT INTO portal_interaction (kind, channel, customer_id, visitor, target_id, "
            "metadata, occurred_at) "
            f"SELECT k, ({channels})[1 + floor(random() * {len(CHANNELS)})::int], "
            "CASE WHEN random() < 0.9 THEN %s + (random() * (%s - 1))::int END, '', "
            "CASE WHEN k IN ('forum_post', 'forum_answer') THEN (g %% 50000)::text ELSE '' END, "
            "CASE WHEN k = 'forum_post' AND g %% 3 = 0 "
            "THEN jsonb_build_object('thread_kind', 'question') "
            "WHEN k = 'ticket_resolved' THEN jsonb_build_object("
            "'first_contact_resolution', random() < 0.6, 'sla_met', random() < 0.9) "
            "WHEN k = 'catalogue_fulfilled' THEN jsonb_build_object('automated', random() < 0.7) "
            "ELSE '{}'::jsonb END, now() - random() * interval '365 days' "
            f"FROM (SELECT g, ({kinds})[1 + floor(random() * {len(KINDS)})::int] AS k "
            "FROM generate_series(1, %s) g) s",
            [first, CUSTOMERS, size],
        )
        print(
            f"  interactions: {offset + size:,} ({time.perf_counter() - started:.0f} s)", flush=True
        )
    cursor.execute(
        "INSERT INTO insights_survey (kind, customer_id, trigger, trigger_ref, sent_at, "
        "expires_at, answered_at, score, comment) "
        "SELECT kind, %s + (g %% %s), 'schedule', 'bench-' || g, t, t + interval '14 days', "
        "t + interval '1 hour', CASE kind WHEN 'nps' THEN floor(random() * 11)::int "
        "WHEN 'csat' THEN 1 + floor(random() * 5)::int ELSE 1 + floor(random() * 7)::int END, '' "
        "FROM (SELECT g, (ARRAY['nps','csat','ces'])[1 + g %% 3] AS kind, "
        "now() - random() * interval '365 days' AS t FROM generate_series(1, %s) g) s",
        [first, CUSTOMERS, SURVEYS],
    )
    print(f"  generated in {time.perf_counter() - started:.0f} s", flush=True)


# Hand-written SQL over the same rollup tables, for the metrics the rollups serve (the
# interaction, survey and order metrics of the tiles), for one period. The rollups are what
# the dashboard reads, so this is the fair "equivalent aggregate": the ratio measures what
# the metric engine adds (ORM, the split into rolled-up days and today, Python).
ROLLUP_SQL = {
    "interactions": """
        SELECT kind, sum(interactions), sum(customer_interactions), sum(first_contact),
               sum(sla_met), sum(sla_missed), sum(automated)
        FROM insights_dailyinteractions WHERE day >= %(first)s AND day <= %(last)s
        GROUP BY kind
    """,
    "active": """
        SELECT sum(customers) FROM insights_dailyactivecustomers
        WHERE channel = '' AND day >= %(first)s AND day <= %(last)s
          AND (previous_day IS NULL OR previous_day < %(first)s)
    """,
    "orders": """
        SELECT sum(orders), sum(revenue) FROM insights_dailypurchases
        WHERE day >= %(first)s AND day <= %(last)s
    """,
    "buyers": """
        SELECT sum(customers) FROM insights_dailybuyers
        WHERE day >= %(first)s AND day <= %(last)s
          AND (previous_day IS NULL OR previous_day < %(first)s)
    """,
    "surveys": """
        SELECT kind, score, sum(answers) FROM insights_dailysurveys
        WHERE day >= %(first)s AND day <= %(last)s GROUP BY kind, score
    """,
    # the live part (today) from the raw tables, as the engine computes it: the same
    # counts, and the customers active or buying today who were not in the rolled-up part
    "today_interactions": """
        SELECT kind, count(*), count(customer_id),
               count(*) FILTER (WHERE kind = 'ticket_resolved'
                                AND metadata @> '{"first_contact_resolution": true}'),
               count(*) FILTER (WHERE kind = 'ticket_resolved' AND metadata @> '{"sla_met": true}'),
               count(*) FILTER (WHERE kind = 'ticket_resolved'
                                AND metadata @> '{"sla_met": false}'),
               count(*) FILTER (WHERE kind = 'catalogue_fulfilled'
                                AND metadata @> '{"automated": true}')
        FROM portal_interaction WHERE occurred_at >= %(today)s AND occurred_at < %(end)s
        GROUP BY kind
    """,
    "today_active": """
        SELECT count(DISTINCT i.customer_id) FROM portal_interaction i
        WHERE i.occurred_at >= %(today)s AND i.occurred_at < %(end)s
          AND i.customer_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM insights_customeractivity a
                          WHERE a.customer_id = i.customer_id AND a.last_active_day >= %(first)s)
    """,
    "today_orders": """
        SELECT count(*) FILTER (WHERE amount >= 0), sum(amount),
               count(DISTINCT customer_id) FILTER (WHERE amount >= 0 AND NOT EXISTS (
                   SELECT 1 FROM portal_purchase e WHERE e.customer_id = p.customer_id
                   AND e.amount >= 0 AND e.ordered_at >= %(start)s AND e.ordered_at < %(today)s))
        FROM portal_purchase p WHERE ordered_at >= %(today)s AND ordered_at < %(end)s
    """,
    "today_surveys": """
        SELECT kind, score, count(*) FROM insights_survey
        WHERE answered_at >= %(today)s AND answered_at < %(end)s AND score IS NOT NULL
        GROUP BY kind, score
    """,
}
# The same numbers from the raw tables (what the metrics cost without rollups).
RAW_SQL = {
    "interactions": """
        SELECT count(*) FILTER (WHERE customer_id IS NOT NULL),
               count(DISTINCT customer_id),
               count(*) FILTER (WHERE kind = 'deflection'),
               count(*) FILTER (WHERE kind = 'ticket_open'),
               count(*) FILTER (WHERE kind = 'ticket_resolved'),
               count(*) FILTER (WHERE kind = 'ticket_resolved'
                                AND metadata @> '{"first_contact_resolution": true}'),
               count(*) FILTER (WHERE kind = 'ticket_resolved' AND metadata @> '{"sla_met": true}'),
               count(*) FILTER (WHERE kind = 'ticket_resolved'
                                AND metadata @> '{"sla_met": false}'),
               count(*) FILTER (WHERE kind = 'catalogue_request'),
               count(*) FILTER (WHERE kind = 'catalogue_fulfilled'
                                AND metadata @> '{"automated": true}')
        FROM portal_interaction WHERE occurred_at >= %(start)s AND occurred_at < %(end)s
    """,
    "purchases": """
        SELECT count(*) FILTER (WHERE amount >= 0), sum(amount),
               count(DISTINCT customer_id) FILTER (WHERE amount >= 0)
        FROM portal_purchase WHERE ordered_at >= %(start)s AND ordered_at < %(end)s
    """,
    "surveys": """
        SELECT count(*) FILTER (WHERE kind = 'nps'),
               count(*) FILTER (WHERE kind = 'nps' AND score >= 9),
               count(*) FILTER (WHERE kind = 'nps' AND score <= 6),
               count(*) FILTER (WHERE kind = 'csat'),
               count(*) FILTER (WHERE kind = 'csat' AND score >= 4),
               avg(score) FILTER (WHERE kind = 'ces')
        FROM insights_survey
        WHERE answered_at >= %(start)s AND answered_at < %(end)s AND score IS NOT NULL
    """,
}
CORE = (
    "engagement",
    "deflection_rate",
    "first_contact_resolution",
    "sla_compliance",
    "catalogue_automation_rate",
    "nps",
    "csat",
    "ces",
    "purchase_frequency",
    "average_order_value",
)


def timed(function, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def run_sql(statements: dict, params: dict) -> dict:
    from django.db import connection

    out = {}
    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")  # as the metric engine does (see shared_queries)
        for name, sql in statements.items():
            cursor.execute(sql, params)
            out[name] = cursor.fetchall()
        cursor.execute("RESET jit")
    return out


def measure(repeat: int) -> None:
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.test import Client
    from django.utils import timezone

    from insights.metrics import METRICS, Period, Segment, report, shared_queries
    from insights.metrics.customers import warm

    period = Period.last_days(365)
    closed = Period(period.start, period.end - timedelta(days=1))
    segment = Segment()
    params = {
        "start": period.start_at,
        "end": period.end_at,
        "first": closed.start,
        "last": closed.end,
        "today": Period(period.end, period.end).start_at,
    }

    def core() -> dict:
        with shared_queries():  # as report() runs them
            return {name: METRICS[name](period, segment) for name in CORE}

    run_sql(ROLLUP_SQL, params)  # warm the cache for both
    hand_s, _rows = timed(lambda: run_sql(ROLLUP_SQL, params), repeat)
    core_s, values = timed(core, repeat)
    raw_s, raw = timed(lambda: run_sql(RAW_SQL, params), 1)
    interactions = raw["interactions"][0]
    assert abs(values["engagement"] - interactions[0] / interactions[1]) < 1e-9, "mismatch"
    print(f"period {period} ({period.days} days), median of {repeat}")
    print(f"  hand-written SQL on the rollups ({len(ROLLUP_SQL)})  {hand_s * 1000:8.0f} ms")
    print(
        f"  insights.metrics, same {len(CORE)} metrics    {core_s * 1000:8.0f} ms  "
        f"({core_s / hand_s:.2f}x)"
    )
    print(f"  same numbers from the raw tables       {raw_s * 1000:8.0f} ms", flush=True)

    dashboard_vs_sql(period, segment, params, repeat)
    users = get_user_model().objects
    admin = users.filter(email="bench-admin@example.com").first()
    if admin is None:
        admin = users.create_superuser(email="bench-admin@example.com", password=None)
    client = Client()
    client.force_login(admin)

    def page() -> None:
        response = client.get("/admin/insights/")
        assert response.status_code == 200, response.status_code

    cold_page_s, _ = timed(lambda: (cache.clear(), page()), repeat)
    warm()
    warm_page_s, _ = timed(page, repeat)
    print(
        f"  GET /admin/insights/, cold / warm      {cold_page_s * 1000:8.0f} ms / "
        f"{warm_page_s * 1000:.0f} ms",
        flush=True,
    )
    report_s, _ = timed(lambda: report(period, segment), 1)
    print(f"  report() (metrics --json), warm        {report_s * 1000:8.0f} ms")
    del timezone


def dashboard_vs_sql(period, segment, params: dict, repeat: int) -> None:
    """The dashboard's data through the engine against the hand-written SQL of
    ``dashboard_sql``: cold (nothing cached) and warm (after the periodic task's warm-up)."""
    from django.conf import settings
    from django.core.cache import cache

    from insights import dashboard as dash
    from insights.metrics.base import inactivity_window
    from insights.metrics.customers import facts, warm
    from insights.metrics.lifecycle import lifecycle_counts

    previous = period.previous()
    q_params = {
        "start": previous.start_at,
        "end": previous.end_at,
        "first": previous.start,
        "last": previous.end,
        "today": params["today"],
    }
    d_params = dashboard_sql.parameters(period, inactivity_window(), settings.TIME_ZONE)

    def hand(warm_state: bool) -> dict:
        out = run_sql(ROLLUP_SQL, params)
        out |= run_sql(ROLLUP_SQL, q_params)
        return out | run_sql(dashboard_sql.statements(warm=warm_state), d_params)

    def engine() -> None:
        dash.dashboard(period, segment).tables()

    hand(False)  # warm PostgreSQL's buffers for both
    hand_cold_s, rows = timed(lambda: hand(False), repeat)
    cold_s, _ = timed(lambda: (cache.clear(), engine()), repeat)
    warm_started = time.perf_counter()
    warm()
    warm_up_s = time.perf_counter() - warm_started
    hand_warm_s, _ = timed(lambda: hand(True), repeat)
    warm_s, _ = timed(engine, repeat)
    # the same numbers: the pass's customer counts, repeat customers and the lifecycle
    numbers = facts(period, segment)
    at_start, at_end, new, lost = rows["customer_pass"][0][:4]
    assert (numbers["at_start"], numbers["at_end"], numbers["new"], numbers["lost"]) == (
        at_start,
        at_end,
        new,
        lost,
    ), (numbers, rows["customer_pass"][0])
    assert numbers["repeat"] == rows["customer_pass"][0][6], "repeat customers differ"
    assert dict(rows["lifecycle"]) == {
        k: n for k, n in lifecycle_counts(period.end_at, segment).items() if n
    }, "lifecycle differs"
    statements = len(dashboard_sql.statements(warm=False)) + 2 * len(ROLLUP_SQL)
    print(f"  dashboard, hand-written SQL ({statements} statements)")
    print(f"    cold (the whole per-customer pass)                 {hand_cold_s * 1000:8.0f} ms")
    print(
        f"  dashboard data through insights, cold (cache empty)  {cold_s * 1000:8.0f} ms  "
        f"({cold_s / hand_cold_s:.2f}x)"
    )
    print(f"  warm-up by the periodic task (365 and 30 days)       {warm_up_s * 1000:8.0f} ms")
    print(f"  dashboard, hand-written SQL, warm (today's buyers)   {hand_warm_s * 1000:8.0f} ms")
    print(
        f"  dashboard data through insights, warm                {warm_s * 1000:8.0f} ms  "
        f"({warm_s / hand_warm_s:.2f}x)",
        flush=True,
    )


def fit_clv(customers_with_orders: int) -> None:
    from insights.clv import clv_fit, fit_save

    started = time.perf_counter()
    fit, data = clv_fit(unit="week")
    fitted = time.perf_counter() - started
    fit_save(fit, data)
    saved = time.perf_counter() - started - fitted
    print(
        f"clv_fit on {fit.customers:,} customers: {fitted:.1f} s "
        f"(fit {fit.seconds:.1f} s; storing the scores {saved:.1f} s)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--interactions", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/bench_insights")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--rollup", action="store_true", help="re-run the rollup on reuse")
    parser.add_argument("--no-clv", action="store_true", help="skip the CLV fit")
    args = parser.parse_args()
    if not args.database.startswith("postgres"):
        sys.exit("this benchmark needs PostgreSQL (--database postgres://...)")
    os.environ["DATABASE_URL"] = args.database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("TASK_BACKEND", "django.tasks.backends.dummy.DummyBackend")
    # the cache the engine keeps its per-customer pass in, as in production (a database
    # number of its own: the benchmark empties it)
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/3")
    ensure_database(args.database, fresh=False)

    import django
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    settings.DEBUG = False
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM portal_interaction")
        existing = cursor.fetchone()[0]
    if existing != args.interactions:
        connection.close()
        ensure_database(args.database, fresh=True)
        call_command("migrate", verbosity=0)
        print(f"generating {args.interactions:,} interactions ...", flush=True)
        with connection.cursor() as cursor:
            generate(cursor, args.interactions)
            cursor.execute("VACUUM ANALYZE")
    else:
        print(f"reusing {existing:,} interactions in {args.database}")
    from insights.models import RollupDay
    from insights.services.rollups import rollup_run

    if args.rollup or not RollupDay.objects.exists():
        done = rollup_run()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(
            f"rollup of {done['days']} days ({done['since']}..{done['until']}): "
            f"{done['seconds']:.0f} s",
            flush=True,
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database())), version()")
        size, version = cursor.fetchone()
    print(f"database: {size}; {version.split(',')[0]}; load {os.getloadavg()}")
    try:
        measure(args.repeat)
        if not args.no_clv:
            fit_clv(CUSTOMERS)
    finally:
        if not args.keep:
            connection.close()
            drop_database(args.database)


if __name__ == "__main__":
    main()
