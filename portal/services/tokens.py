"""API tokens: create (plaintext shown once), authenticate, revoke."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from portal.models import ApiToken, User

TOKEN_PREFIX = "hdp_"  # noqa: S105 - a public marker, not a secret


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *,
    name: str,
    kind: ApiToken.Kind | str,
    user: User,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create a token and return it with its plaintext secret (never stored)."""
    name = name.strip()
    if not name:
        raise ValueError("A token needs a name.")
    if kind not in ApiToken.Kind.values:
        raise ValueError(f"unknown token kind {kind!r}")
    if kind == ApiToken.Kind.INTEGRATION and not user.is_portal_admin:
        raise PermissionError("Only admins create integration tokens.")
    if expires_at is not None and expires_at <= timezone.now():
        raise ValueError("The expiry date must be in the future.")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        name=name,
        kind=kind,
        user=user,
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        digest=_digest(raw),
        expires_at=expires_at,
    )
    return token, raw


def api_token_authenticate(raw: str) -> ApiToken | None:
    """The usable token for a presented secret, or None. Records when it was last used."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = ApiToken.objects.usable().select_related("user").filter(digest=_digest(raw)).first()
    if token is None:
        return None
    if token.user is not None and not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
