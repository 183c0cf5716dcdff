"""The signed-in page cache: pages customers and agents read all day, kept per person and
session until anything they show changes (issue 20).

A signed-in page costs 7-25 ms of Python to render (template nodes, ``reverse``, look-ups),
against about 0.2 ms for a minimal view. Most requests for such a page (the queue an agent
reloads, "my tickets") would render the same bytes as the last time. A view opts in with
``cache_signed_in``; ``SignedInPageCacheMiddleware`` then keeps its response and serves it
again, without the view or the templates, for as long as it is certainly the same:

- **Keyed by everything a page is rendered from outside the database**: host, path, query
  string, the language answered in, the session key and its data, the CSRF cookie (a cached
  form's token must be the one this browser's cookie checks), the signed-in user's row (a
  fingerprint of every column: a role, name or language change is a new key), and the day.
- **Checked against every table it read**: while the page renders, ``tracking.recording``
  collects the tables its statements read; the entry keeps their versions as they were
  *before* rendering began (``portal_tableversion``). Any committed write to one of those
  tables, by any process (``tracking.track``: every connection, every write), changes its
  version, and the page is rendered again. So a reply, a status change, a notification, an
  incident or a role change shows on the next request; no code has to remember to drop an
  entry.
- **At most ``PORTAL_SIGNED_IN_CACHE_SECONDS``** (30 s by default): relative times ("5 minutes
  ago") and SLA clocks move without any write.

Never stored: a response that is not a 200, streams, sets a cookie (a new CSRF cookie, a new
session), or whose request wrote to a table it read; a request with pending messages
(``messages`` cookie or in the session), an htmx request, any method but GET. A request that
wrote only to tables it did not read (a search logs itself) may be stored when the view asks
for that write to happen again on every hit (``repeat_on_hit``), so no log entry is lost.

``PORTAL_SIGNED_IN_CACHE`` switches it off (the default under tests, where pages must reflect
each test's writes inside one transaction). Responses say ``X-Page-Cache: hit`` or ``miss``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse

from portal.usercache import tracking
from portal.usercache.middleware import SignedInPageCacheMiddleware

ATTRIBUTE = "signed_in_cacheable"
REPEAT = "signed_in_repeat"

__all__ = ["SignedInPageCacheMiddleware", "cache_signed_in", "repeat_on_hit"]


def cache_signed_in(view: Callable) -> Callable:
    """View decorator: the middleware may keep this view's responses (see the module docs)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        setattr(response, ATTRIBUTE, True)
        return response

    # Read by the middleware on the resolved view (``functools.wraps`` carries it through the
    # decorators above this one): other views' requests never touch the cache.
    setattr(wrapped, ATTRIBUTE, True)
    return wrapped


def repeat_on_hit[T](request: HttpRequest, func: Callable[[HttpRequest, dict], T], data: dict) -> T:
    """Run ``func(request, data)`` now, and again each time this response is served from the
    cache (a module-level function: it is kept by its dotted name), for writes a GET must make
    on every request, such as the search log. What it reads is not part of the page. When it
    returns a list of strings (tokens it put in the page, such as signed links naming the row
    it wrote), a hit replaces each of them in the page by what it returns then."""
    repeats = getattr(request, REPEAT, None)
    if repeats is None:
        repeats = []
        setattr(request, REPEAT, repeats)
    with tracking.reads_ignored():
        result = func(request, data)
    repeats.append((f"{func.__module__}.{func.__qualname__}", data, result))
    return result
