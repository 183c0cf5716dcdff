"""/search/: ranking, audience, filters, logging, click tracking, suggestions, bad input."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import signing

from knowledgebase.models import SearchClick, SearchQuery
from knowledgebase.services import articles_suggest
from knowledgebase.text import highlight, normalise_query
from knowledgebase.views import CLICK_SALT
from portal.models import Interaction, InteractionKind
from tests.knowledgebase.conftest import make_article, make_category


def titles(response) -> list[str]:
    html = response.content.decode()
    return [
        re.sub(r"</?mark>", "", t)
        for t in re.findall(r'class="kb-result-title"[^>]*>(.*?)</a>', html)
    ]


def test_finds_by_title_and_by_body(corpus, client):
    assert titles(client.get("/search/?q=router")) == ["Router keeps restarting"]
    assert titles(client.get("/search/?q=firmware")) == ["Router keeps restarting"]


def test_title_match_ranks_above_body_match(kb_index, client):
    make_article(kb_index, "Roaming charges", summary="Prices abroad.", paragraphs=("Costs.",))
    make_article(
        kb_index,
        "Travelling abroad",
        summary="Before you travel.",
        paragraphs=("Turn on roaming before you leave.",),
    )
    assert titles(client.get("/search/?q=roaming")) == ["Roaming charges", "Travelling abroad"]


def test_audience_in_search(corpus, client_for, alice, ada):
    assert "Escalation playbook for card fraud" not in titles(
        client_for(alice).get("/search/?q=card")
    )
    assert "Card PIN reset" not in titles(client_for(None).get("/search/?q=card"))
    assert "Card PIN reset" in titles(client_for(alice).get("/search/?q=card"))
    assert "Escalation playbook for card fraud" in titles(client_for(ada).get("/search/?q=fraud"))
    assert titles(client_for(alice).get("/search/?q=fraud")) == []


def test_snippets_highlight_terms_and_escape_html(corpus, client):
    html = client.get("/search/?q=firmware").content.decode()
    assert "<mark>firmware</mark>" in html
    assert str(highlight("<b>card</b> & cards", ["card"])) == (
        "&lt;b&gt;<mark>card</mark>&lt;/b&gt; &amp; <mark>card</mark>s"
    )


def test_filters_by_category_and_product(corpus, client, fibre_product):
    net = corpus["net"].pk
    assert titles(client.get(f"/search/?q=card+router&category={net}")) == [
        "Router keeps restarting"
    ]
    assert titles(client.get("/search/?q=card+router&product=home-fibre")) == [
        "Router keeps restarting"
    ]
    assert titles(client.get("/search/?q=card&product=home-fibre")) == []


def test_search_is_logged(corpus, client_for, alice):
    client_for(alice).get("/search/?q=  Lost   CARD ")
    search = SearchQuery.objects.get()
    assert (search.query, search.result_count, search.user) == ("lost card", 1, alice)
    interaction = Interaction.objects.get(kind=InteractionKind.SEARCH)
    assert interaction.metadata["query"] == "lost card"
    assert interaction.metadata["results"] == 1
    assert interaction.customer == alice.customer


def test_empty_query_is_not_logged_and_shows_alternatives(corpus, client):
    response = client.get("/search/")
    assert response.status_code == 200
    assert "Popular articles" in response.content.decode()
    assert not SearchQuery.objects.exists()


def test_no_results_page_offers_alternatives(corpus, client):
    html = client.get("/search/?q=zzyzzx").content.decode()
    assert "No articles match your search" in html
    assert "Popular articles" in html and "Still need help?" in html
    assert SearchQuery.objects.get().result_count == 0


@pytest.mark.parametrize(
    "query",
    [
        "q=" + "card " * 500,
        "q=card&page=abc",
        "q=card&page=99999",
        "q=card&page=-1",
        "q=card&page=" + "9" * 40,
        "q=card&category=abc",
        "q=card&category=999999",
        "q=card&product=../../etc",
        "q=card&type=nope",
        'q="card" OR * NEAR(-)',
        "q=%00%01card",
        "q=%E2%80%8F%F0%9F%92%B3",
    ],
)
def test_bad_input_never_500(corpus, client, query):
    response = client.get(f"/search/?{query}")
    assert response.status_code == 200


def test_click_is_recorded_with_position_and_redirects(corpus, client):
    html = client.get("/search/?q=card").content.decode()
    link = re.search(r'class="kb-result-title" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    response = client.get(link)
    assert response.status_code == 302
    assert response["Location"] == "/kb/cards-and-payments/lost-or-stolen-card/"
    click = SearchClick.objects.get()
    assert click.position == 1 and click.object_id == str(corpus["lost"].pk)
    assert click.search == SearchQuery.objects.get()


def test_click_rejects_forged_or_invisible_targets(corpus, client):
    assert client.get("/search/click/?t=forged").status_code == 400
    search = SearchQuery.objects.create(query="x")
    token = signing.dumps([search.pk, "kb", str(corpus["internal"].pk), 1], salt=CLICK_SALT)
    assert client.get(f"/search/click/?t={token}").status_code == 404
    assert not SearchClick.objects.exists()


def test_suggest_partial_autocompletes_titles_for_the_audience(corpus, client_for, alice):
    html = client_for(None).get("/search/suggest/?q=rout").content.decode()
    assert "Router keeps restarting" in html
    assert "Card PIN" not in client_for(None).get("/search/suggest/?q=card").content.decode()
    assert "Card PIN" in client_for(alice).get("/search/suggest/?q=card").content.decode()
    assert "Escalation" not in client_for(alice).get("/search/suggest/?q=escal").content.decode()
    assert client_for(None).get("/search/suggest/?q=").content.decode().strip() == ""


def test_articles_suggest_for_ticket_text(corpus, alice):
    found = articles_suggest(text="Help! My card was stolen yesterday", user=alice)
    assert found[0] == corpus["lost"]
    assert corpus["internal"] not in articles_suggest(text="card fraud", user=alice)
    assert articles_suggest(text="   !!! ", user=AnonymousUser()) == []


def test_normalise_query():
    assert normalise_query("  Lost\tCARD\x00 ") == "lost card"
    assert len(normalise_query("x" * 1000)) == 200


def test_tag_match_ranks_above_body_match(kb_index, client):
    make_article(
        kb_index,
        "Before you travel",
        summary="Plans and prices.",
        paragraphs=("Check your plan before you leave; roaming may cost extra.",),
    )
    make_article(
        kb_index, "Using your phone in another country", summary="Abroad.", tags=("roaming",)
    )
    assert titles(client.get("/search/?q=roaming")) == [
        "Using your phone in another country",
        "Before you travel",
    ]


def test_title_and_tag_words_outrank_a_long_body(kb_index, client):
    make_article(
        kb_index,
        "Invoices explained",
        paragraphs=("Your invoice lists charges. " * 3 + "A refund appears as a credit.",),
    )
    make_article(kb_index, "Ask for a refund", summary="When and how.")
    assert titles(client.get("/search/?q=refund"))[0] == "Ask for a refund"


def test_stemming_finds_other_forms_of_a_word(corpus, client):
    assert "Lost or stolen card" in titles(client.get("/search/?q=cards"))
    assert "Lost or stolen card" in titles(client.get("/search/?q=blocked"))


def test_typo_is_corrected_when_nothing_matches(corpus, client):
    response = client.get("/search/?q=routr+restartng")
    html = response.content.decode()
    assert titles(response) == ["Router keeps restarting"]
    assert "Showing results for “<strong>router restarting</strong>”" in html
    assert "Search instead for" in html
    search = SearchQuery.objects.get()
    assert (search.query, search.corrected, search.result_count) == (
        "routr restartng",
        "router restarting",
        1,
    )


def test_no_correction_when_the_query_finds_something(corpus, client):
    client.get("/search/?q=router")
    assert SearchQuery.objects.get().corrected == ""


def test_correction_never_borrows_words_from_articles_the_reader_cannot_see(
    corpus, client_for, ada
):
    # "escalation" is only in the agents-only article's title
    response = client_for(None).get("/search/?q=escalaton")
    assert titles(response) == []
    assert SearchQuery.objects.get().corrected == ""
    assert titles(client_for(ada).get("/search/?q=escalaton")) == [
        "Escalation playbook for card fraud"
    ]


def test_vocabulary_follows_publishing(corpus, kb_index, client):
    assert titles(client.get("/search/?q=voicemial")) == []
    make_article(kb_index, "Set up voicemail", summary="Record a greeting.")
    assert titles(client.get("/search/?q=voicemial")) == ["Set up voicemail"]


def test_title_matches_fill_the_first_page_before_body_matches(kb_index, client):
    """Ranking tiers: every article with the word in its title comes before any article with
    it only in the body, across pages (on PostgreSQL, page 1 ranks only title matches)."""
    for n in range(12):
        make_article(kb_index, f"Voucher guide {n}", summary="Codes.", paragraphs=("Use it.",))
    make_article(
        kb_index,
        "Gift ideas",
        summary="Voucher voucher voucher.",
        paragraphs=("A voucher, a voucher and one more voucher.",),
    )
    first = titles(client.get("/search/?q=voucher"))
    second = titles(client.get("/search/?q=voucher&page=2"))
    assert len(first) == 10 and all(t.startswith("Voucher guide") for t in first)
    assert second[-1] == "Gift ideas" and len(second) == 3
    assert set(first + second[:2]) == {f"Voucher guide {n}" for n in range(12)}


def test_result_count_stops_at_the_cap(kb_index, client, monkeypatch):
    from knowledgebase import search as kb_search

    monkeypatch.setattr(kb_search, "COUNT_CAP", 2)
    for n in range(4):
        make_article(kb_index, f"Statement {n}", summary="Monthly.", paragraphs=("PDF.",))
    html = client.get("/search/?q=statement").content.decode()
    assert "More than 2 results for “statement”" in html
    assert len(titles(client.get("/search/?q=statement"))) == 2  # pages stop at the cap
    assert titles(client.get("/search/?q=statement&page=2")) == titles(
        client.get("/search/?q=statement")
    )  # an out-of-range page shows the last one
    make_article(kb_index, "Overdraft limits", summary="Borrowing.", paragraphs=("Ask.",))
    html = client.get("/search/?q=overdraft").content.decode()
    assert "More than" not in html and "1 result for “overdraft”" in html


def test_category_filter_follows_moves(kb_index, client):
    """The category filter is part of the full-text query (each article's index entry names
    the categories above it), so moving an article or a category re-indexes what moved."""
    cards, billing = make_category(kb_index, "Cards"), make_category(kb_index, "Billing")
    fees = make_category(cards, "Card fees")
    article = make_article(fees, "Voucher rules", summary="Codes.", paragraphs=("Use it.",))

    def found(category) -> list[str]:
        return titles(client.get(f"/search/?q=voucher&category={category.pk}"))

    assert found(cards) == found(fees) == ["Voucher rules"] and found(billing) == []
    article.move(billing, pos="last-child")
    assert found(billing) == ["Voucher rules"] and found(cards) == found(fees) == []
    for page in (article, fees, billing):
        page.refresh_from_db()
    article.move(fees, pos="last-child")
    for page in (fees, billing):
        page.refresh_from_db()
    fees.move(billing, pos="last-child")  # the category moves with its article
    assert found(billing) == found(fees) == ["Voucher rules"] and found(cards) == []
