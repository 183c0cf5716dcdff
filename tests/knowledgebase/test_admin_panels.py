"""The knowledge base on the Wagtail dashboard (issue 18, item 11): drafts waiting for review
(in moderation first) and content gaps (searches with no results), for editors; the drafts
report the panel links to; bounded queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from knowledgebase.admin_panels import ContentGapsPanel, KbDraftsPanel
from knowledgebase.models import ArticlePage, SearchQuery
from portal.models import User
from tests.conftest import PASSWORD
from tests.knowledgebase.conftest import make_article, make_category

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(db) -> User:
    user = User.objects.create_user(email="ed@example.com", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


def dashboard(client, user) -> str:
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 200
    return response.content.decode()


def panel(html: str, panel_id: str) -> str:
    start = html.index(f'id="{panel_id}')
    return html[start : html.index("</section>", start)]


@pytest.fixture
def drafts(kb_index, editor):
    cards = make_category(kb_index, "Cards")
    cards.save_revision().publish()
    never = make_article(cards, "Freeze a card", live=False)
    changed = make_article(cards, "Order a new card")
    changed.summary = "A better summary."
    changed.save_revision(user=editor)
    moderated = make_article(cards, "Card limits", live=False)
    moderated.get_workflow().start(moderated, editor)
    make_article(cards, "Published and done")
    return {"never": never, "changed": changed, "moderated": moderated}


def test_editor_sees_drafts_waiting_for_review_in_moderation_first(client, editor, drafts):
    html = panel(dashboard(client, editor), "support-kb-drafts")
    assert "Articles waiting for review" in html
    first = html.index("Card limits")
    assert first < html.index("Freeze a card") and first < html.index("Order a new card")
    assert "In moderation" in html
    assert "Draft, never published" in html and "Live, with unpublished changes" in html
    assert "Published and done" not in html
    for page in drafts.values():
        assert f'href="/admin/pages/{page.pk}/edit/"' in html
    assert 'href="/admin/reports/kb/drafts/"' in html and "All 3 drafts" in html


def test_drafts_report_lists_them(client, root, drafts):
    client.force_login(root)
    response = client.get("/admin/reports/kb/drafts/")
    assert response.status_code == 200
    html = response.content.decode()
    for page in drafts.values():
        assert page.title in html
    assert "Published and done" not in html


def test_content_gaps_are_the_searches_that_found_nothing(client, editor, kb_index):
    now = timezone.now()
    for query, times in (("sim swap", 3), ("roaming in japan", 1)):
        for _ in range(times):
            SearchQuery.objects.create(query=query, result_count=0, created_at=now)
    SearchQuery.objects.create(query="router", result_count=4, created_at=now)
    SearchQuery.objects.create(query="ancient", result_count=0, created_at=now - timedelta(days=40))
    html = panel(dashboard(client, editor), "support-content-gaps")
    assert "Content gaps" in html
    assert "“sim swap”" in html and 'href="/search/?q=sim+swap"' in html
    assert html.index("sim swap") < html.index("roaming in japan"), "most searched first"
    assert "router" not in html and "ancient" not in html
    assert 'href="/admin/reports/kb/no-results/"' in html


def test_desk_panels_are_not_for_editors_but_content_panels_are(client, editor):
    html = dashboard(client, editor)
    assert 'id="support-kb-drafts' in html and 'id="support-content-gaps' in html
    assert 'id="support-open-tickets' not in html and 'id="support-incidents' not in html


def test_panels_read_in_a_fixed_number_of_queries(drafts, django_assert_max_num_queries):
    SearchQuery.objects.create(query="sim swap", result_count=0)
    with CaptureQueriesContext(connection) as few:
        KbDraftsPanel(None).rows(), ContentGapsPanel(None).rows()
    parent = drafts["never"].get_parent()
    for n in range(8):
        make_article(parent, f"Draft number {n}", live=False)
        SearchQuery.objects.create(query=f"missing {n}", result_count=0)
    with django_assert_max_num_queries(len(few.captured_queries)):
        rows = KbDraftsPanel(None).rows()
        ContentGapsPanel(None).rows()
    assert len(rows) == 5 and len(few.captured_queries) <= 3
    assert ArticlePage.objects.filter(has_unpublished_changes=True).count() == 11
