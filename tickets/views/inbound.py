"""The inbound email webhook: an email service provider posts each received message to
``/tickets/mail/inbound/``, which hands it to the intake service
(``tickets.services.intake.mail_intake``), the same path as ``mail_receive`` and ``mail_fetch``.

django-anymail's inbound views parse and verify the provider's post: ``EMAIL_INBOUND_ESP``
picks Mailgun, Postmark, SendGrid or Amazon SES. Every post must carry the basic-auth
credentials of ``ANYMAIL_WEBHOOK_SECRET`` (give the provider the URL as
``https://user:password@host/tickets/mail/inbound/``); Mailgun's posts are also checked
against their signature (``ANYMAIL_MAILGUN_WEBHOOK_SIGNING_KEY``), Amazon SES's against the
SNS topic. Without a provider or a secret the URL is a 404: never an open door.

Answers: 200 when the message is stored (whatever became of it), 400 when the post fails
verification (anymail), 413 when it is larger than ``EMAIL_INBOUND_MAX_MB``, 5xx when it
could not be stored (the provider retries later).
"""

from __future__ import annotations

import logging
from functools import cache

from anymail.signals import inbound
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from tickets.services.intake import IntakeError, mail_intake

logger = logging.getLogger(__name__)

#: EMAIL_INBOUND_ESP -> django-anymail's inbound view for that provider
PROVIDERS = {
    "mailgun": "anymail.webhooks.mailgun.MailgunInboundWebhookView",
    "postmark": "anymail.webhooks.postmark.PostmarkInboundWebhookView",
    "sendgrid": "anymail.webhooks.sendgrid.SendGridInboundWebhookView",
    "amazon_ses": "anymail.webhooks.amazon_ses.AmazonSESInboundWebhookView",
}


@cache
def _provider_view(esp: str):
    from django.utils.module_loading import import_string

    return import_string(PROVIDERS[esp]).as_view()


def _message_received(sender, event, esp_name: str, **kwargs) -> None:
    """anymail's inbound signal: one parsed message from the provider."""
    message = event.message
    if message is None:
        return
    try:
        mail_intake(
            raw=message.as_bytes(),
            envelope_to=getattr(message, "envelope_recipient", None),
            envelope_from=getattr(message, "envelope_sender", None),
            source=f"webhook:{esp_name}".lower()[:40],
        )
    except IntakeError as exc:  # empty or too large: nothing to keep, nothing to retry
        logger.warning("inbound webhook (%s): message not taken: %s", esp_name, exc)


inbound.connect(_message_received, dispatch_uid="tickets.mail_intake")


@csrf_exempt
def mail_inbound(request: HttpRequest) -> HttpResponse:
    esp = settings.EMAIL_INBOUND_ESP
    if not esp or not settings.ANYMAIL.get("WEBHOOK_SECRET"):
        raise Http404("The inbound email webhook is not configured.")
    # The post carries the whole message (base64 or JSON-escaped): up to twice its limit.
    # Read here, under that limit, instead of Django's general DATA_UPLOAD_MAX_MEMORY_SIZE
    # (2.5 MB), which would refuse a message with a big attachment and lose it.
    limit = settings.EMAIL_INBOUND_MAX_BYTES * 2
    length = request.META.get("CONTENT_LENGTH") or "0"
    if request.method == "POST":
        if length.isdigit() and int(length) > limit:
            return HttpResponse("Message too large.", status=413, content_type="text/plain")
        body = request.read(limit + 1)
        if len(body) > limit:
            return HttpResponse("Message too large.", status=413, content_type="text/plain")
        request._body = body  # what request.body / POST parse from now on
    return _provider_view(esp)(request)
