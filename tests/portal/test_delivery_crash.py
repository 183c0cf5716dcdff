"""Email duplicates are bounded to the message in flight (issue 21).

A worker that dies in the middle of a batch of emails (``deliveries_send_batch``) leaves at
most one delivery that may have reached the mail server without being marked sent; it is sent
once more after ``SENDING_STALE`` (and failed, not sent a third time, if that happens twice).

On PostgreSQL the main test runs a real ``manage.py db_worker`` with the file mail backend
(slowed down: tests/portal/slow_mail.py), SIGKILLs it while the batch is sending, lets another
worker finish, and counts the messages per recipient in the files. SQLite's test database lives
in this process's memory, out of a subprocess's reach: there the same scenario runs in this
process, the "kill" being an exception that no ``except Exception`` catches, raised by the mail
backend right after it accepted a message.
"""

from __future__ import annotations

import email
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection
from django.db.models import F
from django.utils import timezone

from portal.models import NotificationDelivery, User
from portal.services import notifications
from portal.services.notifications import (
    NotificationContent,
    bulk_recipients,
    deliveries_send_batch,
    notify_bulk,
)

ROOT = Path(__file__).resolve().parents[2]
RECIPIENTS = 30
DB_TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "urgent", "bulk"],
    }
}


def fan_out(count: int = RECIPIENTS) -> list[int]:
    """``count`` customers told of one outage by email (pending deliveries); their ids."""
    for number in range(count):
        User.objects.create_user(f"r{number:02d}@example.com", "pw-irrelevant-123")
    result = notify_bulk(
        event_key="outage:crash-test",
        kind="outage",
        topic="outage_notices",
        recipients=bulk_recipients(User.objects.filter(email__startswith="r")),
        content=lambda language: NotificationContent(
            title="Fibre outage in your area", body="We are on it.", url="/status/"
        ),
    )
    assert len(result.emails) == count
    return sorted(result.emails.values())


def states(ids: list[int]) -> Counter:
    return Counter(NotificationDelivery.objects.filter(pk__in=ids).values_list("status", flat=True))


def time_passes() -> None:
    """``SENDING_STALE`` goes by: a delivery left ``sending`` now belongs to a dead worker."""
    NotificationDelivery.objects.filter(status="sending").update(
        sending_since=F("sending_since") - notifications.SENDING_STALE
    )


def assert_bounded(per_recipient: Counter, count: int = RECIPIENTS) -> None:
    assert len(per_recipient) == count, "every recipient got the notice"
    assert max(per_recipient.values()) <= 2
    twice = [address for address, copies in per_recipient.items() if copies == 2]
    assert len(twice) <= 1, f"more than the message in flight was repeated: {twice}"


# --- the in-process scenario (both databases) ---------------------------------------------------
class WorkerKilled(BaseException):
    """Escapes every ``except Exception``, as a SIGKILL escapes everything."""


class DiesAfterAccepting(LocmemBackend):
    """The mail server accepts the message (it is in the outbox), then the worker dies before
    it can mark it sent: after ``KILL_AT`` messages."""

    KILL_AT = 12

    def send_messages(self, messages):
        sent = super().send_messages(messages)
        if len(mail.outbox) == self.KILL_AT:
            raise WorkerKilled
        return sent


def crash_in_process(settings, ids: list[int]) -> None:
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.DiesAfterAccepting"}}
    with pytest.raises(WorkerKilled):
        deliveries_send_batch(ids)
    assert len(mail.outbox) == DiesAfterAccepting.KILL_AT
    assert states(ids) == {
        "sent": DiesAfterAccepting.KILL_AT - 1,  # marked as they went
        "sending": 1,  # the one in flight: accepted, not marked
        "pending": RECIPIENTS - DiesAfterAccepting.KILL_AT,  # never handed over
    }
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    assert deliveries_send_batch(ids) == RECIPIENTS - DiesAfterAccepting.KILL_AT  # too early
    time_passes()
    assert deliveries_send_batch(ids) == 1  # the one left in flight, once more
    assert states(ids) == {"sent": RECIPIENTS}
    assert_bounded(Counter(message.to[0] for message in mail.outbox))
    resent = NotificationDelivery.objects.get(resent_after_crash=True)
    assert mail.outbox[DiesAfterAccepting.KILL_AT - 1].to == [resent.to_address]


def test_a_crash_mid_batch_repeats_at_most_the_message_in_flight(settings, db):
    crash_in_process(settings, fan_out())


def test_a_second_crash_on_the_same_message_fails_it_instead_of_sending_it_again(db):
    ids = fan_out(2)
    stale = timezone.now() - notifications.SENDING_STALE * 2
    NotificationDelivery.objects.filter(pk=ids[0]).update(
        status="sending", sending_since=stale, resent_after_crash=True, attempts=2
    )
    assert deliveries_send_batch(ids) == 1
    failed = NotificationDelivery.objects.get(pk=ids[0])
    assert failed.status == "failed" and "not sent again" in failed.last_error
    assert [message.to for message in mail.outbox] == [["r01@example.com"]]


def test_a_delivery_a_live_worker_is_sending_is_left_alone(db):
    ids = fan_out(1)
    NotificationDelivery.objects.filter(pk=ids[0]).update(
        status="sending", sending_since=timezone.now()
    )
    assert deliveries_send_batch(ids) == 0
    assert notifications.deliveries_send_pending() == 0
    assert NotificationDelivery.objects.get(pk=ids[0]).status == "sending"
    assert mail.outbox == []


def test_the_periodic_retry_recovers_a_delivery_left_in_flight(db):
    ids = fan_out(1)
    stale = timezone.now() - notifications.SENDING_STALE * 2
    NotificationDelivery.objects.filter(pk=ids[0]).update(status="sending", sending_since=stale)
    assert notifications.deliveries_send_pending() == 1
    delivery = NotificationDelivery.objects.get(pk=ids[0])
    assert delivery.status == "sent" and delivery.resent_after_crash
    assert len(mail.outbox) == 1


# --- kill -9 of a real worker (PostgreSQL) -------------------------------------------------------
def _db_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def spawn_worker(log: Path, mail_dir: Path, worker_id: str, *, slow: float, batch: bool):
    env = {
        **os.environ,
        "DATABASE_URL": _db_url(),
        "TASK_BACKEND": "django_tasks_db.DatabaseBackend",
        "EMAIL_BACKEND": "tests.portal.slow_mail.SlowFileBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "SLOW_MAIL_SECONDS": str(slow),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("REDIS_URL", None)
    args = [
        "db_worker",
        "--queue-name=*",
        "--no-reload",
        "--no-startup-delay",
        "--interval=0.2",
        f"--worker-id={worker_id}",
    ]
    if batch:
        args.append("--batch")
    return subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def messages_in(mail_dir: Path) -> list[str]:
    """The recipient of every message the file backend wrote (all files, all connections)."""
    recipients = []
    for path in sorted(mail_dir.glob("*.log")):
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if chunk.strip():
                recipients.append(email.message_from_bytes(chunk.lstrip())["To"])
    return recipients


def wait_until(condition, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_kill_9_of_a_worker_mid_batch_repeats_at_most_the_message_in_flight(
    settings, transactional_db, tmp_path
):
    settings.TASKS = DB_TASKS  # queued in the database, not run at once
    if connection.vendor != "postgresql":  # no subprocess reaches SQLite's in-memory database
        crash_in_process(settings, fan_out())
        return
    ids = fan_out()  # committed: the batch task is in the database queue
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    first = spawn_worker(tmp_path / "first.log", mail_dir, "first", slow=0.3, batch=False)
    try:
        wait_until(
            lambda: len(messages_in(mail_dir)) >= 8, timeout=90, what="the batch to be sending"
        )
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    written = messages_in(mail_dir)
    after_kill = states(ids)
    assert after_kill["sending"] == 1, after_kill  # the one in flight, and only it
    assert after_kill["sent"] <= len(written) <= after_kill["sent"] + 1
    assert after_kill["pending"] == RECIPIENTS - after_kill["sent"] - 1
    assert max(Counter(written).values()) == 1

    # Another worker finishes the batch (as the retried task does after the lease), once the
    # delivery left in flight is old enough to belong to a dead worker.
    time_passes()
    from portal.tasks import notifications_deliver_batch

    notifications_deliver_batch.enqueue(ids)
    second = spawn_worker(tmp_path / "second.log", mail_dir, "second", slow=0, batch=True)
    try:
        assert second.wait(timeout=120) == 0, (tmp_path / "second.log").read_text()
    finally:
        if second.poll() is None:
            second.kill()
            second.wait()
    assert states(ids) == {"sent": RECIPIENTS}
    per_recipient = Counter(messages_in(mail_dir))
    assert_bounded(per_recipient)
    assert NotificationDelivery.objects.filter(resent_after_crash=True).count() == 1
