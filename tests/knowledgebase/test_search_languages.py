"""Search per language (issue 17): each language with its own stemming, the visitor's language
first, the other one after it (marked), never both copies of one article, no alias pages."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.utils import translation
from wagtail.models import Page
from wagtail.search import index

from knowledgebase import search as kb_search
from knowledgebase.search_backend import object_languages
from knowledgebase.services import articles_suggest
from knowledgebase.translation import translate_page
from tests.knowledgebase.conftest import make_article, make_category


def titles(response) -> list[str]:
    html = response.content.decode()
    return [
        re.sub(r"</?mark>", "", t)
        for t in re.findall(r'class="kb-result-title"[^>]*>(.*?)</a>', html)
    ]


def translated(page, **fields):
    page = translate_page(page, "it", **fields)
    index.insert_or_update_object(page)
    return page


@pytest.fixture
def bilingual(kb_index):
    cards = make_category(kb_index, "Cards")
    block = make_article(
        cards,
        "Block your card",
        summary="Stop a lost card being used.",
        paragraphs=("Open the app and choose Block. Blocking cards is instant.",),
        tags=("card",),
    )
    declined = make_article(
        cards,
        "A card payment was declined",
        summary="Why a shop refused your card.",
        paragraphs=("Check your limit and the expiry date of the card.",),
    )
    router = make_article(
        cards,
        "Router keeps restarting",
        summary="Power, cables, firmware.",
        paragraphs=("Check the power supply of your router first.",),
    )
    it_block = translated(
        block,
        title="Bloccare la carta",
        slug="bloccare-la-carta",
        summary="Impedisci che una carta smarrita venga usata.",
        body=[("text", "<p>Apri l'app e scegli Blocca. Il blocco della carta è immediato.</p>")],
        tags=["carta"],
    )
    it_declined = translated(
        declined,
        title="Pagamento con carta rifiutato",
        slug="pagamento-rifiutato",
        summary="Perché un negozio ha rifiutato la tua carta.",
        body=[("text", "<p>Controlla il limite e la scadenza della carta.</p>")],
    )
    return {
        "block": block,
        "declined": declined,
        "router": router,
        "it_block": it_block,
        "it_declined": it_declined,
    }


def found(query: str, language: str, user=None) -> list[kb_search.SearchHit]:
    request = RequestFactory().get("/search/")
    request.user = user or AnonymousUser()
    params = kb_search.SearchParams(query=query, language=language, source="kb")
    with translation.override(language):
        return list(kb_search.search_tolerant(params, request=request).results[0:20])


def plain(hit) -> str:
    return re.sub(r"</?mark>", "", str(hit.title))


def test_italian_is_stemmed_as_italian(bilingual):
    assert plain(found("carta bloccata", "it")[0]) == "Bloccare la carta"
    assert "Pagamento con carta rifiutato" in [plain(h) for h in found("pagamenti", "it")]


def test_english_is_stemmed_as_english(bilingual):
    assert "Block your card" in [plain(h) for h in found("cards", "en")]
    assert "Block your card" in [plain(h) for h in found("blocking", "en")]


def test_the_visitors_language_first_then_untranslated_articles_marked(bilingual):
    hits = found("router", "it")
    # The router article has no Italian translation: shown in English, marked as English.
    assert [(plain(h), h.language) for h in hits] == [("Router keeps restarting", "en")]
    assert hits[0].url == bilingual["router"].url
    hits = found("carta", "it")
    assert {plain(h) for h in hits} == {"Bloccare la carta", "Pagamento con carta rifiutato"}
    assert all(h.language == "" for h in hits)


def test_never_both_copies_of_an_article(bilingual):
    # "app" is in both copies of the blocking article: each visitor gets their own copy only.
    assert [plain(h) for h in found("app", "it")] == ["Bloccare la carta"]
    assert [plain(h) for h in found("app", "en")] == ["Block your card"]
    # An English word finds nothing Italian, and the English copies are translated: nothing.
    assert found("declined", "it") == []


def test_alias_pages_are_never_results(bilingual):
    aliases = Page.objects.filter(alias_of__isnull=False)
    assert aliases.exists()  # publishing the English router left an alias in the Italian tree
    ids = {int(h.object_id) for q in ("router", "restarting", "power") for h in found(q, "it")}
    assert not ids & set(aliases.values_list("pk", flat=True))


def test_italian_index_entries_are_written_in_italian(bilingual):
    assert object_languages([bilingual["it_block"], bilingual["block"]]) == ["it", "en"]


def test_italian_page_over_http(bilingual, client):
    response = client.get("/it/search/?q=carta+bloccata")
    assert response.status_code == 200
    assert titles(response)[0] == "Bloccare la carta"
    response = client.get("/it/search/?q=router")
    html = response.content.decode()
    assert titles(response) == ["Router keeps restarting"]
    assert 'hreflang="en"' in html and "kb-result-language" in html


def test_ticket_suggestions_in_the_visitors_language(bilingual, alice):
    with translation.override("it"):
        assert (
            articles_suggest(text="La mia carta è bloccata", user=alice)[0] == bilingual["it_block"]
        )


def test_ticket_suggestions_show_nothing_for_an_unrelated_subject(bilingual, alice):
    assert articles_suggest(text="My cat likes sandwiches on Sundays", user=alice) == []
    assert articles_suggest(text="the and of how", user=alice) == []
    suggested = articles_suggest(text="my card was declined in a shop", user=alice)
    assert suggested[0] == bilingual["declined"]
    assert bilingual["router"] not in suggested


def test_the_ticket_form_suggests_nothing_for_an_unrelated_subject(bilingual, client_for, alice):
    client = client_for(alice)
    html = client.get("/tickets/new/suggest/", {"subject": "My cat likes sandwiches"}).text
    assert "suggestion-title" not in html
    assert "No article matches yet" in html
    html = client.get("/tickets/new/suggest/", {"subject": "card payment declined"}).text
    assert re.findall(r'class="suggestion-title"[^>]*>(.*?)</a>', html) == [
        "A card payment was declined"
    ]


def test_many_untranslated_articles_are_excluded_by_a_subquery(bilingual, monkeypatch):
    monkeypatch.setattr(kb_search, "UNTRANSLATED_LIST_MAX", 0)
    assert [(plain(h), h.language) for h in found("router", "it")] == [
        ("Router keeps restarting", "en")
    ]
    assert [plain(h) for h in found("app", "it")] == ["Bloccare la carta"]
