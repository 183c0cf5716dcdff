"""Image attachments show a thumbnail on the ticket pages (issue 18, item 8): lazy-loaded,
alt text = the file name, served through the permission-checked attachment URL; other files
stay a plain link."""

from __future__ import annotations

import re

import pytest

from .conftest import PDF, png, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(alice, open_ticket):
    return open_ticket(
        alice, attachments=[png("router light.png"), upload("bill.pdf", PDF, "application/pdf")]
    )


def _thumbs(html: str) -> list[str]:
    return re.findall(r'<img class="attachment-thumb"[^>]*>', html)


@pytest.mark.parametrize("persona", ["alice", "ada"])
def test_image_attachments_have_a_lazy_thumbnail(ticket, client_for, persona, request):
    user = request.getfixturevalue(persona)
    path = f"/tickets/{ticket.pk}/" if persona == "alice" else f"/desk/tickets/{ticket.pk}/"
    html = client_for(user).get(path).content.decode()
    thumbs = _thumbs(html)
    assert len(thumbs) == 1, "the PDF has no thumbnail"
    image = ticket.attachments.get(original_name="router light.png")
    assert f'src="{image.get_absolute_url()}"' in thumbs[0]
    assert 'alt="router light.png"' in thumbs[0]
    assert 'loading="lazy"' in thumbs[0]
    assert "bill.pdf" in html
    assert client_for(user).get(image.get_absolute_url()).status_code == 200


def test_the_thumbnail_url_is_checked(ticket, bob, client_for):
    image = ticket.attachments.get(original_name="router light.png")
    assert client_for(bob).get(image.get_absolute_url()).status_code == 404
