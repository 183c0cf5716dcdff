"""A second process for tests/portal/test_shared_cache.py: the portal with its default settings.

Run as ``python tests/portal/cache_process.py [--per-process] ACTIONS_JSON`` with
``DATABASE_URL`` naming a database the test process also uses; pytest is not imported, so the
settings are the embedded default ones (no ``REDIS_URL``: the database cache). Prints one JSON
line: the cache backend and one result per action. ``--per-process`` switches this process to
Django's local-memory cache instead: the control that shows what the tests catch.

Actions (a JSON list of lists):

- ``["set", key, value]`` / ``["get", key]``: the default cache;
- ``["page", path]``: an anonymous GET, answers the ``X-Page-Cache`` header (hit or miss);
- ``["health"]``: the cache's part of ``/healthz``;
- ``["login", email, password, code]``: allauth's login, then its TOTP stage when ``code`` is
  not null; answers whether the session is signed in and whether a rate limit answered.

``MFA_TOTP_PERIOD`` is set to an hour here (and by the test that computes the code) so that
the same code is valid in every process of a test, however slow the machine; the tests' fast
password hasher is accepted too. Nothing else differs from the default settings.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOTP_PERIOD = 3600


def _login(client, email: str, password: str, code: str | None) -> dict:
    response = client.post("/accounts/login/", {"login": email, "password": password})
    texts = [response.content.decode(errors="replace")]
    if code is not None and response.status_code == 302:
        response = client.post(response["Location"], {"code": code})
        texts.append(response.content.decode(errors="replace"))
    text = " ".join(texts)
    return {
        "status": response.status_code,
        "signed_in": "_auth_user_id" in client.session,
        "rate_limited": response.status_code == 429 or "Too many" in text,
    }


def main(argv: list[str]) -> None:
    per_process = "--per-process" in argv
    actions = json.loads(next(arg for arg in argv if not arg.startswith("--")))
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.test import Client
    from django.test.utils import override_settings

    overrides = {
        "MFA_TOTP_PERIOD": TOTP_PERIOD,
        # The tests' users have the tests' fast password hashes.
        "PASSWORD_HASHERS": [
            *settings.PASSWORD_HASHERS,
            "django.contrib.auth.hashers.MD5PasswordHasher",
        ],
    }
    if per_process:
        overrides["CACHES"] = {
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
        }
    override_settings(**overrides).enable()
    results = []
    client = Client()
    for name, *args in actions:
        if name == "set":
            cache.set(args[0], args[1], 300)
            results.append(True)
        elif name == "get":
            results.append(cache.get(args[0]))
        elif name == "page":
            results.append(Client().get(args[0]).get("X-Page-Cache"))
        elif name == "health":
            results.append(Client().get("/healthz").json()["checks"]["cache"])
        elif name == "login":
            client = Client()
            results.append(_login(client, *args))
        else:
            raise SystemExit(f"unknown action {name!r}")
    backend = settings.CACHES["default"]["BACKEND"]
    print(json.dumps({"backend": backend, "results": results}))


if __name__ == "__main__":
    main(sys.argv[1:])
