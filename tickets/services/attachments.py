"""Storing a ticket's checked uploads.

Uploads are checked by ``portal.uploads.uploads_check`` (content must agree with the
extension; limits from settings) before anything is written. The stored name is random
(``attachment_path``); the uploaded name is kept, cleaned, only for the download's
``Content-Disposition``. Downloads go through ``tickets.views.customer.attachment_download``,
which checks access.
"""

from __future__ import annotations

from collections.abc import Sequence

from portal.uploads import CheckedFile
from tickets.models import Attachment, Message, Ticket


def attachments_store(
    *, ticket: Ticket, message: Message | None, files: Sequence[CheckedFile], user
) -> list[Attachment]:
    """Save checked files under random names (inside the caller's transaction)."""
    stored = []
    for checked in files:
        attachment = Attachment(
            ticket=ticket,
            message=message,
            uploaded_by=user if user is not None and user.is_authenticated else None,
            original_name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
        )
        checked.upload.seek(0)
        attachment.file.save("upload", checked.upload, save=False)
        attachment.save()
        stored.append(attachment)
    return stored
