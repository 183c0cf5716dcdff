"""Shared fixtures: the named personas every test talks about.

- alice: customer, admin of organisation Acme (which shares tickets)
- amy: customer, plain member of Acme (alice's colleague)
- bob: customer in another organisation (Globex)
- carol: customer without organisation
- ada: agent (staff, Agents group, team "Support")
- mo: community moderator (not staff)
- root: admin (superuser)
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from portal import roles
from portal.models import Customer, Organisation, Team, User

PASSWORD = "correct-horse-battery-staple"


def make_user(email: str, *, full_name: str = "", groups=(), **extra) -> User:
    user = User.objects.create_user(email=email, password=PASSWORD, full_name=full_name, **extra)
    for name in groups:
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def make_customer(
    user: User | None, *, ref: str, organisation=None, is_org_admin=False
) -> Customer:
    return Customer.objects.create(
        user=user,
        customer_ref=ref,
        email=user.email if user else f"{ref}@example.com",
        name=user.full_name if user else ref,
        organisation=organisation,
        is_org_admin=is_org_admin,
    )


def build_acme() -> Organisation:
    return Organisation.objects.create(name="Acme", slug="acme", share_tickets=True)


def build_globex() -> Organisation:
    return Organisation.objects.create(name="Globex", slug="globex")


def build_alice(acme: Organisation) -> User:
    user = make_user("alice@example.com", full_name="Alice Archer")
    make_customer(user, ref="C-ALICE", organisation=acme, is_org_admin=True)
    return user


def build_amy(acme: Organisation) -> User:
    user = make_user("amy@example.com", full_name="Amy Abbott")
    make_customer(user, ref="C-AMY", organisation=acme)
    return user


def build_bob(globex: Organisation) -> User:
    user = make_user("bob@example.com", full_name="Bob Baker")
    make_customer(user, ref="C-BOB", organisation=globex)
    return user


def build_carol() -> User:
    user = make_user("carol@example.com", full_name="Carol Chen")
    make_customer(user, ref="C-CAROL")
    return user


def build_ada() -> User:
    user = make_user("ada@example.com", full_name="Ada Agent", groups=[roles.AGENTS], is_staff=True)
    team = Team.objects.create(name="Support", slug="support", lead=user)
    team.members.add(user)
    return user


def build_mo() -> User:
    return make_user("mo@example.com", full_name="Mo Moderator", groups=[roles.MODERATORS])


def build_root() -> User:
    return make_user("root@example.com", full_name="Root Admin", is_staff=True, is_superuser=True)


def build_personas() -> dict[str, User]:
    """Every persona but carol, exactly as the fixtures below make them (for set-ups shared by
    many tests: the access matrix builds them once per module)."""
    acme, globex = build_acme(), build_globex()
    return {
        "alice": build_alice(acme),
        "amy": build_amy(acme),
        "bob": build_bob(globex),
        "ada": build_ada(),
        "mo": build_mo(),
        "root": build_root(),
    }


@pytest.fixture
def acme(db) -> Organisation:
    return build_acme()


@pytest.fixture
def globex(db) -> Organisation:
    return build_globex()


@pytest.fixture
def alice(acme) -> User:
    return build_alice(acme)


@pytest.fixture
def amy(acme) -> User:
    return build_amy(acme)


@pytest.fixture
def bob(globex) -> User:
    return build_bob(globex)


@pytest.fixture
def carol(db) -> User:
    return build_carol()


@pytest.fixture
def ada(db) -> User:
    return build_ada()


@pytest.fixture
def mo(db) -> User:
    return build_mo()


@pytest.fixture
def root(db) -> User:
    return build_root()


@pytest.fixture(scope="session", autouse=True)
def _static_files_looked_up_per_request():
    """The tests serve static files from the finders (WHITENOISE_USE_FINDERS), and WhiteNoise
    walks every app's static directory when its middleware starts, which each test's client
    does again: about 0.1 s a test. Autorefresh looks up only the file requested."""
    from django.test import override_settings

    with override_settings(WHITENOISE_AUTOREFRESH=True):
        yield


@pytest.fixture
def client_for(client):
    """``client_for(user)``: a test client logged in as that user (or anonymous for None)."""

    def login(user: User | None):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return login


# --- transactional tests run on their own ----------------------------------------------------
def _transactional(item) -> bool:
    """A test that commits for real (threads, a live server, a crash): ending it flushes the
    database, migrations' rows included (default tiers, the KB index page, ...)."""
    from django.test import TestCase, TransactionTestCase

    marker = item.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        return True
    names = set(getattr(item, "fixturenames", ()))
    if names & {"transactional_db", "live_server", "django_db_serialized_rollback"}:
        return True
    cls = getattr(item, "cls", None)
    return bool(cls and issubclass(cls, TransactionTestCase) and not issubclass(cls, TestCase))


def pytest_collection_modifyitems(config, items) -> None:
    """Mark every transactional test ``serial``. ``make test`` runs the others first on
    parallel workers, then these a whole file per worker (``--dist loadfile``): with work
    stealing, a worker that ran a transactional test (and so flushed its database) could
    otherwise go on with tests that expect the migrations' rows."""
    for item in items:
        if _transactional(item):
            item.add_marker(pytest.mark.serial)


# --- one migrated template database for every test process ----------------------------------
@pytest.fixture(scope="session")
def django_db_setup(
    request,
    django_test_environment,
    django_db_blocker,
    django_db_use_migrations,
    django_db_keepdb,
    django_db_createdb,
    django_db_modify_db_settings,
):
    """pytest-django's set-up, but the migrated database is copied from a template that the
    first process builds (tests/dbtemplate.py): each xdist worker and the serial run would
    otherwise migrate from scratch. ``TEST_DB_TEMPLATE=0``, ``--reuse-db`` or
    ``--no-migrations`` give pytest-django's own set-up."""
    from django.test.utils import setup_databases, teardown_databases

    from tests import dbtemplate

    own = dbtemplate.enabled() and django_db_use_migrations and not django_db_keepdb
    with django_db_blocker.unblock():
        if own:
            db_cfg = dbtemplate.setup_from_template(rebuild=django_db_createdb)
        else:
            from pytest_django.fixtures import _disable_migrations

            if not django_db_use_migrations:
                _disable_migrations()
            db_cfg = setup_databases(
                verbosity=request.config.option.verbose,
                interactive=False,
                keepdb=django_db_keepdb and not django_db_createdb,
            )
    yield
    if not django_db_keepdb:
        with django_db_blocker.unblock():
            teardown_databases(db_cfg, verbosity=request.config.option.verbose)


# --- the demo data, seeded once per module ---------------------------------------------------
@pytest.fixture(scope="module")
def seeded_demo(django_db_setup, django_db_blocker) -> dict[str, int]:
    """``seed_demo`` run once for the module (persona name -> user pk), in a transaction rolled
    back at the end, with its on-commit work (interactions, notifications) run as it would be;
    each test's ``db`` works in a savepoint inside it. Seeding costs tens of seconds: a module
    whose tests read the demo shares one run."""
    from io import StringIO

    from django.core.management import call_command
    from django.db import transaction
    from django.test import TestCase

    with django_db_blocker.unblock(), transaction.atomic():
        with TestCase.captureOnCommitCallbacks(execute=True):
            call_command("seed_demo", stdout=StringIO())
        names = ("alice", "amy", "bob", "carol", "ada", "mo", "root")
        users = User.objects.filter(email__in=[f"{name}@example.com" for name in names])
        yield {user.email.split("@")[0]: user.pk for user in users}
        transaction.set_rollback(True)


# --- commits inside a test's transaction ----------------------------------------------------
@pytest.fixture
def committing(django_capture_on_commit_callbacks):
    """``with committing():`` runs the on-commit callbacks of the writes inside, as a commit
    would: e.g. the page-cache versions (portal/usercache/tracking.py), whose one callback per
    transaction would otherwise have been registered by the fixtures' writes, never to run."""
    from contextlib import contextmanager

    from django.db import connection

    @contextmanager
    def commit():
        connection._usercache_bump = None
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            yield callbacks
        connection._usercache_bump = None

    return commit
