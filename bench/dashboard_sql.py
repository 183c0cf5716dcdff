"""The admin dashboard's numbers as hand-written SQL, for ``metrics.py``'s comparison.

What ``insights.dashboard.dashboard()`` computes for a period P and the previous one Q,
written the way one would by hand against the same tables: the rollup sums of both
periods (``ROLLUP_SQL`` of ``metrics.py``, run twice), the twelve trend months from the
daily tables, engagement by channel, the forum threads, the loyalty index and share of
wallet, incident groups, the lifecycle stages, the cohort table and the per-customer pass
(one ``GROUP BY customer`` over the purchases for retention, churn, NRR, repeat customers
and lifespans of both periods).

``warm=True`` is the dashboard as the periodic rollup task leaves it: the per-customer
pass of the closed days is already computed (the engine keeps it in the cache), so what
remains is today's buyers before and after today's orders; the hand-written equivalent
runs those two restricted passes and reads the stored rest for free.

An order is a purchase with ``amount >= 0`` (``portal.models.purchases.ORDER_SQL``, the
engine's one rule: free orders count, refunds do not); net revenue sums every amount.
"""

from __future__ import annotations

from datetime import timedelta

PER_CUSTOMER_SQL = """
    SELECT count(*) FILTER (WHERE last_p0 >= %(p_start_gap)s),
           count(*) FILTER (WHERE last_p1 >= %(p_end_gap)s),
           count(*) FILTER (WHERE last_p1 >= %(p_end_gap)s AND first >= %(p_start)s),
           count(*) FILTER (WHERE last_p0 >= %(p_start_gap)s AND last_p1 < %(p_end_gap)s),
           sum(rev_p) FILTER (WHERE first < %(p_start)s),
           sum(rev_q) FILTER (WHERE first < %(p_start)s),
           count(*) FILTER (WHERE n_p > 1),
           avg(date_part('epoch', last_p1 - first)),
           count(*) FILTER (WHERE last_q0 >= %(q_start_gap)s),
           count(*) FILTER (WHERE last_p0 >= %(p_start_gap)s AND first >= %(q_start)s),
           count(*) FILTER (WHERE last_q0 >= %(q_start_gap)s AND last_p0 < %(p_start_gap)s),
           sum(rev_q) FILTER (WHERE first < %(q_start)s),
           sum(rev_r) FILTER (WHERE first < %(q_start)s),
           count(*) FILTER (WHERE n_q > 1),
           avg(date_part('epoch', last_p0 - first))
    FROM (
        SELECT customer_id,
               min(ordered_at) FILTER (WHERE amount >= 0) AS first,
               max(ordered_at) FILTER (WHERE amount >= 0 AND ordered_at < %(q_start)s) AS last_q0,
               max(ordered_at) FILTER (WHERE amount >= 0 AND ordered_at < %(p_start)s) AS last_p0,
               max(ordered_at) FILTER (WHERE amount >= 0) AS last_p1,
               count(*) FILTER (WHERE amount >= 0 AND ordered_at >= %(q_start)s
                                AND ordered_at < %(p_start)s) AS n_q,
               count(*) FILTER (WHERE amount >= 0 AND ordered_at >= %(p_start)s) AS n_p,
               sum(amount::float8) FILTER (WHERE ordered_at >= %(r_start)s
                                           AND ordered_at < %(q_start)s) AS rev_r,
               sum(amount::float8) FILTER (WHERE ordered_at >= %(q_start)s
                                           AND ordered_at < %(p_start)s) AS rev_q,
               sum(amount::float8) FILTER (WHERE ordered_at >= %(p_start)s) AS rev_p
        FROM portal_purchase
        WHERE ordered_at < {until} {who}
        GROUP BY customer_id
    ) per_customer
"""
TODAYS_BUYERS = """AND customer_id IN (
    SELECT customer_id FROM portal_purchase
    WHERE ordered_at >= %(today)s AND ordered_at < %(p_end)s)"""

TABLES = {
    "subscribers": "SELECT EXISTS (SELECT 1 FROM portal_subscription)",
    "trend": """
        SELECT date_trunc('month', day), sum(orders), sum(revenue)
        FROM insights_dailypurchases WHERE day >= %(p_first)s AND day <= %(p_last)s GROUP BY 1
    """,
    "trend_buyers": """
        SELECT date_trunc('month', day), sum(customers) FROM insights_dailybuyers
        WHERE day >= %(p_first)s AND day <= %(p_last)s
          AND (previous_day IS NULL
               OR previous_day < greatest(date_trunc('month', day)::date, %(p_first)s))
        GROUP BY 1
    """,
    "trend_surveys": """
        SELECT date_trunc('month', day), kind, score, sum(answers) FROM insights_dailysurveys
        WHERE day >= %(p_first)s AND day <= %(p_last)s AND kind IN ('nps', 'csat')
        GROUP BY 1, 2, 3
    """,
    "channels": """
        SELECT channel, sum(customer_interactions) FROM insights_dailyinteractions
        WHERE day >= %(p_first)s AND day <= %(p_last)s GROUP BY channel
    """,
    "channel_customers": """
        SELECT channel, sum(customers) FROM insights_dailyactivecustomers
        WHERE channel <> '' AND day >= %(p_first)s AND day <= %(p_last)s
          AND (previous_day IS NULL OR previous_day < %(p_first)s)
        GROUP BY channel
    """,
    "channels_today": """
        SELECT channel, count(*), count(DISTINCT customer_id) FILTER (WHERE NOT EXISTS (
                   SELECT 1 FROM insights_customerchannelactivity a
                   WHERE a.customer_id = i.customer_id AND a.channel = i.channel
                     AND a.last_day >= %(p_first)s))
        FROM portal_interaction i
        WHERE occurred_at >= %(today)s AND occurred_at < %(p_end)s AND customer_id IS NOT NULL
        GROUP BY channel
    """,
    "threads": """
        SELECT count(*) FILTER (WHERE started_on >= %(p_first)s),
               count(answered_on) FILTER (WHERE started_on >= %(p_first)s),
               count(*) FILTER (WHERE started_on < %(p_first)s),
               count(answered_on) FILTER (WHERE started_on < %(p_first)s)
        FROM insights_communitythread WHERE started_on >= %(q_first)s AND started_on <= %(p_last)s
    """,
    "loyalty_and_wallet": """
        SELECT answered_at >= %(p_start)s,
               avg((likely_recommend + likely_try_other + likely_return)::float8 / 30),
               avg(least(1.0, coalesce((
                   SELECT sum(amount) FROM portal_purchase p
                   WHERE p.customer_id = s.customer_id AND p.ordered_at <= s.answered_at
                     AND p.ordered_at > s.answered_at - interval '365 days'), 0)::float8
                   / nullif(category_spend, 0)::float8))
        FROM insights_survey s
        WHERE answered_at >= %(q_start)s AND answered_at < %(p_end)s
          AND (category_spend > 0 OR (likely_recommend IS NOT NULL
               AND likely_try_other IS NOT NULL AND likely_return IS NOT NULL))
        GROUP BY 1
    """,
    "incidents": """
        SELECT count(DISTINCT a.customer_id) FROM outages_incidentaudience a
        JOIN outages_incident i ON i.id = a.incident_id
        WHERE i.published_at IS NOT NULL AND i.starts_at >= %(p_start)s AND i.starts_at < %(p_end)s
    """,
    "lifecycle": """
        SELECT CASE
                 WHEN (a.first_order_at < %(p_end)s OR s.customer_id IS NOT NULL)
                      AND v.customer_id IS NOT NULL THEN 'advocacy'
                 WHEN a.second_order_at < %(p_end)s THEN 'retention'
                 WHEN a.first_order_at < %(p_end)s OR s.customer_id IS NOT NULL THEN 'conversion'
                 WHEN c.user_id IS NOT NULL THEN 'acquisition'
                 ELSE 'awareness' END AS stage,
               count(*)
        FROM portal_customer c
        LEFT JOIN insights_customeractivity a ON a.customer_id = c.id
        LEFT JOIN (SELECT DISTINCT customer_id FROM portal_subscription
                   WHERE since < %(p_end)s) s ON s.customer_id = c.id
        LEFT JOIN (SELECT customer_id FROM insights_survey
                   WHERE kind = 'nps' AND score >= 9
                     AND answered_at >= %(year_before_end)s AND answered_at < %(p_end)s
                   UNION
                   SELECT customer_id FROM portal_interaction
                   WHERE kind = 'forum_answer' AND customer_id IS NOT NULL
                     AND occurred_at >= %(year_before_end)s AND occurred_at < %(p_end)s
                  ) v ON v.customer_id = c.id
        WHERE a.first_order_at < %(p_end)s OR s.customer_id IS NOT NULL
              OR c.created_at < %(p_end)s
        GROUP BY 1
    """,
    "cohorts": """
        SELECT date_trunc('month', a.first_order_at AT TIME ZONE %(tz)s),
               date_trunc('month', p.ordered_at AT TIME ZONE %(tz)s),
               count(DISTINCT p.customer_id)
        FROM portal_purchase p JOIN insights_customeractivity a ON a.customer_id = p.customer_id
        WHERE p.amount >= 0 AND p.ordered_at < %(p_end)s
          AND a.first_order_at >= %(cohort_start)s AND a.first_order_at < %(p_end)s
        GROUP BY 1, 2
    """,
}


def statements(*, warm: bool) -> dict[str, str]:
    """The dashboard's statements besides the two periods' rollup sums (``ROLLUP_SQL``)."""
    passes = (
        {
            "todays_buyers_before": PER_CUSTOMER_SQL.format(until="%(today)s", who=TODAYS_BUYERS),
            "todays_buyers_after": PER_CUSTOMER_SQL.format(until="%(p_end)s", who=TODAYS_BUYERS),
        }
        if warm
        else {"customer_pass": PER_CUSTOMER_SQL.format(until="%(p_end)s", who="")}
    )
    return {**TABLES, **passes}


def parameters(period, gap: timedelta, tz: str) -> dict:
    """The statements' parameters for the period (an ``insights.metrics.Period``)."""
    from datetime import datetime, time

    from django.utils import timezone

    previous = period.previous()
    today = timezone.localdate()
    last_closed = min(period.end, today - timedelta(days=1))
    month = period.start.replace(day=1)
    return {
        "p_start": period.start_at,
        "p_end": period.end_at,
        "q_start": previous.start_at,
        "r_start": previous.previous().start_at,
        "p_start_gap": period.start_at - gap,
        "p_end_gap": period.end_at - gap,
        "q_start_gap": previous.start_at - gap,
        "p_first": period.start,
        "p_last": last_closed,
        "q_first": previous.start,
        "today": timezone.make_aware(datetime.combine(today, time.min)),
        "year_before_end": period.end_at - timedelta(days=365),
        "cohort_start": timezone.make_aware(datetime.combine(month, time.min)),
        "tz": tz,
    }
