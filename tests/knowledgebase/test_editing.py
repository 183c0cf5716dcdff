"""Editors' workflow: drafts, moderation (Wagtail's "Moderators approval"), scheduled
publishing and the periodic ``kb_tick`` pass; page metadata for search engines."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import Revision

from knowledgebase.models import ArticlePage, SuggestionView
from portal.models import Interaction, InteractionKind, User
from tests.conftest import PASSWORD
from tests.knowledgebase.conftest import make_article
from tests.knowledgebase.test_search import titles


def _member(email: str, group: str) -> User:
    user = User.objects.create_user(email=email, password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def editor(db) -> User:
    return _member("ed@example.com", "Editors")


@pytest.fixture
def moderator(db) -> User:
    return _member("mona@example.com", "Moderators")


def test_editor_submits_a_change_and_a_moderator_approves_it(
    kb_index, editor, moderator, client, django_capture_on_commit_callbacks
):
    article = make_article(kb_index, "Roaming prices", summary="What roaming costs.")
    article.title = "Roaming prices in 2027"
    article.save_revision(user=editor)
    workflow = article.get_workflow()
    assert workflow is not None and workflow.name == "Moderators approval"
    state = workflow.start(article, editor)
    article.refresh_from_db()
    assert article.title == "Roaming prices"  # live content unchanged while in moderation
    assert titles(client.get("/search/?q=roaming")) == ["Roaming prices"]

    task_state = state.current_task_state
    task = task_state.task.specific
    assert not task.user_can_access_editor(article, editor) or "approve" not in [
        name for name, *_ in task.get_actions(article, editor)
    ]
    assert "approve" in [name for name, *_ in task.get_actions(article, moderator)]
    with django_capture_on_commit_callbacks(execute=True):  # the index updates after commit
        task.on_action(task_state, moderator, "approve")

    article.refresh_from_db()
    assert article.title == "Roaming prices in 2027" and article.live
    assert titles(client.get("/search/?q=roaming")) == ["Roaming prices in 2027"]


def test_editor_can_open_the_article_editor(kb_index, editor, client_for):
    article = make_article(kb_index, "Roaming prices")
    response = client_for(editor).get(f"/admin/pages/{article.pk}/edit/")
    assert response.status_code == 200
    assert "Moderators approval" in response.content.decode()


def test_scheduled_article_goes_live_with_kb_tick(
    kb_index, client, django_capture_on_commit_callbacks
):
    article = make_article(kb_index, "Winter price list", live=False)
    article.go_live_at = timezone.now() + timedelta(hours=1)
    article.save_revision().publish()
    article.refresh_from_db()
    assert not article.live
    assert titles(client.get("/search/?q=winter")) == []

    # The go-live time passes: both the schedule and the revision's own copy of it.
    past = timezone.now() - timedelta(minutes=1)
    revision = Revision.objects.get(object_id=str(article.pk), approved_go_live_at__isnull=False)
    revision.approved_go_live_at = past
    revision.content["go_live_at"] = past.isoformat()
    revision.save(update_fields=["approved_go_live_at", "content"])
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("kb_tick", stdout=out)
    assert "scheduled pages published: 1" in out.getvalue()
    assert ArticlePage.objects.get(pk=article.pk).live
    assert titles(client.get("/search/?q=winter")) == ["Winter price list"]
    call_command("kb_tick", stdout=(again := StringIO()))
    assert "scheduled pages published: 0" in again.getvalue()


def test_kb_tick_settles_old_suggestion_views_into_deflections(corpus, client_for, alice):
    client_for(alice).get("/kb/cards-and-payments/lost-or-stolen-card/?via=suggest")
    SuggestionView.objects.update(created_at=timezone.now() - timedelta(days=2))
    call_command("kb_tick", stdout=StringIO())
    assert Interaction.objects.filter(kind=InteractionKind.DEFLECTION).count() == 1
    call_command("kb_tick", "--enqueue", stdout=(out := StringIO()))
    assert "queued kb_tick_task" in out.getvalue()
    assert Interaction.objects.filter(kind=InteractionKind.DEFLECTION).count() == 1


def test_kb_tick_rejects_a_negative_interval(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("kb_tick", "--every", "-1", stdout=StringIO())


def test_article_page_has_search_engine_metadata(corpus, client, ada, client_for):
    lost = corpus["lost"]
    lost.search_description = "Block a lost card in seconds."
    lost.save_revision().publish()
    html = client.get(lost.url).content.decode()
    assert '<meta name="description" content="Block a lost card in seconds.">' in html
    assert f'<link rel="canonical" href="http://localhost{lost.url}">' in html
    assert '<meta property="og:type" content="article">' in html
    assert "Reviewed" not in html and "Never reviewed" not in html  # review info: staff only
    assert "Never reviewed" in client_for(ada).get(lost.url).content.decode()


def test_category_description_falls_back_to_its_introduction(corpus, client):
    html = client.get("/kb/cards-and-payments/").content.decode()
    assert '<meta name="description" content="All about cards and payments.">' in html
