"""The forum's public pages in the visitor page cache (portal.pagecache): anonymous visitors
share them (page by page), members never; anonymous views still count through the beacon."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from community.models import ThreadView
from portal.models import Interaction, InteractionKind


@pytest.fixture
def page_cache(settings):
    settings.PORTAL_VISITOR_CACHE = True
    cache.clear()
    yield
    cache.clear()


def test_anonymous_visitors_share_thread_and_category_pages(
    page_cache, client_for, question, general, alice, bob, answer
):
    visitor = client_for(None)
    for path in (question.get_absolute_url(), general.get_absolute_url(), "/community/"):
        assert visitor.get(path)["X-Page-Cache"] == "miss"
        assert visitor.get(path)["X-Page-Cache"] == "hit"
    answer(bob, question, "A brand new answer about the power cable.")
    cached = visitor.get(question.get_absolute_url())
    assert cached["X-Page-Cache"] == "hit"  # for up to VISITOR_CACHE_SECONDS
    assert "power cable" not in cached.content.decode()
    member = client_for(alice).get(question.get_absolute_url())
    assert "X-Page-Cache" not in member  # members always get the live page
    assert "power cable" in member.content.decode()


def test_pages_of_a_list_are_cached_one_by_one(page_cache, client_for, general, alice, ask):
    for i in range(25):
        ask(alice, general, title=f"Numbered question {i:02d}")
    visitor = client_for(None)
    url = general.get_absolute_url()
    first, second = visitor.get(url), visitor.get(url + "?page=2")
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "miss")
    assert visitor.get(url + "?page=2")["X-Page-Cache"] == "hit"
    assert "Numbered question 00" in second.content.decode()
    assert "Numbered question 00" not in first.content.decode()
    for query in ("?page=2&sort=votes", "?sort=votes", "?page=x", "?page=0"):
        assert "X-Page-Cache" not in visitor.get(url + query)  # other parameters: live


def test_the_beacon_counts_an_anonymous_view_once(page_cache, client_for, question, alice):
    visitor = client_for(None)
    page = visitor.get(question.get_absolute_url())
    assert f'data-community-seen="/community/t/{question.pk}/seen/"' in page.content.decode()
    visitor.get(question.get_absolute_url())  # from the cache: the view did not run
    for _ in range(2):
        assert visitor.post(f"/community/t/{question.pk}/seen/").status_code == 204
    assert ThreadView.objects.filter(thread=question).count() == 1
    views = Interaction.objects.filter(kind=InteractionKind.FORUM_VIEW)
    assert views.count() == 1
    question.refresh_from_db()
    assert question.view_count == 1
    assert visitor.get(f"/community/t/{question.pk}/seen/").status_code == 405
    assert visitor.post("/community/t/999999/seen/").status_code == 404
    member = client_for(alice)
    assert "data-community-seen" not in member.get(question.get_absolute_url()).content.decode()


def test_the_beacon_never_reveals_a_private_thread(client_for, acme_only, alice, bob, ask):
    thread = ask(alice, acme_only)
    assert client_for(None).post(f"/community/t/{thread.pk}/seen/").status_code == 404
    assert client_for(bob).post(f"/community/t/{thread.pk}/seen/").status_code == 404
