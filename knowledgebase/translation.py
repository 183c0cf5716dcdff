"""Pages in every content language (issue 17): the Italian tree mirrors the English one.

- English (``LANGUAGE_CODE``) is the source language. Every other language of
  ``WAGTAIL_CONTENT_LANGUAGES`` has its own tree (``/it/...``) holding, for each published
  English page, either a translation or an *alias* of the English page (Wagtail keeps an
  alias's content equal to its source's). An alias is shown with the note "not yet
  available in Italian" (``knowledgebase/includes/translation_note.html``), so a missing
  translation never 404s.
- Editors translate in the admin with wagtail-localize ("Translate" on the English page,
  then its translation editor); ``translate_page`` does the same in code (demo, tests).
- ``mirror_page`` runs when an English page is published (``KnowledgebaseConfig.ready``);
  wagtail-localize also aliases pages created in the admin (its ``LocaleSynchronization``,
  set up by migration ``knowledgebase.0006``). ``sync_tree`` mirrors a whole tree at once
  (after a database flush, or for pages that existed before the Italian locale).

The out-of-date report is ``knowledgebase.translation_report``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation as django_translation
from wagtail.actions.convert_alias import ConvertAliasPageAction
from wagtail.models import Locale, Page


def source_language() -> str:
    return settings.LANGUAGE_CODE


def content_languages() -> list[str]:
    return [code for code, _name in settings.WAGTAIL_CONTENT_LANGUAGES]


def active_language() -> str:
    """The active language if it is a content language, else the source language."""
    code = (django_translation.get_language() or "").split("-")[0]
    return code if code in content_languages() else source_language()


def locale_for(language: str | Locale | None = None) -> Locale | None:
    """The ``Locale`` of a language code (the active language when ``None``); ``None`` when
    the language has no locale in this database."""
    if isinstance(language, Locale):
        return language
    return Locale.objects.filter(language_code=language or active_language()).first()


def ensure_locales() -> list[Locale]:
    """One ``Locale`` per content language (a database flush empties the table)."""
    return [Locale.objects.get_or_create(language_code=code)[0] for code in content_languages()]


def is_missing_translation(page: Page) -> bool:
    """``page`` stands in for a translation that does not exist yet: an alias of a page in
    another language."""
    if not page.alias_of_id:
        return False
    return page.alias_of.locale_id != page.locale_id  # select_related("alias_of") in lists


def mirror_page(page: Page) -> list[Page]:
    """Aliases of the published source-language ``page`` in every language where it has no
    version yet (creating aliases of its ancestors as needed); returns the new aliases."""
    if page.alias_of_id or not page.live or page.depth < 2:
        return []
    source = locale_for(source_language())
    if source is None or page.locale_id != source.pk:
        return []
    have = set(
        Page.objects.filter(translation_key=page.translation_key).values_list(
            "locale_id", flat=True
        )
    )
    created = []
    for locale in Locale.objects.exclude(pk__in=have).filter(language_code__in=content_languages()):
        created.append(page.copy_for_translation(locale, copy_parents=True, alias=True))
    return created


def keep_audience(page: Page) -> list[int]:
    """Give every version of an article its English source's audience (who may read it is
    not a thing to translate): an article made agents-only in English must not stay public in
    Italian because its translation was copied before. Runs when any version is published
    (``KnowledgebaseConfig.ready``), so a translation published from an older revision takes
    the source's audience again. Returns the ids of the pages changed (reindexed)."""
    from wagtail.search import index

    from knowledgebase.models import ArticlePage

    source = locale_for(source_language())
    if source is None or not isinstance(page.specific, ArticlePage):
        return []
    versions = ArticlePage.objects.filter(translation_key=page.translation_key)
    audience = versions.filter(locale=source).values_list("audience", flat=True).first()
    if audience is None:
        return []
    stale = list(versions.exclude(audience=audience).values_list("pk", flat=True))
    if stale:
        ArticlePage.objects.filter(pk__in=stale).update(audience=audience)
        for article in ArticlePage.objects.filter(pk__in=stale):
            index.insert_or_update_object(article)
    return stale


def sync_tree() -> int:
    """Mirror every published source-language page into every content language (in tree
    order, parents first); returns how many aliases were created."""
    ensure_locales()
    source = locale_for(source_language())
    created = 0
    for page in Page.objects.filter(
        locale=source, alias_of__isnull=True, live=True, depth__gte=2
    ).order_by("path"):
        created += len(mirror_page(page))
    return created


@transaction.atomic
def translate_page(
    page: Page,
    language: str | Locale,
    *,
    user=None,
    publish: bool = True,
    tags: list[str] | None = None,
    **fields: Any,
) -> Page:
    """Create or update the translation of ``page`` into ``language`` and return it.

    ``fields`` are the translated values (``title``, ``slug``, ``summary``, ``body`` as a
    list of ``(block_type, value)`` like a new page's, ``intro``, ...); fields not given keep
    the source's value. ``tags`` replaces the translation's tags. An alias standing in for the
    translation becomes the translation (same page, same URL); otherwise the page is copied
    into the language's tree under the translation (or alias) of its parent. The result is
    published unless ``publish=False``.

    Demo seeding calls it once per translated page after publishing the English one, e.g.::

        article = ...  # the English ArticlePage, published
        translate_page(article, "it", title="Bloccare la carta", summary="...", body=[...])

    A translation made this way is an ordinary page in the Italian tree, edited in the page
    editor; the out-of-date report flags it when its source is published after it.
    """
    page = page.specific
    locale = locale_for(language)
    if locale is None:
        locale = Locale.objects.create(language_code=str(language))
    if locale.pk == page.locale_id:
        raise ValueError(f"{page} is already in {locale.language_code}")
    target = page.get_translation_or_none(locale)
    if target is None:
        target = page.copy_for_translation(locale, copy_parents=True)
    elif target.alias_of_id:
        ConvertAliasPageAction(target, user=user).execute(skip_permission_checks=True)
    target = Page.objects.get(pk=target.pk).specific
    for name, value in fields.items():
        setattr(target, name, value)
    if tags is not None:
        target.tags.set(tags)
    revision = target.save_revision(user=user, log_action=True)
    if publish:
        revision.publish(user=user)
    return Page.objects.get(pk=target.pk).specific
