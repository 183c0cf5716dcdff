"""portal.i18n: a record's fields in the active language, English when the translation is
empty, which fields are not yet translated, the column names and the database expression,
the model check, and the language an API answer is in (``?lang=``, Accept-Language)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import models
from django.test import RequestFactory
from django.test.utils import isolate_apps
from django.utils import translation

from portal.i18n import (
    TranslatedFields,
    Translations,
    column,
    current_language,
    is_missing,
    languages,
    source_language,
    translated,
    translated_expression,
    translation_languages,
)
from portal.i18n.api import LANG_OPENAPI, in_request_language, request_language


def item(**values):
    base = {"name": "Reset my password", "name_it": "", "note": "", "note_it": ""}
    return SimpleNamespace(**{**base, **values})


def test_languages_come_from_the_settings_source_first():
    assert source_language() == "en"
    assert languages() == ("en", "it")
    assert translation_languages() == ("it",)


@pytest.mark.parametrize(
    ("asked", "expected"),
    [("it", "it"), ("it-ch", "it"), ("IT", "it"), ("en-gb", "en"), ("de", "en"), ("", "en")],
)
def test_current_language_is_one_of_ours(asked, expected):
    with translation.override("en"):
        assert current_language(asked) == expected


def test_column_names_the_source_or_the_translation():
    assert column("name", "en") == "name"
    assert column("name", "it") == "name_it"
    assert column("name", "fr") == "name"  # unknown: the source
    with translation.override("it"):
        assert column("name") == "name_it"


def test_translated_follows_the_active_language_and_falls_back_to_english():
    done = item(name_it="Reimposta la password")
    with translation.override("it"):
        assert translated(done, "name") == "Reimposta la password"
        assert translated(item(), "name") == "Reset my password"  # empty: the source
        assert translated(item(name_it="   "), "name") == "Reset my password"  # blank too
    with translation.override("en"):
        assert translated(done, "name") == "Reset my password"
    assert translated(done, "name", "it") == "Reimposta la password"  # asked explicitly


def test_translated_reads_values_rows_too():
    row = {"pk": 1, "title": "Fibre down", "title_it": "Fibra guasta"}
    assert translated(row, "title", "it") == "Fibra guasta"
    assert translated({"title": "Fibre down"}, "title", "it") == "Fibre down"  # no column


def test_is_missing_only_when_there_is_something_to_translate():
    assert is_missing(item(), "name", "it")
    assert not is_missing(item(name_it="Reimposta la password"), "name", "it")
    assert not is_missing(item(), "name", "en")  # the source is never missing
    assert not is_missing(item(), "note", "it")  # an empty source needs no translation
    with translation.override("it"):
        assert is_missing(item(), "name")


def test_tr_gives_attribute_access_and_the_missing_fields():
    obj = item(name_it="Reimposta la password", note="Takes a minute.")
    tr = Translations(obj, ("name", "note"), "it")
    assert tr.name == "Reimposta la password"
    assert tr["note"] == "Takes a minute."
    assert tr.missing == frozenset({"note"})
    assert tr.in_language("en").name == "Reset my password"
    assert tr.in_language("en").missing == frozenset()
    with pytest.raises(AttributeError):
        tr.slug  # noqa: B018 - not a translated field
    with pytest.raises(KeyError):
        tr["slug"]


def test_tr_is_not_callable_so_templates_can_read_it():
    from django.template import Context, Template

    obj = item(name_it="Reimposta la password")
    obj.tr = Translations(obj, ("name",))
    template = Template('{{ obj.tr.name }}|{% if "name" in obj.tr.missing %}missing{% endif %}')
    with translation.override("it"):
        assert template.render(Context({"obj": obj})) == "Reimposta la password|"
    obj.name_it = ""
    with translation.override("it"):
        assert template.render(Context({"obj": obj})) == "Reset my password|missing"


def test_translated_expression_is_the_column_or_a_fallback():
    assert translated_expression("name", "en") == models.F("name")
    expression = translated_expression("name", "it")
    assert isinstance(expression, models.functions.Coalesce)
    assert "name_it" in str(expression) and "name" in str(expression)


@isolate_apps("portal")
def test_the_model_check_finds_a_missing_italian_column():
    class Complete(TranslatedFields, models.Model):  # noqa: DJ008 - a throwaway model
        translated_fields = ("name",)
        name = models.CharField(max_length=10)
        name_it = models.CharField(max_length=10, blank=True)

        class Meta:
            app_label = "portal"

    class Incomplete(TranslatedFields, models.Model):  # noqa: DJ008 - a throwaway model
        translated_fields = ("name",)
        name = models.CharField(max_length=10)

        class Meta:
            app_label = "portal"

    assert [e.id for e in Complete.check() if e.id == "portal.E017"] == []
    assert [e.id for e in Incomplete.check() if e.id == "portal.E017"] == ["portal.E017"]
    row = Complete(name="Card", name_it="Carta")
    with translation.override("it"):
        assert row.tr.name == "Carta"
        assert row.missing_translations() == []
    row.name_it = ""
    assert row.missing_translations("it") == ["name"]


@pytest.mark.parametrize(
    ("query", "header", "expected"),
    [
        ("?lang=it", "", "it"),
        ("?lang=en", "it", "en"),  # the parameter wins
        ("", "it-IT,it;q=0.9,en;q=0.5", "it"),
        ("", "de-DE,de;q=0.9", "en"),
        ("", "", "en"),
        ("?lang=xx", "it", "it"),  # unknown: ignored, the header decides
        ("?lang=" + "i" * 500, "", "en"),  # never an error
    ],
)
def test_api_language_from_the_parameter_then_the_header(query, header, expected):
    request = RequestFactory().get(f"/api/v1/catalogue{query}", HTTP_ACCEPT_LANGUAGE=header)
    assert request_language(request) == expected


def test_in_request_language_runs_the_view_in_that_language_and_keeps_its_signature():
    import inspect

    def view(request, incident_id: int):
        return translation.get_language(), incident_id

    wrapped = in_request_language(view)
    request = RequestFactory().get("/api/v1/incidents/1?lang=it")
    with translation.override("en"):
        assert wrapped(request, incident_id=1) == ("it", 1)
        assert translation.get_language() == "en"  # restored afterwards
    assert list(inspect.signature(wrapped).parameters) == ["request", "incident_id"]
    (parameter,) = LANG_OPENAPI["parameters"]
    assert parameter["name"] == "lang" and parameter["schema"]["enum"] == ["en", "it"]


def test_the_api_documents_the_lang_parameter(client):
    schema = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/catalogue", "/api/v1/community/categories", "/api/v1/incidents"):
        names = [p["name"] for p in schema["paths"][path]["get"].get("parameters", [])]
        assert "lang" in names, path
