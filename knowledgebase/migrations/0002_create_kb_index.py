"""Create the knowledge-base index page (slug "kb") under the default site's root page."""

import uuid

from django.db import migrations
from django.utils import timezone

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
STEPLEN = 4


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


def create_kb_index(apps, schema_editor):
    Page = apps.get_model("wagtailcore", "Page")
    Site = apps.get_model("wagtailcore", "Site")
    ContentType = apps.get_model("contenttypes", "ContentType")
    KnowledgeBaseIndexPage = apps.get_model("knowledgebase", "KnowledgeBaseIndexPage")

    site = Site.objects.filter(is_default_site=True).first() or Site.objects.first()
    if site is None:
        return
    root = Page.objects.get(pk=site.root_page_id)
    if Page.objects.filter(
        path__startswith=root.path, depth=root.depth + 1, slug="kb"
    ).exists():
        return
    content_type, _ = ContentType.objects.get_or_create(
        app_label="knowledgebase", model="knowledgebaseindexpage"
    )
    now = timezone.now()
    KnowledgeBaseIndexPage.objects.create(
        title="Help centre",
        draft_title="Help centre",
        slug="kb",
        content_type=content_type,
        path=_next_child_path(Page, root),
        depth=root.depth + 1,
        numchild=0,
        url_path=f"{root.url_path}kb/",
        live=True,
        has_unpublished_changes=False,
        first_published_at=now,
        last_published_at=now,
        locale_id=root.locale_id,
        translation_key=uuid.uuid4(),
        intro="<p>Answers to common questions about your account, cards, payments and "
        "connectivity.</p>",
    )
    Page.objects.filter(pk=root.pk).update(numchild=root.numchild + 1)


class Migration(migrations.Migration):
    dependencies = [
        ("knowledgebase", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_kb_index, migrations.RunPython.noop)]
