"""The client's address, the same for allauth's login rate limits and for ours.

Behind a TLS-terminating proxy ``REMOTE_ADDR`` is the proxy's address: every visitor would
share one rate-limit bucket. Two settings say which forwarded address to believe:

- ``TRUSTED_CLIENT_IP_HEADER``: a header your proxy sets to the client's address and
  strips from incoming requests (``X-Real-IP`` from nginx, ``CF-Connecting-IP`` from
  Cloudflare).
- ``TRUSTED_PROXY_COUNT``: how many proxies of yours append to ``X-Forwarded-For``. The
  client is the entry that the outermost of them appended (the N-th from the right);
  entries further left were sent by the client and are not believed.

Without either (the default) only ``REMOTE_ADDR`` counts, so a client cannot choose its
own address by sending a header. A header that is missing, too short or not an address
falls back to ``REMOTE_ADDR``.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _address(value: str) -> str | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [::1]:443
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # 203.0.113.7:443
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address as the trusted proxies report it (see the module)."""
    header = settings.TRUSTED_CLIENT_IP_HEADER
    if header:
        address = _address(request.headers.get(header, "").split(",")[0])
        if address:
            return address
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        hops = [hop for hop in request.headers.get("X-Forwarded-For", "").split(",") if hop]
        if len(hops) >= count:
            address = _address(hops[-count])
            if address:
                return address
    return _address(request.META.get("REMOTE_ADDR", ""))
