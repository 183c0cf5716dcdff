"""What the browser reports that is not a fault of the page under test."""

from __future__ import annotations

import re

# The browser asks for the icon by itself, next to the page, and drops the request when the
# page is left before it answered (a click on the next link, a redirect).
BROWSER_OWN = re.compile(r"/favicon\.(?:svg|ico|png)$")


def aborted_by_page(request) -> bool:
    """A request the page or the browser gave up on, not one that failed.

    A navigation that a click or a redirect replaced, an htmx request replaced by a newer one
    (hx-sync) or cut by leaving the page, the browser's own icon request when the page moved
    on. A script, a style or an image of the page that does not load still counts, and so does
    any request that failed for another reason (refused, reset, DNS).
    """
    if "ERR_ABORTED" not in (request.failure or ""):
        return False
    return (
        request.is_navigation_request()
        or request.resource_type in ("xhr", "fetch")
        or bool(BROWSER_OWN.search(request.url.split("?", 1)[0]))
    )
