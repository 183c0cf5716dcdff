"""Article, category and index pages: audience rules, page furniture, view logging."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from knowledgebase.models import ArticlePage, Audience
from knowledgebase.selectors import help_links, related_articles
from portal.models import Interaction, InteractionKind
from tests.knowledgebase.conftest import make_article

LOST = "/kb/cards-and-payments/lost-or-stolen-card/"
PIN = "/kb/cards-and-payments/card-pin-reset/"
INTERNAL = "/kb/cards-and-payments/escalation-playbook-for-card-fraud/"


def test_visible_to_by_role(corpus, alice, ada, root):
    titles = lambda user: set(ArticlePage.objects.visible_to(user).values_list("title", flat=True))  # noqa: E731
    anonymous = titles(AnonymousUser())
    assert anonymous == {"Lost or stolen card", "Router keeps restarting"}
    assert titles(alice) == anonymous | {"Card PIN reset"}
    assert titles(ada) == titles(alice) | {"Escalation playbook for card fraud"}
    assert titles(root) == titles(ada)


def test_unpublished_article_is_invisible_to_everyone(kb_index, ada):
    draft = make_article(kb_index, "Draft about roaming", live=False)
    assert not ArticlePage.objects.visible_to(ada).filter(pk=draft.pk).exists()


@pytest.mark.parametrize(
    ("persona", "path", "status"),
    [
        (None, LOST, 200),
        (None, PIN, 302),
        (None, INTERNAL, 404),
        ("alice", PIN, 200),
        ("alice", INTERNAL, 404),
        ("bob", INTERNAL, 404),
        ("ada", INTERNAL, 200),
        ("root", INTERNAL, 200),
    ],
)
def test_article_page_audience(corpus, client_for, request, persona, path, status):
    user = request.getfixturevalue(persona) if persona else None
    response = client_for(user).get(path)
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith("/accounts/login/")


def test_article_page_furniture(corpus, client):
    response = client.get(LOST)
    html = response.content.decode()
    # breadcrumbs down to the category, heading anchors (two headings: no table of contents,
    # see test_article_toc.py), reading time
    assert 'href="/kb/cards-and-payments/"' in html
    assert 'id="h-block-the-card"' in html and "On this page" not in html
    assert "1 min read" in html
    assert "Still need help?" in html
    assert "Was this article helpful?" in html
    # no inline script or style: the page runs under a strict CSP
    assert "<script>" not in html and "style=" not in html
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_category_lists_only_visible_articles(corpus, client_for, alice):
    html = client_for(None).get("/kb/cards-and-payments/").content.decode()
    assert "Lost or stolen card" in html
    assert "Card PIN reset" not in html and "Escalation playbook" not in html
    html = client_for(alice).get("/kb/cards-and-payments/").content.decode()
    assert "Card PIN reset" in html and "Escalation playbook" not in html


def test_index_page_lists_categories_and_popular(corpus, client):
    html = client.get("/kb/").content.decode()
    assert "Cards and payments" in html and "Connectivity" in html
    assert "Popular articles" in html
    assert "Escalation playbook" not in html


def test_view_is_logged_as_interaction(corpus, client_for, alice):
    client_for(alice).get(LOST)
    view = Interaction.objects.get(kind=InteractionKind.KB_VIEW)
    assert view.customer == alice.customer
    assert view.target_id == str(corpus["lost"].pk)


def test_anonymous_view_is_logged_with_visitor_hash(corpus, client):
    client.get(LOST)  # anonymous pages may come from the page cache: the beacon counts them
    client.post("/kb/beacon/", {"article": corpus["lost"].pk, "event": "view"})
    view = Interaction.objects.get(kind=InteractionKind.KB_VIEW)
    assert view.customer is None and len(view.visitor) == 32


def test_denied_view_is_not_logged(corpus, client_for, bob):
    client_for(bob).get(INTERNAL)
    assert not Interaction.objects.filter(kind=InteractionKind.KB_VIEW).exists()


def test_related_articles_chosen_then_automatic_and_visible_only(corpus, kb_index, alice):
    cards = corpus["cards"]
    chosen = make_article(cards, "Card delivery times", tags=("delivery",))
    article = make_article(
        cards,
        "Freeze your card",
        tags=("card",),
        related=(chosen, corpus["internal"]),
    )
    anonymous = related_articles(article, user=AnonymousUser())
    assert anonymous[0] == chosen  # editor's choice first
    assert corpus["lost"] in anonymous  # shares the "card" tag
    assert corpus["internal"] not in anonymous and corpus["pin"] not in anonymous
    assert corpus["pin"] in related_articles(article, user=alice)
    assert corpus["internal"] not in related_articles(article, user=alice)


def test_related_box_on_page_hides_internal(corpus, client_for, ada, alice):
    html = client_for(alice).get(LOST).content.decode()
    assert "Card PIN reset" in html
    assert "Escalation playbook" not in html
    assert "Escalation playbook" in client_for(ada).get(LOST).content.decode()


def test_help_links_only_existing_features():
    from django.urls import Resolver404, resolve

    def served(path: str) -> bool:
        try:
            return resolve(path).url_name != "wagtail_serve"
        except Resolver404:
            return False

    links = {link["url"] for link in help_links()}
    for path in ("/community/", "/catalogue/", "/tickets/new/"):
        assert (path in links) is served(path), path
    if served("/tickets/new/"):  # the tickets app is installed: no email fallback
        assert not any(url.startswith("mailto:") for url in links)
    else:
        assert "/me/" in links and any(url.startswith("mailto:") for url in links)


def test_sitemap_excludes_non_public(corpus, rf):
    assert corpus["lost"].get_sitemap_urls(rf.get("/"))
    assert corpus["pin"].get_sitemap_urls(rf.get("/")) == []
    assert corpus["internal"].get_sitemap_urls(rf.get("/")) == []


def test_body_text_and_review_dates_computed_on_save(corpus):
    lost = corpus["lost"]
    assert "Blocking is instant" in lost.body_text
    assert lost.review_overdue  # never reviewed
    assert lost.audience == Audience.PUBLIC


def test_seed_kb_is_idempotent(kb_index, cards_product):
    from django.core.management import call_command

    call_command("seed_kb")
    count = ArticlePage.objects.count()
    assert count >= 12
    call_command("seed_kb")
    assert ArticlePage.objects.count() == count
    lost = ArticlePage.objects.get(slug="lost-or-stolen-card")
    assert list(lost.products.all()) == [cards_product]
    assert ArticlePage.objects.filter(audience=Audience.AGENTS).exists()
