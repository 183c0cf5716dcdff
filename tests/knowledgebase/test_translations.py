"""The help centre in two languages (issue 17): the Italian tree, the fallback to English
with a note, translations made in code and in wagtail-localize's editor, and every list
(KB index, categories, popular and related articles, the API, the sitemap) in one language.

Personas: root edits, alice reads (tests/conftest.py); pages from tests/knowledgebase/conftest.py.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import TestCase
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.utils import translation
from wagtail.models import Locale, Page
from wagtail_localize.models import LocaleSynchronization, StringSegment, Translation

from knowledgebase import services
from knowledgebase.models import ArticlePage, CategoryPage, KnowledgeBaseIndexPage
from knowledgebase.selectors import popular_articles, related_articles
from knowledgebase.translation import mirror_page, sync_tree, translate_page
from portal.models import Interaction, InteractionKind
from tests.knowledgebase.conftest import make_article

NOTE = "This article is not yet available in Italian; showing the English version."
PAGE_NOTE = "This page is not yet available in Italian; showing the English version."


def in_italian(text: str) -> str:
    """The note as an Italian reader sees it (the interface is translated)."""
    with translation.override("it"):
        return translation.gettext(text)


ITALIAN_BODY = [("text", "<p>Apri l'app e tocca Blocca carta: il blocco è immediato.</p>")]


def italian(page: Page) -> Page:
    return Page.objects.get(translation_key=page.translation_key, locale__language_code="it")


def translate_lost(corpus) -> ArticlePage:
    return translate_page(
        corpus["lost"],
        "it",
        title="Carta persa o rubata",
        slug="carta-persa-o-rubata",
        summary="Blocca subito la carta e ordinane una nuova.",
        body=ITALIAN_BODY,
        tags=["carta", "sicurezza"],
    )


# --- the Italian tree -----------------------------------------------------------------------
def test_a_fresh_database_serves_the_italian_help_centre(kb_index, client):
    it = Locale.objects.get(language_code="it")
    index_it = kb_index.get_translation(it)
    assert index_it.alias_of_id is None and index_it.title == "Centro assistenza"
    assert LocaleSynchronization.objects.filter(locale=it, sync_from__language_code="en").exists()
    response = client.get("/it/kb/")
    assert response.status_code == 200
    assert "Centro assistenza" in response.text
    assert "data-translation-missing" not in response.text
    assert "Help centre" in client.get("/kb/").text


def test_a_published_english_article_is_mirrored_in_italian_with_a_note(corpus, client):
    alias = italian(corpus["lost"])
    assert alias.alias_of_id == corpus["lost"].pk and alias.live
    assert italian(corpus["cards"]).alias_of_id == corpus["cards"].pk  # its category too
    response = client.get("/it/kb/cards-and-payments/lost-or-stolen-card/")
    assert response.status_code == 200
    assert in_italian(NOTE) != NOTE  # translated
    assert unescape(in_italian(NOTE)) in unescape(response.text)
    assert "Lost or stolen card" in response.text
    category = client.get("/it/kb/cards-and-payments/")
    assert unescape(in_italian(PAGE_NOTE)) in unescape(category.text)
    english = client.get("/kb/cards-and-payments/lost-or-stolen-card/")
    assert "data-translation-missing" not in english.text


def test_a_missing_translation_in_italian_never_404s(corpus, client):
    article = make_article(corpus["net"], "Slow wifi at home", paragraphs=("Move the router.",))
    assert client.get(f"/it/kb/connectivity/{article.slug}/").status_code == 200
    assert client.get("/it/kb/connectivity/no-such-article/").status_code == 404


def test_the_alias_follows_its_english_source(corpus, client):
    lost = ArticlePage.objects.get(pk=corpus["lost"].pk)
    lost.summary = "Freeze the card in the app at once."
    lost.save_revision().publish()
    response = client.get("/it/kb/cards-and-payments/lost-or-stolen-card/")
    assert "Freeze the card in the app at once." in response.text


def test_mirroring_skips_drafts_and_pages_already_there(corpus):
    draft = make_article(corpus["cards"], "Draft only", live=False)
    assert not Page.objects.filter(
        translation_key=draft.translation_key, locale__language_code="it"
    )
    assert mirror_page(corpus["lost"]) == []  # the alias exists
    assert mirror_page(italian(corpus["lost"])) == []  # never from the Italian tree


def test_sync_tree_mirrors_pages_that_existed_before(corpus):
    italian(corpus["router"]).delete()
    assert sync_tree() == 1
    assert italian(corpus["router"]).alias_of_id == corpus["router"].pk


# --- translations made in code (the demo) ---------------------------------------------------
def test_translate_page_turns_the_alias_into_the_translation(corpus, client):
    alias_pk = italian(corpus["lost"]).pk
    translated = translate_lost(corpus)
    assert translated.pk == alias_pk and translated.alias_of_id is None and translated.live
    assert sorted(t.name for t in translated.tags.all()) == ["carta", "sicurezza"]
    response = client.get("/it/kb/cards-and-payments/carta-persa-o-rubata/")
    assert response.status_code == 200
    assert "Carta persa o rubata" in response.text and "Blocca carta" in response.text
    assert "data-translation-missing" not in response.text
    english = client.get("/kb/cards-and-payments/lost-or-stolen-card/")
    assert "Lost or stolen card" in english.text and "Carta persa" not in english.text


def test_an_article_made_agents_only_in_english_is_agents_only_in_italian(corpus, client):
    from knowledgebase.models import Audience

    translate_lost(corpus)
    assert client.get("/it/kb/cards-and-payments/carta-persa-o-rubata/").status_code == 200
    english = ArticlePage.objects.get(pk=corpus["lost"].pk)
    english.audience = Audience.AGENTS
    english.save_revision().publish()

    assert italian(english).specific.audience == Audience.AGENTS
    assert client.get("/it/kb/cards-and-payments/carta-persa-o-rubata/").status_code != 200
    # publishing the translation from its older revision does not make it public again
    translation = italian(english).specific
    translation.get_latest_revision().publish()
    assert italian(english).specific.audience == Audience.AGENTS


def test_translate_page_twice_updates_the_same_translation(corpus):
    first = translate_lost(corpus)
    again = translate_page(corpus["lost"], "it", title="Carta smarrita o rubata")
    assert again.pk == first.pk and again.title == "Carta smarrita o rubata"
    assert ArticlePage.objects.filter(translation_key=first.translation_key).count() == 2


def test_translate_page_refuses_the_page_own_language(corpus):
    with pytest.raises(ValueError):
        translate_page(corpus["lost"], "en", title="Same")


def test_translate_page_copies_a_page_that_has_no_alias(corpus):
    italian(corpus["router"]).delete()
    translated = translate_page(corpus["router"], "it", title="Il router si riavvia da solo")
    assert translated.alias_of_id is None and translated.live
    assert translated.get_parent().specific.locale.language_code == "it"


# --- reads in one language ------------------------------------------------------------------
def test_category_lists_its_own_language_only(corpus, client):
    translate_lost(corpus)
    it_category = CategoryPage.objects.get(pk=italian(corpus["cards"]).pk)
    articles = list(
        ArticlePage.objects.visible_to(None).child_of(it_category).values_list("title", flat=True)
    )
    assert sorted(articles) == ["Carta persa o rubata"]  # the PIN and playbook: not public
    response = client.get("/it/kb/cards-and-payments/")
    assert "Carta persa o rubata" in response.text and "Lost or stolen card" not in response.text
    english = client.get("/kb/cards-and-payments/")
    assert "Lost or stolen card" in english.text and "Carta persa" not in english.text


def test_in_language_keeps_one_version_of_each_article(corpus):
    translate_lost(corpus)
    visible = ArticlePage.objects.visible_to(None)
    assert sorted(visible.in_language("it").values_list("title", flat=True)) == [
        "Carta persa o rubata",
        "Router keeps restarting",  # the alias standing in
    ]
    assert sorted(visible.in_language("en").values_list("title", flat=True)) == [
        "Lost or stolen card",
        "Router keeps restarting",
    ]
    assert visible.in_language("de").count() == 0


def test_popular_articles_in_the_reader_language(corpus, alice):
    translated = translate_lost(corpus)
    for _ in range(3):
        services.article_view_record(article=corpus["lost"], user=alice)
    assert Interaction.objects.filter(kind=InteractionKind.KB_VIEW).count() == 3
    english = popular_articles(user=None, limit=2, language="en")
    assert [a.pk for a in english] == [corpus["lost"].pk, corpus["router"].pk]
    in_italian = popular_articles(user=None, limit=5, language="it")
    assert in_italian[0].pk == translated.pk  # the English views count for its translation
    assert {a.locale.language_code for a in in_italian} == {"it"}
    assert len({a.translation_key for a in in_italian}) == len(in_italian)


def test_the_italian_kb_index_shows_italian_categories_and_articles(corpus, client):
    translate_lost(corpus)
    response = client.get("/it/kb/")
    assert "Carta persa o rubata" in response.text
    assert "Lost or stolen card" not in response.text


def test_related_articles_stay_in_the_article_language(corpus, root):
    lost, internal = corpus["lost"], corpus["internal"]
    lost.related_links.create(article=internal)
    lost.save_revision().publish()
    translated = translate_lost(corpus)
    related = related_articles(translated, user=root)
    assert related and {a.locale.language_code for a in related} == {"it"}
    assert italian(internal).pk in [a.pk for a in related]  # editor's pick, in Italian
    assert all(a.locale.language_code == "en" for a in related_articles(lost, user=root))


def test_views_and_feedback_stay_per_page(corpus, alice, client_for):
    translated = translate_lost(corpus)
    client = client_for(alice)
    client.get("/it/kb/cards-and-payments/carta-persa-o-rubata/")
    targets = set(
        Interaction.objects.filter(kind=InteractionKind.KB_VIEW).values_list("target_id", flat=True)
    )
    assert targets == {str(translated.pk)}
    services.feedback_submit(article=translated, user=alice, helpful=True)
    assert translated.feedback.count() == 1 and corpus["lost"].feedback.count() == 0


# --- the API --------------------------------------------------------------------------------
def test_api_lists_the_requested_language(corpus, client):
    translated = translate_lost(corpus)
    items = client.get("/api/v1/kb/articles?lang=it").json()["items"]
    assert [(i["title"], i["language"], i["translated"]) for i in items] == [
        ("Carta persa o rubata", "it", True),
        ("Router keeps restarting", "it", False),
    ]
    assert items[0]["url"].endswith("/it/kb/cards-and-payments/carta-persa-o-rubata/")
    english = client.get("/api/v1/kb/articles?lang=en").json()["items"]
    assert [i["title"] for i in english] == ["Lost or stolen card", "Router keeps restarting"]
    detail = client.get(f"/api/v1/kb/articles/{translated.pk}").json()
    assert detail["language"] == "it" and "Blocca carta" in detail["body_html"]


def test_api_search_uses_the_language_stemming(corpus, client):
    from wagtail.search import index

    index.insert_or_update_object(translate_lost(corpus))
    # "bloccate" and "carte" are Italian inflections of the article's "blocco" and "carta"
    found = client.get("/api/v1/kb/articles?lang=it&q=carte+bloccate").json()
    assert [item["title"] for item in found["items"]] == ["Carta persa o rubata"]
    # an English article not yet translated is found in Italian too, marked as such
    router = client.get("/api/v1/kb/articles?lang=it&q=router").json()["items"]
    assert [(i["title"], i["translated"]) for i in router] == [("Router keeps restarting", False)]


def test_api_language_defaults_to_the_request_language(corpus, client):
    translate_lost(corpus)
    titles = [i["title"] for i in client.get("/api/v1/kb/articles").json()["items"]]
    assert "Lost or stolen card" in titles
    client.cookies["django_language"] = "it"
    italian_titles = [
        i["title"]
        for i in client.get("/api/v1/kb/articles", HTTP_ACCEPT_LANGUAGE="it").json()["items"]
    ]
    assert "Carta persa o rubata" in italian_titles and "Lost or stolen card" not in italian_titles


@pytest.mark.parametrize("lang", ["de", "x" * 500, "IT"])
def test_api_refuses_an_unknown_language(corpus, client, lang):
    response = client.get("/api/v1/kb/articles", {"lang": lang})
    assert response.status_code == 422
    assert "lang" in response.json()["detail"]


def test_api_suggestions_take_a_language(corpus, client):
    text = "my router keeps restarting"
    italian_urls = [
        i["url"] for i in client.get("/api/v1/kb/suggest", {"text": text, "lang": "it"}).json()
    ]
    assert italian_urls and "/it/kb/connectivity/router-keeps-restarting/" in italian_urls[0]
    english = client.get("/api/v1/kb/suggest", {"text": text, "lang": "en"}).json()
    assert "/it/" not in english[0]["url"] and "/kb/connectivity/router" in english[0]["url"]
    bad = client.get("/api/v1/kb/suggest", {"text": "card", "lang": "fr"})
    assert bad.status_code == 422


# --- the sitemap ----------------------------------------------------------------------------
def test_sitemap_lists_translations_with_alternates_not_aliases(corpus, client):
    translate_lost(corpus)
    body = client.get("/sitemap.xml").content.decode()
    assert "/kb/cards-and-payments/lost-or-stolen-card/</loc>" in body
    assert "/it/kb/cards-and-payments/carta-persa-o-rubata/</loc>" in body
    assert re.search(r'hreflang="it" href="[^"]*/it/kb/cards-and-payments/carta-persa', body)
    assert re.search(r'hreflang="en" href="[^"]*/kb/cards-and-payments/lost-or-stolen', body)
    assert "/it/kb/connectivity/router-keeps-restarting/" not in body  # an alias
    assert "/it/kb/</loc>" in body  # the Italian help centre (a translation)
    assert body.count("<loc>") == len(set(re.findall(r"<loc>([^<]+)</loc>", body)))


# --- editors: wagtail-localize in our admin -------------------------------------------------
def put_string(client, translation: Translation, segment: StringSegment, value: str):
    return client.put(
        f"/admin/localize/translate/{translation.pk}/strings/{segment.pk}/edit/",
        encode_multipart(BOUNDARY, {"value": value}),
        content_type=MULTIPART_CONTENT,
    )


def submit_in_editor(client, page: ArticlePage) -> Translation:
    """ "Translate this page" into Italian (wagtail-localize's submit view)."""
    it = Locale.objects.get(language_code="it")
    response = client.post(f"/admin/localize/submit/page/{page.pk}/", {"locales": [it.pk]})
    target = italian(page)
    assert response.status_code == 302
    assert response["Location"] == f"/admin/pages/{target.pk}/edit/"
    return Translation.objects.get(source__object_id=page.translation_key, target_locale=it)


def translate_in_editor(client, page: ArticlePage, *, submit: bool = True) -> ArticlePage:
    """What an editor does: "Translate" on the English page, each string in the translation
    editor, then Publish."""
    if submit:
        translation = submit_in_editor(client, page)
    else:
        translation = Translation.objects.get(
            source__object_id=page.translation_key, target_locale__language_code="it"
        )
    for segment in StringSegment.objects.filter(source=translation.source):
        prefix = "mio-" if segment.context.path == "slug" else "IT "
        response = put_string(client, translation, segment, prefix + segment.string.data)
        assert response.status_code in (200, 201)
    return publish_in_editor(client, italian(page))


def publish_in_editor(client, target: Page) -> ArticlePage:
    """ "Publish" in the translation editor (wagtail-localize publishes on commit)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(f"/admin/pages/{target.pk}/edit/", {"action": "publish"})
    assert response.status_code == 302
    return ArticlePage.objects.get(pk=target.pk)


def test_an_editor_translates_an_article_in_wagtail_localize(corpus, client_for, root):
    client = client_for(root)
    edit = client.get(f"/admin/pages/{corpus['lost'].pk}/edit/")
    assert edit.status_code == 200
    assert f"/admin/localize/submit/page/{corpus['lost'].pk}/" in edit.text  # "Translate"
    assert "English" in edit.text  # the locale of the page
    translated = translate_in_editor(client, corpus["lost"])
    editor = client.get(f"/admin/pages/{translated.pk}/edit/")
    assert editor.status_code == 200 and "translation-editor" in editor.text
    assert translated.alias_of_id is None and translated.live
    assert translated.title == "IT Lost or stolen card"
    response = client_for(None).get(f"/it/kb/cards-and-payments/{translated.slug}/")
    assert response.status_code == 200
    assert "IT Lost or stolen card" in response.text
    assert "data-translation-missing" not in response.text


def test_the_page_chooser_browses_each_language_tree(kb_index, client_for, root):
    client = client_for(root)
    home_it = italian(kb_index.get_parent())
    response = client.get(f"/admin/choose-page/{home_it.pk}/")
    assert response.status_code == 200
    html = response.json()["html"]
    assert "Centro assistenza" in html and "Help centre" not in html
    english = client.get(f"/admin/choose-page/{kb_index.get_parent().pk}/").json()["html"]
    assert "Help centre" in english and "Centro assistenza" not in english


def test_the_italian_index_page_is_one_per_language(kb_index):
    assert KnowledgeBaseIndexPage.objects.filter(locale__language_code="en").count() == 1
    assert KnowledgeBaseIndexPage.objects.filter(locale__language_code="it").count() == 1
