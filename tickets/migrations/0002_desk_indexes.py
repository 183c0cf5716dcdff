"""Indexes for the desk over millions of tickets (bench/agent_queue.py).

``ticket_queue_covering`` exists only on PostgreSQL (SQLite has no INCLUDE): the active
tickets in queue order (priority, SLA due time, id) carrying every column the desk filters
and counts on, so the queue's COUNT, its counters and the ids of a page are index-only scans
however large the table is. Django's model state does not list it (it is not portable); the
operation is a no-op elsewhere.
"""

from django.db import migrations, models

ACTIVE = "('new', 'open', 'waiting_customer', 'waiting_third_party')"
COVERING = f"""
CREATE INDEX IF NOT EXISTS ticket_queue_covering ON tickets_ticket
    (priority DESC, sla_due_at ASC, id)
    INCLUDE (status, queue_id, assignee_id, customer_id, organisation_id, product_id,
             sla_warn_at, sla_paused_at, sla_breached, subject)
    WHERE status IN {ACTIVE}
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(COVERING)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS ticket_queue_covering")


class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0001_initial'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['created_at', 'id'], name='ticket_created'),
        ),
        migrations.RunPython(create, drop),
    ]
