"""The access matrix: every URL and every API operation, requested as every role.

DESIGN.md: "Every URL and API operation is covered by an access-matrix test (anonymous,
customer, same-org customer, other-org customer, agent, admin); a new URL without a row fails
the suite."

How it works:

- ``URL_ROWS`` maps each URL name (namespace included: ``portal:me``, ``set_language`` ...) to
  one or more probes: a method, a path (built from real objects when the URL has parameters)
  and the expected outcome per role.
- ``API_ROWS`` does the same for every operation in the OpenAPI schema (``"METHOD /path"``).
  The API is called with a personal bearer token of the role (its documented auth).
- ``PREFIX_RULES`` cover third-party URL trees (allauth, the Wagtail admin, documents, page
  serving): a pattern under the prefix is covered only if its view comes from the named
  third-party package; each rule has representative requests asserted for every role.

``test_every_url_has_a_row`` and ``test_every_api_operation_has_a_row`` walk the real URL
resolver and OpenAPI schema and fail, naming the URL, when something has no row (or a row
names something that no longer exists).

Rows live next to their app: ``tests/<app>/matrix_rows.py``
---------------------------------------------------------
This file holds the portal's own rows; every ``tests/*/matrix_rows.py`` is found and merged
automatically (a new app adds that file, nothing here changes). The contract:

- the module defines ``url_rows(m) -> dict[str, list[Probe]]`` (keyed by URL name) and
  ``api_rows(m) -> dict[str, list[Probe]]`` (keyed by ``"METHOD /api/v1/path"`` as the
  OpenAPI schema writes it); either may return ``{}``. ``m`` is this module: use ``m.Probe``,
  ``m.expect``, ``m.signed_in``, ``m.only``, ``m.agents_only``, ``m.admin_only``,
  ``m.admin_rows``, ``m.viewset``, ``m.Redirect``, ``m.LOGIN``, ``m.CUSTOMERS`` ...
- a key already defined by another module is an error (no silent overrides).
- a probe's ``path`` / ``data`` may be a callable of the case's context ``ctx``: ``ctx.role``,
  ``ctx.user`` (None when anonymous), ``ctx.users[name]`` (alice, amy, bob, ada, mo, root),
  ``ctx.settings`` (pytest-django's, restored after the case), ``ctx.tmp_path``. Build the
  objects a path points at inside that callable, through the services, and cache them on the
  context (``ctx.__dict__.setdefault("_<app>", {})``) so path, data and check share them.
- ``check(ctx, response)`` asserts more than the status (what was written, what is shown).

- a rows module may also define ``world(ctx)``: it builds the objects many of its rows share
  (the forum, say) on a context made once per module; every case starts from copies of what
  it cached there, and settings it changed stay changed for the module.

Speed: the personas and the world are created once per module, in a transaction rolled back
at the end; each case runs in its own savepoint (pytest-django's ``db``), so whatever a case
builds or a request writes is gone before the next case, and cases are independent of their
order.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from portal.models import ApiToken, Interaction, Purchase

ROLES = ("anonymous", "alice", "amy", "bob", "ada", "mo", "root")
ROLE_HELP = {
    "anonymous": "not signed in",
    "alice": "customer (Acme, organisation admin)",
    "amy": "same-organisation customer (Acme)",
    "bob": "other-organisation customer (Globex)",
    "ada": "agent (staff, Agents group)",
    "mo": "community moderator",
    "root": "admin (superuser)",
}
CUSTOMERS = ("alice", "amy", "bob")
SIGNED_IN = ("alice", "amy", "bob", "ada", "mo", "root")


# --- outcomes -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Redirect:
    """A redirect whose Location starts with ``to``."""

    to: str
    status: int = 302

    def __str__(self) -> str:
        return f"{self.status} -> {self.to}"


LOGIN = Redirect("/accounts/login/")
Outcome = int | Redirect


def expect(default: Outcome | None = None, **per_role: Outcome) -> dict[str, Outcome]:
    """Outcome per role: ``default`` for every role not named. Every role must end up set."""
    unknown = set(per_role) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")
    table = {role: per_role.get(role, default) for role in ROLES}
    missing = [role for role, outcome in table.items() if outcome is None]
    if missing:
        raise ValueError(f"no outcome for roles {missing}")
    return table


def signed_in(outcome: Outcome, *, anonymous: Outcome = LOGIN, **per_role: Outcome):
    return expect(outcome, anonymous=anonymous, **per_role)


def only(roles: tuple[str, ...], outcome: Outcome, *, others: Outcome, **per_role: Outcome):
    return expect(others, **{role: outcome for role in roles}, **per_role)


# --- the per-test context: personas and the objects paths point at --------------------------
class Ctx:
    def __init__(self, users: dict, role: str, settings, tmp_path) -> None:
        self.role = role
        self.settings = settings
        self.tmp_path = tmp_path
        # Every persona exists in every case, so "other people's objects" are real.
        self.users = users

    _OWN = frozenset({"role", "settings", "tmp_path", "users"})

    def shared(self) -> dict:
        """What the builders cached on this context (cached properties, ``_<app>`` dicts)."""
        return {key: value for key, value in self.__dict__.items() if key not in self._OWN}

    def adopt(self, shared: dict) -> None:
        """Start from the module's shared objects, as copies: a case may change its own
        instances (``refresh_from_db``, a check's edits) without the next case seeing it."""
        self.__dict__.update(copy.deepcopy(shared))

    @property
    def user(self):
        return self.users.get(self.role)

    @cached_property
    def alice_token(self) -> ApiToken:
        from portal.services.tokens import api_token_create

        token, _raw = api_token_create(
            name="alice's script", kind=ApiToken.Kind.PERSONAL, user=self.users["alice"]
        )
        return token

    @cached_property
    def bearer(self) -> str | None:
        """A personal API token for the acting role (None when anonymous)."""
        if self.user is None:
            return None
        from portal.services.tokens import api_token_create

        _token, raw = api_token_create(
            name=f"{self.role} matrix", kind=ApiToken.Kind.PERSONAL, user=self.user
        )
        return raw

    @cached_property
    def admin_objects(self) -> dict:
        """One row of each model the portal's admin viewsets show."""
        from django.utils import timezone

        from portal.models import Customer, Organisation, Product, Subscription, Team

        alice_customer = Customer.objects.get(user=self.users["alice"])
        product = Product.objects.create(name="Matrix fibre", slug="matrix-fibre")
        purchase = Purchase.objects.create(
            customer=alice_customer,
            ordered_at=timezone.now(),
            amount="10.00",
            currency="EUR",
            source="matrix",
            order_ref="MATRIX-ADMIN",
        )
        return {
            "customers": alice_customer,
            "organisations": Organisation.objects.get(slug="acme"),
            "teams": Team.objects.get(slug="support"),
            "products": product,
            "subscriptions": Subscription.objects.create(
                customer=alice_customer, product=product, since=timezone.now()
            ),
            "purchases": purchase,
            "interactions": Interaction.objects.create(
                kind="call", channel="phone", customer=alice_customer
            ),
            "api_tokens": self.alice_token,
        }

    @cached_property
    def kb(self) -> dict:
        """One article per audience: public, customers only, agents only."""
        from knowledgebase.models import Audience, KnowledgeBaseIndexPage
        from tests.knowledgebase.conftest import make_article, make_category

        index = KnowledgeBaseIndexPage.objects.get(slug="kb", locale__language_code="en")
        category = make_category(index, "Matrix cards")
        return {
            "public": make_article(category, "Matrix lost card", tags=("matrixcard",)),
            "customers": make_article(
                category, "Matrix card PIN", audience=Audience.CUSTOMERS, tags=("matrixcard",)
            ),
            "agents": make_article(
                category, "Matrix card fraud playbook", audience=Audience.AGENTS
            ),
        }

    def click_token(self, audience: str) -> str:
        from django.core import signing

        from knowledgebase import services
        from knowledgebase.views import CLICK_SALT

        logged = services.search_log(
            query="matrix card", filters={}, page=1, result_count=3, user=None
        )
        return signing.dumps([logged.pk, "kb", self.kb[audience].pk, 1], salt=CLICK_SALT)

    @cached_property
    def document(self):
        from django.core.files.base import ContentFile
        from wagtail.documents import get_document_model

        self.settings.MEDIA_ROOT = str(self.tmp_path)
        document = get_document_model()(title="Warranty terms")
        document.file.save("warranty.txt", ContentFile(b"Two years."), save=False)
        document.save()
        return document


PathSpec = str | Callable[[Ctx], str]
Check = Callable[[Ctx, Any], None]


@dataclass(frozen=True)
class Probe:
    method: str
    path: PathSpec
    expected: dict[str, Outcome]
    data: dict | list | Callable[[Ctx], dict | list] | None = None
    check: Check | None = None  # extra assertions on (ctx, response)
    note: str = ""


@dataclass(frozen=True)
class PrefixRule:
    """Third-party URLs: a pattern is covered when its route starts with ``prefix`` (or its
    name is ``name``) and its view lives in one of ``packages``."""

    label: str
    packages: tuple[str, ...]
    probes: list[Probe]
    prefix: str | None = None
    name: str | None = None
    # URL names (namespace included) the third party uses; unnamed patterns also pass.
    # Our own Wagtail viewsets use Wagtail's view classes, so the module alone is not enough.
    name_prefixes: tuple[str, ...] = ()

    def covers(self, route: str, name: str | None, module: str) -> bool:
        if self.prefix is not None and not route.startswith(self.prefix):
            return False
        if self.name is not None and name != self.name:
            return False
        if self.name_prefixes and name is not None and not name.startswith(self.name_prefixes):
            return False
        return module.startswith(self.packages)


# --- checks -------------------------------------------------------------------------------
def _token_revoked(ctx: Ctx, response) -> None:
    ctx.alice_token.refresh_from_db()
    assert (ctx.alice_token.revoked_at is not None) is (ctx.role == "alice"), (
        "only alice may revoke alice's token"
    )


def _token_shown(ctx: Ctx, response) -> None:
    if ctx.user is not None:
        assert ApiToken.objects.filter(user=ctx.user, name="matrix token").exists()
        assert b"hdp_" in response.content, "the new token is shown once"
    else:
        assert not ApiToken.objects.filter(name="matrix token").exists()


def _language_cookie(ctx: Ctx, response) -> None:
    assert response.cookies["django_language"].value == "it"


def _healthy_json(ctx: Ctx, response) -> None:
    assert response.json()["status"] == "ok"


def _schema_lists_me(ctx: Ctx, response) -> None:
    assert "/api/v1/me" in response.json()["paths"]


def _me_is_self(ctx: Ctx, response) -> None:
    if response.status_code == 200:
        assert response.json()["email"] == ctx.user.email


def _purchase_created(ctx: Ctx, response) -> None:
    created = Purchase.objects.filter(order_ref="MATRIX-1").exists()
    assert created is (response.status_code == 201), "a purchase row only when accepted"


def _interaction_created(ctx: Ctx, response) -> None:
    created = Interaction.objects.filter(kind="call", metadata__matrix=True).exists()
    assert created is (response.status_code == 201), "an interaction row only when accepted"


AUDIENCES_SEEN = {
    "anonymous": {"public"},
    "alice": {"public", "customers"},
    "amy": {"public", "customers"},
    "bob": {"public", "customers"},
    "mo": {"public", "customers"},
    "ada": {"public", "customers", "agents"},
    "root": {"public", "customers", "agents"},
}


def kb_titles_match_audience(ctx: Ctx, response) -> None:
    content = re.sub(r"<[^>]+>", "", response.content.decode())  # search highlights terms
    for audience, article in ctx.kb.items():
        shown = article.title in content
        assert shown is (audience in AUDIENCES_SEEN[ctx.role]), (
            f"{article.title!r} ({audience} article) {'shown' if shown else 'hidden'}"
        )


def _sitemap_public_only(ctx: Ctx, response) -> None:
    xml = response.content.decode()
    assert ctx.kb["public"].url in xml
    for audience in ("customers", "agents"):
        assert ctx.kb[audience].url not in xml, f"{audience} article in the sitemap"


def kb_path(audience: str, template: str) -> Callable[[Ctx], str]:
    return lambda ctx: template.format(id=ctx.kb[audience].pk)


def after_kb(path: str) -> Callable[[Ctx], str]:
    """A fixed path, requested once the knowledge-base articles exist."""

    def build(ctx: Ctx) -> str:
        assert ctx.kb
        return path

    return build


def kb_url(audience: str) -> Callable[[Ctx], str]:
    return lambda ctx: ctx.kb[audience].url


def kb_sees(audience: str, yes: Outcome, no: Outcome) -> dict[str, Outcome]:
    return expect(**{role: yes if audience in AUDIENCES_SEEN[role] else no for role in ROLES})


def _notification_path(ctx: Ctx) -> str:
    """alice's notification (it links to her tickets)."""
    from portal.models import Notification

    notification = Notification.objects.create(
        user=ctx.users["alice"], kind="matrix", event_key="matrix", title="Hi", url="/tickets/"
    )
    return f"/me/notifications/{notification.pk}/"


def _revoke_path(ctx: Ctx) -> str:
    return reverse("portal:token_revoke", args=[ctx.alice_token.pk])


def _purchase_body(ctx: Ctx) -> dict:
    return {
        "purchases": [
            {
                "customer_ref": "C-BOB",
                "ordered_at": "2026-11-01T10:00:00+00:00",
                "amount": "49.90",
                "currency": "EUR",
                "order_ref": "MATRIX-1",
            }
        ]
    }


def _interaction_body(ctx: Ctx) -> dict:
    return {
        "customer_ref": "C-BOB",
        "kind": "call",
        "channel": "phone",
        "occurred_at": "2026-11-20T09:30:00+00:00",
        "metadata": {"matrix": True},
    }


# --- our own pages in the Wagtail admin --------------------------------------------------------
# Only admins hold wagtailadmin.access_admin (portal.apps.ensure_role_groups): Wagtail bounces
# everyone else to the sign-in page before any per-model policy (portal.admin_views) is asked.
# Agents included: the agent=VIEW policies of some viewsets are not reachable today.
def admin_only(path: str) -> dict[str, Outcome]:
    return only(("root",), 200, others=Redirect(f"/accounts/login/?next={path}"), anonymous=LOGIN)


def _admin_path(template: str, key: str | None = None) -> Callable[[Ctx], str]:
    def build(ctx: Ctx) -> str:
        pk = ctx.admin_objects[key].pk if key else ""
        return template.format(pk=pk)

    return build


def admin_rows(namespace: str, views: dict[str, str]) -> dict[str, list[Probe]]:
    """GET every view of one of our admin viewsets: ``{"index": "/admin/x/", ...}``;
    ``{pk}`` in a path is the viewset's object (Ctx.admin_objects[namespace])."""
    rows = {}
    for view, template in views.items():
        path = _admin_path(template, namespace if "{pk}" in template else None)
        # The bounce keeps the exact path in ?next=; match on the fixed part before {pk}.
        fixed = template.split("{pk}")[0]
        expected = admin_only(fixed)
        rows[f"{namespace}:{view}"] = [Probe("GET", path, expected)]
    return rows


def viewset(prefix: str, *views: str) -> dict[str, str]:
    paths = {
        "index": "",
        "index_results": "results/",
        "add": "new/",
        "edit": "edit/{pk}/",
        "delete": "delete/{pk}/",
        "inspect": "inspect/{pk}/",
        "history": "history/{pk}/",
        "history_results": "history-results/{pk}/",
        "revoke": "revoke/{pk}/",
    }
    return {view: f"/admin/{prefix}/{paths[view]}" for view in views}


ADMIN_ROWS: dict[str, list[Probe]] = {
    **admin_rows(
        "customers", viewset("customers", "index", "index_results", "add", "edit", "inspect")
    ),
    **admin_rows(
        "organisations",
        viewset("organisations", "index", "index_results", "add", "edit", "delete", "inspect"),
    ),
    **admin_rows("teams", viewset("teams", "index", "index_results", "add", "edit", "delete")),
    **admin_rows(
        "products", viewset("products", "index", "index_results", "add", "edit", "inspect")
    ),
    **admin_rows("subscriptions", viewset("subscriptions", "index", "index_results", "inspect")),
    **admin_rows("purchases", viewset("purchases", "index", "index_results", "inspect")),
    **admin_rows("interactions", viewset("interactions", "index", "index_results", "inspect")),
    **admin_rows(
        "api_tokens",
        viewset(
            "api_tokens",
            "index",
            "index_results",
            "add",
            "inspect",
            "history",
            "history_results",
            "revoke",
        ),
    ),
}

# --- our own URLs ---------------------------------------------------------------------------


def agents_only(outcome: Outcome, **per_role: Outcome) -> dict[str, Outcome]:
    """The desk: agents and admins get ``outcome``; everyone else 403, anonymous the login."""
    return {**only(("ada", "root"), outcome, others=403, anonymous=LOGIN), **per_role}


URL_ROWS: dict[str, list[Probe]] = {
    **ADMIN_ROWS,
    "portal:home": [Probe("GET", "/", expect(200))],
    "portal:me": [
        Probe("GET", "/me/", signed_in(200)),
        Probe("POST", "/me/", signed_in(400), data={"language": "xx"}, note="invalid form"),
        Probe(
            "POST",
            "/me/",
            signed_in(Redirect("/me/")),
            data={"full_name": "Matrix Name", "language": "en"},
        ),
        Probe("PUT", "/me/", signed_in(405)),
    ],
    "portal:token_create": [
        Probe("GET", "/me/tokens/", signed_in(405)),
        Probe(
            "POST",
            "/me/tokens/",
            signed_in(200),
            data={"name": "matrix token"},
            check=_token_shown,
        ),
    ],
    "portal:token_revoke": [
        Probe("GET", _revoke_path, signed_in(405)),
        Probe(
            "POST",
            _revoke_path,
            signed_in(404, alice=Redirect("/me/")),
            check=_token_revoked,
            note="alice's token: only alice revokes it; anyone else gets 404 (even admins: "
            "personal tokens are revoked by their owner)",
        ),
    ],
    "healthz": [
        Probe("GET", "/healthz", expect(200), check=_healthy_json),
        Probe("POST", "/healthz", expect(405)),
    ],
    "set_language": [
        Probe(
            "POST",
            "/i18n/setlang/",
            expect(Redirect("/it/me/")),
            data={"language": "it", "next": "/me/"},
            note="the same page in the language chosen",
            check=_language_cookie,
        ),
        Probe("GET", "/i18n/setlang/?next=/me/", expect(Redirect("/me/")), note="no change"),
    ],
    "admin_login_redirect": [
        Probe(
            "GET", "/admin/login/?next=/admin/", expect(Redirect("/accounts/login/?next=/admin/"))
        )
    ],
    "wagtail_login_redirect": [
        Probe("GET", "/_util/login/", expect(LOGIN), note="no password form outside allauth")
    ],
    "sitemap": [
        Probe(
            "GET",
            after_kb("/sitemap.xml"),
            expect(200),
            check=_sitemap_public_only,
            note="the same public sitemap for everyone",
        )
    ],
    # --- notifications ---
    "portal:notifications": [
        Probe("GET", "/me/notifications/", signed_in(200)),
        Probe("GET", "/me/notifications/?page=zz", signed_in(200)),
    ],
    "portal:notification_settings": [
        Probe("GET", "/me/notifications/settings/", signed_in(200)),
        Probe(
            "POST",
            "/me/notifications/settings/",
            signed_in(Redirect("/me/notifications/settings/")),
            data={"web_ticket_updates": "on"},
        ),
    ],
    "portal:notifications_read": [
        Probe("POST", "/me/notifications/read/", signed_in(Redirect("/me/notifications/"))),
        Probe("GET", "/me/notifications/read/", signed_in(405)),
    ],
    "portal:notification_open": [
        Probe(
            "GET",
            _notification_path,
            signed_in(404, alice=Redirect("/tickets/")),
            note="alice's notification: only alice opens it",
        ),
    ],
    "api:openapi-json": [Probe("GET", "/api/v1/openapi.json", expect(200), check=_schema_lists_me)],
    "api:openapi-view": [Probe("GET", "/api/v1/docs", expect(200))],
    "api:api-root": [Probe("GET", "/api/v1/", expect(404))],
}

# --- API operations (OpenAPI "METHOD /path") --------------------------------------------------
API_ROWS: dict[str, list[Probe]] = {
    "GET /api/v1/me": [
        Probe("GET", "/api/v1/me", signed_in(200, anonymous=401), check=_me_is_self)
    ],
    "POST /api/v1/purchases": [
        Probe(
            "POST",
            "/api/v1/purchases",
            only(("root",), 201, others=403, anonymous=401),
            data=_purchase_body,
            check=_purchase_created,
        ),
        Probe(
            "POST",
            "/api/v1/purchases",
            only(("root",), 422, others=403, anonymous=401),
            data={"purchases": []},
            note="an empty list is refused",
        ),
    ],
    "POST /api/v1/interactions": [
        Probe(
            "POST",
            "/api/v1/interactions",
            only(("ada", "root"), 201, others=403, anonymous=401),
            data=_interaction_body,
            check=_interaction_created,
        ),
        Probe(
            "POST",
            "/api/v1/interactions",
            only(("ada", "root"), 422, others=403, anonymous=401),
            data={"customer_ref": "C-BOB", "kind": "no-such-kind"},
            note="an unknown kind is refused",
        ),
    ],
}


# --- rows kept next to their apps: tests/<app>/matrix_rows.py (see the module docstring) -------
def row_modules() -> list[str]:
    """Every ``tests/<app>/matrix_rows.py``, as dotted module names."""
    tests_dir = Path(__file__).resolve().parents[1]
    return sorted(
        f"tests.{found.parent.name}.matrix_rows" for found in tests_dir.glob("*/matrix_rows.py")
    )


def _portal_world(ctx: Ctx) -> None:
    assert ctx.kb  # Wagtail pages: about a second to build, asked for by many rows


#: ``world(ctx)`` of each rows module (and the portal's own): builds the objects many cases
#: share, once per module (see the ``world`` fixture), instead of once per case.
WORLD_BUILDERS: list[Callable[[Ctx], None]] = [_portal_world]


def _merge_app_rows() -> None:
    import importlib
    import sys

    this = sys.modules[__name__]
    for dotted in row_modules():
        module = importlib.import_module(dotted)
        if hasattr(module, "world"):
            WORLD_BUILDERS.append(module.world)
        for target, rows in ((URL_ROWS, module.url_rows(this)), (API_ROWS, module.api_rows(this))):
            clash = set(target) & set(rows)
            if clash:
                raise ValueError(f"{dotted} redefines rows {sorted(clash)}")
            target.update(rows)


_merge_app_rows()

# --- third-party URL trees -------------------------------------------------------------------
NO_ADMIN_ACCESS = Redirect("/accounts/login/?next=/admin/")
PREFIX_RULES: list[PrefixRule] = [
    PrefixRule(
        "allauth accounts",
        prefix="accounts/",
        packages=("allauth.",),
        name_prefixes=("account_", "mfa_"),
        probes=[
            Probe("GET", "/accounts/login/", signed_in(Redirect("/"), anonymous=200)),
            Probe("GET", "/accounts/signup/", signed_in(Redirect("/"), anonymous=200)),
            Probe("GET", "/accounts/email/", signed_in(200)),
            Probe("GET", "/accounts/password/change/", signed_in(200)),
            Probe("GET", "/accounts/2fa/", signed_in(200)),
            Probe("GET", "/accounts/password/reset/", expect(200)),
        ],
    ),
    PrefixRule(
        "Wagtail admin",
        prefix="admin/",
        packages=("wagtail.", "django.views.generic."),
        name_prefixes=("wagtail",),
        probes=[
            # Only admins hold wagtailadmin.access_admin; everyone else (customers, agents,
            # moderators) is bounced back to the sign-in page with a message.
            Probe("GET", "/admin/", only(("root",), 200, others=NO_ADMIN_ACCESS, anonymous=LOGIN)),
            Probe(
                "GET",
                "/admin/users/",
                only(("root",), 200, others=Redirect("/accounts/login/?next=/admin/users/")),
            ),
            Probe(
                "GET",
                "/admin/pages/",
                only(("root",), 200, others=Redirect("/accounts/login/?next=/admin/pages/")),
            ),
            Probe("GET", "/admin/password_reset/", expect(404), note="passwords are allauth's"),
        ],
    ),
    PrefixRule(
        "wagtail-localize (translation editor, locales; issue 17)",
        prefix="admin/",
        packages=("wagtail_localize.", "django.views.i18n"),
        name_prefixes=("wagtail_localize:", "wagtaillocales:"),
        probes=[
            Probe(
                "GET",
                "/admin/localize/reports/translations/",
                only(
                    ("root",),
                    200,
                    others=Redirect("/accounts/login/?next=/admin/localize/reports/translations/"),
                ),
            ),
            Probe(
                "GET",
                "/admin/locales/",
                only(("root",), 200, others=Redirect("/accounts/login/?next=/admin/locales/")),
            ),
        ],
    ),
    PrefixRule(
        "Wagtail documents",
        prefix="documents/",
        packages=("wagtail.documents.",),
        name_prefixes=("wagtaildocs_",),
        probes=[
            Probe("GET", lambda ctx: ctx.document.url, expect(200), note="root collection"),
            Probe("GET", "/documents/999999/missing.pdf", expect(404)),
        ],
    ),
    PrefixRule(
        "Wagtail private-page helpers",
        prefix="_util/",
        packages=("wagtail.", "django.contrib.auth.views"),
        name_prefixes=("wagtailcore_",),
        probes=[Probe("GET", "/_util/authenticate_with_password/999/999/", expect(404))],
    ),
    PrefixRule(
        "Wagtail page serving (catch-all)",
        name="wagtail_serve",
        packages=("wagtail.",),
        probes=[
            Probe("GET", "/no-such-page/", expect(404)),
            Probe("GET", "/kb/", expect(200)),
            Probe("GET", kb_url("public"), expect(200)),
            Probe(
                "GET",
                kb_url("customers"),
                kb_sees("customers", 200, 404) | {"anonymous": LOGIN},
                note="customer articles ask anonymous visitors to sign in",
            ),
            Probe("GET", kb_url("agents"), kb_sees("agents", 200, 404)),
        ],
    ),
    PrefixRule(
        "media files (DEBUG only)",
        prefix="^media/",
        packages=("django.views.static",),
        probes=[Probe("GET", "/media/no-such-file.txt", expect(404))],
    ),
]


# --- walking the project ---------------------------------------------------------------------
@dataclass(frozen=True)
class Route:
    route: str
    name: str | None
    module: str

    def __str__(self) -> str:
        return f"{self.name or '(unnamed)'} at /{self.route} (view in {self.module})"


def iter_routes(patterns=None, prefix: str = "", namespace: str | None = None) -> Iterator[Route]:
    if patterns is None:
        patterns = get_resolver().url_patterns
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from iter_routes(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = pattern.name
            if name and namespace:
                name = f"{namespace}:{name}"
            yield Route(prefix + str(pattern.pattern), name, pattern.callback.__module__)


def openapi_operations() -> set[str]:
    from portal.api import api

    operations = set()
    for path, methods in api.get_openapi_schema()["paths"].items():
        for method in methods:
            operations.add(f"{method.upper()} {path}")
    return operations


def _openapi_path(route: str) -> str:
    """``api/v1/tickets/<int:id>`` -> ``/api/v1/tickets/{id}`` (as the schema writes it)."""
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def test_every_url_has_a_row():
    api_paths = {operation.split(" ", 1)[1] for operation in openapi_operations()}
    missing, seen_names = [], set()
    for route in iter_routes():
        seen_names.add(route.name)
        if route.name in URL_ROWS:
            continue
        if (route.name or "").startswith("api:") and _openapi_path(route.route) in api_paths:
            continue  # an API operation: test_every_api_operation_has_a_row checks its row
        if any(rule.covers(route.route, route.name, route.module) for rule in PREFIX_RULES):
            continue
        missing.append(str(route))
    assert not missing, (
        "URLs without an access-matrix row (add them to url_rows() in "
        "tests/<app>/matrix_rows.py):\n  " + "\n  ".join(missing)
    )
    stale = sorted(set(URL_ROWS) - seen_names)
    assert not stale, f"access-matrix rows for URLs that no longer exist: {stale}"


def test_every_api_operation_has_a_row():
    operations = openapi_operations()
    missing = sorted(operations - set(API_ROWS))
    assert not missing, (
        "API operations without an access-matrix row (add them to api_rows() in "
        "tests/<app>/matrix_rows.py): " + ", ".join(missing)
    )
    stale = sorted(set(API_ROWS) - operations)
    assert not stale, f"access-matrix rows for API operations that no longer exist: {stale}"


def test_every_rule_matches_something():
    routes = list(iter_routes())
    for rule in PREFIX_RULES:
        if rule.prefix == "^media/":
            continue  # only mounted with DEBUG on
        assert any(rule.covers(r.route, r.name, r.module) for r in routes), rule.label


def test_the_walk_sees_our_urls_and_rejects_a_new_one():
    """The coverage check itself can fail: a view of ours under a third-party prefix is not
    covered by that prefix's rule, and an unknown name is not in the table."""
    routes = {route.name: route for route in iter_routes()}
    assert routes["portal:token_revoke"].route == "me/tokens/<id:pk>/revoke/"
    assert routes["api:me"].route == "api/v1/me"
    sneaky = Route("admin/reports/secret/", "reports:secret", "insights.views")
    assert not any(rule.covers(sneaky.route, sneaky.name, sneaky.module) for rule in PREFIX_RULES)
    assert sneaky.name not in URL_ROWS


# --- requesting everything as everyone -------------------------------------------------------
def _cases() -> Iterator[Any]:
    tables = [("url", URL_ROWS), ("api", API_ROWS)]
    for kind, table in tables:
        for key, probes in table.items():
            for index, probe in enumerate(probes):
                for role in ROLES:
                    yield pytest.param(kind, probe, role, id=f"{key}|{probe.method}#{index}|{role}")
    for rule in PREFIX_RULES:
        for index, probe in enumerate(rule.probes):
            for role in ROLES:
                yield pytest.param(
                    "url", probe, role, id=f"{rule.label}|{probe.method}#{index}|{role}"
                )


def _request(ctx: Ctx, kind: str, probe: Probe, client):
    path = probe.path(ctx) if callable(probe.path) else probe.path
    data = probe.data(ctx) if callable(probe.data) else probe.data
    method = getattr(client, probe.method.lower())
    if kind == "api":
        headers = {"Authorization": f"Bearer {ctx.bearer}"} if ctx.bearer else {}
        if probe.method == "GET":
            return path, method(path, headers=headers)
        return path, method(path, data=data or {}, content_type="application/json", headers=headers)
    if ctx.user is not None:
        client.force_login(ctx.user)
    if probe.method in {"GET", "HEAD"}:
        return path, method(path)
    return path, method(path, data=data or {})


class ModuleSettings:
    """Settings changed by attribute (like pytest-django's ``settings``) for a whole module."""

    def __init__(self) -> None:
        object.__setattr__(self, "_overrides", [])

    def __setattr__(self, name: str, value: Any) -> None:
        from django.test import override_settings

        override = override_settings(**{name: value})
        override.enable()
        self._overrides.append(override)

    def __getattr__(self, name: str) -> Any:
        from django.conf import settings

        return getattr(settings, name)

    def restore(self) -> None:
        while self._overrides:
            self._overrides.pop().disable()


@dataclass(frozen=True)
class World:
    users: dict[str, int]  # persona name -> pk
    shared: dict  # what the world builders cached on their context


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[World]:
    """The personas and the objects many rows point at (KB articles, the forum, ...), created
    once for the module in a transaction that is rolled back at the end (what Django's
    TestCase.setUpTestData does). Each case's ``db`` opens a savepoint inside it, so a case
    never sees what an earlier one wrote. Settings the builders change (rate limits off,
    MEDIA_ROOT) stay changed for the module's cases."""
    from django.db import transaction

    from tests.conftest import build_personas

    settings = ModuleSettings()
    try:
        with django_db_blocker.unblock(), transaction.atomic():
            users = build_personas()
            builder = Ctx(users, "root", settings, tmp_path_factory.mktemp("matrix-world"))
            for build in WORLD_BUILDERS:
                build(builder)
            yield World({name: user.pk for name, user in users.items()}, builder.shared())
            transaction.set_rollback(True)
    finally:
        settings.restore()


@pytest.fixture
def ctx_users(world, db) -> dict:
    """Fresh instances of the module's personas for one case (one query)."""
    from portal.models import User

    by_pk = User.objects.in_bulk(world.users.values())
    return {name: by_pk[pk] for name, pk in world.users.items()}


@pytest.mark.django_db  # static: a fixture-only request would not set up the test database
@pytest.mark.parametrize(("kind", "probe", "role"), list(_cases()))
def test_access(kind, probe: Probe, role, world, ctx_users, client, settings, tmp_path):
    ctx = Ctx(ctx_users, role, settings, tmp_path)
    ctx.adopt(world.shared)
    path, response = _request(ctx, kind, probe, client)
    wanted = probe.expected[role]
    location = response.get("Location", "")
    where = f"{probe.method} {path} as {role} ({ROLE_HELP[role]})"
    if isinstance(wanted, Redirect):
        assert response.status_code == wanted.status and location.startswith(wanted.to), (
            f"{where}: expected {wanted}, got {response.status_code} {location}"
        )
    else:
        assert response.status_code == wanted, (
            f"{where}: expected {wanted}, got {response.status_code} {location}"
        )
    if probe.check is not None:
        probe.check(ctx, response)


def test_rows_state_an_outcome_for_every_role():
    for _kind, probe, _role in (case.values for case in _cases()):
        assert set(probe.expected) == set(ROLES)
