"""The search box of category and article pages: scoped to the topic, or the whole help centre."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from bs4 import BeautifulSoup

from knowledgebase.templatetags.kb_search_box import search_scope
from tests.knowledgebase.conftest import make_article, make_category


def _search_form(client, path):
    response = client.get(path)
    assert response.status_code == 200
    forms = BeautifulSoup(response.content, "html.parser").select("form.kb-scoped-search")
    assert len(forms) == 1
    return forms[0]


def _submit(client, form, q: str, *, scope: str | None = None):
    """What the browser sends: the form's fields with their defaults (the checked radio) and
    ``q``; ``scope`` picks another radio by value."""
    fields = []
    for field in form.select("input[name]"):
        kind = field.get("type", "text")
        if kind == "radio":
            chosen = field.has_attr("checked") if scope is None else field["value"] == scope
            if chosen:
                fields.append((field["name"], field["value"]))
        elif kind == "search":
            fields.append((field["name"], q))
        else:
            fields.append((field["name"], field.get("value", "")))
    assert form["method"].lower() == "get"
    return client.get(f"{form['action']}?{urlencode(fields)}")


def _titles(response) -> list[str]:
    return [
        str(hit.title).replace("<mark>", "").replace("</mark>", "")
        for hit in response.context["hits"]
    ]


@pytest.fixture
def reader(corpus):
    """A public article outside "Cards and payments" that also speaks of cards."""
    return make_article(
        corpus["net"],
        "Card reader for the router",
        summary="Plug a card reader into the router.",
        paragraphs=("The router reads a SIM card for backup.",),
    )


def test_category_page_has_an_accessible_scoped_search_box(client, corpus):
    form = _search_form(client, corpus["cards"].url)
    assert form["role"] == "search" and form["action"] == "/search/"
    box = form.select_one("input[type=search][name=q]")
    label = form.find("label", attrs={"for": box["id"]})
    assert label is not None and label.get_text(strip=True) == "Search the help centre"
    radios = form.select("input[type=radio][name=category]")
    assert [(r["value"], r.has_attr("checked")) for r in radios] == [
        (str(corpus["cards"].pk), True),
        ("", False),
    ]
    assert "Cards and payments" in radios[0].parent.get_text()
    assert form.select_one("fieldset legend").get_text(strip=True) == "Where to search"
    assert form.select_one("button[type=submit]") is not None


def test_article_page_box_is_scoped_to_its_category(client, corpus):
    form = _search_form(client, corpus["lost"].url)
    checked = form.select_one("input[type=radio][checked]")
    assert checked["value"] == str(corpus["cards"].pk)


def test_article_at_the_top_of_the_help_centre_has_no_scope(client, kb_index):
    article = make_article(kb_index, "About this help centre", paragraphs=("Welcome.",))
    form = _search_form(client, article.url)
    assert form.select("input[type=radio]") == []
    assert search_scope(article, []) is None


def test_scoped_search_returns_only_that_categorys_articles(client, corpus, reader):
    form = _search_form(client, corpus["cards"].url)
    scoped = _submit(client, form, "card")
    assert scoped.status_code == 200
    assert scoped.request["QUERY_STRING"] == f"q=card&category={corpus['cards'].pk}"
    assert _titles(scoped) == ["Lost or stolen card"]  # public; not the router's card reader
    everywhere = _submit(client, form, "card", scope="")
    assert everywhere.request["QUERY_STRING"] == "q=card&category="
    assert set(_titles(everywhere)) >= {"Lost or stolen card", "Card reader for the router"}


def test_scoped_search_covers_subcategories(client, corpus):
    sub = make_category(corpus["cards"], "Contactless")
    make_article(sub, "Contactless card limits", paragraphs=("Tap your card up to 50 euros.",))
    form = _search_form(client, corpus["cards"].url)
    assert "Contactless card limits" in _titles(_submit(client, form, "contactless"))
    sub_form = _search_form(client, sub.url)
    assert _titles(_submit(client, sub_form, "card")) == ["Contactless card limits"]


def test_scoped_search_still_respects_audiences(client_for, corpus, alice):
    form = _search_form(client_for(alice), corpus["cards"].url)
    titles = _titles(_submit(client_for(alice), form, "card"))
    assert "Card PIN reset" in titles  # customers only: alice may read it
    assert "Escalation playbook for card fraud" not in titles  # agents only


@pytest.mark.parametrize("category", ["abc", "-1", "99999999999999999999", "0", "12.5"])
def test_bad_scope_is_never_a_500(client, corpus, category):
    response = client.get("/search/", {"q": "card", "category": category})
    assert response.status_code == 200
