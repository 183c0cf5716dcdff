"""Every page of the access matrix answers under /it/ as it does unprefixed (issue 17,
docs/i18n.md): the same status for the same persona, redirects that stay in Italian, and
whole pages in Italian (``lang="it"``, Italian interface text, hreflang to themselves).

It reuses the matrix's enumeration (``URL_ROWS`` and ``PREFIX_RULES``: every ``GET`` probe
whose path is a localized page) and its module-wide personas and world
(``tests/portal/test_access_matrix.py``). The other language rules are in
``test_i18n_urls.py``.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.core.signals import request_finished
from django.db import close_old_connections
from django.test import Client

from portal.languages import is_localized
from tests.portal import test_access_matrix as matrix

ITALIAN_UI = "Vai al contenuto principale"  # "Skip to main content", on every page
ENGLISH_UI = "Skip to main content"
REDIRECTS = frozenset({301, 302, 303, 307, 308})


def hreflangs(html: str) -> dict[str, str]:
    found = re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html)
    return {code: unescape(href) for code, href in found}


def _localized_get_cases():
    tables = [*matrix.URL_ROWS.items(), *((r.label, r.probes) for r in matrix.PREFIX_RULES)]
    for key, probes in tables:
        for index, probe in enumerate(probes):
            if probe.method != "GET":
                continue
            fixed = probe.path if isinstance(probe.path, str) else None
            if fixed is not None and not is_localized(fixed.split("?")[0]):
                continue  # the API, the admin, documents...: one address in every language
            for role in matrix.ROLES:
                yield pytest.param(probe, role, id=f"{key}|GET#{index}|{role}")


world = matrix.world
ctx_users = matrix.ctx_users


def _close(response) -> None:
    """End a file's response as the test client ends the others: the request is finished
    (and its language with it) without closing the test's database connection."""
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


def _without_language(location: str) -> str:
    return location.replace("/it/", "/")


@pytest.mark.django_db
@pytest.mark.parametrize(("probe", "role"), list(_localized_get_cases()))
def test_every_page_answers_in_italian_as_in_english(
    probe, role, world, ctx_users, settings, tmp_path
):
    ctx = matrix.Ctx(ctx_users, role, settings, tmp_path)
    ctx.adopt(world.shared)
    path = probe.path(ctx) if callable(probe.path) else probe.path
    assert path.startswith("/") and not path.startswith("/it/"), path
    if not is_localized(path.split("?")[0]):
        return  # a built path outside the localized pages (a document): nothing to compare
    answers = {}
    for prefix in ("", "/it"):
        client = Client()  # no language cookie: the URL alone decides
        if ctx.user is not None:
            client.force_login(ctx.user)
        answers[prefix] = response = client.get(prefix + path)
        if response.streaming:
            _close(response)
    english, italian = answers[""], answers["/it"]
    where = f"GET /it{path} as {role}"
    assert italian.status_code == english.status_code, (
        f"{where}: {italian.status_code} {italian.get('Location', '')}, unprefixed "
        f"{english.status_code} {english.get('Location', '')}"
    )
    if english.status_code in REDIRECTS:
        assert _without_language(italian["Location"]) == english["Location"], where
        target = italian["Location"].split("?")[0]
        if target.startswith("/") and is_localized(target):
            assert italian["Location"].startswith("/it/"), f"{where}: leaves Italian"
    if (
        italian.status_code == 200
        and not italian.streaming
        and italian["Content-Type"].startswith("text/html")
    ):
        html = italian.content.decode()
        if "<html" in html:  # a whole page, not an htmx fragment
            assert '<html lang="it">' in html, where
            assert ITALIAN_UI in html and ENGLISH_UI not in html, where
            assert hreflangs(html)["it"] == f"http://testserver/it{path}", where


def test_the_parity_walk_covers_pages_and_leaves_out_the_api():
    cases = list(_localized_get_cases())
    paths = {case.values[0].path for case in cases if isinstance(case.values[0].path, str)}
    assert {"/", "/me/", "/kb/", "/accounts/login/", "/me/notifications/"} <= paths
    assert len(cases) > 300  # every GET row, for each persona
    assert not any(p.startswith(("/api/", "/admin/", "/healthz")) for p in paths)
