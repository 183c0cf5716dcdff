"""The Italian content tree (issue 17): the ``it`` locale, kept in sync with English by
wagtail-localize, the Italian home page (an alias of the English one) and the Italian help
centre (a translation of the English index, slug "kb", so a fresh database serves /it/kb/).

Pages added later are mirrored when they are published (``knowledgebase.translation``).
"""

from django.db import migrations
from django.utils import timezone

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
STEPLEN = 4

ITALIAN_INDEX = {
    "title": "Centro assistenza",
    "intro": "<p>Risposte alle domande più frequenti su account, carte, pagamenti e "
    "connettività.</p>",
}


def _next_child_path(Page, parent):
    last = (
        Page.objects.filter(path__startswith=parent.path, depth=parent.depth + 1)
        .order_by("-path")
        .values_list("path", flat=True)
        .first()
    )
    if last is None:
        return parent.path + "0001"
    number = 0
    for char in last[-STEPLEN:]:
        number = number * len(ALPHABET) + ALPHABET.index(char)
    number += 1
    key = ""
    for _ in range(STEPLEN):
        number, digit = divmod(number, len(ALPHABET))
        key = ALPHABET[digit] + key
    return parent.path + key


def _free_slug(Page, parent, slug):
    siblings = set(
        Page.objects.filter(path__startswith=parent.path, depth=parent.depth + 1).values_list(
            "slug", flat=True
        )
    )
    candidate, n = slug, 1
    while candidate in siblings:
        n += 1
        candidate = f"{slug}-{n}"
    return candidate


def _add_child(Page, parent, model, **fields):
    page = model.objects.create(
        path=_next_child_path(Page, parent),
        depth=parent.depth + 1,
        numchild=0,
        url_path=f"{parent.url_path}{fields['slug']}/",
        **fields,
    )
    Page.objects.filter(pk=parent.pk).update(numchild=parent.numchild + 1)
    parent.numchild += 1
    return page


def create_italian_tree(apps, schema_editor):
    Locale = apps.get_model("wagtailcore", "Locale")
    Page = apps.get_model("wagtailcore", "Page")
    Site = apps.get_model("wagtailcore", "Site")
    LocaleSynchronization = apps.get_model("wagtail_localize", "LocaleSynchronization")
    KnowledgeBaseIndexPage = apps.get_model("knowledgebase", "KnowledgeBaseIndexPage")

    english = Locale.objects.filter(language_code="en").first()
    if english is None:
        return
    italian, _ = Locale.objects.get_or_create(language_code="it")
    LocaleSynchronization.objects.get_or_create(locale=italian, defaults={"sync_from": english})

    site = Site.objects.filter(is_default_site=True).first() or Site.objects.first()
    if site is None:
        return
    home = Page.objects.get(pk=site.root_page_id)
    home_it = Page.objects.filter(translation_key=home.translation_key, locale=italian).first()
    if home_it is None:
        top = Page.objects.get(depth=1)
        now = timezone.now()
        home_it = _add_child(
            Page,
            top,
            Page,
            title=home.title,
            draft_title=home.draft_title,
            slug=_free_slug(Page, top, f"{home.slug}-it"),
            content_type_id=home.content_type_id,
            live=home.live,
            has_unpublished_changes=False,
            first_published_at=home.first_published_at or now,
            last_published_at=home.last_published_at or now,
            locale=italian,
            translation_key=home.translation_key,
            alias_of=home,
        )

    kb = KnowledgeBaseIndexPage.objects.filter(
        path__startswith=home.path, depth=home.depth + 1, slug="kb", locale=english
    ).first()
    if (
        kb is None
        or Page.objects.filter(translation_key=kb.translation_key, locale=italian).exists()
    ):
        return
    now = timezone.now()
    _add_child(
        Page,
        home_it,
        KnowledgeBaseIndexPage,
        title=ITALIAN_INDEX["title"],
        draft_title=ITALIAN_INDEX["title"],
        slug="kb",
        content_type_id=kb.content_type_id,
        live=kb.live,
        has_unpublished_changes=False,
        first_published_at=now,
        last_published_at=now,
        locale=italian,
        translation_key=kb.translation_key,
        intro=ITALIAN_INDEX["intro"],
    )


class Migration(migrations.Migration):
    dependencies = [
        ("knowledgebase", "0005_recontact"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtail_localize", "0016_rename_page_revision_translationlog_revision"),
    ]

    operations = [migrations.RunPython(create_italian_tree, migrations.RunPython.noop)]
