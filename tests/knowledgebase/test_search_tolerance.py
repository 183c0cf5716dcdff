"""Tolerant search (issue 17): corrections of several words, "Showing results for" with a way
back, "Did you mean", suggestions as you type with a typo, escaping, bad input."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from knowledgebase import search as kb_search
from knowledgebase import spelling
from knowledgebase.models import SearchQuery
from knowledgebase.translation import translate_page
from tests.knowledgebase.conftest import make_article, make_category


def titles(response) -> list[str]:
    html = response.content.decode()
    return [
        re.sub(r"</?mark>", "", t)
        for t in re.findall(r'class="kb-result-title"[^>]*>(.*?)</a>', html)
    ]


@pytest.fixture
def help_centre(kb_index):
    account = make_category(kb_index, "Account")
    password = make_article(
        account,
        "Reset your password",
        summary="Choose a new password when you forgot yours.",
        paragraphs=("Open the sign-in page and choose Forgot password.",),
        tags=("password", "login"),
    )
    pin = make_article(
        account,
        "Reset your card PIN",
        summary="A new PIN for your card.",
        paragraphs=("Reset the PIN in the app.",),
    )
    return {"password": password, "pin": pin}


def test_every_misspelled_word_is_corrected(help_centre, client):
    response = client.get("/search/?q=pasword+resett")
    html = response.content.decode()
    assert titles(response) == ["Reset your password"]
    assert "Showing results for “<strong>password reset</strong>”" in html
    assert 'href="/search/?q=pasword+resett&amp;exact=1"' in html
    assert SearchQuery.objects.get().corrected == "password reset"


def test_a_query_that_matches_only_some_of_its_words_is_corrected(help_centre, client):
    # "reset" alone matches both articles; "password reset" only one: the correction wins.
    response = client.get("/search/?q=pasword+reset")
    assert titles(response) == ["Reset your password"]
    assert "Showing results for" in response.content.decode()


def test_search_instead_for_the_query_as_typed(help_centre, client):
    response = client.get("/search/?q=pasword+reset&exact=1")
    html = response.content.decode()
    assert "Showing results for" not in html
    assert set(titles(response)) == {"Reset your password", "Reset your card PIN"}
    assert SearchQuery.objects.get().corrected == ""


def test_did_you_mean_when_the_query_finds_enough(kb_index, client, monkeypatch):
    # Only the newest article feeds the vocabulary here, so the older article's misspelling
    # "routr" is an unknown word that still finds something.
    monkeypatch.setattr(spelling, "VOCABULARY_ARTICLES", 1)
    make_article(kb_index, "Old notes", summary="Notes.", paragraphs=("Restart the routr.",))
    make_article(kb_index, "Router keeps restarting", summary="Power and cables.")
    response = client.get("/search/?q=routr")
    html = response.content.decode()
    assert titles(response) == ["Old notes"]
    assert 'Did you mean <a href="/search/?q=router">router</a>?' in html
    assert "Showing results for" not in html


def test_the_rule_for_replacing_results():
    class Results:
        def __init__(self, n: int, full: bool = True):
            self.n, self.full_match = n, full and n > 0

        def __len__(self) -> int:
            return self.n

    better = kb_search.clearly_better
    assert better(Results(0), Results(1))
    assert not better(Results(0), Results(0))
    assert better(Results(4, full=False), Results(1))
    assert not better(Results(4, full=False), Results(1, full=False))
    assert better(Results(0), Results(1, full=False))
    assert better(Results(2), Results(6))
    assert not better(Results(2), Results(5))


def test_the_query_is_escaped_in_every_message(help_centre, client):
    response = client.get("/search/", {"q": '<script>alert(1)</script> "pasword'})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Showing results for" in html


def test_suggestions_tolerate_a_typo(help_centre, client):
    assert "Reset your password" in client.get("/search/suggest/?q=pasword").content.decode()
    assert "Reset your password" in client.get("/search/suggest/?q=reset+paswo").content.decode()
    assert client.get("/search/suggest/?q=zzzzqqq").content.decode().strip() == ""


def test_italian_suggestions_tolerate_a_typo(help_centre, client):
    translate_page(
        help_centre["password"],
        "it",
        title="Reimpostare la password",
        slug="reimpostare-password",
        summary="Scegli una nuova password.",
        body=[("text", "<p>Apri la pagina di accesso.</p>")],
    )
    html = client.get("/it/search/suggest/?q=reimpostre").content.decode()
    assert "Reimpostare la password" in html
    assert "Reset your password" not in html


def test_correction_follows_the_visitors_language(help_centre):
    translate_page(
        help_centre["password"],
        "it",
        title="Reimpostare la password",
        slug="reimpostare-password",
        summary="Scegli una nuova password quando l'hai dimenticata.",
        body=[("text", "<p>Apri la pagina di accesso.</p>")],
    )
    with translation.override("it"):
        assert spelling.correct(["dimenticta"], user=None, language="it") == ["dimenticata"]
        assert spelling.correct(["forgt"], user=None, language="it") is None
    assert spelling.correct(["forgt"], user=None, language="en") == ["forgot"]


@pytest.mark.parametrize(
    "query",
    ["", " ", "x" * 5000, "\x00\x01", "a " * 3000, "%", "'\"", "perché è più", "🙂 pasword"],
)
def test_empty_and_huge_queries_never_fail(help_centre, client, query):
    assert client.get("/search/", {"q": query}).status_code == 200
    assert client.get("/search/suggest/", {"q": query}).status_code == 200
    assert client.get("/it/search/", {"q": query, "page": "9" * 50}).status_code == 200
