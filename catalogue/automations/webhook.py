"""The generic webhook: how a real back-end (a bank's card system, billing) plugs in.

The request is POSTed as JSON to the configured URL with

- ``X-Portal-Signature: sha256=<hex>``: HMAC-SHA256 of the exact body with the item's secret;
- ``Idempotency-Key``: the same on every retry of one request (``catalogue-R-<id>``), so the
  receiver can ignore repeats.

A 2xx answer fulfils the request (a JSON ``{"message": "..."}`` becomes the result text).
Anything else (an error status, a timeout, a refused connection) is retried with exponential
back-off through the task queue, up to ``max_attempts``; then the request fails and falls back
to a ticket. Every attempt is logged as a ``WebhookDelivery``.

Settings (``automation_config``): ``url`` (http or https), ``secret`` (at least 16
characters), optional ``max_attempts`` (1-10, default 4), ``backoff_seconds`` (default 30:
30 s, 60 s, 120 s, ...) and ``timeout`` (1-30 s, default 10).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalogue.automations.base import Automation, Result, registry

if TYPE_CHECKING:
    from catalogue.models import ServiceRequest

SIGNATURE_HEADER = "X-Portal-Signature"
DEFAULT_ATTEMPTS = 4
DEFAULT_BACKOFF = 30
DEFAULT_TIMEOUT = 10
MAX_BACKOFF = 6 * 3600


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def payload(request: ServiceRequest) -> bytes:
    data = {
        "request": request.number,
        "request_id": request.pk,
        "item": request.item.slug,
        "customer_ref": request.customer.customer_ref,
        "customer_email": request.customer.email,
        "submitted_at": request.created_at,
        "data": request.data,
    }
    return json.dumps(data, cls=DjangoJSONEncoder, sort_keys=True).encode()


def backoff(attempt: int, base: int) -> int:
    """Seconds to wait after failed ``attempt`` (1-based): base, 2*base, 4*base, ..."""
    return min(base * 2 ** (attempt - 1), MAX_BACKOFF)


def _int(config: dict, key: str, default: int) -> int:
    value = config.get(key, default)
    return value if isinstance(value, int) and not isinstance(value, bool) else default


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer (3xx: not accepted), never followed


_opener = urllib.request.build_opener(_NoRedirect)


@registry.register
class Webhook(Automation):
    key = "webhook"
    label = gettext_lazy("Webhook (POST to a back-end system)")
    description = gettext_lazy(
        "POSTs the request as signed JSON to a URL; 2xx fulfils it, anything else is retried "
        "with back-off and then falls back to a ticket."
    )

    def check_config(self, config: dict) -> list[str]:
        problems = []
        if not isinstance(config, dict):
            return [_("The settings must be a JSON object.")]
        url = config.get("url")
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            problems.append(_('"url" must be an http or https address.'))
        secret = config.get("secret")
        if not isinstance(secret, str) or len(secret) < 16:
            problems.append(_('"secret" must be a text of at least 16 characters.'))
        limits = {"max_attempts": (1, 10), "backoff_seconds": (1, 3600), "timeout": (1, 30)}
        for key, (low, high) in limits.items():
            if key in config:
                value = config[key]
                whole = isinstance(value, int) and not isinstance(value, bool)
                if not whole or not low <= value <= high:
                    problems.append(
                        _('"%(key)s" must be a whole number from %(low)d to %(high)d.')
                        % {"key": key, "low": low, "high": high}
                    )
        unknown = set(config) - {"url", "secret", *limits}
        if unknown:
            problems.append(_("Unknown settings: %(keys)s.") % {"keys": ", ".join(sorted(unknown))})
        return problems

    def fulfil(self, request: ServiceRequest) -> Result:
        from catalogue.models import WebhookDelivery

        config = request.item.automation_config or {}
        if self.check_config(config):
            return Result.failed(_("The webhook is not configured correctly."))
        url, secret = config["url"], config["secret"]
        max_attempts = _int(config, "max_attempts", DEFAULT_ATTEMPTS)
        timeout = _int(config, "timeout", DEFAULT_TIMEOUT)
        deliveries = WebhookDelivery.objects.filter(request=request)
        last = deliveries.order_by("-attempt").values_list("attempt", flat=True).first()
        attempt = (last or 0) + 1
        # A re-run by an admin starts a new series of attempts.
        this_run = 1 + (
            deliveries.filter(created_at__gte=request.started_at).count()
            if request.started_at
            else attempt - 1
        )
        body = payload(request)
        http = urllib.request.Request(  # noqa: S310 - scheme checked in check_config
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": "helpdesk-portal-webhook/1",
                SIGNATURE_HEADER: sign(body, secret),
                "Idempotency-Key": f"catalogue-{request.number}",
            },
        )
        started = time.monotonic()
        status, text, error = None, "", ""
        try:
            with _opener.open(http, timeout=timeout) as response:
                status = response.status
                text = response.read(4000).decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            status = exc.code
            text = exc.read(4000).decode("utf-8", "replace") if exc.fp else ""
            error = f"HTTP {exc.code}"
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            error = f"{type(reason).__name__}: {reason}"[:300]
        ok = status is not None and 200 <= status < 300
        delivery = WebhookDelivery.objects.create(
            request=request,
            attempt=attempt,
            url=url[:500],
            status_code=status,
            ok=ok,
            error=error[:300],
            response_excerpt=text[:500],
            duration_ms=int((time.monotonic() - started) * 1000),
        )
        if ok:
            return Result.fulfilled(
                _message(text) or _("Accepted by %(host)s.") % {"host": urlsplit(url).hostname}
            )
        error = error or (f"HTTP {status}" if status else _("no answer"))
        if this_run >= max_attempts:
            return Result.failed(
                _("The back-end did not accept the request after %(n)d attempts (last: %(error)s).")
                % {"n": this_run, "error": error}
            )
        wait = backoff(this_run, _int(config, "backoff_seconds", DEFAULT_BACKOFF))
        delivery.next_attempt_at = timezone.now() + timedelta(seconds=wait)
        delivery.save(update_fields=["next_attempt_at"])
        return Result.retry(
            _("Attempt %(n)d failed (%(error)s).") % {"n": attempt, "error": error}, wait
        )


def _message(text: str) -> str:
    try:
        data = json.loads(text)
    except ValueError:
        return ""
    message = data.get("message") if isinstance(data, dict) else None
    return message.strip()[:1000] if isinstance(message, str) else ""
