"""The signed-in page cache's mechanism (portal/usercache): which tables a statement reads and
writes, versions that change only after a commit, and the middleware's rules for what it keeps.
The randomized "every write shows on the next request" test is test_signed_in_cache_fresh.py."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from knowledgebase.models import SearchQuery
from portal.models import Notification, TableVersion
from portal.usercache import tracking
from tickets.models import Ticket
from tickets.services.workflow import ticket_open, ticket_reply


@pytest.fixture
def cache_on(settings):
    from django.core.cache import cache

    settings.PORTAL_SIGNED_IN_CACHE = True
    cache.clear()
    yield
    cache.clear()


def _committed(committing, write):
    """Run ``write`` and its on-commit callbacks (the tests run inside one transaction)."""
    with committing():
        return write()


# --- statements --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("sql", "read", "wrote"),
    [
        (
            'SELECT "a"."id" FROM "tickets_ticket" a INNER JOIN "portal_user" ON (x) '
            'LEFT OUTER JOIN "tickets_queue" ON (y)',
            {"tickets_ticket", "portal_user", "tickets_queue"},
            set(),
        ),
        ('SELECT 1 FROM "tickets_ticket" WHERE id = 1 FOR UPDATE', {"tickets_ticket"}, set()),
        ('UPDATE "tickets_ticket" SET "status" = %s WHERE "id" = %s', set(), {"tickets_ticket"}),
        ('DELETE FROM "tickets_tag" WHERE "id" IN (1)', set(), {"tickets_tag"}),
        (
            'INSERT INTO "portal_notification" ("a") VALUES (%s) ON CONFLICT DO NOTHING',
            set(),
            {"portal_notification"},
        ),
        (
            'INSERT INTO "x_table" ("a") VALUES (%s) ON CONFLICT("a") DO UPDATE SET "a" = 1',
            set(),
            {"x_table"},
        ),
        (
            'UPDATE "tickets_ticket" SET "n" = 1 WHERE "id" IN (SELECT "id" FROM "tickets_queue")',
            {"tickets_queue"},
            {"tickets_ticket"},
        ),
        ("INSERT OR IGNORE INTO foo (a) VALUES (1)", set(), {"foo"}),
        ('SAVEPOINT "s1"', set(), set()),
        # Infrastructure tables are never versions: sessions, the cache, the versions.
        ('UPDATE "django_session" SET "session_data" = %s', set(), set()),
        ('SELECT "token" FROM "portal_tableversion"', set(), set()),
    ],
)
def test_classify(sql, read, wrote):
    tracking.install(connection)  # sets the ignored tables
    assert tracking.classify(sql) == (read, wrote)


# --- versions ----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_write_changes_its_tables_version_only_once_committed(cache_on, alice, committing):
    before = tracking.versions(["portal_notification"])
    with committing():
        Notification.objects.create(user=alice, kind="test", event_key="a", title="Hello")
        assert tracking.versions(["portal_notification"]) == before  # not committed yet
    assert tracking.versions(["portal_notification"]) != before


@pytest.mark.django_db
def test_a_rolled_back_savepoint_takes_its_bump_and_the_next_write_registers_again(
    cache_on, alice, committing
):
    before = tracking.versions(["portal_notification", "tickets_ticket"])
    with committing():
        try:
            with transaction.atomic():
                Notification.objects.create(user=alice, kind="t", event_key="b", title="x")
                raise RuntimeError
        except RuntimeError:
            pass
        Ticket.objects.filter(pk=-1).update(subject="nothing")
    after = tracking.versions(["portal_notification", "tickets_ticket"])
    assert after["tickets_ticket"] != before["tickets_ticket"]
    assert after["portal_notification"] == before["portal_notification"]


@pytest.mark.django_db
def test_nothing_is_tracked_while_the_cache_is_off(settings, alice, committing):
    settings.PORTAL_SIGNED_IN_CACHE = False
    with committing() as callbacks:
        Notification.objects.create(user=alice, kind="t", event_key="c", title="x")
    assert not callbacks
    assert not TableVersion.objects.exists()


# --- the middleware ----------------------------------------------------------------------------
def _warm(client, url: str) -> None:
    """A browser's first page gives it its CSRF cookie (that page is not kept: the next
    request's key has the cookie)."""
    first = client.get(url)
    assert "X-Page-Cache" not in first
    assert "csrftoken" in client.cookies


def _ticket(alice, subject="Router blinks red"):
    return ticket_open(
        customer=alice.customer, subject=subject, body="Since this morning.", opened_by=alice
    )


@pytest.mark.django_db
def test_second_request_is_a_hit_and_a_committed_write_to_a_read_table_is_a_miss(
    cache_on, client_for, alice, ada, committing
):
    ticket = _committed(committing, lambda: _ticket(alice))
    client = client_for(alice)
    _warm(client, "/tickets/")
    first = client.get("/tickets/")
    assert first["X-Page-Cache"] == "miss"
    second = client.get("/tickets/")
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    _committed(
        committing,
        lambda: ticket_reply(ticket=ticket, author=ada, body="Try turning it off and on."),
    )
    third = client.get("/tickets/")
    assert third["X-Page-Cache"] == "miss"
    assert third.content != first.content


@pytest.mark.django_db
def test_people_and_sessions_never_share_an_entry(cache_on, client, alice, bob, committing):
    from django.test import Client

    _committed(committing, lambda: _ticket(alice, "Alice's own ticket"))
    client.force_login(alice)
    _warm(client, "/tickets/")
    client.get("/tickets/")
    assert client.get("/tickets/")["X-Page-Cache"] == "hit"
    other = Client()
    other.force_login(bob)
    _warm(other, "/tickets/")
    page = other.get("/tickets/")
    assert page["X-Page-Cache"] == "miss"
    assert b"Alice&#x27;s own ticket" not in page.content
    assert b"Alice&#x27;s own ticket" in client.get("/tickets/").content
    second_browser = Client()
    second_browser.force_login(alice)
    _warm(second_browser, "/tickets/")
    assert second_browser.get("/tickets/")["X-Page-Cache"] == "miss"


@pytest.mark.django_db
def test_a_page_with_a_pending_message_is_neither_served_from_nor_kept_in_the_cache(
    cache_on, client_for, alice, settings
):
    client = client_for(alice)
    _warm(client, "/tickets/")
    client.get("/tickets/")
    assert client.get("/tickets/")["X-Page-Cache"] == "hit"
    # "Mark all as read" says how many it marked on the next page (a message).
    client.post("/me/notifications/read/")
    page = client.get("/tickets/")
    assert "X-Page-Cache" not in page
    assert b"notifications marked as read." in page.content
    again = client.get("/tickets/")
    assert b"notifications marked as read." not in again.content


@pytest.mark.django_db
def test_htmx_requests_and_anonymous_visitors_are_not_kept(cache_on, client_for, alice):
    client = client_for(alice)
    _warm(client, "/tickets/")
    client.get("/tickets/", headers={"HX-Request": "true"})
    assert "X-Page-Cache" not in client.get("/tickets/", headers={"HX-Request": "true"})
    anonymous = client_for(None)
    assert "X-Page-Cache" not in anonymous.get("/search/?q=router")


@pytest.mark.django_db
def test_a_search_served_from_the_cache_is_still_logged(cache_on, client_for, alice):
    client = client_for(alice)
    _warm(client, "/search/?q=router")
    assert client.get("/search/?q=router")["X-Page-Cache"] == "miss"
    assert client.get("/search/?q=router")["X-Page-Cache"] == "hit"
    assert client.get("/search/?q=router")["X-Page-Cache"] == "hit"
    assert SearchQuery.objects.filter(user=alice, query="router").count() == 4


@pytest.mark.django_db
def test_a_page_not_opted_in_is_never_kept(cache_on, client_for, alice):
    client = client_for(alice)
    _warm(client, "/tickets/")
    client.get("/me/notifications/")
    assert "X-Page-Cache" not in client.get("/me/notifications/")


@pytest.mark.django_db
def test_a_cached_page_gets_new_submission_keys_on_every_hit(
    cache_on, client_for, alice, committing
):
    import re

    ticket = _committed(committing, lambda: _ticket(alice))
    client = client_for(alice)
    url = f"/tickets/{ticket.pk}/"
    _warm(client, url)
    keys = re.compile(rb'name="idempotency_key" value="([0-9a-f]{32})"')
    rendered = client.get(url)
    served = client.get(url)
    assert (rendered["X-Page-Cache"], served["X-Page-Cache"]) == ("miss", "hit")
    first, second = keys.findall(rendered.content), keys.findall(served.content)
    assert first and len(first) == len(second)
    assert not set(first) & set(second)
    # The page is otherwise the same.
    assert keys.sub(b"", rendered.content) == keys.sub(b"", served.content)


@pytest.mark.django_db
def test_a_result_link_of_a_cached_search_names_the_search_it_was_served_as(
    cache_on, client_for, alice, committing
):
    import re
    from urllib.parse import unquote

    from django.core import signing

    from knowledgebase.models import KnowledgeBaseIndexPage
    from knowledgebase.views import CLICK_SALT
    from tests.knowledgebase.conftest import make_article, make_category

    index = KnowledgeBaseIndexPage.objects.get(slug="kb", locale__language_code="en")
    category = make_category(index, "Accounts")
    for title in ("Reset your password", "Change your password"):
        make_article(category, title, summary="Passwords.")
    client = client_for(alice)
    _warm(client, "/search/?q=password")
    tokens = re.compile(rb"/search/click/\?t=([^\"&]+)")
    pages = [client.get("/search/?q=password") for _ in range(2)]
    assert [page["X-Page-Cache"] for page in pages] == ["miss", "hit"]
    logged = list(
        SearchQuery.objects.filter(user=alice).order_by("pk").values_list("pk", flat=True)
    )
    for page, search_id in zip(pages, logged[-2:], strict=True):
        found = tokens.findall(page.content)
        assert len(found) == 2
        for token in found:
            assert signing.loads(unquote(token.decode()), salt=CLICK_SALT)[0] == search_id


@pytest.mark.django_db
def test_a_request_for_a_view_not_opted_in_reads_neither_the_cache_nor_the_versions(
    cache_on, client_for, alice
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(alice)
    _warm(client, "/tickets/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/me/notifications/")
    assert not [q for q in queries.captured_queries if "portal_tableversion" in q["sql"]]
    with CaptureQueriesContext(connection) as queries:
        client.get("/tickets/")
    assert [q for q in queries.captured_queries if "portal_tableversion" in q["sql"]]
