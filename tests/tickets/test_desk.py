"""The agents' desk: access, queue filters and sorting, saved views, bulk actions, claim,
the ticket page (conversation, composer with canned replies and KB links, properties,
merge) and the customer panel registry."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from knowledgebase.models import KnowledgeBaseIndexPage
from portal.models import Purchase, Subscription
from tests.knowledgebase.conftest import make_article, make_category
from tickets import panels
from tickets.models import (
    CannedReply,
    Priority,
    SavedView,
    Status,
    Ticket,
    TicketArticleLink,
)
from tickets.services import (
    saved_view_create,
    ticket_claim,
    ticket_note,
    ticket_reply,
    ticket_status_change,
    ticket_tag,
)

from .conftest import rome

DESK = "/desk/"


def subjects(response) -> list[str]:
    return [row.ticket.subject for row in response.context["rows"]]


# --- access --------------------------------------------------------------------------------------
def test_only_agents_and_admins_reach_the_desk(client_for, alice, bob, ada, mo, root):
    assert client_for(None).get(DESK).status_code == 302
    for customer in (alice, bob, mo):
        assert client_for(customer).get(DESK).status_code == 403
    assert client_for(ada).get(DESK).status_code == 200
    assert client_for(root).get(DESK).status_code == 200


def test_agents_on_customer_pages_go_to_the_desk(client_for, alice, ada, open_ticket):
    ticket = open_ticket(alice)
    client = client_for(ada)
    assert client.get("/tickets/")["Location"] == DESK
    assert client.get(f"/tickets/{ticket.pk}/")["Location"] == f"/desk/tickets/{ticket.pk}/"


# --- queue ---------------------------------------------------------------------------------------
@pytest.fixture
def mixed(alice, bob, ada, fibre, open_ticket, policies):
    old = rome(2026, 3, 2, 9)
    tickets = {
        "router": open_ticket(alice, subject="Router broken", product=fibre, now=old),
        "invoice": open_ticket(bob, subject="Invoice wrong", category="billing"),
        "outage": open_ticket(alice, subject="Everyone offline", impact="all"),
        "done": open_ticket(bob, subject="Solved already"),
    }
    ticket_claim(ticket=tickets["invoice"], agent=ada)
    ticket_tag(ticket=tickets["outage"], actor=ada, add=["outage"])
    ticket_status_change(ticket=tickets["done"], status=Status.RESOLVED, actor=ada)
    return tickets


def test_default_queue_is_active_tickets_by_priority(client_for, ada, mixed):
    response = client_for(ada).get(DESK)
    assert subjects(response)[0] == "Everyone offline"  # high priority first
    assert "Solved already" not in subjects(response)
    assert set(subjects(response)) == {"Router broken", "Invoice wrong", "Everyone offline"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("assignee=me", {"Invoice wrong"}),
        ("assignee=none", {"Router broken", "Everyone offline"}),
        ("status=resolved", {"Solved already"}),
        ("status=all", {"Router broken", "Invoice wrong", "Everyone offline", "Solved already"}),
        ("priority=high", {"Everyone offline"}),
        ("tag=outage", {"Everyone offline"}),
        ("sla=breached", {"Router broken"}),  # opened in March: long overdue
        ("sla=on_track", {"Invoice wrong", "Everyone offline"}),
        ("q=invoice", {"Invoice wrong"}),
        ("q=bob", {"Invoice wrong"}),
        ("sort=oldest&status=all", None),
        # invalid values are ignored rather than an error page
        ("priority=extreme&sla=whatever&queue=abc&status=nope&sort=random", None),
    ],
)
def test_queue_filters(client_for, ada, mixed, query, expected):
    response = client_for(ada).get(f"{DESK}?{query}")
    assert response.status_code == 200
    if expected is not None:
        assert set(subjects(response)) == expected


def test_filters_by_product_organisation_and_number(client_for, ada, mixed, fibre):
    client = client_for(ada)
    assert subjects(client.get(f"{DESK}?product={fibre.pk}")) == ["Router broken"]
    org = mixed["invoice"].organisation
    assert subjects(client.get(f"{DESK}?organisation={org.pk}")) == ["Invoice wrong"]
    number = mixed["router"].number
    assert subjects(client.get(f"{DESK}?q={number}")) == ["Router broken"]


def test_queue_query_count_is_constant(client_for, ada, alice, open_ticket):
    client = client_for(ada)

    def count(n_tickets: int) -> int:
        while Ticket.objects.count() < n_tickets:
            ticket = open_ticket(alice)
            ticket_tag(ticket=ticket, actor=ada, add=["a", "b"])
        client.get(DESK)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(DESK).status_code == 200
        return len(queries)

    assert count(2) == count(25)


# --- saved views and bulk ------------------------------------------------------------------------
def test_save_apply_and_delete_a_view(client_for, ada, root, mixed):
    client = client_for(ada)
    response = client.post(
        reverse("desk:view_save"), {"name": "Mine", "query": "assignee=me", "is_shared": "on"}
    )
    assert response["Location"] == f"{DESK}?assignee=me"
    view = SavedView.objects.get()
    assert "Mine" in client.get(DESK).content.decode()
    # another agent sees the shared view but cannot delete it
    other = client_for(root)
    assert "Mine" in other.get(DESK).content.decode()
    other.post(reverse("desk:view_delete", args=[view.pk]))
    assert SavedView.objects.exists()
    client_for(ada).post(reverse("desk:view_delete", args=[view.pk]))
    assert not SavedView.objects.exists()


def test_private_views_are_private(client_for, ada, root):
    view = saved_view_create(owner=root, name="Root only", query="sla=breached")
    assert "Root only" not in client_for(ada).get(DESK).content.decode()
    assert client_for(ada).post(reverse("desk:view_delete", args=[view.pk])).status_code == 404


def test_bulk_assign_and_failures(client_for, ada, mixed):
    client = client_for(ada)
    ids = [mixed["router"].pk, mixed["done"].pk]
    response = client.post(
        reverse("desk:bulk"),
        {"tickets": ids, "action": "status", "value": "waiting_customer", "next": "/desk/?x=1"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/desk/?x=1"
    html = response.content.decode()
    assert "Updated 1 tickets" in html
    assert f"{mixed['done'].number}: A ticket cannot go from" in html
    mixed["router"].refresh_from_db()
    assert mixed["router"].status == Status.WAITING_CUSTOMER


def test_bulk_without_selection_or_action(client_for, ada, mixed):
    client = client_for(ada)
    response = client.post(reverse("desk:bulk"), {"action": "tag", "value": "x"}, follow=True)
    assert "Select at least one ticket" in response.content.decode()
    response = client.post(
        reverse("desk:bulk"), {"tickets": [mixed["router"].pk], "action": "boom"}, follow=True
    )
    assert "Choose a bulk action" in response.content.decode()
    response = client.post(
        reverse("desk:bulk"), {"tickets": ["999999"], "action": "tag", "value": "x"}, follow=True
    )
    assert "Select at least one ticket" in response.content.decode()


def test_bulk_next_cannot_leave_the_site(client_for, ada, mixed):
    response = client_for(ada).post(
        reverse("desk:bulk"),
        {"tickets": [mixed["router"].pk], "action": "tag", "value": "x", "next": "https://evil"},
    )
    assert response["Location"] == DESK


# --- claim and the ticket page ------------------------------------------------------------
def test_claim_button(client_for, ada, root, alice, open_ticket):
    ticket = open_ticket(alice)
    client_for(ada).post(reverse("desk:claim", args=[ticket.pk]))
    ticket.refresh_from_db()
    assert ticket.assignee == ada
    response = client_for(root).post(reverse("desk:claim", args=[ticket.pk]), follow=True)
    assert "Ada Agent has already claimed this ticket" in response.content.decode()


def test_ticket_page_shows_notes_history_and_panel(client_for, ada, alice, fibre, open_ticket):
    Subscription.objects.create(customer=alice.customer, product=fibre, since=timezone.now())
    Purchase.objects.create(
        customer=alice.customer, ordered_at=timezone.now(), amount="12.50", order_ref="P-1"
    )
    ticket = open_ticket(alice)
    other = open_ticket(alice, subject="Another problem")
    ticket_note(ticket=ticket, author=ada, body="Internal remark")
    ticket_reply(ticket=ticket, author=ada, body="Public remark")
    response = client_for(ada).get(reverse("desk:ticket", args=[ticket.pk]))
    html = response.content.decode()
    assert 'class="message message-agent message-internal"' in html
    assert "Internal remark" in html and "Public remark" in html
    assert "Acme" in html and "Fibre 1000" in html and "12.50" in html
    assert other.number in html  # other open tickets
    assert "Opened a ticket" in html  # recent interactions
    assert "<strong>Status</strong>" in html  # history of field changes


def test_ticket_page_query_count_is_constant(client_for, ada, alice, open_ticket):
    ticket = open_ticket(alice)
    client = client_for(ada)
    url = reverse("desk:ticket", args=[ticket.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(8):
        ticket_reply(ticket=ticket, author=ada, body=f"reply {n}")
        ticket_note(ticket=ticket, author=ada, body=f"note {n}")
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_composer_inserts_canned_reply_without_javascript(client_for, ada, alice, open_ticket):
    ticket = open_ticket(alice)
    canned = CannedReply.objects.create(title="Greeting", body="Hello {{ customer.first_name }}!")
    client = client_for(ada)
    page = client.get(reverse("desk:ticket", args=[ticket.pk])).content.decode()
    url = reverse("desk:compose_canned", args=[ticket.pk])
    assert f'formaction="{url}#composer"' in page  # the "Insert" button posts the draft here
    response = client.post(url, {"kind": "reply", "body": "Draft", "canned": canned.pk})
    assert response.status_code == 200
    assert response.context["composer"]["body"].value() == "Draft\n\nHello Alice!"
    assert client.post(url, {"kind": "reply", "body": "Draft"}).status_code == 400  # none chosen
    assert ticket.messages.count() == 1  # nothing sent


def test_enter_in_the_article_search_searches(client_for, ada, alice, open_ticket):
    """Enter in the search box submits the form's first button ("Insert" of the canned
    replies, none chosen): the articles are searched, nothing is inserted or sent."""
    ticket = open_ticket(alice)
    response = client_for(ada).post(
        reverse("desk:compose_canned", args=[ticket.pk]),
        {"kind": "reply", "body": "Draft", "canned": "", "article_q": "router"},
    )
    assert response.status_code == 200
    assert response.context["composer"]["body"].value() == "Draft"
    assert response.context["article_q"] == "router"
    assert ticket.messages.count() == 1


@pytest.fixture
def article(db):
    index = KnowledgeBaseIndexPage.objects.get(slug="kb", locale__language_code="en")
    return make_article(make_category(index, "Routers"), "Reset your router")


def test_composer_links_an_article_and_records_it(client_for, ada, alice, open_ticket, article):
    ticket = open_ticket(alice)
    client = client_for(ada)
    url = reverse("desk:compose", args=[ticket.pk])
    response = client.post(
        reverse("desk:compose_article", args=[ticket.pk]),
        {"kind": "reply", "body": "See:", "article": article.pk},
    )
    composer = response.context["composer"]
    assert f"[Reset your router](http://testserver{article.url})" in composer["body"].value()
    assert composer["linked_articles"].value() == str(article.pk)
    client.post(
        url,
        {
            "kind": "reply",
            "body": composer["body"].value(),
            "linked_articles": str(article.pk),
        },
    )
    link = TicketArticleLink.objects.get()
    assert link.article.pk == article.pk and link.message.ticket == ticket


def test_composer_refuses_articles_the_customer_cannot_read(
    client_for, ada, alice, open_ticket, article
):
    internal = make_article(article.get_parent(), "Fraud playbook", audience="agents")
    ticket = open_ticket(alice)
    response = client_for(ada).post(
        reverse("desk:compose_article", args=[ticket.pk]), {"kind": "reply", "article": internal.pk}
    )
    assert response.status_code == 400
    assert ticket.messages.count() == 1


def test_composer_sends_reply_or_note(client_for, ada, alice, open_ticket):
    ticket = open_ticket(alice)
    client = client_for(ada)
    url = reverse("desk:compose", args=[ticket.pk])
    client.post(url, {"kind": "reply", "body": "Fixed", "status_after": "resolved"})
    client.post(url, {"kind": "note", "body": "for us"})
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert list(ticket.messages.values_list("internal", flat=True)) == [False, False, True]
    assert client.post(url, {"kind": "reply", "body": " "}).status_code == 400
    assert client.post(url, {"kind": "shout", "body": "x"}).status_code == 400


def test_properties_form_changes_everything_or_nothing(client_for, ada, alice, queues, tv):
    from tickets.services import ticket_open

    ticket = ticket_open(customer=alice.customer, opened_by=alice, subject="S", body="B")
    client = client_for(ada)
    url = reverse("desk:properties", args=[ticket.pk])
    data = {
        "status": "open",
        "priority": "urgent",
        "assignee": str(ada.pk),
        "queue": queues["network"].pk,
        "category": "billing",
        "impact": "some",
        "product": tv.pk,
        "tags": "vip, billing",
    }
    assert client.post(url, data).status_code == 302
    ticket.refresh_from_db()
    assert ticket.priority == Priority.URGENT and ticket.assignee == ada
    assert ticket.queue == queues["network"] and ticket.product == tv
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["billing", "vip"]
    bad = {**data, "priority": "normal", "status": "new", "tags": "vip"}  # open -> new refused
    response = client.post(url, bad)
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.priority == Priority.URGENT  # rolled back with the refused status
    assert ticket.tags.count() == 2
    assert client.post(url, {**data, "priority": "galactic"}).status_code == 400


def test_merge_form(client_for, ada, alice, bob, open_ticket):
    first, second, bobs = open_ticket(alice), open_ticket(alice), open_ticket(bob)
    client = client_for(ada)
    response = client.post(reverse("desk:merge", args=[second.pk]), {"target": first.number})
    assert response["Location"] == reverse("desk:ticket", args=[first.pk])
    second.refresh_from_db()
    assert second.merged_into == first
    response = client.post(reverse("desk:merge", args=[first.pk]), {"target": bobs.number})
    assert response.status_code == 400
    assert "same customer" in response.content.decode()
    response = client.post(reverse("desk:merge", args=[first.pk]), {"target": "T-999999"})
    assert response.status_code == 400
    response = client.post(reverse("desk:merge", args=[first.pk]), {"target": "nonsense"})
    assert response.status_code == 400


# --- the customer panel registry --------------------------------------------------------------
def test_later_apps_can_add_panel_sections(client_for, ada, alice, open_ticket, tmp_path, settings):
    template_dir = tmp_path / "templates"
    (template_dir / "loyalty").mkdir(parents=True)
    (template_dir / "loyalty" / "panel.html").write_text("Tier: {{ ctx.tier }}")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], template_dir]}
    ]
    panels.register(
        panels.PanelSection(
            key="example",  # not "loyalty": the real loyalty app registers that key
            title="Loyalty",
            template="loyalty/panel.html",
            context=lambda panel: {"tier": f"Gold for {panel.customer.customer_ref}"},
            order=60,
        )
    )
    hidden = panels.register(
        panels.PanelSection("hidden", "Hidden", "loyalty/panel.html", lambda panel: None)
    )
    try:
        ticket = open_ticket(alice)
        html = client_for(ada).get(reverse("desk:ticket", args=[ticket.pk])).content.decode()
        assert "Tier: Gold for C-ALICE" in html
        assert "Hidden" not in html
        keys = [section.key for section in panels.registered()]
        assert keys.index("example") > keys.index("other_tickets")
    finally:
        panels.unregister("example")
        panels.unregister(hidden.key)


def test_search_by_customer_email_and_reference(client_for, ada, mixed):
    client = client_for(ada)
    assert set(subjects(client.get(f"{DESK}?q=bob@example.com"))) == {"Invoice wrong"}
    assert set(subjects(client.get(f"{DESK}?q=C-ALICE"))) == {"Router broken", "Everyone offline"}


def test_the_count_is_capped_on_huge_queues(client_for, ada, mixed, monkeypatch):
    from tickets.selectors import DeskPaginator

    monkeypatch.setattr(DeskPaginator, "cap", 2)
    response = client_for(ada).get(DESK)
    assert "More than 2 tickets" in response.content.decode()
    assert len(subjects(response)) == 3  # the page itself is complete
