"""Forum categories in both languages (issue 17): the lists, the category and thread pages, the
ask form and the API read the page's language, English where the Italian is empty; the admin
edits the Italian; the demo names every category in Italian and has Italian threads written
by Italian-speaking members."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from community import demo, services
from community.forms import AskForm
from community.models import Category, Post, Thread
from portal.models import User
from portal.services.notifications import emails_suppressed

pytestmark = pytest.mark.django_db


def url(name: str, *args, language: str = "en") -> str:
    with translation.override(language):
        return reverse(name, args=args)


@pytest.fixture
def italian(general):
    general.name_it = "Internet e TV"
    general.description = "Fibre, routers and Wi-Fi."
    general.description_it = "Fibra, router e Wi-Fi."
    general.save()
    return general


def test_the_italian_forum_lists_italian_categories(italian, question, client):
    Category.objects.create(name="Mobile and roaming", slug="mobile", order=2)
    page = client.get(url("community:index", language="it")).content.decode()
    assert "Internet e TV" in page and "Fibra, router e Wi-Fi." in page
    assert "Mobile and roaming" in page, "no Italian yet: the English name"
    assert "Broadband and TV" not in page
    page = client.get(url("community:index")).content.decode()
    assert "Broadband and TV" in page and "Fibre, routers and Wi-Fi." in page
    assert "Internet e TV" not in page


def test_category_and_thread_pages_name_the_category_in_italian(italian, question, client):
    page = client.get(url("community:category", italian.slug, language="it")).content.decode()
    assert "<h1>Internet e TV</h1>" in page and "Fibra, router e Wi-Fi." in page
    page = client.get(url("community:thread", question.pk, language="it")).content.decode()
    assert "Internet e TV" in page and "Broadband and TV" not in page
    page = client.get(url("community:thread", question.pk)).content.decode()
    assert "Broadband and TV" in page and "Internet e TV" not in page


def test_the_ask_form_offers_the_categories_in_the_active_language(italian, alice):
    form = AskForm(user=alice)
    with translation.override("it"):
        labels = [label for _value, label in form.fields["category"].choices]
        assert "Internet e TV" in labels
    with translation.override("en"):
        labels = [label for _value, label in form.fields["category"].choices]
        assert "Broadband and TV" in labels


def test_the_api_lists_categories_in_the_language_asked_for(italian, client):
    def names(**kwargs):
        rows = client.get("/api/v1/community/categories", **kwargs).json()
        return {row["slug"]: (row["name"], row["description"]) for row in rows}

    assert names(data={"lang": "it"})["broadband"] == ("Internet e TV", "Fibra, router e Wi-Fi.")
    assert names(HTTP_ACCEPT_LANGUAGE="it")["broadband"][0] == "Internet e TV"
    assert names()["broadband"] == ("Broadband and TV", "Fibre, routers and Wi-Fi.")


def test_the_admin_edits_the_italian(italian, root, client_for):
    page = client_for(root).get(f"/admin/community/categories/edit/{italian.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="name_it"' in html and 'name="description_it"' in html


def test_the_demo_names_every_category_in_italian(acme):
    from portal.models import Organisation

    Organisation.objects.create(name="Acme Logistics", slug="acme-logistics")
    categories = demo._categories()
    assert set(categories) == set(demo.CATEGORIES_IT)
    for category in Category.objects.all():
        assert category.name_it and category.description_it, category.slug
        assert category.name_it != category.name or category.slug == "tips", category.slug
    mine = Category.objects.get(slug="tips")
    mine.name_it = "Suggerimenti"
    mine.save()
    demo._categories()
    assert Category.objects.get(slug="tips").name_it == "Suggerimenti", "kept on a re-run"


def test_the_demo_has_italian_threads_by_italian_members(db):
    categories = demo._categories()
    now = timezone.now()
    rates = {"post": (10**9, 60), "vote": (10**9, 60), "flag": (10**9, 60)}
    with (
        emails_suppressed(),
        override_settings(COMMUNITY_PREMODERATE_FIRST_POSTS=False, COMMUNITY_RATES=rates),
    ):
        threads, answers = demo._italian_threads(services, categories, now)
        assert (threads, answers) == (
            len(demo.ITALIAN_TOPICS),
            sum(len(t.answers) for t in demo.ITALIAN_TOPICS),
        )
        assert 3 <= threads <= 5
        assert demo._italian_threads(services, categories, now) == (0, 0), "idempotent"
    italians = User.objects.filter(email__in=[email for email, _name in demo.ITALIAN_MEMBERS])
    assert italians.count() == 3
    assert {u.customer.language for u in italians} == {"it"}
    for topic in demo.ITALIAN_TOPICS:
        thread = Thread.objects.get(title=topic.title)
        assert thread.author in italians
        assert not thread.is_pending and thread.answer_count == len(topic.answers)
        authors = set(
            Post.objects.filter(thread=thread, is_question=False).values_list("author", flat=True)
        )
        assert authors and thread.author_id not in authors
        assert authors <= {u.pk for u in italians}
        if topic.kind == "question":
            assert thread.is_solved
