"""No stale page from the signed-in page cache (issue 20): after each write, the next request of
every page shows it.

The randomized test warms every page (the second GET is served from the cache), then performs
the writes of ``tests/portal/freshness.py`` in a random order (seeded; the seed is in the failure
message) and after each one reads every page of the personas it concerns. Each page is checked
against the database (name, unread count, role, language, incident banner, its own rows), and a
page served from the cache is compared with a render made now.

The others: two users never share a page; a second session gets its own page and CSRF token; two
tabs of one browser each send their reply (a form key per render); a pending message is shown
once and not kept; a signed-out browser gets no signed-in page; the cached fragments a page shows
(the incident banner, the desk counters) do not outlive what they stand for; a search served from
the cache gets its own clicks.
"""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest
from django.core.cache import cache
from django.test import Client

from tests.portal.freshness import (
    HIT,
    WRITES,
    Problem,
    World,
    build_world,
    check,
    committed,
    differs,
    incident,
)
from tickets.models import Message

pytestmark = pytest.mark.django_db

SEEDS = [20, 2026, 7919]
EXTRA_WRITES = 2  # beyond one of each, repeated at random
PROBLEMS_SHOWN = 40


@pytest.fixture
def world(settings) -> World:
    settings.PORTAL_SIGNED_IN_CACHE = True
    settings.COMMUNITY_PREMODERATE_FIRST_POSTS = False
    settings.COMMUNITY_RATES = {
        **settings.COMMUNITY_RATES,
        "post": (10_000, 600),
        "ask": (10_000, 600),
    }
    cache.clear()
    yield build_world()
    cache.clear()


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def form_key(html: str) -> str:
    found = re.search(r'name="idempotency_key" value="([^"]+)"', html)
    assert found, "the page has no form key"
    return found.group(1)


def warm(world: World) -> list[str]:
    """Read every page until it is served from the cache: the second GET, or the third for a
    page whose first read writes to a table it shows (a thread counts its reader's first view
    of the day, ``/me/`` ...). Each browser's first GET sets its CSRF cookie beforehand: a
    response that sets a cookie is never kept."""
    for persona in world.clients:
        world.get(persona, "/")
    problems = []
    for page in world.pages:
        seen = world.read(page)
        if seen.status != 200:
            continue  # (carol's /desk/: a 403 is never kept)
        for _ in range(2):
            seen = world.read(page)
            if seen.cache == HIT:
                break
        else:
            problems.append(f"{seen}: the third GET was still not served from the cache")
    return problems


@pytest.mark.parametrize("seed", SEEDS)
def test_every_page_reflects_each_write_on_the_next_request(world, seed):
    world.rng = rng = random.Random(seed)
    cold = warm(world)
    assert not cold, f"the cache is not serving the warmed pages (seed {seed}):\n" + "\n".join(cold)
    order = rng.sample(WRITES, len(WRITES)) + rng.choices(WRITES, k=EXTRA_WRITES)
    problems: list[Problem] = []
    served: Counter[str] = Counter()
    for step, write in enumerate(order, 1):
        label = f"write #{step} ({write.name})"
        must_show = write.run(world)
        for page in world.pages:
            if page.persona not in write.personas:
                continue
            seen = world.read(page)
            served[seen.cache or "not cached"] += 1
            found = [Problem(label, seen, what) for what in check(world, seen)]
            for text in must_show.get((page.persona, page.name), []):
                if seen.status == 200 and text not in seen.html:
                    found.append(Problem(label, seen, f"does not show {text!r}"))
            if seen.cache == HIT and not found:
                diff = differs(seen.html, world.render_now(seen))
                if diff:
                    found.append(Problem(label, seen, f"a render now differs:\n      {diff}"))
            problems += found
    print(f"seed {seed}: {len(order)} writes, pages read after them: {dict(served)}")
    history = "\n".join(f"  #{n} {w.name}" for n, w in enumerate(order, 1))
    listed = "\n".join(f"- {p}" for p in problems[:PROBLEMS_SHOWN])
    more = (
        f"\n... and {len(problems) - PROBLEMS_SHOWN} more" if len(problems) > PROBLEMS_SHOWN else ""
    )
    assert not problems, (
        f"{len(problems)} stale or wrong pages with seed {seed} "
        f"(reproduce: -k 'reflects_each_write and {seed}'); writes in order:\n{history}\n"
        f"{listed}{more}"
    )
    assert served[HIT] > 0, f"no page was served from the cache after a write: {served}"


def test_two_users_never_get_each_others_page(world):
    alice, bob = world.users["alice"], world.users["bob"]
    for _ in range(3):
        warmed = world.get("alice", "/tickets/")
    assert warmed.get("X-Page-Cache") == HIT
    page = world.get("bob", "/tickets/").content.decode()
    assert bob.full_name in page and world.tickets["bob"].subject in page
    assert alice.full_name not in page
    assert world.tickets["router"].subject not in page


def _browser(world: World, persona: str) -> Client:
    """Another browser (its own session and CSRF cookie) signed in as ``persona``, checking
    CSRF tokens as a real browser's requests are checked."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.users[persona])
    return browser


def test_a_second_session_gets_its_own_page_and_token(world):
    ticket = world.tickets["router"]
    url = f"/tickets/{ticket.pk}/"
    first, second = _browser(world, "alice"), _browser(world, "alice")
    pages = [world.get("alice", url, client=first) for _ in range(3)]
    assert pages[-1].get("X-Page-Cache") == HIT
    world.get("alice", url, client=second)  # its first visit sets its CSRF cookie
    other = world.get("alice", url, client=second)
    assert other.get("X-Page-Cache") != HIT  # not the first browser's page
    html = other.content.decode()
    reply = {
        "body": "From my phone.",
        "csrfmiddlewaretoken": csrf_token(html),
        "idempotency_key": form_key(html),
    }
    sent = world.post("alice", f"{url}reply/", reply, second)
    assert sent.status_code == 302, sent.status_code
    switch = {"language": "it", "next": "/", "csrfmiddlewaretoken": csrf_token(html)}
    assert world.post("alice", "/i18n/setlang/", switch, second).status_code == 302
    # the first browser's cached page still carries a token its cookie accepts
    cached = pages[-1].content.decode()
    reply = {"body": "From my laptop.", "csrfmiddlewaretoken": csrf_token(cached)}
    sent = world.post(
        "alice", f"{url}reply/", {**reply, "idempotency_key": form_key(cached)}, first
    )
    assert sent.status_code == 302, sent.status_code
    bodies = set(Message.objects.filter(ticket=ticket).values_list("body", flat=True))
    assert {"From my phone.", "From my laptop."} <= bodies


def test_two_tabs_of_one_browser_each_send_their_reply(world):
    """Each render of the reply form has its own submission key (tests/tickets/
    test_double_submit.py): two tabs opened on the ticket send two replies, even when the
    second tab's page came from the cache."""
    ticket = world.tickets["router"]
    url = f"/tickets/{ticket.pk}/"
    tabs = [world.get("alice", url) for _ in range(3)][1:]
    assert tabs[-1].get("X-Page-Cache") == HIT
    for n, tab in enumerate(tabs):
        html = tab.content.decode()
        data = {"body": f"Tab {n} says hello.", "idempotency_key": form_key(html)}
        sent = world.post("alice", f"{url}reply/", data)
        errors = re.findall(
            r'class="(?:errorlist|alert)[^"]*"[^>]*>\s*(?:<li>|<p>)?([^<]+)', sent.content.decode()
        )
        assert sent.status_code == 302, f"tab {n}'s reply: {sent.status_code} {errors}"
    bodies = set(Message.objects.filter(ticket=ticket).values_list("body", flat=True))
    assert {"Tab 0 says hello.", "Tab 1 says hello."} <= bodies


def test_a_pending_message_is_shown_once_and_not_kept(world):
    ticket = world.tickets["router"]
    url = f"/tickets/{ticket.pk}/"
    for _ in range(3):
        warmed = world.get("alice", url)
    assert warmed.get("X-Page-Cache") == HIT
    data = {"body": "Still dropping.", "idempotency_key": form_key(warmed.content.decode())}
    assert world.post("alice", f"{url}reply/", data).status_code == 302
    shown = world.get("alice", url)
    assert shown.get("X-Page-Cache") != HIT
    assert "Your reply was sent." in shown.content.decode()
    for _ in range(2):
        again = world.get("alice", url)
        assert "Your reply was sent." not in again.content.decode(), again.get("X-Page-Cache")
        assert "Still dropping." in again.content.decode()
    assert again.get("X-Page-Cache") == HIT


def test_a_signed_out_browser_gets_no_signed_in_page(world):
    for _ in range(3):
        warmed = world.get("alice", "/tickets/")
    assert warmed.get("X-Page-Cache") == HIT
    assert world.post("alice", "/accounts/logout/", {}).status_code == 302
    after = world.get("alice", "/tickets/")
    assert after.status_code == 302 and "/accounts/login/" in after["Location"]
    home = world.get("alice", "/").content.decode()
    assert world.users["alice"].full_name not in home
    # someone else signs in on the same browser
    world.clients["alice"].force_login(world.users["bob"])
    page = world.get("alice", "/tickets/").content.decode()
    assert world.tickets["bob"].subject in page and world.tickets["router"].subject not in page


def test_an_incident_shows_in_the_banner_of_every_cached_page(world):
    """The banner's incidents are kept per user in the cache for a minute (outages.selectors.
    banner_incidents): a page rendered while they were cached read no incident table, yet it
    must not outlive a published incident. alice, the only customer affected, gets no
    in-portal notice (her choice), so no other table changes for her pages."""
    pages = ["/", "/tickets/", "/requests/", "/me/"]
    for url in pages:
        for _ in range(3):
            warmed = world.get("alice", url)
        assert warmed.get("X-Page-Cache") == HIT, url
    incident(world)
    title = world.incidents[-1].title
    missing = [url for url in pages if title not in world.get("alice", url).content.decode()]
    assert not missing, f"the banner of {missing} does not show the incident {title!r}"
    incident(world)  # resolved: the banner goes
    still = [url for url in pages if title in world.get("alice", url).content.decode()]
    assert not still, f"the banner of {still} still shows the resolved incident {title!r}"


def test_a_search_served_from_the_cache_gets_its_clicks(world):
    """A search page served from the cache logs the search again (``repeat_on_hit``); a click
    on one of its results belongs to that search, not to the one logged when it was rendered."""
    from knowledgebase.models import SearchClick, SearchQuery

    url = "/search/?q=router"
    for _ in range(3):
        served = world.get("alice", url)
    assert served.get("X-Page-Cache") == HIT
    logged = SearchQuery.objects.filter(user=world.users["alice"]).latest("pk")
    link = re.search(r'href="(/search/click/\?t=[^"]+)"', served.content.decode())
    assert link, "no result to click"
    assert world.get("alice", link.group(1).replace("&amp;", "&")).status_code == 302
    click = SearchClick.objects.latest("pk")
    assert click.search_id == logged.pk, (
        f"the click went to search #{click.search_id}, not to #{logged.pk} (the search this "
        f"page view logged)"
    )


def test_the_desk_counters_are_not_kept_past_their_ten_seconds(world):
    """The desk's counters are kept per agent for ten seconds (tickets.selectors.desk_counters):
    a queue rendered with the kept ones must not show them longer than that."""
    from tickets.services import ticket_claim

    for _ in range(3):
        warmed = world.get("ada", "/desk/")
    assert warmed.get("X-Page-Cache") == HIT
    with committed():
        ticket_claim(ticket=world.tickets["router"], agent=world.users["ada"])
    world.get("ada", "/desk/")  # the rows are new; the counters may be ten seconds old
    cache.delete(f"tickets:desk-counters:{world.users['ada'].pk}")  # ten seconds later
    page = world.get("ada", "/desk/").content.decode()
    mine = re.search(r'href="\?assignee=me".*?<span class="count">(\d+)<', page)
    assert mine and mine.group(1) == "1", "'Assigned to me' does not count the claimed ticket"
