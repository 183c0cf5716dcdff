"""Checking and storing uploaded files.

A file is accepted when its *content* is one of the allowed types and agrees with its
extension (``filetype`` reads the magic numbers; text must be valid UTF-8 without NUL bytes);
a renamed executable is refused whatever it is called. The stored name is random
(``attachment_path``); the uploaded name is kept, cleaned, only for the download's
``Content-Disposition``. Downloads go through ``tickets.views.customer.attachment_download``,
which checks access.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from tickets.models import Attachment, Message, Ticket
from tickets.services.errors import TicketError

TEXT = "text"
#: extension -> (content types filetype may detect, the type we serve it as)
ALLOWED: dict[str, tuple[frozenset[str], str]] = {
    "png": (frozenset({"png"}), "image/png"),
    "jpg": (frozenset({"jpg"}), "image/jpeg"),
    "jpeg": (frozenset({"jpg"}), "image/jpeg"),
    "gif": (frozenset({"gif"}), "image/gif"),
    "webp": (frozenset({"webp"}), "image/webp"),
    "pdf": (frozenset({"pdf"}), "application/pdf"),
    "zip": (frozenset({"zip"}), "application/zip"),
    "docx": (
        frozenset({"docx", "zip"}),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "xlsx": (
        frozenset({"xlsx", "zip"}),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "odt": (frozenset({"odt", "zip"}), "application/vnd.oasis.opendocument.text"),
    "ods": (frozenset({"ods", "zip"}), "application/vnd.oasis.opendocument.spreadsheet"),
    "txt": (frozenset({TEXT}), "text/plain"),
    "log": (frozenset({TEXT}), "text/plain"),
    "csv": (frozenset({TEXT}), "text/csv"),
    "json": (frozenset({TEXT}), "application/json"),
    "md": (frozenset({TEXT}), "text/markdown"),
}
ALLOWED_EXTENSIONS = tuple(sorted(ALLOWED))
NAME_MAX = 150
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")
HEADER_BYTES = 8192


@dataclass(frozen=True)
class CheckedFile:
    upload: UploadedFile
    name: str
    content_type: str
    size: int


def clean_filename(raw: str) -> str:
    """The last path component of an uploaded name, without control or reserved characters
    (``../../etc/passwd`` becomes ``passwd``); "" when nothing is left."""
    name = unicodedata.normalize("NFC", raw or "").replace("\\", "/")
    name = PurePosixPath(name).name
    name = _UNSAFE.sub("_", name).strip(" .")
    if len(name) > NAME_MAX:
        stem, dot, ext = name.rpartition(".")
        name = f"{stem[: NAME_MAX - len(ext) - 1]}.{ext}" if dot and len(ext) <= 10 else name
        name = name[:NAME_MAX]
    return name


def _is_text(upload: UploadedFile) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    upload.seek(0)
    try:
        for chunk in upload.chunks():
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        upload.seek(0)
    return True


def _detected(upload: UploadedFile) -> str | None:
    upload.seek(0)
    header = upload.read(HEADER_BYTES)
    upload.seek(0)
    kind = filetype.guess(header)
    return kind.extension if kind is not None else None


def attachment_check(upload: UploadedFile) -> CheckedFile:
    """Validate one upload (size, name, content); raises ``TicketError`` with the reason."""
    name = clean_filename(upload.name or "")
    limit = settings.TICKETS_ATTACHMENT_MAX_BYTES
    if not name:
        raise TicketError(_("A file has no usable name."))
    if upload.size is None or upload.size == 0:
        raise TicketError(_("“%(name)s” is empty.") % {"name": name})
    if upload.size > limit:
        raise TicketError(
            _("“%(name)s” is larger than %(limit)s.")
            % {"name": name, "limit": filesizeformat(limit)}
        )
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    if extension not in ALLOWED:
        raise TicketError(
            _("“%(name)s”: this type of file is not accepted (allowed: %(types)s).")
            % {"name": name, "types": ", ".join(ALLOWED_EXTENSIONS)}
        )
    accepted, served_as = ALLOWED[extension]
    detected = _detected(upload)
    ok = (detected is None and _is_text(upload)) if TEXT in accepted else detected in accepted
    if not ok:
        raise TicketError(
            _("“%(name)s” is not really a .%(ext)s file (its content says otherwise).")
            % {"name": name, "ext": extension}
        )
    return CheckedFile(upload=upload, name=name, content_type=served_as, size=upload.size)


def attachments_check(uploads: Sequence[UploadedFile]) -> list[CheckedFile]:
    uploads = [upload for upload in uploads if upload is not None]
    most = settings.TICKETS_ATTACHMENTS_PER_MESSAGE
    if len(uploads) > most:
        raise TicketError(_("Attach at most %(count)d files to one message.") % {"count": most})
    return [attachment_check(upload) for upload in uploads]


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
