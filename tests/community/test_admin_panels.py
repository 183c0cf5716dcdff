"""Community answers promoted to KB drafts on the Wagtail dashboard (issue 18, item 11): the
unpublished ones, for editors, each linking to its page editor; gone once published."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.utils.text import slugify

from community.admin_panels import PromotedAnswersPanel
from community.services import answer_accept, answer_promote
from knowledgebase.models import ArticlePage, CategoryPage, KnowledgeBaseIndexPage
from portal.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(db) -> User:
    user = User.objects.create_user(email="ed@example.com", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def promoted(question, alice, bob, mo, answer):
    kb = KnowledgeBaseIndexPage.objects.get(slug="kb", locale__language_code="en")
    category = CategoryPage(title="Internet", slug=slugify("Internet"))
    kb.add_child(instance=category)
    category.save_revision().publish()
    post = answer(bob, question, "Hold reset for 10 seconds.")
    answer_accept(thread=question, post=post, user=alice)
    return answer_promote(thread=question, moderator=mo, parent=category)


def test_editor_sees_promoted_answers_waiting_to_be_published(client, editor, promoted, question):
    client.force_login(editor)
    html = client.get("/admin/").content.decode()
    start = html.index('id="support-promoted-answers')
    panel = html[start : start + 4000]
    assert "Community answers to publish" in panel
    assert f'href="/admin/pages/{promoted.pk}/edit/"' in panel
    assert question.title in panel
    assert 'href="/admin/reports/kb/drafts/"' in panel

    ArticlePage.objects.get(pk=promoted.pk).save_revision().publish()
    assert PromotedAnswersPanel(None).rows() == []
    html = client.get("/admin/").content.decode()
    assert "No promoted community answer is waiting." in html


def test_two_queries_for_the_panel(promoted, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        assert len(PromotedAnswersPanel(None).rows()) == 1
