"""Forum fixtures: categories of every visibility and helpers that post through the services.

Pre-moderation of first posts is switched off here (it has its own tests) so most tests can
talk about threads without approving them first.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache

from community.models import Category, Visibility
from community.services import post_answer, thread_ask


@pytest.fixture(autouse=True)
def _forum_settings(settings):
    settings.COMMUNITY_PREMODERATE_FIRST_POSTS = False
    settings.COMMUNITY_RATES = {
        **settings.COMMUNITY_RATES,
        "post": (1000, 600),
        "vote": (1000, 600),
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def general(db) -> Category:
    return Category.objects.create(name="Broadband and TV", slug="broadband", order=1)


@pytest.fixture
def members_only(db) -> Category:
    return Category.objects.create(
        name="Members lounge", slug="lounge", visibility=Visibility.MEMBERS, order=2
    )


@pytest.fixture
def acme_only(acme) -> Category:
    return Category.objects.create(
        name="Acme private", slug="acme", visibility=Visibility.ORGANISATION, organisation=acme
    )


@pytest.fixture
def beta_group(db) -> Group:
    return Group.objects.create(name="Beta testers")


@pytest.fixture
def beta_only(beta_group) -> Category:
    return Category.objects.create(
        name="Beta programme", slug="beta", visibility=Visibility.GROUP, group=beta_group
    )


@pytest.fixture
def ask():
    def _ask(
        user, category, title="How do I reset my router?", body="It keeps blinking red.", **kwargs
    ):
        return thread_ask(author=user, category=category, title=title, body=body, **kwargs)

    return _ask


@pytest.fixture
def answer():
    def _answer(user, thread, body="Hold the reset button for ten seconds."):
        return post_answer(thread=thread, author=user, body=body)

    return _answer


@pytest.fixture
def question(alice, general, ask):
    """alice asks in the public category."""
    return ask(alice, general)
