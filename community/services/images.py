"""Images in posts, with the same checks as ticket attachments.

An upload must be an image by its name (png, jpg, jpeg, gif or webp: no SVG, which can carry
script) and then pass ``portal.uploads.uploads_check``: not empty, at most
``TICKETS_ATTACHMENT_MAX_BYTES``, at most ``TICKETS_ATTACHMENTS_PER_MESSAGE`` at once, and
the content (magic numbers) must agree with the extension, so a renamed file is refused.

Stored under a random name (``post_image_path``); served by ``community:image`` at
``/community/images/<random key>/`` only to people who may read the post (``PostImage.objects
.visible_to``). The post's Markdown gets one ``![name](url)`` line per image, and the renderer
keeps an ``<img>`` only when its ``src`` is such a URL (``community.rendering``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.urls import reverse
from django.utils.translation import gettext as _

from community.models import Post, PostImage, new_image_key
from community.services.common import CommunityError
from portal.markdown import escape_markdown
from portal.uploads import CheckedFile, clean_filename, extension_of, uploads_check

IMAGE_EXTENSIONS = ("gif", "jpeg", "jpg", "png", "webp")


class ImageRejected(CommunityError):
    """An upload is not an acceptable image (a form error on the images field)."""

    status_code = 400


@dataclass(frozen=True)
class PendingImage:
    """A checked upload and the key its URL will have (known before the post is written, so
    the Markdown can reference it)."""

    checked: CheckedFile
    key: str

    @property
    def url(self) -> str:
        return reverse("community:image", args=[self.key])


def images_check(uploads: Sequence[UploadedFile | None]) -> list[PendingImage]:
    """Validate uploads before anything is written; ``ImageRejected`` with the reason."""
    uploads = [upload for upload in uploads or () if upload is not None]
    for upload in uploads:
        name = clean_filename(upload.name or "")
        if extension_of(name) not in IMAGE_EXTENSIONS:
            raise ImageRejected(
                _("“%(name)s”: only images can be added to a post (%(types)s).")
                % {"name": name or "?", "types": ", ".join(IMAGE_EXTENSIONS)}
            )
    checked = uploads_check(uploads, error=ImageRejected)
    return [PendingImage(checked=item, key=new_image_key()) for item in checked]


def with_image_references(body: str, images: Sequence[PendingImage]) -> str:
    """``body`` with one Markdown image line per uploaded image appended."""
    if not images:
        return body
    lines = [f"![{escape_markdown(image.checked.name)}]({image.url})" for image in images]
    return body.rstrip() + "\n\n" + "\n\n".join(lines)


def images_store(*, post: Post, images: Sequence[PendingImage], user) -> list[PostImage]:
    """Save the checked files (inside the caller's transaction)."""
    stored = []
    for image in images:
        checked = image.checked
        row = PostImage(
            post=post,
            key=image.key,
            original_name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
            uploaded_by=user if user is not None and user.is_authenticated else None,
            created_at=post.edited_at or post.created_at,
        )
        checked.upload.seek(0)
        row.file.save("upload", checked.upload, save=False)
        row.save()
        stored.append(row)
    return stored
