"""A slow file mail backend for the crash tests (tests/portal/test_delivery_crash.py): Django's
file backend (``EMAIL_FILE_PATH``) that waits ``SLOW_MAIL_SECONDS`` after writing each message,
as a mail server's round trip would, so a test can kill the worker between a message reaching
the "server" (the file) and the worker marking it sent."""

from __future__ import annotations

import os
import time

from django.core.mail.backends.filebased import EmailBackend


class SlowFileBackend(EmailBackend):
    def __init__(self, *args, file_path=None, **kwargs) -> None:
        super().__init__(*args, file_path=file_path or os.environ["EMAIL_FILE_PATH"], **kwargs)
        self.delay = float(os.environ.get("SLOW_MAIL_SECONDS", "0.1"))

    def send_messages(self, email_messages):
        sent = super().send_messages(email_messages)  # written and flushed: "accepted"
        time.sleep(self.delay)
        return sent
