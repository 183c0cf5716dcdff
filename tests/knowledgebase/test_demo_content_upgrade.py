"""``seed_kb`` over a demo seeded before the translations (issue 17), in a module of its own:
``test_demo_content`` keeps a seeded help centre for its whole module."""

from __future__ import annotations

from wagtail.models import Locale

from knowledgebase.demo import seed_kb
from knowledgebase.models import ArticlePage
from tests.knowledgebase.conftest import make_article, make_category


def test_seed_over_an_older_demo_turns_the_italian_aliases_into_translations(kb_index):
    """A demo seeded before the translations: its English article was mirrored into the Italian
    tree as an alias; seeding again makes that same page the Italian translation."""
    cards = make_category(kb_index, "Cards and payments")
    assert cards.slug == "cards-and-payments"
    lost = make_article(cards, "Lost or stolen card", tags=("card", "security"))
    alias = lost.get_translation(Locale.objects.get(language_code="it"))
    assert alias.alias_of_id == lost.pk  # mirrored on publish (knowledgebase.translation)

    seed_kb()

    translation = ArticlePage.objects.get(pk=alias.pk)
    assert translation.alias_of_id is None
    assert (translation.title, translation.slug) == (
        "Carta smarrita o rubata",
        "carta-smarrita-o-rubata",
    )
    assert set(translation.tags.names()) == {"carta", "sicurezza", "furto"}
    assert ArticlePage.objects.filter(translation_key=lost.translation_key).count() == 2
    assert seed_kb() == 0
