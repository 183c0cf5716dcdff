"""The agent's incident page after publishing (issue 18, item 4): the notices' progress told
honestly from the database (queued, sending n of N, sent, failed with a count), refreshing
itself while it moves, and "Post an update" / "Resolve" as the main actions, never "Publish
again"."""

from __future__ import annotations

import re

import pytest
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from outages import services
from outages.selectors import FAN_OUT_TASK
from portal.models import NotificationDelivery

from .desk_fixtures import *  # noqa: F403 - the fixtures
from .desk_fixtures import declare


def page(incident) -> str:
    return f"/desk/incidents/{incident.pk}/"


def visible(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def queued_in_db(settings):
    """Tasks go to the database queue (as in production) instead of running at once."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": settings.TASK_QUEUES}
    }


def _fan_out_row(incident):
    return DBTaskResult.objects.get(task_path=FAN_OUT_TASK, args_kwargs__args=[incident.pk])


def test_right_after_publishing_the_notices_are_queued_and_the_page_polls(
    subscribed, ada, client_for, queued_in_db, django_capture_on_commit_callbacks
):
    incident = declare(subscribed)
    client = client_for(ada)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{page(incident)}publish/")
    assert response.status_code == 302
    assert _fan_out_row(incident).status == TaskResultStatus.READY
    html = client.get(response["Location"]).content.decode()
    text = visible(html)
    assert "Queued: the notices start going out in a moment." in text
    assert "0 emails sent" not in text and "0 pending" not in text
    assert "<dt>Emails sent</dt>" not in html  # no row of zeros while nothing started
    table = html[html.index('id="delivery"') :]
    assert 'notice-badge-queued">Queued<' in table[: table.index("</table>")]
    assert f'hx-get="{page(incident)}?part=progress"' in html and 'hx-trigger="every 3s"' in html
    # the main actions now: an update or the resolution, not another publication
    assert "Publish again" not in text
    header = html[html.index('class="header-actions-desk"') :]
    header = header[: header.index("</div>")]
    assert re.search(r'class="btn btn-primary" href="#update">Post an update<', header)
    assert 'href="#resolve">Resolve<' in header
    assert "/publish/" not in header


def test_sending_shows_n_of_n_while_the_fan_out_runs(
    subscribed, ada, amy, client_for, queued_in_db, django_capture_on_commit_callbacks
):
    incident = declare(subscribed)
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_publish(incident=incident)
    row = _fan_out_row(incident)
    DBTaskResult.objects.filter(pk=row.pk).update(status=TaskResultStatus.RUNNING)
    services.notices_send(incident_id=incident.pk)  # the worker's part (emails still queued)
    emails = NotificationDelivery.objects.filter(channel="email")
    assert emails.count() == 2 and not emails.exclude(status="pending").exists()
    emails.filter(recipient=amy).update(status="sent")
    response = client_for(ada).get(page(incident), {"part": "progress"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and 'id="notice-progress"' in html
    # the table of deliveries per update comes along (out of band): both say the same
    assert '<div id="delivery" hx-swap-oob="true">' in html
    assert re.search(r'data-label="Emails sent">1<', html)
    text = visible(html)
    assert "Sending: 1 of 2 emails sent." in text
    assert "More recipients are still being added." in text
    assert '<progress class="notice-bar" max="2" value="1"' in html
    assert 'hx-trigger="every 3s"' in html  # still moving: keeps polling
    # the fan-out is over, one email still waits for the mail server
    DBTaskResult.objects.filter(pk=row.pk).update(status=TaskResultStatus.SUCCESSFUL)
    text = visible(client_for(ada).get(page(incident), {"part": "progress"}).content.decode())
    assert "Sending: 1 of 2 emails sent." in text
    assert "More recipients" not in text


def test_sent_stops_polling(subscribed, ada, client_for, django_capture_on_commit_callbacks):
    incident = declare(subscribed)
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_publish(incident=incident)
    assert not NotificationDelivery.objects.filter(channel="email").exclude(status="sent").exists()
    html = client_for(ada).get(page(incident)).content.decode()
    assert "Sent: all 2 emails went out." in visible(html)
    assert "hx-trigger" not in html[html.index('id="notice-progress"') - 200 :][:600]
    assert "every 3s" not in html


def test_failed_emails_are_counted(
    subscribed, ada, amy, client_for, django_capture_on_commit_callbacks
):
    incident = declare(subscribed)
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_publish(incident=incident)
    NotificationDelivery.objects.filter(recipient=amy, channel="email").update(
        status="failed", last_error="550 no such user"
    )
    html = client_for(ada).get(page(incident)).content.decode()
    text = visible(html)
    assert "Sent, but 1 of 2 emails failed." in text
    assert 'notice-badge-failed">Failed<' in html
    assert "every 3s" not in html


def test_a_failed_fan_out_says_so_and_offers_to_send_again(
    subscribed, ada, client_for, queued_in_db, django_capture_on_commit_callbacks
):
    incident = declare(subscribed)
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_publish(incident=incident)
    DBTaskResult.objects.filter(pk=_fan_out_row(incident).pk).update(status=TaskResultStatus.FAILED)
    html = client_for(ada).get(page(incident)).content.decode()
    assert "Sending stopped before every customer was told." in visible(html)
    box = html[html.index('id="notice-progress"') :]
    assert f'action="{page(incident)}publish/"' in box[: box.index("</section>")]
    assert ">Send again<" in box


def test_before_publishing_the_main_action_is_publish(subscribed, ada, client_for):
    incident = declare(subscribed)
    html = client_for(ada).get(page(incident)).content.decode()
    header = html[html.index('class="header-actions-desk"') :]
    assert '<button type="submit" class="btn btn-primary">Publish</button>' in header
    assert "Nobody has been told yet" in visible(html)
    assert "every 3s" not in html


def test_the_progress_part_is_for_agents_only(subscribed, alice, client_for):
    incident = declare(subscribed)
    assert client_for(alice).get(page(incident), {"part": "progress"}).status_code == 403
