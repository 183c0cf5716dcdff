"""Background tasks (Django's tasks framework; ``manage.py db_worker`` runs them)."""

from __future__ import annotations

from django.tasks import task

from tickets.services.escalation import sla_tick


@task(queue_name="default")
def sla_tick_task() -> dict[str, int]:
    """One SLA pass (breaches, escalations, auto-close); ``manage.py sla_tick --enqueue``
    queues it, cron or ``manage.py sla_tick --every 300`` can run it directly instead.
    Safe to run twice: each ticket is locked and escalated only while its stored escalation
    level is below the new one, so a second run finds it done and notifies no one again."""
    return sla_tick().as_dict()


@task(queue_name="default")
def mail_fetch_task() -> dict[str, int]:
    """One pass over the IMAP mailboxes of ``EMAIL_INBOUND_IMAP`` (``manage.py mail_fetch``).
    Safe to run twice, even at once: a message is marked only after the intake stored it, and
    the intake takes each message once (by Message-ID, or a hash of its bytes), so a message
    fetched by two passes is one message on the ticket."""
    from tickets.email.imap import mail_fetch

    return mail_fetch().as_dict()
