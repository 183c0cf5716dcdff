"""URLs for the page benchmark: the portal's own URLs plus one minimal Django view.

The minimal view is the baseline of ``bench/pages.py``: it runs behind the same middleware,
server and database as the portal's pages, and does no work of its own.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def minimal(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/minimal/", minimal),
    path("", include("portal.urls")),
]
