"""The forum's search box on the index, category and thread pages: threads only, via /search/."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from bs4 import BeautifulSoup

from community.search import ThreadSource
from knowledgebase.models import KnowledgeBaseIndexPage
from tests.knowledgebase.conftest import make_article, make_category


def _search_form(client, path):
    response = client.get(path)
    assert response.status_code == 200
    forms = BeautifulSoup(response.content, "html.parser").select("form.community-search")
    assert len(forms) == 1
    return forms[0]


def _submit(client, form, q: str):
    fields = [
        (field["name"], q if field.get("type") == "search" else field.get("value", ""))
        for field in form.select("input[name]")
    ]
    assert form["method"].lower() == "get"
    return client.get(f"{form['action']}?{urlencode(fields)}")


@pytest.fixture
def pages(question):
    return {
        "index": "/community/",
        "category": question.category.get_absolute_url(),
        "thread": question.get_absolute_url(),
    }


@pytest.mark.parametrize("page", ["index", "category", "thread"])
def test_box_is_present_and_accessible(client, pages, page):
    form = _search_form(client, pages[page])
    assert form["role"] == "search" and form["action"] == "/search/"
    box = form.select_one("input[type=search][name=q]")
    label = form.find("label", attrs={"for": box["id"]})
    assert label is not None and label.get_text(strip=True) == "Search the community"
    hidden = form.select_one("input[type=hidden][name=type]")
    assert hidden["value"] == ThreadSource.key
    assert form.select_one("button[type=submit]").get_text(strip=True) == "Search"


def test_thread_page_box_sits_in_the_aside(client, pages):
    form = _search_form(client, pages["thread"])
    assert form.find_parent("aside") is not None


def test_box_searches_threads_only(client_for, pages, alice, bob, general, ask):
    kb_index = KnowledgeBaseIndexPage.objects.get(slug="kb", locale__language_code="en")
    ask(alice, general, title="Router blinking red after storm", body="Power cut last night.")
    make_article(
        make_category(kb_index, "Connectivity"),
        "Router blinking red",
        paragraphs=("A blinking red light means no signal.",),
    )
    form = _search_form(client_for(bob), pages["category"])
    response = _submit(client_for(bob), form, "router blinking")
    assert response.status_code == 200
    assert response.request["QUERY_STRING"] == "type=community&q=router+blinking"
    hits = response.context["hits"]
    assert hits and {hit.source for hit in hits} == {"community"}
    titles = [str(hit.title).replace("<mark>", "").replace("</mark>", "") for hit in hits]
    assert "Router blinking red after storm" in titles
    # The same words over everything find the article too: the box is what limits them.
    everything = client_for(bob).get("/search/", {"q": "router blinking"})
    assert {hit.source for hit in everything.context["hits"]} == {"community", "kb"}


def test_box_respects_thread_visibility(client_for, pages, acme_only, alice, bob, ask):
    ask(alice, acme_only, title="Router blinking at the Acme office", body="Private.")
    form = _search_form(client_for(bob), pages["index"])
    assert "Acme office" not in _submit(client_for(bob), form, "acme office").content.decode()
    html = _submit(client_for(alice), form, "acme office").content.decode()
    assert "Acme" in html and "office" in html
