"""Catalogue items and forum threads in the same /search/ results, in the visitor's language
and tolerant of typos (issue 17)."""

from __future__ import annotations

import re

import pytest

from catalogue.models import CatalogueCategory, CatalogueItem
from community.models import Category
from community.search import written_in
from community.services import thread_ask
from tests.knowledgebase.conftest import make_article


def results(response) -> list[tuple[str, str]]:
    """(type badge, title) of each result."""
    html = response.content.decode()
    rows = re.findall(
        r'class="kb-result-title"[^>]*>(.*?)</a>\s*<p class="kb-result-meta[^"]*">'
        r'<span class="badge badge-info">(.*?)</span>',
        html,
        re.S,
    )
    return [(badge, re.sub(r"</?mark>", "", title)) for title, badge in rows]


@pytest.fixture
def password_item(db) -> CatalogueItem:
    category = CatalogueCategory.objects.create(name="Account", name_it="Account", slug="account-x")
    return CatalogueItem.objects.create(
        name="Reset my password",
        name_it="Reimposta la mia password",
        slug="password-x",
        short_description="A new password by email.",
        short_description_it="Una nuova password via email.",
        category=category,
    )


@pytest.fixture
def forum_thread(alice, settings):
    settings.COMMUNITY_PREMODERATE_FIRST_POSTS = False
    category = Category.objects.create(name="Broadband", name_it="Banda larga", slug="bb-x")
    return thread_ask(
        author=alice,
        category=category,
        title="Router blinking red after the storm",
        body="Since last night the router blinks red.",
    )


def test_catalogue_items_are_found_in_the_visitors_language(password_item, client_for, alice):
    client = client_for(alice)
    assert ("Service", "Reset my password") in results(client.get("/search/?q=password"))
    italian = results(client.get("/it/search/?q=reimpostare+password"))
    assert [title for _badge, title in italian] == ["Reimposta la mia password"]


def test_catalogue_items_are_found_despite_a_typo(password_item, kb_index, client_for, alice):
    make_article(kb_index, "Reset your password", summary="Choose a new password.")
    found = results(client_for(alice).get("/search/?q=pasword+resett"))
    assert ("Service", "Reset my password") in found
    assert ("Article", "Reset your password") in found
    # The catalogue's words correct typos for customers too.
    found = results(client_for(alice).get("/it/search/?q=reimposta+pasword"))
    assert ("Servizio", "Reimposta la mia password") in found


def test_forum_threads_are_found_despite_a_typo(forum_thread, client):
    found = results(client.get("/search/?q=blinkng+routr"))
    assert [title for _badge, title in found] == ["Router blinking red after the storm"]


def test_forum_category_names_are_in_the_visitors_language(forum_thread, client):
    html = client.get("/it/search/?q=router").content.decode()
    assert "Banda larga" in html


def test_the_language_of_a_thread_title():
    assert written_in("La mia carta non funziona più") == "it"
    assert written_in("How do I reset my router?") == "en"
    assert written_in("Router") is None
