"""The customers' pages: catalogue, request form (errors shown, one-time token), my
requests, a request's timeline, approval buttons, result download, and who sees what."""

from __future__ import annotations

import re

import pytest

from catalogue.models import PaymentCard, RequestStatus, ServiceRequest

pytestmark = pytest.mark.django_db


def _token(response) -> str:
    return re.search(rb'name="form_token" value="([0-9a-f]+)"', response.content).group(1).decode()


def test_catalogue_lists_only_what_the_user_may_request(items, alice, amy, client_for):
    page = client_for(alice).get("/catalogue/").content.decode()
    assert "Extra seats" in page
    assert "Lost card" in page
    assert "Fibre speed test" not in page, "alice has no fibre subscription here"
    page = client_for(amy).get("/catalogue/").content.decode()
    assert "Extra seats" not in page


def test_catalogue_search(items, alice, client_for):
    page = client_for(alice).get("/catalogue/?q=card").content.decode()
    assert "Lost card" in page
    assert "Password reset" not in page
    assert "No service matches" in client_for(alice).get("/catalogue/?q=zzzz").content.decode()


def test_item_page_404_for_who_may_not_request(items, amy, ada, client_for):
    assert client_for(amy).get("/catalogue/extra-seats/").status_code == 404
    assert client_for(ada).get("/catalogue/lost-card/").status_code == 404
    assert client_for(amy).get("/catalogue/nope/").status_code == 404


def test_form_errors_are_shown_and_nothing_is_saved(items, alice, alice_card, client_for):
    client = client_for(alice)
    token = _token(client.get("/catalogue/lost-card/"))
    response = client.post("/catalogue/lost-card/", {"form_token": token, "last_four": "12"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Please correct the answers marked below." in page
    assert "Enter a value in the format asked for." in page
    response = client.post("/catalogue/lost-card/", {"form_token": token, "last_four": "9999"})
    assert "None of your active cards ends in these digits." in response.content.decode()
    assert ServiceRequest.objects.count() == 0
    assert _token(response) == token, "the token survives a failed attempt"


def test_double_submit_and_two_tabs_make_one_request(
    items, alice, alice_card, client_for, django_capture_on_commit_callbacks
):
    client = client_for(alice)
    tab_one = _token(client.get("/catalogue/lost-card/"))
    tab_two = _token(client.get("/catalogue/lost-card/"))
    assert tab_one == tab_two, "every tab carries the same one-time token"
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post("/catalogue/lost-card/", {"form_token": tab_one, "last_four": "4242"})
        again = client.post("/catalogue/lost-card/", {"form_token": tab_two, "last_four": "4242"})
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert ServiceRequest.objects.count() == 1
    fresh = _token(client.get("/catalogue/lost-card/"))
    assert fresh != tab_one, "a new token once the request is made"


def test_missing_token_is_a_form_error(items, alice, alice_card, client_for):
    response = client_for(alice).post("/catalogue/lost-card/", {"last_four": "4242"})
    assert response.status_code == 400
    assert "idempotency key" in response.content.decode()
    alice_card.refresh_from_db()
    assert alice_card.status == PaymentCard.Status.ACTIVE


def test_request_page_shows_the_timeline(items, alice, alice_card, submit, client_for):
    request = submit(alice, items["card"], {"last_four": "4242"})
    page = client_for(alice).get(f"/requests/{request.pk}/").content.decode()
    assert "Timeline" in page
    assert "Card Visa •••• 4242 blocked." in page
    assert "Fulfilled" in page
    assert "Last four digits" in page


def test_requests_are_private(items, alice, amy, bob, ada, submit, client_for):
    request = submit(amy, items["manual"], {"address": "x", "urgent": "no"}, run=False)
    url = f"/requests/{request.pk}/"
    assert client_for(amy).get(url).status_code == 200
    assert client_for(alice).get(url).status_code == 200, "amy's org admin"
    assert client_for(bob).get(url).status_code == 404
    assert client_for(ada).get(url).status_code == 200
    alices = submit(alice, items["manual"], {"address": "y", "urgent": "no"}, run=False)
    assert client_for(amy).get(f"/requests/{alices.pk}/").status_code == 404


def test_org_admin_approves_from_the_pages(make_item, alice, amy, bob, submit, client_for):
    item = make_item("laptop", "manual", [], requires_approval=True)
    request = submit(amy, item, {})
    listing = client_for(alice).get("/requests/").content.decode()
    assert "1 request waits for your approval" in listing
    assert client_for(bob).post(f"/requests/{request.pk}/approve/").status_code == 404
    assert client_for(amy).post(f"/requests/{request.pk}/approve/").status_code == 404
    page = client_for(alice).get(f"/requests/{request.pk}/").content.decode()
    assert "Approve" in page
    response = client_for(alice).post(f"/requests/{request.pk}/reject/", {"reason": "No budget"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.REJECTED
    response = client_for(alice).post(f"/requests/{request.pk}/approve/", follow=True)
    assert "already decided" in response.content.decode()


def test_result_download_is_access_checked(items, alice, bob, alice_purchase, submit, client_for):
    request = submit(alice, items["invoice"], {"purchase": str(alice_purchase.pk)})
    url = f"/requests/{request.pk}/result/"
    assert client_for(bob).get(url).status_code == 404
    response = client_for(alice).get(url)
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert b"ORD-1001" in b"".join(response.streaming_content)


def test_nav_home_and_search(items, alice, client_for):
    client = client_for(alice)
    home = client.get("/").content.decode()
    assert 'href="/catalogue/"' in home
    assert "Do it yourself" in home
    assert home.count('class="catalogue-item"') == 4, "four shortcuts"
    results = re.sub(r"<[^>]+>", "", client.get("/search/?q=lost+card").content.decode())
    assert "Lost card" in results
    assert "Request lost-card" in results
