"""Translated fields of operational records (issue 17): one row, one column per language.

Catalogue items, their form fields, community categories and incidents are records other rows
point at (a request points at ONE item whatever the customer's language), so they are
translated per field, not per row: the English source stays in its column (``name``) and each
other language of ``settings.LANGUAGES`` has an explicit, optional column next to it
(``name_it``). Readers ask for the value in the active language and get the source when the
translation is empty::

    class CatalogueItem(TranslatedFields, ClusterableModel):
        translated_fields = ("name", "short_description", "description")
        name = models.CharField(...)
        name_it = models.CharField(..., blank=True)

    item.tr.name                 # in the active language, else English
    translated(item, "name")     # the same as a function (``language=`` to choose one)
    is_missing(item, "name")     # True when the active language's column is empty
    item.tr.missing              # {"name", ...}: what is not yet translated

In templates: ``{{ item.tr.name }}`` and ``{% if "title" in incident.tr.missing %}``. For the
database (ordering, ``values()`` rows, search indexing): ``translated_expression("name")`` is
``COALESCE(NULLIF(name_it, ''), name)`` in the active language, and ``column("name", "it")``
names the column (search: index ``column(field, code)`` for each of ``languages()``).

Why not django-modeltranslation: it replaces ``name`` by a descriptor whose *writes* follow
the active language (a service running for an Italian agent would overwrite the Italian
column, not the source), swaps every registered model's manager for its own (our querysets
carry ``visible_to`` and friends) and needs a separate, Wagtail-version-bound package for the
admin panels. Explicit columns keep writes, migrations and panels plain Django.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from django.conf import settings
from django.core import checks
from django.db.models import F, Value
from django.db.models.expressions import Combinable, Func
from django.db.models.functions import Coalesce, NullIf
from django.utils import translation

__all__ = [
    "TranslatedFields",
    "Translations",
    "column",
    "current_language",
    "is_missing",
    "languages",
    "source_language",
    "translated",
    "translated_expression",
    "translated_value",
    "translation_languages",
]


def source_language() -> str:
    """The language of the source columns (``settings.LANGUAGE_CODE``, e.g. "en")."""
    return settings.LANGUAGE_CODE.split("-")[0]


def languages() -> tuple[str, ...]:
    """Every language code of ``settings.LANGUAGES``, the source first."""
    codes = [code.split("-")[0] for code, _name in settings.LANGUAGES]
    source = source_language()
    return (source, *dict.fromkeys(code for code in codes if code != source))


def translation_languages() -> tuple[str, ...]:
    """The languages that have their own columns (all but the source)."""
    return languages()[1:]


def current_language(language: str | None = None) -> str:
    """``language`` (or the active one) as one of ``languages()``: "it-ch" is "it"; anything
    unknown (None outside a request with translations off, "de") is the source language."""
    code = (language or translation.get_language() or "").split("-")[0].lower()
    return code if code in languages() else source_language()


def column(field: str, language: str | None = None) -> str:
    """The column holding ``field`` in ``language``: ``name`` for the source, ``name_it``."""
    code = current_language(language)
    return field if code == source_language() else f"{field}_{code}"


def translated_value(source: Any, translation_value: Any) -> Any:
    """The translation when it says something (not empty, not only spaces), else the source."""
    if translation_value is None or (
        isinstance(translation_value, str) and not translation_value.strip()
    ):
        return source
    return translation_value


def _getter(obj: Any):
    if isinstance(obj, dict):
        return obj.get
    return lambda key: getattr(obj, key, None)


def translated(obj: Any, field: str, language: str | None = None) -> Any:
    """``obj.<field>`` in ``language`` (default: the active one), falling back to the source
    value when the translation is empty. Works on model instances and on ``values()`` dicts."""
    name = column(field, language)
    get = _getter(obj)
    source = get(field)
    if name == field:
        return source
    return translated_value(source, get(name))


def is_missing(obj: Any, field: str, language: str | None = None) -> bool:
    """Whether ``obj.<field>`` lacks its translation into ``language`` (default: the active
    one): the source says something and the translation is empty. Never for the source
    language, nor for an empty source (nothing to translate)."""
    name = column(field, language)
    if name == field:
        return False
    get = _getter(obj)
    source = get(field)
    if source is None or (isinstance(source, str) and not source.strip()):
        return False
    return translated_value(None, get(name)) is None


def translated_expression(field: str, language: str | None = None) -> Combinable | Func:
    """The database expression for ``field`` in ``language`` (default: the active one), for
    ``order_by``/``annotate``/``values``: the source column, or
    ``COALESCE(NULLIF(<field>_<code>, ''), <field>)``."""
    name = column(field, language)
    if name == field:
        return F(field)
    return Coalesce(NullIf(F(name), Value("")), F(field))


class Translations:
    """``obj.tr``: attribute access to an object's fields in the active language
    (``obj.tr.name``), plus ``obj.tr.missing`` (the fields not yet translated) and
    ``obj.tr.language`` (the language they are read in)."""

    __slots__ = ("_fields", "_language", "_obj")

    def __init__(self, obj: Any, fields: Iterable[str], language: str | None = None) -> None:
        self._obj = obj
        self._fields = tuple(fields)
        self._language = language  # None: the language active when a field is read

    @property
    def language(self) -> str:
        return current_language(self._language)

    def __getattr__(self, field: str) -> Any:
        if field.startswith("_") or field not in self._fields:
            raise AttributeError(field)
        return translated(self._obj, field, self.language)

    def __getitem__(self, field: str) -> Any:  # templates try item lookup first
        try:
            return getattr(self, field)
        except AttributeError:
            raise KeyError(field) from None

    @property
    def missing(self) -> frozenset[str]:
        return frozenset(f for f in self._fields if is_missing(self._obj, f, self.language))

    def in_language(self, language: str) -> Translations:
        """The same object read in another language: ``obj.tr.in_language("it").name``
        (not ``__call__``: templates call callables)."""
        return Translations(self._obj, self._fields, language)


class TranslatedFields:
    """Mixin for models with translated columns: list the source fields in
    ``translated_fields`` and declare ``<field>_<code>`` for every other language (blank=True:
    empty means "not yet translated"). ``manage.py check`` reports a missing column."""

    translated_fields: ClassVar[tuple[str, ...]] = ()

    @property
    def tr(self) -> Translations:
        return Translations(self, self.translated_fields)

    def missing_translations(self, language: str | None = None) -> list[str]:
        return [f for f in self.translated_fields if is_missing(self, f, language)]

    @classmethod
    def check(cls, **kwargs: Any) -> list[checks.CheckMessage]:
        errors = super().check(**kwargs)  # type: ignore[misc]
        names = {f.name for f in cls._meta.get_fields()}  # type: ignore[attr-defined]
        for field in cls.translated_fields:
            for code in translation_languages():
                if field not in names or f"{field}_{code}" not in names:
                    errors.append(
                        checks.Error(
                            f"{cls.__name__}.{field}: translated field without "
                            f"'{field}' and '{field}_{code}' columns.",
                            obj=cls,
                            id="portal.E017",
                        )
                    )
        return errors
