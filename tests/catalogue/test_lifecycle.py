"""The request lifecycle: submit (idempotent), approval, fulfilment in a task after commit,
timeline events with actors, notifications, interactions, fallback to a ticket, re-run."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from catalogue.automations import Automation, Result, registry
from catalogue.models import PaymentCard, RequestStatus, ServiceRequest
from catalogue.services import (
    RequestConflict,
    RequestError,
    request_approve,
    request_complete,
    request_fulfil,
    request_reject,
    request_rerun,
    request_submit,
    requests_sync_tickets,
)
from portal.models import Interaction, Notification
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def _kinds(request) -> list[str]:
    return list(
        Interaction.objects.filter(target_id=str(request.pk), kind__startswith="catalogue")
        .order_by("occurred_at", "pk")
        .values_list("kind", flat=True)
    )


def test_fulfilment_waits_for_the_commit(
    items, alice, alice_card, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        request, created = request_submit(
            item=items["card"],
            submitted_by=alice,
            data={"last_four": "4242"},
            idempotency_key="key-00000001",
        )
    assert created
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED, "nothing runs inside the web request"
    assert callbacks, "the fulfilment is queued after commit"
    for callback in callbacks:
        callback()
    request.refresh_from_db()
    assert request.status == RequestStatus.FULFILLED


def test_timeline_interactions_and_notification(items, alice, alice_card, submit):
    request = submit(alice, items["card"], {"last_four": "4242"})
    events = list(request.events.values_list("status", "actor"))
    assert events[0] == (RequestStatus.SUBMITTED, alice.pk)
    assert [status for status, _ in events] == [
        "submitted",
        "submitted",  # the card block note
        "in_progress",
        "fulfilled",
    ]
    assert _kinds(request) == ["catalogue_request", "catalogue_fulfilled"]
    fulfilled = Interaction.objects.get(kind="catalogue_fulfilled", target_id=str(request.pk))
    assert fulfilled.metadata["automated"] is True
    assert fulfilled.value == request.duration_seconds
    note = Notification.objects.get(user=alice, kind="request.fulfilled")
    assert note.url == f"/requests/{request.pk}/"


def test_same_key_gives_the_same_request(items, alice, alice_card, submit):
    first = submit(alice, items["card"], {"last_four": "4242"}, key="tab-key-0001")
    again = submit(alice, items["card"], {"last_four": "4242"}, key="tab-key-0001")
    assert again.pk == first.pk
    assert ServiceRequest.objects.count() == 1


def test_same_key_for_another_item_is_a_conflict(items, alice, alice_card, submit):
    submit(alice, items["card"], {"last_four": "4242"}, key="tab-key-0002")
    with pytest.raises(RequestConflict):
        submit(alice, items["manual"], {"address": "x", "urgent": "no"}, key="tab-key-0002")


def test_keys_are_per_customer(items, alice, bob, submit):
    data = {"address": "Main street 1", "urgent": "yes"}
    a = submit(alice, items["manual"], data, key="shared-key-1", run=False)
    b = submit(bob, items["manual"], data, key="shared-key-1", run=False)
    assert a.pk != b.pk


def test_bad_key_and_invalid_answers_write_nothing(items, alice, alice_card, submit):
    with pytest.raises(RequestError):
        submit(alice, items["card"], {"last_four": "4242"}, key="x")
    with pytest.raises(RequestError):
        submit(alice, items["card"], {"last_four": "42"})
    assert ServiceRequest.objects.count() == 0
    alice_card.refresh_from_db()
    assert alice_card.status == PaymentCard.Status.ACTIVE


def test_who_may_request_what(items, alice, amy, bob, ada, alice_sub, submit):
    from catalogue.models import CatalogueItem

    def slugs(user):
        return set(CatalogueItem.objects.requestable_by(user).values_list("slug", flat=True))

    assert "extra-seats" in slugs(alice), "org admins"
    assert "extra-seats" not in slugs(amy)
    assert "fibre-speed-test" in slugs(alice), "alice subscribes to fibre"
    assert "fibre-speed-test" not in slugs(bob)
    assert slugs(ada) == set(), "agents do not request"
    with pytest.raises(PermissionDenied):
        submit(amy, items["seats"], {"seats": "2"})
    with pytest.raises(PermissionDenied):
        submit(ada, items["manual"], {"address": "x", "urgent": "no"})


def test_manual_item_becomes_a_ticket_in_its_queue(items, alice, ada, submit):
    request = submit(alice, items["manual"], {"address": "Via Roma 1", "urgent": "yes"})
    assert request.status == RequestStatus.IN_PROGRESS
    ticket = request.ticket
    assert ticket.queue == items["manual"].queue
    assert "**Urgent:** Yes" in ticket.messages.get().body
    request_complete(request=request, actor=ada, note="Line installed.")
    request.refresh_from_db()
    assert request.status == RequestStatus.FULFILLED
    assert not request.automated
    assert request.result == "Line installed."
    fulfilled = Interaction.objects.get(kind="catalogue_fulfilled", target_id=str(request.pk))
    assert fulfilled.metadata["automated"] is False
    with pytest.raises(PermissionDenied):
        request_complete(request=request, actor=alice)


# --- approval -------------------------------------------------------------------------------
@pytest.fixture
def approval_item(make_item):
    return make_item("new-laptop", "manual", [], requires_approval=True)


def test_member_requests_wait_for_the_org_admin(approval_item, alice, amy, bob, submit):
    request = submit(amy, approval_item, {})
    assert request.status == RequestStatus.AWAITING_APPROVAL
    assert Notification.objects.filter(user=alice, kind="request.approval").exists()
    with pytest.raises(PermissionDenied):
        request_approve(request=request, actor=bob)
    with pytest.raises(PermissionDenied):
        request_approve(request=request, actor=amy)
    assert request.ticket_id is None


def test_approve_then_fulfil(approval_item, alice, amy, submit, django_capture_on_commit_callbacks):
    request = submit(amy, approval_item, {})
    with django_capture_on_commit_callbacks(execute=True):
        request_approve(request=request, actor=alice)
    request.refresh_from_db()
    assert request.status == RequestStatus.IN_PROGRESS
    assert request.ticket_id is not None, "the manual item went to the desk after approval"
    approval = request.events.get(status="in_progress", actor=alice)
    assert "Approved by Alice Archer" in approval.note
    assert "catalogue_approval" in _kinds(request)
    with pytest.raises(RequestConflict):
        request_approve(request=request, actor=alice)


def test_reject(approval_item, alice, amy, submit):
    request = submit(amy, approval_item, {})
    request_reject(request=request, actor=alice, reason="Budget is frozen.")
    request.refresh_from_db()
    assert request.status == RequestStatus.REJECTED
    assert request.result == "Budget is frozen."
    assert Notification.objects.filter(user=amy, kind="request.rejected").exists()
    interaction = Interaction.objects.get(kind="catalogue_approval", target_id=str(request.pk))
    assert interaction.metadata["decision"] == "rejected"


def test_org_admins_own_requests_need_no_approval(approval_item, alice, carol, submit):
    assert submit(alice, approval_item, {}).status == RequestStatus.IN_PROGRESS
    assert submit(carol, approval_item, {}).status == RequestStatus.IN_PROGRESS, "no organisation"


# --- failures, fallback and re-run -------------------------------------------------------------
class Exploding(Automation):
    key = "test_exploding"
    label = "Explodes"
    calls = 0

    def fulfil(self, request):
        type(self).calls += 1
        if type(self).calls == 1:
            raise RuntimeError("back-end exploded")
        return Result.fulfilled("Worked the second time.")


@pytest.fixture
def exploding(make_item, queue):
    registry.register(Exploding)
    Exploding.calls = 0
    yield make_item("explodes", "test_exploding", [], queue=queue)
    registry.unregister("test_exploding")


def test_a_crash_falls_back_to_a_ticket_and_admin_reruns(
    exploding, alice, root, submit, django_capture_on_commit_callbacks
):
    request = submit(alice, exploding, {})
    assert request.status == RequestStatus.FAILED
    assert "RuntimeError: back-end exploded" in request.error
    ticket = Ticket.objects.get(pk=request.ticket_id)
    assert "back-end exploded" in ticket.messages.get().body
    assert _kinds(request) == ["catalogue_request", "catalogue_failed"]
    assert Notification.objects.filter(user=alice, kind="request.failed").exists()

    with pytest.raises(PermissionDenied):
        request_rerun(request=request, actor=alice)
    with django_capture_on_commit_callbacks(execute=True):
        request_rerun(request=request, actor=root)
    request.refresh_from_db()
    assert request.status == RequestStatus.FULFILLED
    assert request.result == "Worked the second time."
    assert request.attempts == 2
    assert request.events.filter(actor=root).exists()


def test_fulfil_twice_does_nothing_more(items, alice, alice_card, submit):
    request = submit(alice, items["card"], {"last_four": "4242"})
    events = request.events.count()
    request_fulfil(request_id=request.pk)
    assert request.events.count() == events
    assert Ticket.objects.count() == 1


# --- requests handed to the desk ------------------------------------------------------------
def test_resolving_the_ticket_fulfils_the_manual_request(items, alice, ada, submit):
    from io import StringIO

    from django.core.management import call_command

    from tickets.models import Status as TicketStatus
    from tickets.services import ticket_status_change

    request = submit(alice, items["manual"], {"address": "Via Roma 1", "urgent": "no"})
    other = submit(alice, items["seats"], {"seats": "3"})
    assert request.status == other.status == RequestStatus.IN_PROGRESS
    assert requests_sync_tickets() == 0  # tickets still open: nothing to do

    ticket_status_change(ticket=request.ticket, status=TicketStatus.RESOLVED, actor=ada)
    call_command("catalogue_tick", stdout=(out := StringIO()))
    assert "requests fulfilled from resolved tickets: 1" in out.getvalue()

    request.refresh_from_db()
    other.refresh_from_db()
    assert request.status == RequestStatus.FULFILLED and not request.automated
    assert request.ticket.number in request.result
    assert other.status == RequestStatus.IN_PROGRESS  # its ticket is still open
    fulfilled = Interaction.objects.get(kind="catalogue_fulfilled", target_id=str(request.pk))
    assert fulfilled.metadata["automated"] is False
    assert requests_sync_tickets() == 0  # idempotent


def test_catalogue_tick_refuses_a_negative_interval(db):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("catalogue_tick", "--every", "-1", stdout=StringIO())


def test_ticket_summary_keeps_a_question_label_as_it_is(make_item, alice, submit):
    from tests.catalogue.conftest import field

    item = make_item("what-happened", "manual", [field("what", label="What happened?")])
    request = submit(alice, item, {"what": "Lost"})
    body = request.ticket.messages.get().body
    assert "- **What happened?** Lost" in body and "?:" not in body
