"""Objects the access matrix (tests/portal/test_access_matrix.py) points ticket URLs at.

Each helper takes the matrix's per-test context and builds its object once (cached on the
context), through the services, as the right persona."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.tickets.conftest import PNG


def _cached(ctx, key: str, build):
    cache = ctx.__dict__.setdefault("_tickets", {})
    if key not in cache:
        ctx.settings.MEDIA_ROOT = str(ctx.tmp_path / "media")
        cache[key] = build()
    return cache[key]


def alice_ticket(ctx):
    """An open ticket of alice's (Acme, which shares tickets), with one attachment."""
    from tickets.services import ticket_open

    alice = ctx.users["alice"]
    return _cached(
        ctx,
        "alice",
        lambda: ticket_open(
            customer=alice.customer,
            opened_by=alice,
            subject="Matrix router",
            body="It restarts.",
            attachments=[SimpleUploadedFile("matrix.png", PNG, content_type="image/png")],
        ),
    )


def alice_closed_ticket(ctx):
    from tickets.services import ticket_close

    def build():
        ticket = alice_ticket(ctx)
        return ticket_close(ticket=ticket, actor=ctx.users["alice"])

    return _cached(ctx, "closed", build)


def internal_attachment(ctx):
    from tickets.services import ticket_note

    def build():
        note = ticket_note(
            ticket=alice_ticket(ctx),
            author=ctx.users["ada"],
            body="internal",
            attachments=[SimpleUploadedFile("note.png", PNG, content_type="image/png")],
        )
        return note.attachments.get()

    return _cached(ctx, "internal", build)


def path(template: str, build=alice_ticket):
    """``path("/tickets/{id}/")``: the URL of the object ``build`` makes."""
    return lambda ctx: template.format(id=build(ctx).pk)


def path_of(build_path, *builders):
    """A fixed path that needs objects to exist first."""

    def make(ctx):
        for build in builders:
            build(ctx)
        return build_path(ctx)

    return make


def ada_view(ctx):
    from tickets.services import saved_view_create

    return _cached(
        ctx,
        "view",
        lambda: saved_view_create(owner=ctx.users["ada"], name="Ada's", query="assignee=me"),
    )


def tagged(ctx, response) -> None:
    ticket = alice_ticket(ctx)
    has_tag = ticket.tags.filter(name="matrix").exists()
    assert has_tag is (ctx.role in ("ada", "root")), "only agents bulk-tag"


def alice_notification(ctx):
    from portal.models import Notification

    return _cached(
        ctx,
        "notification",
        lambda: Notification.objects.create(
            user=ctx.users["alice"], kind="matrix", event_key="matrix", title="Hi", url="/tickets/"
        ),
    )


def attachment_path(ctx) -> str:
    return alice_ticket(ctx).attachments.get().get_absolute_url()


def internal_attachment_path(ctx) -> str:
    return internal_attachment(ctx).get_absolute_url()


def _accepted(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith("/tickets/")


def replied(ctx, response) -> None:
    from tickets.models import Message

    sent = Message.objects.filter(body="matrix reply").exists()
    assert sent is _accepted(response), "a message only when the reply is accepted"


def opened(ctx, response) -> None:
    from tickets.models import Ticket

    created = Ticket.objects.filter(subject="Matrix ticket").exists()
    assert created is _accepted(response), "a ticket only when accepted"


API_TICKET = {"subject": "Matrix API ticket", "description": "Opened through the API."}


def api_opened(ctx, response) -> None:
    from tickets.models import Ticket

    created = Ticket.objects.filter(subject="Matrix API ticket").exists()
    assert created is (response.status_code == 201), "a ticket only when accepted"


def api_sees_tickets(ctx, response) -> None:
    """alice's ticket is listed for alice, amy (shared organisation) and agents only."""
    if response.status_code != 200:
        return
    ticket = alice_ticket(ctx)
    listed = ticket.number in {item["number"] for item in response.json()["items"]}
    assert listed is (ctx.role in ("alice", "amy", "ada", "root"))


NEW_TICKET = {
    "subject": "Matrix ticket",
    "category": "question",
    "impact": "me",
    "description": "Opened by the access matrix.",
}


# --- the Support desk viewsets in the Wagtail admin ----------------------------------------------
ADMIN_VIEWSETS = {
    "support_sla_policies": "support/sla-policies",
    "support_calendars": "support/calendars",
    "support_holidays": "support/holidays",
    "support_queues": "support/queues",
    "support_canned_replies": "support/canned-replies",
    "support_tags": "support/tags",
}


def admin_object(ctx, namespace: str):
    """One row for each Support desk viewset (built once per test)."""
    from datetime import date

    from tickets.models import BusinessCalendar, CannedReply, Holiday, Queue, SlaPolicy, Tag

    def build():
        calendar = BusinessCalendar.objects.create(name="Matrix office")
        return {
            "support_calendars": calendar,
            "support_holidays": Holiday.objects.create(
                calendar=calendar, date=date(2026, 12, 25), name="Christmas"
            ),
            "support_sla_policies": SlaPolicy.objects.create(
                name="Matrix normal",
                priority=2,
                calendar=calendar,
                first_response_minutes=60,
                resolution_minutes=480,
            ),
            "support_queues": Queue.objects.create(name="Matrix queue", slug="matrix-queue"),
            "support_canned_replies": CannedReply.objects.create(title="Hi", body="Hello"),
            "support_tags": Tag.objects.create(name="matrix", slug="matrix"),
        }

    return _cached(ctx, "admin", build)[namespace]
