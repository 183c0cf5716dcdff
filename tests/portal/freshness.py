"""The world of the "no stale page" test (tests/portal/test_signed_in_cache_fresh.py): personas,
their signed-in browsers, the pages each of them reads, the writes, and what every page must
show, worked out from the database (never from what an earlier response said).

Commits: the signed-in page cache (``portal.usercache``) bumps a table's version when a write
to it commits. A test with the ``db`` fixture never commits, so every request and every write
here runs in ``committed()``, which does what a commit does to the on-commit callbacks: runs
the ones registered meanwhile and drops them. (``TestCase.captureOnCommitCallbacks`` runs them
but leaves them registered, so ``portal.usercache.tracking`` would keep adding the tables of
later writes to a callback that already ran, and only the first write of a test would count.)

Oracles, for every page read:

- what it must show from the database: the user's name, unread count, role (the desk link),
  language, the incident banner, and the page's own rows (tickets with their status and last
  update, messages, requests, posts, answer counts);
- a page served from the cache (``X-Page-Cache: hit``) must be the page a render gives now:
  the same request is rendered again past the cache (a ``messages`` cookie makes the cache
  step aside) and both are compared, per-render values (CSRF tokens, form keys, relative
  times' wording) aside.
"""

from __future__ import annotations

import difflib
import random
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.utils.html import escape

from catalogue.models import CatalogueCategory, CatalogueItem, ServiceRequest
from catalogue.services import request_submit
from community.models import Category, Post, Thread
from community.services import post_answer, thread_ask
from outages.models import Incident
from outages.services import (
    incident_declare,
    incident_publish,
    incident_resolve,
    incident_translation_set,
)
from portal import roles
from portal.i18n_middleware import remember_language
from portal.models import Notification, Organisation, Product, Team, User
from portal.services.customers import profile_update
from portal.services.notifications import (
    NotificationContent,
    notification_preferences_update,
    notify,
)
from tests.conftest import build_acme, build_ada, build_alice, build_bob, build_carol, make_user
from tests.factories import SubscriptionFactory
from tickets.models import DONE_STATUSES, TRANSITIONS, Message, Queue, Ticket
from tickets.services import ticket_assign, ticket_open, ticket_reply, ticket_status_change

CACHE_HEADER = "X-Page-Cache"
HIT = "hit"


def commit() -> None:
    """What a commit does to the on-commit callbacks: run them all, and forget them."""
    while connection.run_on_commit:
        callbacks = list(connection.run_on_commit)
        connection.run_on_commit.clear()
        for _savepoints, callback, _robust in callbacks:
            callback()


@contextmanager
def committed() -> Iterator[None]:
    """Run the block as its own transaction that commits at its end (see the module docs):
    whatever came before counts as committed too."""
    commit()
    yield
    commit()


def forget_deleted_cookies(client: Client, response):
    """Drop the cookies the response deleted, as a browser does (the test client keeps them,
    empty, and sends them again: an empty ``messages`` cookie would keep every later page of
    that browser out of the cache)."""
    for name, morsel in response.cookies.items():
        if not morsel.value and name in client.cookies:
            del client.cookies[name]
    return response


def token(prefix: str) -> str:
    """A string no page shows unless a write put it there."""
    return f"{prefix}{uuid.uuid4().hex[:10]}"


# --- pages and what a GET gave --------------------------------------------------------------------
@dataclass(frozen=True)
class Page:
    """A page a persona reads; ``path`` as the persona's links give it (unprefixed English
    pages redirect to Italian for a customer who prefers Italian)."""

    name: str
    persona: str
    path: str


@dataclass
class Seen:
    page: Page
    url: str
    status: int
    cache: str | None
    html: str
    location: str = ""
    redirected_from: str = ""

    def __str__(self) -> str:
        where = f"{self.redirected_from} -> {self.url}" if self.redirected_from else self.url
        return f"{self.page.persona} GET {where}: {self.status} [{CACHE_HEADER}: {self.cache}]"


@dataclass
class Problem:
    step: str
    seen: Seen
    what: str

    def __str__(self) -> str:
        return f"after {self.step}: {self.seen}: {self.what}"


# --- the world ----------------------------------------------------------------------------------
@dataclass
class World:
    users: dict[str, User]
    clients: dict[str, Client]
    tickets: dict[str, Ticket]
    threads: dict[str, Thread]
    forum: Category
    item: CatalogueItem
    product: Product
    incidents: list[Incident] = field(default_factory=list)
    rng: random.Random = field(default_factory=random.Random)
    pages: list[Page] = field(default_factory=list)

    def user(self, persona: str) -> User:
        """The persona as the database has it now (role, name, language)."""
        return User.objects.select_related("customer").get(pk=self.users[persona].pk)

    def get(self, persona: str, url: str, client: Client | None = None, **extra):
        client = client or self.clients[persona]
        with committed():
            return forget_deleted_cookies(client, client.get(url, **extra))

    def post(self, persona: str, url: str, data: dict, client: Client | None = None):
        client = client or self.clients[persona]
        with committed():
            return forget_deleted_cookies(client, client.post(url, data))

    def read(self, page: Page) -> Seen:
        """GET the page as its persona's browser would: a redirect to the Italian page (a
        customer who prefers Italian) is followed."""
        seen = self._seen(page, page.path)
        if seen.status == 302 and seen.location.startswith("/it/"):
            first = seen
            seen = self._seen(page, first.location)
            seen.redirected_from = first.url
        return seen

    def _seen(self, page: Page, url: str) -> Seen:
        response = self.get(page.persona, url)
        return Seen(
            page,
            url,
            response.status_code,
            response.get(CACHE_HEADER),
            response.content.decode(),
            response.get("Location", ""),
        )

    def render_now(self, seen: Seen) -> str:
        """The page as a render gives it now, past the cache: the cache never answers (nor
        stores) a request with a ``messages`` cookie; an unsigned one holds no message."""
        client = self.clients[seen.page.persona]
        client.cookies["messages"] = "none"
        try:
            return self.get(seen.page.persona, seen.url).content.decode()
        finally:
            del client.cookies["messages"]


def _agent(email: str, name: str) -> User:
    user = make_user(email, full_name=name, groups=[roles.AGENTS], is_staff=True)
    Team.objects.get(slug="support").members.add(user)
    return user


def build_world() -> World:
    """alice (customer at Acme, subscribed to the service an incident will hit, without
    in-portal outage notices), bob (customer at Globex and a forum member), carol (customer,
    made an agent and back), ada (agent), ava (agent, demoted and back); alice's tickets with
    a reply, bob's ticket, a request, a forum category with two threads and an answer (and the
    notifications these give)."""
    with committed():
        acme, globex = build_acme(), Organisation.objects.create(name="Globex", slug="globex")
        alice, bob, carol = build_alice(acme), build_bob(globex), build_carol()
        ada = build_ada()
        ava = _agent("ava@example.com", "Ava Assist")
        users = {"alice": alice, "bob": bob, "carol": carol, "ada": ada, "ava": ava}
        queue = Queue.objects.create(
            name="General", slug="general", team=Team.objects.get(slug="support"), is_default=True
        )
        product = Product.objects.create(name="Fibre 1000", slug="fibre-1000")
        SubscriptionFactory(customer=alice.customer, product=product)
        # alice reads about incidents in the banner only (no in-portal notice, the only one
        # affected): nothing but the banner changes on the pages when one is published or
        # resolved
        notification_preferences_update(user=alice, preferences={"web_outage_notices": False})
        tickets = {
            name: ticket_open(
                customer=user.customer, opened_by=user, subject=subject, body="Since Monday.",
                product=product,
            )
            for name, user, subject in (
                ("router", alice, "Router drops every evening"),
                ("invoice", alice, "Invoice shows a double charge"),
                ("bob", bob, "Globex modem is silent"),
            )
        }  # fmt: skip
        ticket_reply(ticket=tickets["router"], author=ada, body="Have you restarted it?")
        catalogue = CatalogueCategory.objects.create(name="Account", slug="account")
        item = CatalogueItem.objects.create(
            name="New line", slug="new-line", short_description="A second line",
            category=catalogue, fulfilment="manual", queue=queue,
        )  # fmt: skip
        request_submit(item=item, submitted_by=alice, data={}, idempotency_key=uuid.uuid4().hex)
        forum = Category.objects.create(name="Broadband", slug="broadband", order=1)
        threads = {
            "alice": thread_ask(
                author=alice, category=forum, title="Router keeps restarting",
                body="It blinks red at night.",
            ),
            "bob": thread_ask(
                author=bob, category=forum, title="Which modem for fibre",
                body="Looking for advice.",
            ),
        }  # fmt: skip
        post_answer(thread=threads["alice"], author=bob, body="Hold reset for ten seconds.")
        clients = {}
        for name, user in users.items():
            clients[name] = Client()
            clients[name].force_login(user)
    world = World(users, clients, tickets, threads, forum, item, product)
    world.pages = pages_of(world)
    return world


def pages_of(world: World) -> list[Page]:
    router, bob_ticket = world.tickets["router"], world.tickets["bob"]
    thread = world.threads["alice"]
    pages = []
    for persona in ("alice", "bob"):
        own = router if persona == "alice" else bob_ticket
        pages += [
            Page("home", persona, "/"),
            Page("tickets", persona, "/tickets/"),
            Page("ticket", persona, f"/tickets/{own.pk}/"),
            Page("requests", persona, "/requests/"),
            Page("search", persona, "/search/?q=router"),
            Page("me", persona, "/me/"),
            Page("thread", persona, f"/community/t/{thread.pk}/"),
            Page("category", persona, f"/community/c/{world.forum.slug}/"),
        ]
    pages.append(Page("tickets", "alice", "/it/tickets/"))  # the URL decides: Italian
    for persona in ("ada", "ava", "carol"):
        pages += [Page("home", persona, "/"), Page("desk", persona, "/desk/")]
    pages.append(Page("desk_ticket", "ada", f"/desk/tickets/{router.pk}/"))
    return pages


# --- the writes -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Write:
    """One real write (through the services, or a form post), the personas whose pages it
    may change, and ``run(world) -> {(persona, page name): [text the page must now show]}``."""

    name: str
    personas: tuple[str, ...]
    run: Callable[[World], dict[tuple[str, str], list[str]]]


def agent_reply(world: World) -> dict:
    body = token("reply")
    with committed():
        ticket_reply(ticket=world.tickets["router"], author=world.users["ada"], body=body)
    return {("alice", "ticket"): [body], ("ada", "desk_ticket"): [body]}


def status_change(world: World) -> dict:
    """An agent moves one of alice's tickets (the one the ticket pages show, or another) to a
    status the state machine allows."""
    name = world.rng.choice(["router", "invoice"])
    ticket = Ticket.objects.get(pk=world.tickets[name].pk)
    new = world.rng.choice(sorted(TRANSITIONS[ticket.status]))
    with committed():
        ticket_status_change(ticket=ticket, status=new, actor=world.users["ada"])
    shown = {("alice", "tickets"): [f"status-{new}"]}
    if name == "router":
        shown[("alice", "ticket")] = shown[("ada", "desk_ticket")] = [f"status-{new}"]
    return shown


def assignment(world: World) -> dict:
    """ada takes alice's router ticket, or gives it back to nobody."""
    ticket = Ticket.objects.get(pk=world.tickets["router"].pk)
    ada = world.users["ada"]
    with committed():
        ticket_assign(ticket=ticket, assignee=None if ticket.assignee_id else ada, actor=ada)
    return {}


def consent(world: World) -> dict:
    """alice changes her marketing consent (her customer record only)."""
    alice = world.user("alice")
    with committed():
        profile_update(
            user=alice, full_name=alice.full_name, language=alice.customer.language,
            notification_preferences={}, consent_surveys=alice.customer.consent_surveys,
            consent_marketing=not alice.customer.consent_marketing,
        )  # fmt: skip
    return {}


def notification(world: World) -> dict:
    title = token("notice")
    with committed():
        notify(
            event_key=f"test:{title}",
            kind="test.notice",
            topic="ticket_updates",
            recipients=[world.user("alice")],
            content=lambda user: NotificationContent(title=title, body=title, url="/tickets/"),
        )
    return {("alice", "me"): [title]}


def notifications_read(world: World) -> dict:
    """alice marks every notification read, with the form (a write made by a request)."""
    response = world.post("alice", "/me/notifications/read/", {})
    assert response.status_code == 302, response.status_code
    return {}


def language_flip(world: World) -> dict:
    alice = world.user("alice")
    language = "en" if alice.customer.language == "it" else "it"
    with committed():
        remember_language(user=alice, language=language)
    return {("alice", "home"): [f'<html lang="{language}">']}


def display_name(world: World) -> dict:
    alice = world.user("alice")
    name = f"Alice {token('Name')}"
    with committed():
        profile_update(
            user=alice, full_name=name, language=alice.customer.language,
            notification_preferences={}, consent_surveys=alice.customer.consent_surveys,
            consent_marketing=alice.customer.consent_marketing,
        )  # fmt: skip
    return {("alice", "home"): [name], ("ada", "desk"): [name]}


def _role_flip(world: World, persona: str, *, staff_too: bool) -> dict:
    user = world.user(persona)
    agents = Group.objects.get(name=roles.AGENTS)
    with committed():
        if roles.is_agent(user):
            user.groups.remove(agents)
            if staff_too:
                user.is_staff = False
                user.save(update_fields=["is_staff"])
        else:
            user.groups.add(agents)
            if staff_too:
                user.is_staff = True
                user.save(update_fields=["is_staff"])
    return {}


def promote_carol(world: World) -> dict:
    """carol made an agent (group and staff flag), or made a customer again."""
    return _role_flip(world, "carol", staff_too=True)


def demote_ava(world: World) -> dict:
    """ava leaves the Agents group (or joins it again); her user row does not change."""
    return _role_flip(world, "ava", staff_too=False)


def incident(world: World) -> dict:
    """An incident on alice's service is published, or the open one is resolved."""
    open_ones = [i for i in world.incidents if Incident.objects.get(pk=i.pk).status != "resolved"]
    with committed():
        if open_ones:
            for one in open_ones:
                incident_resolve(incident=one, message="Fixed.")
            return {}
        title = token("Outage")
        declared = incident_declare(
            title=title, products=[world.product], impact="major", message="Lines are down.",
            by=world.users["ada"],
        )  # fmt: skip
        incident_publish(incident=declared)
    world.incidents.append(declared)
    return {("alice", name): [title] for name in ("home", "tickets", "me")}


def incident_italian_title(world: World) -> dict:
    """The open incident gets a new Italian title (or one is published with an Italian title):
    alice's pages in Italian show it in the banner."""
    title_it = token("Guasto")
    open_ones = [i for i in world.incidents if Incident.objects.get(pk=i.pk).status != "resolved"]
    with committed():
        if open_ones:
            incident_translation_set(incident=open_ones[-1], title_it=title_it)
            return {}
        declared = incident_declare(
            title=token("Outage"), title_it=title_it, products=[world.product], impact="partial",
            message="Slow lines.", message_it="Linee lente.", by=world.users["ada"],
        )  # fmt: skip
        incident_publish(incident=declared)
    world.incidents.append(declared)
    return {}


def forum_post(world: World) -> dict:
    body = token("answer")
    thread = world.threads["alice"]
    author = world.user("bob" if Post.objects.filter(thread=thread).count() % 2 else "alice")
    with committed():
        post_answer(thread=thread, author=author, body=body)
    return {("alice", "thread"): [body], ("bob", "thread"): [body]}


def new_request(world: World) -> dict:
    with committed():
        request, _created = request_submit(
            item=world.item, submitted_by=world.user("alice"), data={},
            idempotency_key=uuid.uuid4().hex,
        )  # fmt: skip
    return {("alice", "requests"): [f'/requests/{request.pk}/"']}


def new_ticket(world: World) -> dict:
    subject = token("Subject")
    alice = world.user("alice")
    with committed():
        ticket_open(customer=alice.customer, opened_by=alice, subject=subject, body="Help.")
    return {("alice", "tickets"): [subject], ("ada", "desk"): [subject]}


WRITES = [
    Write("an agent's reply on alice's ticket", ("alice", "ada"), agent_reply),
    Write("a status change on one of alice's tickets", ("alice", "ada"), status_change),
    Write("ada takes alice's ticket (or gives it back)", ("ada",), assignment),
    Write("alice's marketing consent changed", ("alice",), consent),
    Write("a notification for alice", ("alice",), notification),
    Write("alice marks her notifications read (form)", ("alice",), notifications_read),
    Write("alice's language switched", ("alice",), language_flip),
    Write("alice's display name changed", ("alice", "ada"), display_name),
    Write("carol's role changed (agent <-> customer)", ("carol",), promote_carol),
    Write("ava's role changed (Agents group)", ("ava",), demote_ava),
    Write("an incident on alice's service (published or resolved)", ("alice", "bob"), incident),
    Write(
        "the open incident's Italian title (or a new incident)", ("alice",), incident_italian_title
    ),
    Write("a new forum answer", ("alice", "bob"), forum_post),
    Write("a new request by alice", ("alice", "ada"), new_request),
    Write("a new ticket by alice", ("alice", "ada"), new_ticket),
]


# --- what a page must show, from the database -----------------------------------------------------
MENU_COUNT = re.compile(r'<span class="menu-count">(\d+)<')
HTML_LANG = re.compile(r'<html lang="([\w-]+)">')


def expected_language(world: World, seen: Seen) -> str:
    if seen.url.startswith("/it/"):
        return "it"
    customer = getattr(world.user(seen.page.persona), "customer", None)
    return customer.language if customer is not None else "en"


def check(world: World, seen: Seen) -> list[str]:
    """What is wrong with this page now (empty: nothing)."""
    user = world.user(seen.page.persona)
    language = expected_language(world, seen)
    if seen.page.path == seen.url and not seen.url.startswith("/it/") and language == "it":
        return [f"not redirected to the Italian page although {user.email} prefers Italian"]
    if seen.page.name == "desk":
        wanted = 200 if roles.is_agent(user) else 403
        if seen.status != wanted:
            return [f"status {seen.status}, not {wanted} (is_agent={roles.is_agent(user)})"]
    elif seen.status != 200:
        return [f"status {seen.status}"]
    if seen.status != 200:
        return []
    html = seen.html
    problems = []
    found = HTML_LANG.search(html)
    if not found or found.group(1) != language:
        problems.append(f"in {found and found.group(1)!r}, not {language!r}")
    if escape(user.get_full_name()) not in html:
        problems.append(f"the header does not show the name {user.get_full_name()!r}")
    count = MENU_COUNT.search(html)
    shown, unread = (int(count.group(1)) if count else 0), _unread(user)
    if shown != unread:
        problems.append(f"the header shows {shown} unread notifications, not {unread}")
    has_desk_link = 'data-nav="desk"' in html
    if has_desk_link != roles.is_agent(user):
        problems.append(f"the desk link is {'shown' if has_desk_link else 'missing'}")
    problems += _banner(world, user, html, language)
    page_check = PAGE_CHECKS.get(seen.page.name)
    if page_check is not None:
        problems += page_check(world, user, seen, "/it" if language == "it" else "")
    return problems


def _unread(user: User) -> int:
    return Notification.objects.visible_to(user).unread().count()


def _banner(world: World, user: User, html: str, language: str) -> list[str]:
    """The banner shows the open published incidents the user is in the audience of (three at
    most), each by its title in the page's language."""
    shown = set(
        Incident.objects.published()
        .open()
        .filter(audience__customer__user_id=user.pk)
        .order_by("-starts_at", "-pk")
        .values_list("pk", flat=True)[:3]
    )
    problems = []
    for one in Incident.objects.filter(pk__in=[i.pk for i in world.incidents]):
        title = one.title_it.strip() if language == "it" and one.title_it.strip() else one.title
        others = {one.title, one.title_it} - {title, ""}
        if one.pk in shown and escape(title) not in html:
            problems.append(f"the banner misses the incident {title!r}")
        elif one.pk not in shown and escape(title) in html:
            problems.append(f"the banner still shows the incident {title!r}")
        problems += [
            f"the banner shows the incident's title in another language: {other!r}"
            for other in others
            if escape(other) in html
        ]
    return problems


def _row(html: str, start: str, end: str) -> str | None:
    at = html.find(start)
    if at < 0:
        return None
    stop = html.find(end, at)
    return html[at : stop if stop >= 0 else None]


def _stamp(value) -> str:
    return f'datetime="{value.isoformat()}"'


def _ticket_page(world: World, user: User, seen: Seen, prefix: str) -> list[str]:
    pk = int(seen.page.path.rstrip("/").rsplit("/", 1)[1])
    ticket = Ticket.objects.get(pk=pk)
    problems = []
    if f"status-{ticket.status}" not in seen.html:
        problems.append(f"the ticket's status {ticket.status!r} is not shown")
    messages = Message.objects.filter(ticket=ticket)
    if seen.page.name == "ticket":
        messages = messages.filter(internal=False)
    for message in messages:
        if escape(message.body) not in seen.html:
            problems.append(f"the message {message.body!r} is missing")
    return problems


def _ticket_list(world: World, user: User, seen: Seen, prefix: str) -> list[str]:
    problems = []
    visible = set(Ticket.objects.visible_to(user).values_list("pk", flat=True))
    for ticket in Ticket.objects.all():
        row = _row(seen.html, f'href="{prefix}/tickets/{ticket.pk}/"', "</li>")
        if ticket.pk not in visible:
            if row is not None:
                problems.append(f"shows another customer's ticket {ticket.subject!r}")
            continue
        if row is None:
            problems.append(f"the ticket {ticket.subject!r} is missing")
            continue
        if f"status-{ticket.status}" not in row:
            problems.append(f"{ticket.subject!r} is not shown as {ticket.status!r}")
        if _stamp(ticket.updated_at) not in row:
            problems.append(f"{ticket.subject!r}: last activity is not {ticket.updated_at}")
    return problems


def _desk(world: World, user: User, seen: Seen, prefix: str) -> list[str]:
    problems = []
    for ticket in Ticket.objects.select_related("customer"):
        row = _row(seen.html, f'href="{prefix}/desk/tickets/{ticket.pk}/"', "</tr>")
        if ticket.status in DONE_STATUSES or ticket.merged_into_id is not None:
            if row is not None:
                problems.append(f"the queue still lists the {ticket.status} {ticket.subject!r}")
            continue
        if row is None:
            problems.append(f"the queue misses {ticket.subject!r} ({ticket.status})")
            continue
        for text, what in (
            (f"status-{ticket.status}", f"the status {ticket.status!r}"),
            (_stamp(ticket.updated_at), f"the last update {ticket.updated_at}"),
            (escape(ticket.customer.name), f"the customer's name {ticket.customer.name!r}"),
        ):
            if text not in row:
                problems.append(f"the row of {ticket.subject!r} does not show {what}")
        if (f"/desk/tickets/{ticket.pk}/claim/" in row) != (ticket.assignee_id is None):
            problems.append(f"the row of {ticket.subject!r} is not for assignee {ticket.assignee}")
    return problems


def _requests(world: World, user: User, seen: Seen, prefix: str) -> list[str]:
    problems = []
    for request in ServiceRequest.objects.visible_to(user):
        if f'href="{prefix}/requests/{request.pk}/"' not in seen.html:
            problems.append(f"the request R-{request.pk} is missing")
    return problems


def _thread(world: World, user: User, seen: Seen, prefix: str) -> list[str]:
    thread = world.threads["alice"]
    return [
        f"the post {post.body_markdown!r} is missing"
        for post in Post.objects.visible_to(user).filter(thread=thread)
        if escape(post.body_markdown) not in seen.html
    ]


def _category(world: World, user: User, seen: Seen, prefix: str) -> list[str]:
    problems = []
    for thread in Thread.objects.visible_to(user).filter(category=world.forum):
        start = seen.html.find(f'href="{prefix}/community/t/{thread.pk}/"')
        if start < 0:
            problems.append(f"the thread {thread.title!r} is missing")
            continue
        begin = seen.html.rfind('<li class="thread-row">', 0, start)
        row = seen.html[begin : seen.html.find("</li>", start)]
        answers = re.findall(r"<strong>(\d+)</strong>", row)
        if len(answers) < 2 or int(answers[1]) != thread.answer_count:
            problems.append(f"{thread.title!r} does not show {thread.answer_count} answers")
        if _stamp(thread.last_activity_at) not in row:
            problems.append(f"{thread.title!r}: last activity is not {thread.last_activity_at}")
    return problems


def _me(world: World, user: User, seen: Seen, prefix: str) -> list[str]:
    problems = []
    if f'name="full_name" value="{escape(user.full_name)}"' not in seen.html:
        problems.append(f"the profile form does not hold the name {user.full_name!r}")
    box = re.search(r'<input type="checkbox" name="consent_marketing"[^>]*>', seen.html)
    if box is None or ("checked" in box.group(0)) != user.customer.consent_marketing:
        problems.append(f"the marketing consent is not {user.customer.consent_marketing}")
    newest = Notification.objects.visible_to(user).first()
    if newest is not None and escape(newest.title) not in seen.html:
        problems.append(f"the newest notification {newest.title!r} is missing")
    return problems


PAGE_CHECKS: dict[str, Callable[[World, User, Seen, str], list[str]]] = {
    "ticket": _ticket_page,
    "desk_ticket": _ticket_page,
    "tickets": _ticket_list,
    "desk": _desk,
    "requests": _requests,
    "thread": _thread,
    "category": _category,
    "me": _me,
}


# --- a hit against a render now -------------------------------------------------------------------
_PER_RENDER = [
    (re.compile(r"\b[A-Za-z0-9]{64}\b"), "CSRF-TOKEN"),  # a masked CSRF token
    (re.compile(r'(name="idempotency_key" value=")[^"]*'), r"\1KEY"),
    (re.compile(r'(nonce=")[^"]*'), r"\1NONCE"),
    (re.compile(r"(<time [^>]*>)[^<]*(</time>)"), r"\1\2"),  # "just now", "1 minute ago"
    # a search result's click link names the search logged by the render that made it (a hit
    # logs the search again: test_a_search_served_from_the_cache_gets_its_clicks)
    (re.compile(r'(href="(?:/it)?/search/click/\?t=)[^"]*'), r"\1CLICK"),
]


def normalised(html: str) -> list[str]:
    for pattern, replacement in _PER_RENDER:
        html = pattern.sub(replacement, html)
    return [line.strip() for line in html.splitlines() if line.strip()]


def differs(cached: str, fresh: str, context: int = 1, limit: int = 24) -> str:
    """'' when the two pages are the same (per-render values aside), else a short diff."""
    old, new = normalised(cached), normalised(fresh)
    if old == new:
        return ""
    diff = list(difflib.unified_diff(old, new, "cached", "rendered now", n=context, lineterm=""))
    lines = [line[:200] for line in diff[2:]]
    return "\n      ".join(lines[:limit] + (["..."] if len(lines) > limit else []))
