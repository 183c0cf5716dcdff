"""Which failed requests the browser tests forgive: only those the page or the browser gave up."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.e2e.browser import aborted_by_page


@dataclass
class FakeRequest:
    url: str
    failure: str | None
    resource_type: str = "image"
    navigation: bool = False

    def is_navigation_request(self) -> bool:
        return self.navigation


@pytest.mark.parametrize(
    "request_, forgiven",
    [
        (FakeRequest("http://x/static/portal/img/favicon.svg", "net::ERR_ABORTED"), True),
        (FakeRequest("http://x/favicon.ico?v=2", "net::ERR_ABORTED"), True),
        (FakeRequest("http://x/desk/", "net::ERR_ABORTED", "document", True), True),
        (FakeRequest("http://x/desk/rows/", "net::ERR_ABORTED", "xhr"), True),
        (FakeRequest("http://x/static/portal/img/logo.svg", "net::ERR_ABORTED"), False),
        (FakeRequest("http://x/static/portal/app.js", "net::ERR_ABORTED", "script"), False),
        (FakeRequest("http://x/favicon.svg", "net::ERR_CONNECTION_REFUSED"), False),
        (FakeRequest("http://x/desk/rows/", "net::ERR_CONNECTION_RESET", "xhr"), False),
    ],
)
def test_only_requests_given_up_by_the_page_are_forgiven(request_, forgiven):
    assert aborted_by_page(request_) is forgiven
