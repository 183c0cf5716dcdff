"""No 500 on big numbers (issue 19): every integer in a URL, a query or a body is bounded.

An unbounded integer reaches the database and overflows its integer column (SQLite:
``OverflowError``; PostgreSQL: out of range): a 500. The API's integers are walked from the
OpenAPI schema, so a new operation with an unbounded integer fails here; the pages' ids go
through the ``<id:...>`` converter (``portal/converters.py``), which a walk of the URL
patterns checks; the page views that read integers from the query are tried by hand.
"""

from __future__ import annotations

import json
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter

from portal.converters import INT_MAX, IdConverter

BIG = "99999999999999999999"  # > 2**64: overflows SQLite's and PostgreSQL's integers
JUST_TOO_BIG = str(INT_MAX + 1)
HUGE_VALUES = (BIG, JUST_TOO_BIG, "-" + BIG)


def _openapi() -> dict:
    import portal.urls  # noqa: F401 (mounts every app's router)
    from portal.api import api

    return api.get_openapi_schema()


def _resolve(schema: dict, spec: dict) -> dict:
    while "$ref" in spec:
        name = spec["$ref"].rsplit("/", 1)[-1]
        spec = schema["components"]["schemas"][name]
    return spec


def _is_integer(schema: dict, spec: dict) -> bool:
    spec = _resolve(schema, spec)
    if spec.get("type") == "integer":
        return True
    return any(_is_integer(schema, option) for option in spec.get("anyOf", ()))


def integer_inputs() -> list[tuple[str, str, str, str]]:
    """(method, path, where, name) for every integer parameter and top-level body field."""
    schema = _openapi()
    found = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            for parameter in operation.get("parameters", ()):
                if _is_integer(schema, parameter.get("schema", {})):
                    found.append((method.upper(), path, parameter["in"], parameter["name"]))
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                properties = _resolve(schema, body["schema"]).get("properties", {})
                for name, spec in properties.items():
                    if _is_integer(schema, spec):
                        found.append((method.upper(), path, "body", name))
    return found


def test_the_walk_finds_the_integers_of_the_api():
    """The walk itself: it sees path ids, query filters and body fields (it can fail)."""
    found = set(integer_inputs())
    assert ("GET", "/api/v1/kb/articles/{article_id}", "path", "article_id") in found
    assert ("GET", "/api/v1/kb/articles", "query", "category") in found
    assert ("GET", "/api/v1/kb/articles", "query", "offset") in found
    assert ("PATCH", "/api/v1/tickets/{ticket_id}", "body", "assignee_id") in found


def _call(client, method: str, path: str, where: str, name: str, value: str):
    url = re.sub(r"\{(\w+)\}", lambda m: value if (where, m[1]) == ("path", name) else "1", path)
    body: dict = {}
    if where == "query":
        url += f"?{name}={value}"
    elif where == "body":
        body = {name: int(value)}
    if method == "GET":
        return client.get(url)
    return client.generic(method, url, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("persona", ["alice", "ada", "root"])
def test_every_integer_of_the_api_is_bounded(db, client, persona, request):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    failures = []
    for method, path, where, name in integer_inputs():
        for value in HUGE_VALUES:
            response = _call(client, method, path, where, name, value)
            if response.status_code >= 500:
                failures.append(f"{method} {path} {where} {name}={value}: {response.status_code}")
            elif response.status_code not in (204, 304):
                assert response["Content-Type"].startswith("application/json"), (method, path)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/kb/articles?category={BIG}",
        f"/api/v1/kb/articles?offset={BIG}",
        f"/api/v1/kb/articles?limit={BIG}",
        f"/api/v1/kb/articles/{BIG}",
        f"/api/v1/kb/articles/{JUST_TOO_BIG}",
        f"/api/v1/tickets?assignee={BIG}",
        f"/api/v1/tickets?assignee={JUST_TOO_BIG}",
        f"/api/v1/tickets/{BIG}",
        f"/api/v1/community/threads/{BIG}",
        f"/api/v1/requests/{BIG}",
        f"/api/v1/metrics?organisation={BIG}",
    ],
)
def test_the_reported_api_urls_are_4xx(client, ada, url):
    client.force_login(ada)
    response = client.get(url)
    assert 400 <= response.status_code < 500, (url, response.status_code)
    assert response.json()["detail"]


def test_a_ticket_assignee_filter_is_a_person_or_me_or_none(client, ada):
    client.force_login(ada)
    assert client.get("/api/v1/tickets?assignee=me").status_code == 200
    assert client.get("/api/v1/tickets?assignee=none").status_code == 200
    assert client.get(f"/api/v1/tickets?assignee={ada.pk}").status_code == 200
    assert client.get("/api/v1/tickets?assignee=someone").status_code == 422


@pytest.mark.parametrize(
    "url",
    [
        f"/search/?q=a&category={BIG}",
        f"/search/?q=a&category={JUST_TOO_BIG}",
        f"/search/?q=a&page={BIG}",
        f"/search/?category={BIG}",
    ],
)
def test_search_ignores_a_huge_filter(client, db, url):
    response = client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        f"/tickets/{BIG}/",
        f"/tickets/{JUST_TOO_BIG}/",
        f"/tickets/1/attachments/{BIG}/",
        f"/desk/tickets/{BIG}/",
        f"/community/t/{BIG}/",
        f"/requests/{BIG}/",
        f"/status/incidents/{BIG}/",
        f"/me/notifications/{BIG}/",
    ],
)
def test_a_huge_id_in_a_page_url_is_404(client, ada, url):
    client.force_login(ada)
    assert client.get(url).status_code == 404


def test_the_id_converter_takes_ids_up_to_the_integer_column():
    converter = IdConverter()
    assert converter.to_python("1") == 1
    assert converter.to_python(str(INT_MAX)) == INT_MAX
    with pytest.raises(ValueError):
        converter.to_python(JUST_TOO_BIG)
    assert not re.fullmatch(converter.regex, BIG)


def _patterns(resolver: URLResolver, prefix: str = ""):
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, route)
        elif isinstance(entry, URLPattern):
            yield route, entry


def test_no_url_takes_an_unbounded_integer():
    """Every ``<int:...>`` of ours would be a 500 with a huge number: ``<id:...>`` instead."""
    unbounded = []
    for route, entry in _patterns(get_resolver()):
        converters = getattr(entry.pattern, "converters", {})
        module = getattr(entry.callback, "__module__", "")
        if any(isinstance(c, IntConverter) for c in converters.values()):
            unbounded.append(f"{route} ({module})")
    ours = [u for u in unbounded if not u.split("(")[-1].startswith(("wagtail", "django"))]
    assert not ours, "use <id:...> for ids in URLs:\n  " + "\n  ".join(ours)
    ids = [r for r, e in _patterns(get_resolver()) if "<id:" in r]
    assert len(ids) > 20  # the walk sees our URLs
