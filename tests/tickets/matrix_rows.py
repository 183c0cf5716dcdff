"""The tickets' rows of the access matrix (tests/portal/test_access_matrix.py): the customers'
ticket pages, the agents' desk, the Support desk viewsets and report in the Wagtail admin, and
the tickets API.

Each helper below takes the matrix's per-case context and builds its object once (cached on
the context), through the services, as the right persona. Other apps' rows may use them too
(the outages rows link alice's ticket to an incident)."""

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


# --- rows ------------------------------------------------------------------------------------
def url_rows(m) -> dict:
    Probe, signed_in, only, Redirect = m.Probe, m.signed_in, m.only, m.Redirect
    admin_only, admin_rows, viewset, agents_only = (
        m.admin_only,
        m.admin_rows,
        m.viewset,
        m.agents_only,
    )
    after_kb, kb_sees = m.after_kb, m.kb_sees
    LOGIN, CUSTOMERS = m.LOGIN, m.CUSTOMERS
    TO_DESK = Redirect("/desk/")
    TO_DESK_TICKET = Redirect("/desk/tickets/")
    AGENTS_TO_DESK = {"ada": TO_DESK, "root": TO_DESK}
    return {
        # --- the Support desk in the Wagtail admin ---
        **{
            f"{namespace}:{view}": [
                Probe(
                    "GET",
                    (lambda ns, t: lambda ctx: t.format(pk=admin_object(ctx, ns).pk))(
                        namespace, template
                    ),
                    admin_only(template.split("{pk}")[0]),
                )
            ]
            for namespace, prefix in ADMIN_VIEWSETS.items()
            for view, template in viewset(
                prefix, "index", "index_results", "add", "edit", "delete"
            ).items()
        },
        **admin_rows(
            "tickets_reports",
            {
                "agents": "/admin/reports/agents/",
                "agents_results": "/admin/reports/agents/results/",
            },
        ),
        **inbound_rows(m),
        # --- the customers' pages ---
        "tickets:list": [
            Probe("GET", "/tickets/", signed_in(200, ada=TO_DESK, root=TO_DESK)),
            Probe(
                "GET", "/tickets/?state=nonsense&page=x", signed_in(200, ada=TO_DESK, root=TO_DESK)
            ),
            Probe("POST", "/tickets/", signed_in(405)),
        ],
        "tickets:new": [
            Probe(
                "GET",
                "/tickets/new/",
                only(CUSTOMERS, 200, **AGENTS_TO_DESK, others=403, anonymous=LOGIN),
            ),
            Probe(
                "POST",
                "/tickets/new/",
                only(
                    CUSTOMERS, Redirect("/tickets/"), **AGENTS_TO_DESK, others=403, anonymous=LOGIN
                ),
                data=NEW_TICKET,
                check=opened,
            ),
            Probe(
                "POST",
                "/tickets/new/",
                only(CUSTOMERS, 400, **AGENTS_TO_DESK, others=403, anonymous=LOGIN),
                data={"subject": ""},
                note="invalid form",
            ),
        ],
        "tickets:suggest": [
            Probe("GET", after_kb("/tickets/new/suggest/?subject=matrix"), signed_in(200))
        ],
        "tickets:deflect": [
            Probe("POST", "/tickets/new/answered/", signed_in(Redirect("/"))),
            Probe(
                "POST",
                "/tickets/new/answered/",
                kb_sees("agents", Redirect("/kb/"), 404) | {"anonymous": LOGIN},
                data=lambda ctx: {"article": ctx.kb["agents"].pk},
                note="a hidden article is a 404",
            ),
            Probe("GET", "/tickets/new/answered/", signed_in(405)),
        ],
        "tickets:detail": [
            Probe(
                "GET",
                path("/tickets/{id}/"),
                signed_in(404, alice=200, amy=200, ada=TO_DESK_TICKET, root=TO_DESK_TICKET),
                note="amy: Acme shares tickets; bob (Globex) and mo get a 404",
            ),
        ],
        "tickets:reply": [
            Probe(
                "POST",
                path("/tickets/{id}/reply/"),
                signed_in(
                    404, **{r: Redirect("/tickets/") for r in ("alice", "amy", "ada", "root")}
                ),
                data={"body": "matrix reply"},
                check=replied,
            ),
            Probe("GET", path("/tickets/{id}/reply/"), signed_in(405)),
        ],
        "tickets:close": [
            Probe(
                "POST",
                path("/tickets/{id}/close/"),
                signed_in(
                    404, **{r: Redirect("/tickets/") for r in ("alice", "amy", "ada", "root")}
                ),
            ),
        ],
        "tickets:reopen": [
            Probe(
                "POST",
                path("/tickets/{id}/reopen/", alice_closed_ticket),
                signed_in(
                    404, **{r: Redirect("/tickets/") for r in ("alice", "amy", "ada", "root")}
                ),
            ),
        ],
        "tickets:attachment": [
            Probe(
                "GET",
                attachment_path,
                signed_in(404, alice=200, amy=200, ada=200, root=200),
            ),
            Probe(
                "GET",
                internal_attachment_path,
                signed_in(404, ada=200, root=200),
                note="an internal note's file is for agents only",
            ),
        ],
        # --- the agents' desk ---
        "desk:index": [
            Probe("GET", "/desk/", agents_only(200)),
            Probe("GET", "/desk/?status=zzz&priority=9&sla=x&queue=y&page=z", agents_only(200)),
            Probe("POST", "/desk/", agents_only(405)),
        ],
        "desk:bulk": [
            Probe(
                "POST",
                path_of(lambda ctx: "/desk/bulk/", alice_ticket),
                agents_only(Redirect("/desk/")),
                data=lambda ctx: {
                    "tickets": [alice_ticket(ctx).pk],
                    "action": "tag",
                    "value": "matrix",
                },
                check=tagged,
            ),
            Probe("GET", "/desk/bulk/", agents_only(405)),
        ],
        "desk:view_save": [
            Probe(
                "POST",
                "/desk/views/",
                agents_only(Redirect("/desk/?sla=breached")),
                data={"name": "Matrix view", "query": "sla=breached"},
            ),
        ],
        "desk:view_delete": [
            Probe(
                "POST",
                path("/desk/views/{id}/delete/", ada_view),
                agents_only(Redirect("/desk/"), root=404),
                note="ada's private view: root cannot see it, customers cannot reach the desk",
            ),
        ],
        "desk:ticket": [Probe("GET", path("/desk/tickets/{id}/"), agents_only(200))],
        "desk:claim": [
            Probe("POST", path("/desk/tickets/{id}/claim/"), agents_only(TO_DESK_TICKET)),
            Probe("GET", path("/desk/tickets/{id}/claim/"), agents_only(405)),
        ],
        "desk:compose": [
            Probe(
                "POST",
                path("/desk/tickets/{id}/compose/"),
                agents_only(TO_DESK_TICKET),
                data={"kind": "note", "body": "matrix note", "action": "send"},
            ),
            Probe(
                "POST",
                path("/desk/tickets/{id}/compose/"),
                agents_only(400),
                data={"kind": "reply", "body": "", "action": "send"},
                note="an empty message",
            ),
        ],
        "desk:compose_canned": [
            Probe(
                "POST",
                path("/desk/tickets/{id}/compose/canned/"),
                agents_only(400),
                data={"kind": "reply", "body": "Draft", "canned": ""},
                note="no canned reply chosen",
            ),
        ],
        "desk:compose_search": [
            Probe(
                "POST",
                path("/desk/tickets/{id}/compose/search/"),
                agents_only(200),
                data={"kind": "reply", "body": "Draft", "article_q": "router"},
            ),
            Probe("GET", path("/desk/tickets/{id}/compose/search/"), agents_only(405)),
        ],
        "desk:compose_article": [
            Probe(
                "POST",
                path("/desk/tickets/{id}/compose/article/"),
                agents_only(400),
                data={"kind": "reply", "body": "Draft", "article": "0"},
                note="no such article",
            ),
        ],
        "desk:properties": [
            Probe("POST", path("/desk/tickets/{id}/properties/"), agents_only(400), data={}),
        ],
        "desk:merge": [
            Probe(
                "POST",
                path("/desk/tickets/{id}/merge/"),
                agents_only(400),
                data={"target": "nonsense"},
            ),
        ],
    }


# --- the email channel (issue 16): the inbound webhook and the Inbound email admin -----------
INBOUND_VIEWSETS = {
    "support_inbound_emails": ("support/inbound-emails", ("index", "index_results", "inspect")),
    "support_inbound_addresses": (
        "support/inbound-addresses",
        ("index", "index_results", "add", "edit", "delete"),
    ),
}


def inbound_object(ctx, namespace: str):
    """A failed inbound email (malformed) and an inbound address (built once per test)."""
    from tickets.models import InboundAddress, Queue
    from tickets.services.intake import mail_intake

    def build():
        queue = Queue.objects.create(name="Matrix billing", slug="matrix-billing")
        return {
            "support_inbound_emails": mail_intake(raw=b"\x00\x01 not a message").inbound,
            "support_inbound_addresses": InboundAddress.objects.create(
                address="matrix-billing@example.com", queue=queue
            ),
        }

    return _cached(ctx, "inbound", build)[namespace]


def inbound_rows(m) -> dict:
    Probe, admin_only, viewset, expect = m.Probe, m.admin_only, m.viewset, m.expect
    retry = "/admin/support/inbound-retry/{pk}/"

    def retry_path(ctx) -> str:
        return retry.format(pk=inbound_object(ctx, "support_inbound_emails").pk)

    return {
        **{
            f"{namespace}:{view}": [
                Probe(
                    "GET",
                    (lambda ns, t: lambda ctx: t.format(pk=inbound_object(ctx, ns).pk))(
                        namespace, template
                    ),
                    admin_only(template.split("{pk}")[0]),
                )
            ]
            for namespace, (prefix, views) in INBOUND_VIEWSETS.items()
            for view, template in viewset(prefix, *views).items()
        },
        "tickets_inbound:retry": [
            Probe("GET", retry_path, admin_only("/admin/support/inbound-retry/")),
            Probe(
                "POST",
                retry_path,
                {
                    **admin_only("/admin/support/inbound-retry/"),
                    "root": m.Redirect("/admin/support/inbound-emails/"),
                },
            ),
        ],
        # off unless EMAIL_INBOUND_ESP and ANYMAIL_WEBHOOK_SECRET are set (tests: unset);
        # configured, it is verified by the provider's credentials, not by a session
        # (tests/tickets/test_mail_webhook.py)
        "mail_webhook:mail_inbound": [
            Probe("POST", "/tickets/mail/inbound/", expect(404), data={"x": "1"}),
            Probe("GET", "/tickets/mail/inbound/", expect(404)),
        ],
    }


def api_rows(m) -> dict:
    Probe, signed_in, only = m.Probe, m.signed_in, m.only
    CUSTOMERS = m.CUSTOMERS
    return {
        "GET /api/v1/tickets": [
            Probe(
                "GET",
                path_of(lambda ctx: "/api/v1/tickets", alice_ticket),
                signed_in(200, anonymous=401),
                check=api_sees_tickets,
            ),
            Probe("GET", "/api/v1/tickets?limit=0", signed_in(422, anonymous=401)),
        ],
        "POST /api/v1/tickets": [
            Probe(
                "POST",
                "/api/v1/tickets",
                only(CUSTOMERS, 201, others=403, anonymous=401),
                data=API_TICKET,
                check=api_opened,
            ),
            Probe(
                "POST",
                "/api/v1/tickets",
                signed_in(422, anonymous=401),
                data={**API_TICKET, "priority": "urgent"},
                note="a staff-only field is refused",
            ),
        ],
        "GET /api/v1/tickets/{ticket_id}": [
            Probe(
                "GET",
                path("/api/v1/tickets/{id}"),
                signed_in(404, alice=200, amy=200, ada=200, root=200, anonymous=401),
            )
        ],
        "PATCH /api/v1/tickets/{ticket_id}": [
            Probe(
                "PATCH",
                path("/api/v1/tickets/{id}"),
                only(("ada", "root"), 200, others=403, anonymous=401),
                data={"priority": "high"},
            )
        ],
        "POST /api/v1/tickets/{ticket_id}/replies": [
            Probe(
                "POST",
                path("/api/v1/tickets/{id}/replies"),
                signed_in(404, alice=201, amy=201, ada=201, root=201, anonymous=401),
                data={"body": "matrix reply"},
            )
        ],
        "POST /api/v1/tickets/{ticket_id}/claim": [
            Probe(
                "POST",
                path("/api/v1/tickets/{id}/claim"),
                only(("ada", "root"), 200, others=403, anonymous=401),
            )
        ],
    }
