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


@pytest.fixture
def acme(db) -> Organisation:
    return Organisation.objects.create(name="Acme", slug="acme", share_tickets=True)


@pytest.fixture
def globex(db) -> Organisation:
    return Organisation.objects.create(name="Globex", slug="globex")


@pytest.fixture
def alice(acme) -> User:
    user = make_user("alice@example.com", full_name="Alice Archer")
    make_customer(user, ref="C-ALICE", organisation=acme, is_org_admin=True)
    return user


@pytest.fixture
def amy(acme) -> User:
    user = make_user("amy@example.com", full_name="Amy Abbott")
    make_customer(user, ref="C-AMY", organisation=acme)
    return user


@pytest.fixture
def bob(globex) -> User:
    user = make_user("bob@example.com", full_name="Bob Baker")
    make_customer(user, ref="C-BOB", organisation=globex)
    return user


@pytest.fixture
def carol(db) -> User:
    user = make_user("carol@example.com", full_name="Carol Chen")
    make_customer(user, ref="C-CAROL")
    return user


@pytest.fixture
def ada(db) -> User:
    user = make_user("ada@example.com", full_name="Ada Agent", groups=[roles.AGENTS], is_staff=True)
    team = Team.objects.create(name="Support", slug="support", lead=user)
    team.members.add(user)
    return user


@pytest.fixture
def mo(db) -> User:
    return make_user("mo@example.com", full_name="Mo Moderator", groups=[roles.MODERATORS])


@pytest.fixture
def root(db) -> User:
    return make_user("root@example.com", full_name="Root Admin", is_staff=True, is_superuser=True)


@pytest.fixture
def client_for(client):
    """``client_for(user)``: a test client logged in as that user (or anonymous for None)."""

    def login(user: User | None):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return login
