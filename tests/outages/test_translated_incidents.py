"""Incidents in both languages (issue 17): the agent writes the Italian title and messages, or
leaves them empty; Italian pages (incident, status board, banner) then show the Italian, or
the English with a visible "not yet available in Italian" note; each recipient's notice
(email and in-portal) is in their preferred language; the API answers by ``?lang=`` or
Accept-Language and takes the Italian on writes; the demo incidents are in Italian too."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from outages import demo, services
from outages.models import Incident, IncidentUpdate
from outages.services import IncidentError
from portal.models import ApiToken, Notification
from portal.services.tokens import api_token_create
from tests.factories import CustomerFactory, SubscriptionFactory, UserFactory

pytestmark = pytest.mark.django_db

NOTE = "data-untranslated"
TITLE, TITLE_IT = "Fibre down in the north", "Fibra guasta nel nord"
FIRST, FIRST_IT = (
    "A cable was cut; crews are on site.",
    "È stato tagliato un cavo: i tecnici sono sul posto.",
)
LATER, LATER_IT = "The cable is being spliced.", "Stiamo giuntando il cavo."


def url(name: str, *args, language: str = "en") -> str:
    with translation.override(language):
        return reverse(name, args=args)


def italian_note() -> str:
    with translation.override("it"):
        return gettext("Not yet available in Italian: shown in English.")


def declare(products, *, italian: bool = True, publish: bool = True, capture=None) -> Incident:
    incident = services.incident_declare(
        title=TITLE,
        title_it=TITLE_IT if italian else "",
        products=products,
        impact="major",
        region="north",
        message=FIRST,
        message_it=FIRST_IT if italian else "",
    )
    if publish:
        if capture is not None:
            with capture(execute=True):
                services.incident_publish(incident=incident)
        else:
            services.incident_publish(incident=incident)
    incident.refresh_from_db()
    return incident


def test_the_italian_page_shows_what_the_agent_wrote_in_italian(fibre_svc, client):
    incident = declare([fibre_svc])
    services.incident_update_post(
        incident=incident, status="identified", message=LATER, message_it=LATER_IT
    )
    page = client.get(url("outages:incident", incident.pk, language="it")).content.decode()
    assert TITLE_IT in page and FIRST_IT in page and LATER_IT in page
    assert TITLE not in page and FIRST not in page and NOTE not in page
    page = client.get(url("outages:incident", incident.pk)).content.decode()
    assert TITLE in page and FIRST in page and LATER in page
    assert TITLE_IT not in page and NOTE not in page


def test_without_italian_the_italian_page_shows_english_with_a_note(fibre_svc, client):
    incident = declare([fibre_svc], italian=False)
    services.incident_update_post(
        incident=incident, status="identified", message=LATER, message_it=LATER_IT
    )
    page = client.get(url("outages:incident", incident.pk, language="it"))
    assert page.status_code == 200
    html = page.content.decode()
    assert TITLE in html and FIRST in html, "the English, never a 404"
    assert LATER_IT in html and LATER not in html, "the translated update in Italian"
    assert html.count(NOTE) == 2, "one note for the title, one for the first message"
    assert f'<h1 lang="en">{TITLE}</h1>' in html
    english = client.get(url("outages:incident", incident.pk)).content.decode()
    assert NOTE not in english


def test_the_status_board_reads_italian(fibre_svc, mobile_svc, client):
    declare([fibre_svc])
    services.incident_declare(
        title="Slow mobile data",
        products=[mobile_svc],
        impact="degraded",
        message="Evenings are slow.",
    )
    services.incident_publish(incident=Incident.objects.get(title="Slow mobile data"))
    page = client.get(url("outages:status", language="it")).content.decode()
    assert TITLE_IT in page and FIRST_IT in page
    assert "Slow mobile data" in page and NOTE in page
    english = client.get(url("outages:status")).content.decode()
    assert TITLE in english and TITLE_IT not in english and NOTE not in english


def test_the_banner_reads_the_pages_language(subscribed, fibre_svc, alice, client_for):
    declare([fibre_svc])
    client = client_for(alice)
    assert TITLE_IT in client.get(url("portal:home", language="it")).content.decode()
    home = client.get(url("portal:home")).content.decode()
    assert TITLE in home and TITLE_IT not in home


def recipient(email: str, language: str, product):
    user = UserFactory(email=email)
    person = CustomerFactory(user=user, customer_ref=email.split("@")[0], language=language)
    SubscriptionFactory(customer=person, product=product, region="north")
    return user


def sent_to(address: str):
    (message,) = [m for m in mail.outbox if m.to == [address]]
    html = next(content for content, mimetype in message.alternatives if mimetype == "text/html")
    return message, html


def test_each_recipient_reads_the_notice_in_their_language(
    fibre_svc, django_capture_on_commit_callbacks
):
    rossi = recipient("rossi@example.com", "it", fibre_svc)
    smith = recipient("smith@example.com", "en", fibre_svc)
    declare([fibre_svc], capture=django_capture_on_commit_callbacks)

    message, html = sent_to("rossi@example.com")
    assert TITLE_IT in message.subject and TITLE not in message.subject
    for part in (message.body, html):
        assert FIRST_IT.split(":")[0] in part and "A cable was cut" not in part
        assert italian_note() not in part
    assert TITLE_IT in Notification.objects.get(user=rossi).title

    message, html = sent_to("smith@example.com")
    assert message.subject.endswith(TITLE) and TITLE_IT not in message.subject
    assert FIRST in message.body and "tagliato" not in message.body
    assert Notification.objects.get(user=smith).title.endswith(TITLE)


def test_an_untranslated_notice_reaches_italians_in_english_with_the_note(
    fibre_svc, django_capture_on_commit_callbacks
):
    recipient("rossi@example.com", "it", fibre_svc)
    recipient("smith@example.com", "en", fibre_svc)
    declare([fibre_svc], italian=False, capture=django_capture_on_commit_callbacks)
    message, _html = sent_to("rossi@example.com")
    assert message.subject.endswith(TITLE)
    assert FIRST in message.body and italian_note() in message.body
    message, _html = sent_to("smith@example.com")
    assert FIRST in message.body and italian_note() not in message.body


def test_the_desk_takes_both_languages(subscribed, fibre_svc, ada, client_for):
    client = client_for(ada)
    new = client.get("/desk/incidents/new/").content.decode()
    assert 'name="title_it"' in new and 'name="message_it"' in new
    response = client.post(
        "/desk/incidents/new/",
        {
            "title": TITLE,
            "title_it": TITLE_IT,
            "products": [str(fibre_svc.pk)],
            "region": "north",
            "impact": "major",
            "message": FIRST,
            "message_it": "",
            "starts_at": "",
            "ends_at": "",
            "offer_kind": "",
            "offer_amount": "",
        },
    )
    assert response.status_code == 302
    incident = Incident.objects.get(title=TITLE)
    assert incident.title_it == TITLE_IT
    assert incident.updates.get().message_it == "", "left empty: not yet translated"
    detail = client.get(f"/desk/incidents/{incident.pk}/").content.decode()
    assert TITLE_IT in detail and "No Italian text" in detail
    assert 'name="message_it"' in detail
    client.post(
        f"/desk/incidents/{incident.pk}/updates/",
        {"status": "identified", "message": LATER, "message_it": LATER_IT},
    )
    assert incident.updates.get(message=LATER).message_it == LATER_IT
    client.post(
        f"/desk/incidents/{incident.pk}/resolve/", {"message": "Fixed.", "message_it": "Risolto."}
    )
    assert incident.updates.get(status="resolved").message_it == "Risolto."
    too_long = client.post(
        f"/desk/incidents/{incident.pk}/updates/",
        {"status": "identified", "message": "x", "message_it": "x" * 20_001},
    )
    assert too_long.status_code == 400


def test_the_api_reads_and_writes_both_languages(subscribed, fibre_svc, ada, client):
    incident = declare([fibre_svc], italian=False)
    services.incident_update_post(
        incident=incident, status="identified", message=LATER, message_it=LATER_IT
    )
    path = f"/api/v1/incidents/{incident.pk}"
    italian = client.get(path, {"lang": "it"}).json()
    assert italian["title"] == TITLE and italian["untranslated"] == ["title"]
    newest, first = italian["updates"]
    assert newest["message"] == LATER_IT and newest["untranslated"] == []
    assert first["message"] == FIRST and first["untranslated"] == ["message"]
    assert italian["impact_label"] != "Major outage", "labels in Italian too"
    by_header = client.get(path, HTTP_ACCEPT_LANGUAGE="it")
    assert by_header.json()["updates"][0]["message"] == LATER_IT
    assert "Accept-Language" in by_header["Vary"]
    english = client.get(path).json()
    assert english["updates"][0]["message"] == LATER and english["untranslated"] == []

    token = api_token_create(name="monitoring", kind=ApiToken.Kind.PERSONAL, user=ada)[1]
    created = client.post(
        "/api/v1/incidents",
        data={
            "title": "TV guide empty",
            "title_it": "Guida TV vuota",
            "services": [fibre_svc.slug],
            "impact": "degraded",
            "message": "We are on it.",
            "message_it": "Ci stiamo lavorando.",
        },
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert created.status_code == 201, created.content
    made = Incident.objects.get(title="TV guide empty")
    assert made.title_it == "Guida TV vuota"
    assert made.updates.get().message_it == "Ci stiamo lavorando."
    bad = client.post(
        "/api/v1/incidents",
        data={
            "title": "x",
            "title_it": "x" * 201,
            "services": [fibre_svc.slug],
            "impact": "degraded",
            "message": "x",
        },
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert bad.status_code == 422


def test_the_italian_can_be_added_afterwards(fibre_svc, client):
    incident = declare([fibre_svc], italian=False)
    first = incident.updates.get()
    page = url("outages:incident", incident.pk, language="it")
    assert NOTE in client.get(page).content.decode()
    services.incident_translation_set(
        incident=incident, title_it=TITLE_IT, messages_it={first.pk: FIRST_IT}
    )
    html = client.get(page).content.decode()
    assert TITLE_IT in html and FIRST_IT in html and NOTE not in html, "the cache was dropped"
    other = declare([fibre_svc], italian=False).updates.get()
    with pytest.raises(IncidentError):
        services.incident_translation_set(
            incident=incident, title_it=TITLE_IT, messages_it={other.pk: "No"}
        )
    with pytest.raises(IncidentError):
        services.incident_translation_set(incident=incident, title_it="x" * 201)
    assert IncidentUpdate.objects.get(pk=other.pk).message_it == ""


def test_the_demo_incidents_are_in_italian():
    assert set(demo.ITALIAN) == {spec.title for spec in demo.INCIDENTS}
    for spec in demo.INCIDENTS:
        title_it, messages_it = demo.ITALIAN[spec.title]
        assert title_it and title_it != spec.title
        assert len(messages_it) == len(spec.updates), spec.title
        assert all(messages_it), spec.title


def test_linked_tickets_get_the_update_in_their_customers_language(
    subscribed, fibre_svc, alice, bob, ada
):
    from tickets.services import ticket_open

    bob.customer.language = "it"
    bob.customer.save(update_fields=["language"])
    incident = declare([fibre_svc])
    tickets = {}
    for user in (alice, bob):
        tickets[user.email] = ticket_open(
            customer=user.customer,
            subject="No internet",
            body="Nothing works.",
            opened_by=user,
            product=fibre_svc,
        )
        services.incident_ticket_link(incident=incident, ticket=tickets[user.email], by=ada)
    services.incident_update_with_tickets(
        incident=incident,
        status="identified",
        message=LATER,
        message_it=LATER_IT,
        by=ada,
        reply_linked=True,
    )
    services.incident_update_with_tickets(
        incident=incident, status="monitoring", message="Watching.", by=ada, reply_linked=True
    )

    def replies(email):
        ticket = tickets[email]
        return list(
            ticket.messages.filter(author=ada).order_by("pk").values_list("body", flat=True)
        )

    assert replies("bob@example.com") == [LATER_IT, "Watching."]  # English when no Italian
    assert replies("alice@example.com") == [LATER, "Watching."]


def test_the_desk_adds_the_italian_afterwards(fibre_svc, ada, client_for, client):
    incident = declare([fibre_svc], italian=False)
    first = incident.updates.get()
    desk = client_for(ada)
    detail = desk.get(f"/desk/incidents/{incident.pk}/").content.decode()
    assert f'name="update_{first.pk}"' in detail and 'id="italian"' in detail
    response = desk.post(
        f"/desk/incidents/{incident.pk}/italian/",
        {"title_it": TITLE_IT, f"update_{first.pk}": FIRST_IT},
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    first.refresh_from_db()
    assert (incident.title_it, first.message_it) == (TITLE_IT, FIRST_IT)
    bad = desk.post(f"/desk/incidents/{incident.pk}/italian/", {"title_it": "x" * 201})
    assert bad.status_code == 400 and 'id="italian"' in bad.content.decode()
    incident.refresh_from_db()
    assert incident.title_it == TITLE_IT, "nothing half-written"
    client.logout()
    page = client.get(url("outages:incident", incident.pk, language="it")).content.decode()
    assert TITLE_IT in page and FIRST_IT in page and NOTE not in page
