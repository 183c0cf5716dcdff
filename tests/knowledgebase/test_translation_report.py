"""The translations report (admin, Reports > "KB: translations missing or out of date"):
each English help-centre page, its status in Italian and the link to act on it; for
translations made in code (the demo) and in wagtail-localize's editor.

Personas: root is the editor-admin, alice a customer (tests/conftest.py)."""

from __future__ import annotations

import csv
import io

from wagtail.models import Locale
from wagtail_localize.models import StringSegment, Translation, TranslationSource

from knowledgebase.models import ArticlePage
from knowledgebase.translation_report import translation_status_queryset
from tests.knowledgebase.conftest import make_article
from tests.knowledgebase.test_translations import (
    italian,
    publish_in_editor,
    put_string,
    submit_in_editor,
    translate_in_editor,
)

URL = "/admin/reports/kb/translations/"


def statuses() -> dict[str, str]:
    return {page.title: page.status_it for page in translation_status_queryset()}


def republish(page: ArticlePage, **changes) -> ArticlePage:
    page = ArticlePage.objects.get(pk=page.pk)
    for name, value in changes.items():
        setattr(page, name, value)
    page.save_revision().publish()
    return ArticlePage.objects.get(pk=page.pk)


def export_rows(client, query: str = "") -> list[dict[str, str]]:
    response = client.get(f"{URL}?export=csv{query}")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_report_is_for_admins(corpus, client_for, root, alice):
    assert client_for(root).get(URL).status_code == 200
    assert client_for(alice).get(URL).status_code in (302, 403)
    assert client_for(None).get(URL).status_code == 302


def test_report_is_in_the_reports_menu(corpus, client_for, root):
    assert URL in client_for(root).get("/admin/").text


def test_aliases_are_missing_and_the_migrated_index_is_translated(corpus):
    draft = make_article(corpus["cards"], "Draft only", live=False)
    found = statuses()
    assert found["Help centre"] == "translated"  # "Centro assistenza", migration 0006
    assert found["Cards and payments"] == "missing"  # an alias
    assert found["Lost or stolen card"] == "missing"
    assert found[draft.title] == "missing"  # no Italian page at all
    assert {page.locale.language_code for page in translation_status_queryset()} == {"en"}


def test_a_translation_goes_out_of_date_when_its_source_is_published(corpus):
    from knowledgebase.translation import translate_page

    translate_page(corpus["lost"], "it", title="Carta persa o rubata", summary="Bloccala.")
    assert statuses()["Lost or stolen card"] == "translated"
    republish(corpus["lost"], summary="Block it in the app, then call us.")
    assert statuses()["Lost or stolen card"] == "outdated"
    translate_page(corpus["lost"], "it", summary="Bloccala nell'app, poi chiamaci.")
    assert statuses()["Lost or stolen card"] == "translated"
    assert statuses()["Router keeps restarting"] == "missing"  # untouched


def test_a_draft_translated_before_its_first_publication_is_up_to_date(corpus):
    """The demo translates a new English page before publishing it (no alias made first)."""
    from knowledgebase.translation import translate_page

    draft = make_article(corpus["net"], "Set up your new router", live=False)
    translate_page(draft, "it", title="Configurare il nuovo router", slug="configurare-router")
    republish(draft)  # its first publication
    assert statuses()["Set up your new router"] == "translated"
    republish(draft, summary="Plug it in, then scan the code on the back.")
    assert statuses()["Set up your new router"] == "outdated"


def test_cells_link_to_translate_or_edit(corpus, client_for, root):
    from knowledgebase.translation import translate_page

    translated = translate_page(corpus["lost"], "it", title="Carta persa o rubata")
    html = client_for(root).get(URL).text
    assert f'href="/admin/localize/submit/page/{corpus["router"].pk}/"' in html  # Translate
    assert f'href="/admin/pages/{translated.pk}/edit/"' in html  # Edit
    assert 'data-translation-status="translated"' in html
    assert 'data-translation-status="missing"' in html


def test_filter_by_status_and_export(corpus, client_for, root):
    from knowledgebase.translation import translate_page

    translate_page(corpus["lost"], "it", title="Carta persa o rubata")
    client = client_for(root)
    rows = export_rows(client)
    assert set(rows[0]) == {"Page (English)", "Type", "Italian"}
    by_title = {row["Page (English)"]: row for row in rows}
    assert by_title["Lost or stolen card"]["Italian"] == "translated"
    assert by_title["Router keeps restarting"]["Italian"] == "missing"
    assert by_title["Lost or stolen card"]["Type"] == "knowledge-base article"
    missing = {row["Page (English)"] for row in export_rows(client, "&status=missing")}
    assert "Router keeps restarting" in missing and "Lost or stolen card" not in missing
    assert "Help centre" not in missing
    screen = client.get(URL, {"status": "translated"}).text
    assert "Lost or stolen card" in screen and "Router keeps restarting" not in screen


def test_bad_filter_values_are_not_errors(corpus, client_for, root):
    response = client_for(root).get(URL, {"status": "<script>", "p": "999"})
    assert response.status_code in (200, 404)
    assert "<script>" not in response.text


# --- wagtail-localize's editor ------------------------------------------------------------
def test_editor_translation_lifecycle_in_the_report(corpus, client_for, root):
    """Translate in the editor: up to date; change the English page: out of date, with a
    link to sync; sync: still out of date (a new string); translate it and publish: up to date."""
    client = client_for(root)
    it = Locale.objects.get(language_code="it")
    lost = corpus["lost"]

    submit_in_editor(client, lost)
    # Submitted: published at once with the English text as fallback, nothing translated.
    assert statuses()["Lost or stolen card"] == "outdated"

    translated = translate_in_editor(client, lost, submit=False)
    assert statuses()["Lost or stolen card"] == "translated"

    republish(lost, summary="Block it in the app, then call us.")
    assert statuses()["Lost or stolen card"] == "outdated"
    source = TranslationSource.objects.get(object_id=lost.translation_key)
    html = client.get(URL).text
    assert f'href="/admin/localize/update/{source.pk}/"' in html  # "Sync from English"
    assert f'href="/admin/pages/{translated.pk}/edit/"' in html

    assert client.post(f"/admin/localize/update/{source.pk}/", {}).status_code == 302
    assert statuses()["Lost or stolen card"] == "outdated"  # the new summary: untranslated

    translation = Translation.objects.get(source=source, target_locale=it)
    segment = StringSegment.objects.get(source=source, context__path="summary")
    assert segment.string.data == "Block it in the app, then call us."
    assert put_string(client, translation, segment, "Bloccala nell'app.").status_code in (200, 201)
    publish_in_editor(client, translated)
    assert statuses()["Lost or stolen card"] == "translated"
    assert ArticlePage.objects.get(pk=italian(lost).pk).summary == "Bloccala nell'app."
