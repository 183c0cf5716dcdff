"""The one rate limiter: a fixed-window counter per key in the shared cache.

Every app counts its writes here (community posts, votes and flags; knowledge-base votes and
beacons) and refuses with its own error when ``rate_limit_hit`` says the key is over its
limit. The cache must be shared between processes (``portal.settings``: Redis, or the
embedded default), or each worker would count on its own.
"""

from __future__ import annotations

from django.core.cache import cache

from portal.services.errors import ServiceError


class RateLimited(ServiceError):
    """Too many actions of one kind from one person in the window: HTTP 429."""

    status_code = 429


def rate_limit_hit(key: str, *, limit: int, window: int) -> bool:
    """Count one action under ``key``; ``True`` while the count in the current ``window``
    (seconds, starting at the first action) is at most ``limit``, ``False`` beyond it."""
    if cache.add(key, 1, window):
        return limit >= 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: this action opens a new window
        cache.set(key, 1, window)
        return limit >= 1
    return count <= limit


def rate_limit(
    key: str,
    *,
    rate: tuple[int, int],
    error: type[Exception] = RateLimited,
    message: str = "",
) -> None:
    """Count one action under ``key`` against ``rate`` (how many, per seconds); raises
    ``error(message)`` beyond it."""
    limit, window = rate
    if not rate_limit_hit(key, limit=limit, window=window):
        raise error(message) if message else error()
