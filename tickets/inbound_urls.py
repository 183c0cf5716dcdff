"""Machines' URLs of the tickets app, outside the language prefix (one address, whatever the
language): email service providers post received messages to ``/tickets/mail/inbound/``
(``EMAIL_INBOUND_ESP``; issue 16)."""

from __future__ import annotations

from django.urls import path

from tickets.views import inbound

app_name = "mail_webhook"

urlpatterns = [
    path("inbound/", inbound.mail_inbound, name="mail_inbound"),
]
