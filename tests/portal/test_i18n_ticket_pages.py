"""The customers' ticket pages stay inside the language prefix next to the inbound-mail
webhook, which has one address outside it (issue 17). Mounted at ``tickets/``, the webhook's
include made every ``/tickets/...`` path count as outside: an Italian customer opening
``/tickets/`` was no longer sent to ``/it/tickets/`` (found by the Italian browser journey)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.languages import is_localized


@pytest.mark.parametrize("path", ["/tickets/", "/tickets/new/", "/tickets/7/"])
def test_ticket_pages_are_localized(path):
    assert is_localized(path)


def test_the_inbound_webhook_is_outside_the_prefix():
    assert reverse("mail_webhook:mail_inbound") == "/tickets/mail/inbound/"
    assert not is_localized("/tickets/mail/inbound/")
