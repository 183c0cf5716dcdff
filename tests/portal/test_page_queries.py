"""Queries per signed-in page (issue 20): the exact count, the same with more data, and no
statement run twice in one request."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import time

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalogue.models import CatalogueCategory, CatalogueItem
from catalogue.services import request_submit
from community.models import Category
from community.services import post_answer, thread_ask, vote_cast
from knowledgebase.models import KnowledgeBaseIndexPage
from outages.services import incident_declare, incident_publish
from portal.models import Product, Subscription, Team
from tests.factories import CustomerFactory, UserFactory
from tests.knowledgebase.conftest import make_article
from tests.loyalty.g_builders import give
from tickets.models import BusinessCalendar, Priority, Queue, SlaPolicy
from tickets.services import (
    ticket_claim,
    ticket_note,
    ticket_open,
    ticket_properties_update,
    ticket_reply,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.COMMUNITY_PREMODERATE_FIRST_POSTS = False
    settings.COMMUNITY_RATES = {
        **settings.COMMUNITY_RATES,
        "post": (10_000, 600),
        "vote": (10_000, 600),
        "ask": (10_000, 600),
    }
    cache.clear()
    yield
    cache.clear()


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


class World:
    """alice's and her organisation's tickets, requests and forum threads, an agent's queue,
    a KB article and an outage; ``grow(n)`` adds ``n`` rounds of all of it (and new people)."""

    def __init__(self, alice, amy, bob, ada, captured):
        self.alice, self.amy, self.bob, self.ada = alice, amy, bob, ada
        self.captured = captured
        self.round = 0
        self.fibre = Product.objects.create(name="Fibre 1000", slug="fibre-1000")
        now = timezone.now()
        Subscription.objects.create(customer=alice.customer, product=self.fibre, since=now)
        team = Team.objects.get(slug="support")
        self.queue = Queue.objects.create(
            name="General", slug="general", team=team, is_default=True
        )
        cat = CatalogueCategory.objects.create(name="Account", slug="account")
        self.item = CatalogueItem.objects.create(
            name="New router line",
            slug="new-line",
            short_description="A router line",
            category=cat,
            fulfilment="manual",
            queue=self.queue,
        )
        office = BusinessCalendar.objects.create(
            name="Office", timezone="Europe/Rome", day_start=time(9), day_end=time(17)
        )
        for priority in Priority:
            SlaPolicy.objects.create(
                name=f"{priority.label} tickets",
                priority=priority,
                calendar=office,
                first_response_minutes=60,
                resolution_minutes=480,
            )
        self.forum = Category.objects.create(name="Broadband", slug="broadband", order=1)
        self.tickets: list = []
        self.threads: list = []
        self.kb = KnowledgeBaseIndexPage.objects.get(slug="kb", locale__language_code="en")
        make_article(self.kb, "Router keeps restarting", paragraphs=("Unplug the router.",))
        with captured(execute=True):
            incident = incident_declare(
                title="Router outage",
                products=[self.fibre],
                impact="partial",
                message="We are looking into it.",
            )
            incident_publish(incident=incident)

    def _person(self, org) -> object:
        user = UserFactory(full_name=f"Person {uuid.uuid4().hex[:6]}")
        CustomerFactory(user=user, organisation=org)
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        return user

    def grow(self, n: int) -> None:
        with self.captured(execute=True):
            for _ in range(n):
                self.round += 1
                i = self.round
                newcomer = self._person(self.alice.customer.organisation)
                stranger = self._person(None)
                for user in (self.alice, newcomer, stranger):
                    t = ticket_open(
                        customer=user.customer,
                        opened_by=user,
                        subject=f"Router drops {i}",
                        body="It drops every evening.",
                        product=self.fibre,
                    )
                    self.tickets.append(t)
                    ticket_claim(ticket=t, agent=self.ada)
                    ticket_reply(
                        ticket=t,
                        author=self.ada,
                        body="Have you tried a restart?",
                        attachments=[SimpleUploadedFile("a.png", PNG, content_type="image/png")],
                    )
                    ticket_reply(ticket=t, author=user, body="Yes, router restarted.")
                    ticket_note(ticket=t, author=self.ada, body="Internal: check the line.")
                    t.refresh_from_db()
                    ticket_properties_update(
                        ticket=t,
                        actor=self.ada,
                        status=t.status,
                        priority=t.priority,
                        assignee=self.ada,
                        queue=self.queue,
                        category=t.category,
                        impact=t.impact,
                        product=self.fibre,
                        tags=[f"tag{i}", "router"],
                    )
                request_submit(
                    item=self.item,
                    submitted_by=self.alice,
                    data={},
                    idempotency_key=uuid.uuid4().hex,
                )
                th = thread_ask(
                    author=newcomer if i % 2 else self.alice,
                    category=self.forum,
                    title=f"Router keeps restarting {i}",
                    body="It keeps blinking red.",
                    tags=[f"t{i}", "router"],
                    products=[self.fibre],
                )
                self.threads.append(th)
                self.threads.sort(key=lambda x: x.pk)
                for who in (self.amy, stranger, newcomer):
                    p = post_answer(thread=th, author=who, body="Hold reset for ten seconds.")
                    voter = self.bob if who is self.amy else self.amy
                    vote_cast(post=p, voter=voter, value=1)
                    answer_on_first = post_answer(
                        thread=self.threads[0], author=who, body=f"Me too, round {i}."
                    )
                    vote_cast(post=answer_on_first, voter=voter, value=1)
                give(self.alice.customer, 5)
                give(newcomer.customer, 5)


#: Queries each page runs as a member of the cast below, the session's read aside (the session
#: engine's: ``portal.sessions`` reads the shared cache), before -> after issue 20's pass.
#: Every signed-in page starts with the user, their customer row (the language middleware)
#: and their groups (roles): 3 of each count. The unread notifications of the layout come
#: from the cache (``portal.services.notifications.unread_count``), here and below: each
#: count is one lower than when they were counted on every page.
PAGE_QUERIES = {
    # + customer-since with the organisation, two-factor and verified email in one query
    # (were four), live subscriptions, catalogue shortcuts, popular articles (view
    # restrictions, locale, pages), community highlights. Was 14.
    "home": 10,
    # + the organisation (sharing), the count, the page, its tags.
    "tickets": 7,
    # + the organisation, the ticket, its public messages, their files, linked incidents.
    "ticket": 8,
    # + the count, the page, requests awaiting my approval.
    "requests": 6,
    # + view restrictions once (were read three times), locales, catalogue items, each
    # source's count (3) and hits (6), the search logged (an insert and an interaction, each
    # in a savepoint: 6 statements), categories and products to filter by. Was 26.
    "search": 23,
    # + customer-since with the organisation (was two), tokens, notifications, surveys,
    # loyalty (account, next tier), subscriptions, purchases, interactions. Was 14.
    "me": 12,
    # + the filter's choices (queues, read once for the counters too, products,
    # organisations, tags, agents), the capped count, the page's ids, its rows, their tags,
    # saved views. Was 15.
    "desk": 13,
    # + the ticket (5 tables), its customer (3 tables; was one 12-table join), tags (once;
    # were read twice), canned replies, agents, suggested articles (4), the customer panel
    # (incidents 2, loyalty 2: the tier once, were 3; organisation, subscriptions,
    # purchases; value: purchases in one aggregate (were 2), the CLV fit once (was read
    # twice), surveys, stored score, stage 3; interactions, other tickets), merged tickets,
    # messages, files, events, the properties form's queues and products, SLA breaches.
    # Was 40.
    "desk_ticket": 35,
    # + the thread, the question, the answers' count and page, my votes, badges, following,
    # tags, products.
    "thread": 12,
    # + the category, the count, the page, its tags.
    "category": 7,
}


#: PostgreSQL's full-text search (Wagtail's database backend) counts a source's matches in two
#: queries (every word, then title words: ``knowledgebase.search_backend``) where SQLite's FTS5
#: needs one: two more on the search page (articles and threads), one more for the articles
#: suggested on the desk ticket page.
POSTGRESQL_QUERIES = {**PAGE_QUERIES, "search": 25, "desk_ticket": 36}


def _expected() -> dict[str, int]:
    return POSTGRESQL_QUERIES if connection.vendor == "postgresql" else PAGE_QUERIES


def _pages(world: World) -> dict[str, tuple[object, str]]:
    ticket, thread = world.tickets[0], world.threads[0]
    alice, ada = world.alice, world.ada
    return {
        "home": (alice, "/"),
        "tickets": (alice, "/tickets/"),
        "ticket": (alice, f"/tickets/{ticket.pk}/"),
        "requests": (alice, "/requests/"),
        "search": (alice, "/search/?q=router"),
        "me": (alice, "/me/"),
        "desk": (ada, "/desk/"),
        "desk_ticket": (ada, f"/desk/tickets/{ticket.pk}/"),
        "thread": (alice, f"/community/t/{thread.pk}/"),
        "category": (alice, f"/community/c/{world.forum.slug}/"),
    }


def _statements(client, url: str) -> list[str]:
    client.get(url)  # once before: what a first visit fills in (the session, caches)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return [q["sql"] for q in queries.captured_queries if 'FROM "django_session"' not in q["sql"]]


def _measure(world: World, client_for) -> dict[str, list[str]]:
    return {name: _statements(client_for(user), url) for name, (user, url) in _pages(world).items()}


def _shown(statements: dict[str, list[str]], names) -> str:
    return "\n\n".join(
        f"{name}: {len(statements[name])}\n" + "\n".join(sql[:300] for sql in statements[name])
        for name in names
    )


def test_queries_per_page_are_fixed_and_do_not_grow_with_data(
    client_for, alice, amy, bob, ada, django_capture_on_commit_callbacks
):
    world = World(alice, amy, bob, ada, django_capture_on_commit_callbacks)
    world.grow(1)
    small = _measure(world, client_for)
    world.grow(4)  # five times the tickets, replies, notifications, requests, threads, posts
    grown = _measure(world, client_for)

    for label, statements in (("small", small), ("grown", grown)):
        counts = {name: len(sql) for name, sql in statements.items()}
        expected = _expected()
        wrong = [name for name in expected if counts[name] != expected[name]]
        assert counts == expected, f"{label} data:\n" + _shown(statements, wrong)
    for statements in (small, grown):
        repeated = {
            name: [sql[:200] for sql, times in Counter(sql).items() if times > 1]
            for name, sql in statements.items()
        }
        assert {name: sql for name, sql in repeated.items() if sql} == {}
