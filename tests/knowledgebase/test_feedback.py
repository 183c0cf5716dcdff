"""Was this helpful?, the engagement beacon, and deflection."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from knowledgebase import services
from knowledgebase.models import ArticleFeedback, EngagementEvent, SuggestionView
from portal.models import Interaction, InteractionKind


def vote_url(article) -> str:
    return f"/kb/feedback/{article.pk}/"


def test_customer_vote_is_one_per_user_and_changeable(corpus, client_for, alice):
    client = client_for(alice)
    response = client.post(vote_url(corpus["lost"]), {"helpful": "yes"})
    assert response.status_code == 302
    assert response["Location"].endswith("lost-or-stolen-card/#feedback")
    client.post(vote_url(corpus["lost"]), {"helpful": "no", "comment": "Missing the fee"})
    vote = ArticleFeedback.objects.get()
    assert (vote.user, vote.helpful, vote.comment) == (alice, False, "Missing the fee")
    assert Interaction.objects.filter(kind=InteractionKind.KB_VOTE).count() == 2


def test_anonymous_votes_are_one_per_session(corpus):
    first, second = Client(), Client()
    first.post(vote_url(corpus["lost"]), {"helpful": "yes"})
    first.post(vote_url(corpus["lost"]), {"helpful": "yes"})
    second.post(vote_url(corpus["lost"]), {"helpful": "no"})
    assert ArticleFeedback.objects.count() == 2
    assert sorted(ArticleFeedback.objects.values_list("helpful", flat=True)) == [False, True]


def test_page_shows_my_current_vote(corpus, client_for, alice):
    client = client_for(alice)
    client.post(vote_url(corpus["lost"]), {"helpful": "no"})
    html = client.get("/kb/cards-and-payments/lost-or-stolen-card/").content.decode()
    assert "You said this was not helpful." in html


def test_htmx_vote_returns_the_partial(corpus, client):
    response = client.post(
        vote_url(corpus["lost"]), {"helpful": "yes"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="feedback"' in html and "Thank you" in html and "<html" not in html


@pytest.mark.parametrize(
    "data", [{}, {"helpful": "maybe"}, {"helpful": "yes", "comment": "x" * 1001}]
)
def test_bad_vote_is_400(corpus, client, data):
    assert client.post(vote_url(corpus["lost"]), data).status_code == 400
    assert not ArticleFeedback.objects.exists()


def test_vote_on_unknown_or_invisible_article_is_404(corpus, client_for, alice):
    assert client_for(alice).post("/kb/feedback/999999/", {"helpful": "yes"}).status_code == 404
    assert (
        client_for(alice).post(vote_url(corpus["internal"]), {"helpful": "yes"}).status_code == 404
    )
    assert not ArticleFeedback.objects.exists()


def test_vote_needs_csrf(corpus, alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post(vote_url(corpus["lost"]), {"helpful": "yes"}).status_code == 403
    assert not ArticleFeedback.objects.exists()


def test_vote_needs_post(corpus, client):
    assert client.get(vote_url(corpus["lost"])).status_code == 405


def test_votes_are_rate_limited(corpus, client_for, alice):
    client = client_for(alice)
    limit = services.FEEDBACK_RATE[0]
    statuses = [
        client.post(vote_url(corpus["lost"]), {"helpful": "yes"}).status_code
        for _ in range(limit + 2)
    ]
    assert statuses[:limit] == [302] * limit
    assert statuses[limit:] == [429, 429]


# --- beacon ---------------------------------------------------------------------------------
BEACON = "/kb/beacon/"


def test_beacon_records_time_and_related_clicks(corpus, client_for, alice):
    client = client_for(alice)
    lost, pin = corpus["lost"], corpus["pin"]
    assert (
        client.post(BEACON, {"article": lost.pk, "event": "time", "seconds": 42}).status_code == 204
    )
    assert (
        client.post(BEACON, {"article": lost.pk, "event": "related", "target": pin.pk}).status_code
        == 204
    )
    time, click = EngagementEvent.objects.order_by("pk")
    assert (time.kind, time.seconds, time.user) == ("time", 42, alice)
    assert (click.kind, click.target) == ("related", pin)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"article": "x", "event": "time", "seconds": 3},
        {"article": 999999, "event": "time", "seconds": 3},
        {"article": "LOST", "event": "explode", "seconds": 3},
        {"article": "LOST", "event": "time"},
        {"article": "LOST", "event": "time", "seconds": -5},
        {"article": "LOST", "event": "time", "seconds": 10**9},
        {"article": "LOST", "event": "related"},
        {"article": "LOST", "event": "related", "target": "INTERNAL"},
        {"article": "INTERNAL", "event": "time", "seconds": 3},
    ],
)
def test_beacon_rejects_bad_payloads(corpus, client, data):
    ids = {"LOST": corpus["lost"].pk, "INTERNAL": corpus["internal"].pk}
    payload = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in data.items()}
    assert client.post(BEACON, payload).status_code == 400
    assert not EngagementEvent.objects.exists()


def test_beacon_needs_csrf_when_signed_in(corpus, alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post(BEACON, {"article": corpus["lost"].pk, "event": "time", "seconds": 3})
    assert response.status_code == 403
    assert not EngagementEvent.objects.exists()


def test_anonymous_beacon_needs_no_csrf_token(corpus):
    """Anonymous pages carry no token (they are served from the page cache)."""
    client = Client(enforce_csrf_checks=True)
    response = client.post(BEACON, {"article": corpus["lost"].pk, "event": "time", "seconds": 3})
    assert response.status_code == 204
    assert EngagementEvent.objects.count() == 1


def test_anonymous_vote_needs_no_csrf_token(corpus):
    client = Client(enforce_csrf_checks=True)
    assert client.post(vote_url(corpus["lost"]), {"helpful": "yes"}).status_code == 302
    assert ArticleFeedback.objects.get().helpful is True


def test_anonymous_view_is_counted_by_the_beacon_not_the_page(corpus, client):
    lost = corpus["lost"]
    html = client.get(lost.url).content.decode()
    assert 'data-kb-view="1"' in html and "data-kb-csrf" not in html
    assert not Interaction.objects.filter(kind=InteractionKind.KB_VIEW).exists()
    response = client.post(BEACON, {"article": lost.pk, "event": "view", "via": "search"})
    assert response.status_code == 204
    view = Interaction.objects.get(kind=InteractionKind.KB_VIEW)
    assert view.visitor and view.customer is None and view.metadata == {"via": "search"}


def test_signed_in_view_is_counted_once_by_the_page(corpus, client_for, alice):
    client = client_for(alice)
    html = client.get(corpus["lost"].url).content.decode()
    assert "data-kb-view" not in html and "data-kb-csrf" in html
    client.post(BEACON, {"article": corpus["lost"].pk, "event": "view"})
    assert Interaction.objects.filter(kind=InteractionKind.KB_VIEW).count() == 1


def test_beacon_script_is_static_and_referenced(corpus, client):
    html = client.get("/kb/cards-and-payments/lost-or-stolen-card/").content.decode()
    assert "knowledgebase/beacon.js" in html
    assert 'data-kb-beacon="/kb/beacon/"' in html


# --- deflection -----------------------------------------------------------------------------
def test_viewing_a_suggested_article_then_no_ticket_is_a_deflection(corpus, client_for, alice):
    client_for(alice).get("/kb/cards-and-payments/lost-or-stolen-card/?via=suggest")
    pending = SuggestionView.objects.get()
    assert pending.status == SuggestionView.Status.PENDING
    assert services.deflection_record(user=alice) == 1
    assert services.deflection_record(user=alice) == 0  # idempotent
    deflection = Interaction.objects.get(kind=InteractionKind.DEFLECTION)
    assert deflection.customer == alice.customer
    assert deflection.target_id == str(corpus["lost"].pk)


def test_ticket_filed_after_suggestion_is_not_a_deflection(corpus, client_for, alice):
    client_for(alice).get("/kb/cards-and-payments/lost-or-stolen-card/?via=suggest")
    assert services.suggestion_views_ticket_filed(user=alice) == 1
    assert services.deflections_settle(older_than=timedelta(0)) == 0
    assert not Interaction.objects.filter(kind=InteractionKind.DEFLECTION).exists()


def test_pending_suggestion_views_settle_into_deflections(corpus, client_for, alice, bob):
    client_for(alice).get("/kb/cards-and-payments/lost-or-stolen-card/?via=suggest")
    client_for(bob).get("/kb/cards-and-payments/lost-or-stolen-card/?via=suggest")
    SuggestionView.objects.filter(user=alice).update(created_at=timezone.now() - timedelta(days=2))
    assert services.deflections_settle() == 1
    assert Interaction.objects.get(kind=InteractionKind.DEFLECTION).customer == alice.customer
    assert SuggestionView.objects.get(user=bob).status == SuggestionView.Status.PENDING


def test_plain_view_starts_no_suggestion_view(corpus, client_for, alice):
    client_for(alice).get("/kb/cards-and-payments/lost-or-stolen-card/")
    assert not SuggestionView.objects.exists()
