"""Incident linking without clicks: while an incident is open, an affected customer's new
ticket about an affected service, or using one of the incident's keywords, is linked to it by
the periodic pass (and at once by the interaction signal); agents see why and may unlink, which
sticks; the customer sees the incident on their ticket page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from outages import services
from outages.models import AutoReason, IncidentTicket, IncidentTicketUnlink
from outages.services import (
    incident_ticket_unlink,
    incidents_auto_link,
    link_suggestions,
    ticket_auto_link,
    ticket_opened_received,
)
from outages.tasks import incidents_auto_link_task
from portal.signals import interaction_recorded
from tests.concurrency import together
from tickets.services import ticket_open

from .desk_fixtures import *  # noqa: F403 - the fixtures
from .desk_fixtures import declare


def open_ticket(user, *, subject="Nothing works", body="Since this morning.", product=None, **kw):
    return ticket_open(
        customer=user.customer, subject=subject, body=body, opened_by=user, product=product, **kw
    )


@pytest.fixture
def incident(subscribed):
    """Fibre down in the north (alice and amy affected), with keywords, published."""
    incident = declare(
        subscribed, keywords="DNS, no dial tone", starts_at=timezone.now() - timedelta(hours=1)
    )
    services.incident_publish(incident=incident)
    return incident


def link_of(ticket):
    return IncidentTicket.objects.filter(ticket=ticket).first()


# --- the rule ----------------------------------------------------------------------------------
def test_affected_customers_ticket_on_the_service_is_linked_with_the_reason(
    incident, subscribed, alice
):
    ticket = open_ticket(alice, product=subscribed)
    assert incidents_auto_link() == 1
    link = link_of(ticket)
    assert (link.incident, link.customer, link.auto, link.linked_by) == (
        incident,
        alice.customer,
        True,
        None,
    )
    assert (link.reason, link.reason_detail) == (AutoReason.PRODUCT, "Fibre 1000")
    assert link.reason_text == "Linked automatically: affected customer, service Fibre 1000"


def test_naming_the_service_in_the_subject_is_enough(incident, alice):
    ticket = open_ticket(alice, subject="fibre 1000 down again")
    assert incidents_auto_link() == 1
    assert link_of(ticket).reason == AutoReason.PRODUCT


def test_keyword_in_subject_or_first_message_links(incident, alice, amy):
    by_body = open_ticket(alice, subject="Websites do not load", body="DNS lookups time out.")
    by_subject = open_ticket(amy, subject="No dial  tone on the landline")
    assert incidents_auto_link() == 2
    assert (link_of(by_body).reason, link_of(by_body).reason_detail) == ("keyword", "dns")
    assert link_of(by_subject).reason_detail == "no dial tone"
    assert "keyword “dns”" in link_of(by_body).reason_text


def test_no_match_no_link(incident, alice, tv):
    open_ticket(alice, subject="Question about my invoice", body="The amount is wrong.")
    open_ticket(alice, subject="DNSSEC signing for my domain")  # not the word "dns"
    open_ticket(alice, subject="TV remote", product=tv)
    assert incidents_auto_link() == 0
    assert not IncidentTicket.objects.exists()


def test_not_affected_customers_never_link(incident, subscribed, bob, carol):
    open_ticket(bob, product=subscribed, subject="DNS broken")  # fibre, but in the south
    open_ticket(carol, subject="DNS broken, fibre 1000")  # TV only
    assert incidents_auto_link() == 0
    assert not IncidentTicket.objects.exists()


def test_closed_draft_or_later_incidents_never_link(subscribed, alice):
    resolved = declare(subscribed, title="Yesterday", starts_at=timezone.now() - timedelta(days=1))
    services.incident_publish(incident=resolved)
    services.incident_resolve(incident=resolved, message="Fixed.")
    declare(subscribed, title="Draft", keywords="dns")  # never published
    later = declare(subscribed, title="Tomorrow", starts_at=timezone.now() + timedelta(days=1))
    services.incident_publish(incident=later)
    open_ticket(alice, product=subscribed, subject="DNS down")
    assert incidents_auto_link() == 0
    assert not IncidentTicket.objects.exists()


def test_tickets_opened_before_the_incident_started_are_not_linked(incident, subscribed, alice):
    open_ticket(alice, product=subscribed, now=incident.starts_at - timedelta(minutes=5))
    assert incidents_auto_link() == 0


def test_resolved_since_the_ticket_was_opened_does_not_link(incident, subscribed, alice):
    ticket = open_ticket(alice, product=subscribed)
    services.incident_resolve(incident=incident, message="Fixed.")
    assert incidents_auto_link() == 0
    assert link_of(ticket) is None


def test_the_signal_links_at_once(incident, subscribed, alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_ticket(alice, product=subscribed)
    assert link_of(ticket).auto is True
    assert incidents_auto_link() == 0  # the pass finds nothing more to do


# --- exactly once ------------------------------------------------------------------------------
def test_passes_are_idempotent_and_run_by_tick(incident, subscribed, alice, amy):
    open_ticket(alice, product=subscribed)
    open_ticket(amy, subject="DNS")
    assert incidents_auto_link_task.call() == {"tickets linked": 2}
    assert incidents_auto_link() == 0
    assert IncidentTicket.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_passes_at_once_link_exactly_once(alice, amy, bob, carol):
    from portal.models import Product, Subscription

    fibre = Product.objects.create(name="Fibre 1000", slug="fibre-1000")
    for user in (alice, amy):
        Subscription.objects.create(
            customer=user.customer, product=fibre, region="north", since=timezone.now()
        )
    incident = declare(fibre, keywords="dns", starts_at=timezone.now() - timedelta(hours=1))
    services.incident_publish(incident=incident)
    # Committed for real here: keep the signal from linking them first, to race the passes.
    interaction_recorded.disconnect(dispatch_uid="outages-auto-link")
    try:
        tickets = [open_ticket(alice, product=fibre), open_ticket(amy, subject="DNS")]
    finally:
        interaction_recorded.connect(ticket_opened_received, dispatch_uid="outages-auto-link")
    assert not IncidentTicket.objects.exists()
    results = together(incidents_auto_link)
    assert len(results) == 2 and sum(results) == 2
    assert IncidentTicket.objects.filter(ticket__in=tickets).count() == 2


# --- unlinking ---------------------------------------------------------------------------------
def detail(incident) -> str:
    return f"/desk/incidents/{incident.pk}/"


def test_desk_shows_why_and_an_unlink_sticks(incident, subscribed, alice, ada, client_for):
    ticket = open_ticket(alice, product=subscribed)
    incidents_auto_link()
    client = client_for(ada)
    reason = "Linked automatically: affected customer, service Fibre 1000"
    assert reason in client.get(ticket.get_desk_url()).content.decode()
    assert reason in client.get(detail(incident)).content.decode()
    response = client.post(
        f"{detail(incident)}tickets/{ticket.pk}/unlink/", {"next": ticket.get_desk_url()}
    )
    assert response.status_code == 302 and response["Location"] == ticket.get_desk_url()
    assert link_of(ticket) is None
    unlink = IncidentTicketUnlink.objects.get()
    assert (unlink.incident, unlink.ticket, unlink.unlinked_by) == (incident, ticket, ada)
    # neither the pass nor what the signal runs for a ticket links it again
    assert incidents_auto_link() == 0
    assert ticket_auto_link(ticket=ticket) == 0
    assert link_of(ticket) is None
    # ... and the desk no longer suggests linking it
    assert link_suggestions(ticket) == []
    assert (
        "Open incident affecting this customer"
        not in client.get(ticket.get_desk_url()).content.decode()
    )
    # an agent may still link it by hand
    client.post(f"{detail(incident)}tickets/", {"ticket": str(ticket.pk)})
    assert link_of(ticket).auto is False


def test_unlink_service_remembers_manual_links_too(incident, subscribed, alice, ada):
    from outages.services import incident_ticket_link

    ticket = open_ticket(alice, product=subscribed)
    incident_ticket_link(incident=incident, ticket=ticket, by=ada)
    assert incident_ticket_unlink(incident=incident, ticket=ticket, by=ada) is True
    assert incident_ticket_unlink(incident=incident, ticket=ticket, by=ada) is False
    assert incidents_auto_link() == 0
    assert IncidentTicketUnlink.objects.count() == 1


def test_unlink_bad_input(incident, subscribed, alice, bob, ada, client_for):
    linked = open_ticket(alice, product=subscribed)
    other = open_ticket(bob, subject="Unrelated")
    incidents_auto_link()
    client = client_for(ada)
    base = detail(incident)
    for path in (
        f"{base}tickets/{other.pk}/unlink/",  # a ticket not linked to this incident
        f"{base}tickets/999999/unlink/",
        f"{base}tickets/{10**30}/unlink/",  # beyond any id: a 404, not an overflow
        f"/desk/incidents/{10**30}/tickets/{linked.pk}/unlink/",
        f"{base}tickets/abc/unlink/",
        f"{base}tickets/-1/unlink/",
    ):
        assert client.post(path).status_code == 404, path
    assert client.get(f"{base}tickets/{linked.pk}/unlink/").status_code == 405
    assert client_for(alice).post(f"{base}tickets/{linked.pk}/unlink/").status_code == 403
    assert link_of(linked) is not None and not IncidentTicketUnlink.objects.exists()


# --- the customer's side and declaring with keywords -------------------------------------------
def test_customer_sees_the_incident_on_the_ticket_page(incident, subscribed, alice, client_for):
    ticket = open_ticket(alice, product=subscribed)
    unlinked = open_ticket(alice, subject="Invoice question")
    incidents_auto_link()
    html = client_for(alice).get(ticket.get_absolute_url()).content.decode()
    assert "Known incident" in html and incident.title in html
    assert f"/status/incidents/{incident.pk}/" in html
    assert (
        "Known incident" not in client_for(alice).get(unlinked.get_absolute_url()).content.decode()
    )


def test_declare_with_keywords(subscribed, ada, client_for):
    data = {
        "title": "DNS trouble",
        "products": [str(subscribed.pk)],
        "impact": "major",
        "message": "Looking into it",
        "keywords": " DNS, , name resolution, dns ",
    }
    client = client_for(ada)
    assert client.post("/desk/incidents/new/", data).status_code == 302
    from outages.models import Incident

    incident = Incident.objects.get(title="DNS trouble")
    assert incident.keywords == "DNS, name resolution, dns"
    assert incident.keyword_list == ["dns", "name resolution"]
    too_long = client.post("/desk/incidents/new/", {**data, "keywords": "x" * 501})
    assert too_long.status_code == 400
    assert Incident.objects.filter(title="DNS trouble").count() == 1


def test_api_declares_with_keywords_and_refuses_too_long_ones(subscribed, ada, alice, client):
    from outages.models import Incident
    from portal.models import ApiToken
    from portal.services.tokens import api_token_create

    raw = api_token_create(name="monitoring", kind=ApiToken.Kind.PERSONAL, user=ada)[1]

    def post(**changes):
        payload = {
            "title": "DNS resolvers down",
            "services": [subscribed.slug],
            "impact": "major",
            "message": "Looking into it.",
            "region": "north",
            "publish": True,
            **changes,
        }
        return client.post(
            "/api/v1/incidents",
            data=payload,
            content_type="application/json",
            headers={"Authorization": f"Bearer {raw}"},
        )

    assert post(keywords="x" * 501).status_code == 422
    assert not Incident.objects.exists()
    response = post(keywords="DNS, resolver")
    assert response.status_code == 201, response.content
    assert "keywords" not in response.json()  # internal: not in the public representation
    incident = Incident.objects.get()
    assert incident.keyword_list == ["dns", "resolver"]
    ticket = open_ticket(alice, subject="Name resolver fails")
    assert incidents_auto_link() == 1
    assert link_of(ticket).reason_detail == "resolver"
