"""API token service: the plaintext is returned once and never stored; authenticate, revoke,
expiry; integration tokens only by admins."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from portal import roles
from portal.models import ApiToken
from portal.services.tokens import (
    TOKEN_PREFIX,
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
)
from tests.conftest import make_user

PERSONAL = ApiToken.Kind.PERSONAL
INTEGRATION = ApiToken.Kind.INTEGRATION


def test_create_returns_plaintext_once_and_stores_only_a_digest(alice):
    token, raw = api_token_create(name=" laptop ", kind=PERSONAL, user=alice)
    assert raw.startswith(TOKEN_PREFIX)
    assert len(raw) > 40
    token.refresh_from_db()
    assert token.name == "laptop"
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert raw.startswith(token.prefix)
    assert len(token.prefix) < len(raw) // 3
    stored = [str(value) for value in ApiToken.objects.values_list(flat=False).get()]
    assert raw not in stored
    assert not hasattr(token, "plaintext")


def test_every_token_is_different(alice):
    _first, one = api_token_create(name="a", kind=PERSONAL, user=alice)
    _second, two = api_token_create(name="a", kind=PERSONAL, user=alice)
    assert one != two


def test_authenticate_finds_the_token_and_records_use(alice):
    token, raw = api_token_create(name="laptop", kind=PERSONAL, user=alice)
    assert token.last_used_at is None
    found = api_token_authenticate(raw)
    assert found == token
    assert found.user == alice
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    "wrong", ["", "hdp_", "hdp_wrong", "not-even-prefixed", "hdp_" + "x" * 300]
)
def test_authenticate_rejects_unknown_secrets(alice, wrong):
    api_token_create(name="laptop", kind=PERSONAL, user=alice)
    assert api_token_authenticate(wrong) is None


def test_authenticate_rejects_a_near_miss(alice):
    _token, raw = api_token_create(name="laptop", kind=PERSONAL, user=alice)
    assert api_token_authenticate(raw[:-1]) is None
    assert api_token_authenticate(raw + "x") is None


def test_revoke(alice):
    token, raw = api_token_create(name="laptop", kind=PERSONAL, user=alice)
    api_token_revoke(token=token)
    assert api_token_authenticate(raw) is None
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert not token.is_active
    first_revocation = token.revoked_at
    api_token_revoke(token=token)  # again: nothing changes
    token.refresh_from_db()
    assert token.revoked_at == first_revocation


def test_expiry(alice):
    token, raw = api_token_create(
        name="short", kind=PERSONAL, user=alice, expires_at=timezone.now() + timedelta(hours=1)
    )
    assert api_token_authenticate(raw) == token
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api_token_authenticate(raw) is None
    token.refresh_from_db()
    assert not token.is_active


def test_expiry_must_be_in_the_future(alice):
    with pytest.raises(ValueError, match="future"):
        api_token_create(
            name="x", kind=PERSONAL, user=alice, expires_at=timezone.now() - timedelta(minutes=1)
        )
    assert not ApiToken.objects.exists()


def test_deactivated_owner_cannot_use_their_token(alice):
    _token, raw = api_token_create(name="laptop", kind=PERSONAL, user=alice)
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    assert api_token_authenticate(raw) is None


@pytest.mark.parametrize("persona", ["alice", "ada", "mo"])
def test_integration_tokens_only_by_admins(request, persona):
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionError):
        api_token_create(name="Shop", kind=INTEGRATION, user=user)
    assert not ApiToken.objects.exists()


def test_admin_creates_integration_token(root):
    token, raw = api_token_create(name="Shop", kind=INTEGRATION, user=root)
    assert token.kind == INTEGRATION
    assert token.user == root
    assert api_token_authenticate(raw) == token


def test_admins_group_member_creates_integration_token(db):
    admin = make_user("ann@example.com", groups=[roles.ADMINS], is_staff=True)
    token, _raw = api_token_create(name="Call centre", kind=INTEGRATION, user=admin)
    assert token.kind == INTEGRATION


@pytest.mark.parametrize(("name", "kind"), [("", PERSONAL), ("   ", PERSONAL), ("x", "master")])
def test_create_rejects_bad_input(alice, name, kind):
    with pytest.raises(ValueError):
        api_token_create(name=name, kind=kind, user=alice)
    assert not ApiToken.objects.exists()


def test_visible_to(alice, bob, root):
    mine, _ = api_token_create(name="mine", kind=PERSONAL, user=alice)
    api_token_create(name="bob's", kind=PERSONAL, user=bob)
    shop, _ = api_token_create(name="Shop", kind=INTEGRATION, user=root)
    assert list(ApiToken.objects.visible_to(alice)) == [mine]
    assert shop in ApiToken.objects.visible_to(root)
    assert ApiToken.objects.visible_to(root).count() == 3
