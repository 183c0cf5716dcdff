"""django-helpdesk's side of ``bench/peers.py``: load the portal's benchmark data, count queries.

Run by the peer virtual environment's python (``var/peers/venv/bin/python``), from the
repository root, by ``bench/peers.py`` (not by hand):

    var/peers/venv/bin/python bench/peers_helpdesk/load.py --source postgres://.../bench_peer_ours
        --database postgres://.../bench_peer_helpdesk --agent agent0@bench.example
        --customer c123@bench.example --ticket 4567 --article 890 [--reuse]

Unless ``--reuse``, it (re)creates the peer database, migrates it and copies the portal's
benchmark data into helpdesk's tables, straight from the portal's database (``COPY ... TO
STDOUT`` there, ``COPY ... FROM STDIN`` here, row for row, so both sides hold the same data):

- users: the portal's agents (staff, same ids and emails; 50 tickets a page, as the portal's
  desk shows) and the one customer with a login (same id and email); the other customers are
  submitter addresses, as helpdesk models them;
- queues (same ids, names and slugs);
- tickets (same ids, subjects, queues, creation and update dates, submitter, assignee):
  new/open -> Open, waiting for the customer or a third party -> Open and on hold, resolved ->
  Resolved, closed -> Closed; priority urgent/high/normal/low -> 1/2/3/4; the SLA due date as
  the due date; the first message as the description;
- follow-ups: every later message (same dates, bodies and authors; internal notes not public);
- knowledge base: the portal's English help-centre categories (same slugs and titles) and
  articles (title, summary as the question, body text as the answer; same ids).

Then it signs the agent and the customer in (sessions in the database), finds the pages'
URLs (the ticket list's data URL is read from the list page, as the browser does), counts each
page's queries with Django's test client (one request after a warm-up, with
``CaptureQueriesContext``) and prints one JSON object on the last line of stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))


def admin(url: str, *statements: str) -> None:
    import psycopg

    admin_url = urlparse(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


TICKETS_OUT = """
COPY (
    SELECT t.id, t.subject, t.queue_id, t.created_at, t.updated_at, c.email, t.assignee_id,
        CASE t.status WHEN 'resolved' THEN 3 WHEN 'closed' THEN 4 ELSE 1 END,
        t.status IN ('waiting_customer', 'waiting_third_party'),
        first.body, NULL, 5 - t.priority, t.sla_due_at, NULL, md5(t.id::text), NULL, NULL
    FROM tickets_ticket t
    JOIN portal_customer c ON c.id = t.customer_id
    LEFT JOIN LATERAL (
        SELECT m.body FROM tickets_message m WHERE m.ticket_id = t.id
        ORDER BY m.created_at, m.id LIMIT 1
    ) first ON true
    ORDER BY t.id
) TO STDOUT
"""
TICKETS_IN = (
    "COPY helpdesk_ticket (id, title, queue_id, created, modified, submitter_email, "
    "assigned_to_id, status, on_hold, description, resolution, priority, due_date, "
    "last_escalation, secret_key, kbitem_id, merged_to_id) FROM STDIN"
)
FOLLOWUPS_OUT = """
COPY (
    SELECT ticket_id, created_at, 'Reply', body, NOT internal, author_id, NULL, NULL, NULL, NULL
    FROM (
        SELECT m.*, row_number() OVER (PARTITION BY ticket_id ORDER BY created_at, id) AS n
        FROM tickets_message m
    ) numbered
    WHERE n > 1
    ORDER BY ticket_id, n
) TO STDOUT
"""
FOLLOWUPS_IN = (
    "COPY helpdesk_followup (ticket_id, date, title, comment, public, user_id, new_status, "
    "message_id, time_spent, email_recipients) FROM STDIN"
)


def stream(source, target, out_sql: str, in_sql: str) -> None:
    """Rows from the portal's database into helpdesk's, in COPY's text format."""
    with (
        source.cursor() as src,
        target.cursor() as dst,
        src.copy(out_sql) as out,
        dst.copy(in_sql) as into,
    ):
        for block in out:
            into.write(block)


def load(source_url: str, agent_emails: list[str], customer: str) -> None:
    import psycopg
    from django.contrib.auth.models import User
    from django.db import connection, transaction
    from django.utils import timezone
    from helpdesk.models import KBCategory, KBItem, Queue, UserSettings

    with psycopg.connect(source_url) as source:
        users = source.execute(
            "SELECT id, email, full_name, email = ANY(%s) FROM portal_user WHERE email = ANY(%s)",
            [agent_emails, [*agent_emails, customer]],
        ).fetchall()
        with transaction.atomic():
            for pk, email, full_name, staff in users:
                first, _, last = full_name.partition(" ")
                User.objects.create(
                    id=pk,
                    username=email,
                    email=email,
                    first_name=first,
                    last_name=last,
                    is_staff=staff,
                    password="!",  # noqa: S106 - unusable password
                )
            UserSettings.objects.filter(user__is_staff=True).update(tickets_per_page=50)
            for pk, name, slug in source.execute(
                "SELECT id, name, slug FROM tickets_queue ORDER BY id"
            ):
                Queue.objects.create(id=pk, title=name, slug=slug)
            # The English help centre's categories and articles (kb_search.generate's layout).
            categories = {}
            for path, title, slug in source.execute(
                "SELECT p.path, p.title, p.slug FROM wagtailcore_page p "
                "JOIN knowledgebase_categorypage c ON c.page_ptr_id = p.id "
                "JOIN wagtailcore_locale l ON l.id = p.locale_id "
                "WHERE l.language_code = 'en' ORDER BY p.path"
            ):
                categories[path] = KBCategory.objects.create(
                    name=title, title=title, slug=slug, description=title, public=True
                )
            now = timezone.now()
            items = [
                KBItem(
                    id=pk,
                    category=categories[parent],
                    title=title,
                    question=summary,
                    answer=body,
                    order=n,
                    enabled=True,
                    last_updated=now,
                )
                for n, (pk, parent, title, summary, body) in enumerate(
                    source.execute(
                        "SELECT p.id, substr(p.path, 1, length(p.path) - 4), p.title, a.summary,"
                        " a.body_text FROM wagtailcore_page p "
                        "JOIN knowledgebase_articlepage a ON a.page_ptr_id = p.id "
                        "JOIN wagtailcore_locale l ON l.id = p.locale_id "
                        "WHERE l.language_code = 'en' ORDER BY p.path"
                    )
                )
            ]
            KBItem.objects.bulk_create(items, batch_size=1000)
            pg = connection.connection
            stream(source, pg, TICKETS_OUT, TICKETS_IN)
            stream(source, pg, FOLLOWUPS_OUT, FOLLOWUPS_IN)
            with connection.cursor() as cursor:
                for table in ("auth_user", "helpdesk_queue", "helpdesk_ticket", "helpdesk_kbitem"):
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def session_key(email: str) -> str:
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User

    user = User.objects.get(email=email)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def pages(agent: str, customer: str, ticket: int, article: int, queue: int) -> list[dict]:
    """Each page: label, path, persona; a list page's data request is its own row
    ("... data"), as the browser makes it after the page has loaded."""
    from django.contrib.auth.models import User
    from django.test import Client
    from helpdesk.models import KBItem

    item = KBItem.objects.select_related("category").get(pk=article)
    client = Client()
    client.force_login(User.objects.get(email=agent))

    def data_url(list_path: str) -> str:
        response = client.get(list_path)
        assert response.status_code == 200, (list_path, response.status_code)
        match = re.search(r'"(/datatables_ticket_list/[^"]+)"', response.content.decode())
        assert match, f"no data URL on {list_path}"
        # What DataTables asks for first: the user's page length (50), from the first row.
        return match.group(1) + "?draw=1&start=0&length=50"

    found = [
        ("agent list", "/tickets/", "agent"),
        ("agent list data", data_url("/tickets/"), "agent"),
        ("agent list, one queue", f"/tickets/?queue={queue}&status=1&status=2", "agent"),
        (
            "agent list, one queue data",
            data_url(f"/tickets/?queue={queue}&status=1&status=2"),
            "agent",
        ),
        ("ticket page", f"/tickets/{ticket}/", "agent"),
        ("ticket search", "/tickets/?q=router", "agent"),
        ("ticket search data", data_url("/tickets/?q=router"), "agent"),
        ("KB page", f"/kb/{item.category.slug}/?kbitem={item.pk}", "customer"),
        ("KB page (anonymous)", f"/kb/{item.category.slug}/?kbitem={item.pk}", None),
        ("customer list", "/tickets/my-tickets/", "customer"),
        ("customer list data", "/api/user_tickets/?page=1", "customer"),
    ]
    return [{"label": label, "path": path, "persona": who} for label, path, who in found]


def count_queries(found: list[dict], emails: dict[str, str]) -> None:
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    clients = {None: Client()}
    for persona, email in emails.items():
        clients[persona] = Client()
        clients[persona].force_login(User.objects.get(email=email))
    for page in found:
        client = clients[page["persona"]]
        client.get(page["path"])  # warm-up
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page["path"])
        page["status"] = response.status_code
        page["queries"] = len(queries)
        page["bytes"] = len(response.content)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", required=True, help="the portal's benchmark database")
    parser.add_argument("--database", required=True)
    parser.add_argument("--agents", required=True, help="comma-separated agent emails")
    parser.add_argument("--customer", required=True, help="the signed-in customer's email")
    parser.add_argument("--ticket", type=int, required=True)
    parser.add_argument("--article", type=int, required=True)
    parser.add_argument("--queue", type=int, required=True)
    parser.add_argument("--reuse", action="store_true", help="the data is there already")
    args = parser.parse_args()
    os.environ["PEER_DATABASE_URL"] = args.database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.peers_helpdesk.settings")

    import django
    from django.core.management import call_command
    from django.db import connection

    agents = args.agents.split(",")
    if not args.reuse:
        name = urlparse(args.database).path.lstrip("/")
        admin(args.database, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin(args.database, f'CREATE DATABASE "{name}"')
    django.setup()
    if not args.reuse:
        call_command("migrate", verbosity=0)
        load(args.source, agents, args.customer)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM helpdesk_ticket), (SELECT count(*) FROM "
            "helpdesk_followup), (SELECT count(*) FROM helpdesk_kbitem), "
            "pg_size_pretty(pg_database_size(current_database()))"
        )
        tickets, followups, kb_items, size = cursor.fetchone()
    emails = {"agent": agents[0], "customer": args.customer}
    found = pages(agents[0], args.customer, args.ticket, args.article, args.queue)
    count_queries(found, emails)
    sessions = {persona: session_key(email) for persona, email in emails.items()}
    connection.close()
    import helpdesk

    version = getattr(helpdesk, "__version__", "")
    if not version:
        from importlib.metadata import version as dist_version

        version = dist_version("django-helpdesk")
    print(
        json.dumps(
            {
                "pages": found,
                "sessions": sessions,
                "tickets": tickets,
                "followups": followups,
                "kb_items": kb_items,
                "size": size,
                "helpdesk": version,
                "django": django.get_version(),
            }
        )
    )


if __name__ == "__main__":
    main()
