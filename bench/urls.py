"""URLs for the page benchmark: the portal's own URLs plus one minimal Django view.

The minimal view is the baseline of ``bench/pages.py``: it runs behind the same middleware,
server and database as the portal's pages, and does no work of its own. The portal's patterns
are listed, not included: they hold ``i18n_patterns``, which Django allows only in the root
URLconf.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from portal.urls import handler500  # noqa: F401 - the portal's error page
from portal.urls import urlpatterns as portal_urlpatterns


def minimal(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/minimal/", minimal), *portal_urlpatterns]
