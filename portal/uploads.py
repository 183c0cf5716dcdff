"""Checking uploaded files, once for every app (ticket attachments, forum images, ...).

A file is accepted when its *content* is one of the allowed types and agrees with its
extension (``filetype`` reads the magic numbers; text must be valid UTF-8 without NUL bytes);
a renamed executable is refused whatever it is called. The app stores it under a random name;
the uploaded name is kept, cleaned (``clean_filename``), only for the download's
``Content-Disposition``, and downloads go through a view that checks access.

Limits: ``TICKETS_ATTACHMENT_MAX_BYTES`` per file and ``TICKETS_ATTACHMENTS_PER_MESSAGE``
per message (settings). A refusal is ``error(message)``: the caller passes its own
``ServiceError`` subclass so its views show the reason as a form error.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

import filetype
from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from portal.services.errors import ServiceError

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
#: the served types a page may show as a thumbnail (``<img>`` through the checked download URL)
PREVIEW_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
NAME_MAX = 150
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")
HEADER_BYTES = 8192


class UploadRejected(ServiceError):
    """An upload is not acceptable (the message says which file and why)."""

    status_code = 400


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


def extension_of(name: str) -> str:
    """The lower-case extension of a (cleaned) file name, "" when it has none."""
    return name.rpartition(".")[2].lower() if "." in name else ""


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


def upload_check(
    upload: UploadedFile, *, error: type[ServiceError] = UploadRejected
) -> CheckedFile:
    """Validate one upload (size, name, content); ``error`` with the reason."""
    name = clean_filename(upload.name or "")
    limit = settings.TICKETS_ATTACHMENT_MAX_BYTES
    if not name:
        raise error(_("A file has no usable name."))
    if upload.size is None or upload.size == 0:
        raise error(_("“%(name)s” is empty.") % {"name": name})
    if upload.size > limit:
        raise error(
            _("“%(name)s” is larger than %(limit)s.")
            % {"name": name, "limit": filesizeformat(limit)}
        )
    extension = extension_of(name)
    if extension not in ALLOWED:
        raise error(
            _("“%(name)s”: this type of file is not accepted (allowed: %(types)s).")
            % {"name": name, "types": ", ".join(ALLOWED_EXTENSIONS)}
        )
    accepted, served_as = ALLOWED[extension]
    detected = _detected(upload)
    ok = (detected is None and _is_text(upload)) if TEXT in accepted else detected in accepted
    if not ok:
        raise error(
            _("“%(name)s” is not really a .%(ext)s file (its content says otherwise).")
            % {"name": name, "ext": extension}
        )
    return CheckedFile(upload=upload, name=name, content_type=served_as, size=upload.size)


def uploads_check(
    uploads: Sequence[UploadedFile | None], *, error: type[ServiceError] = UploadRejected
) -> list[CheckedFile]:
    """Validate the files of one message (at most ``TICKETS_ATTACHMENTS_PER_MESSAGE``)."""
    uploads = [upload for upload in uploads or () if upload is not None]
    most = settings.TICKETS_ATTACHMENTS_PER_MESSAGE
    if len(uploads) > most:
        raise error(_("Attach at most %(count)d files to one message.") % {"count": most})
    return [upload_check(upload, error=error) for upload in uploads]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (checked by ``uploads_check`` in the service, not here);
    the browser's file picker offers ``extensions`` (default: every allowed type)."""

    widget = MultipleFileInput

    def __init__(self, *args, extensions: Sequence[str] = ALLOWED_EXTENSIONS, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("accept", ",".join(f".{ext}" for ext in extensions))

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []
