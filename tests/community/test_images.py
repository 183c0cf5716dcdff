"""Images in posts: the same checks as ticket attachments (type by content, size, count),
random storage names, shown in the rendered post, served only to the thread's readers."""

from __future__ import annotations

import io
import os
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from community.models import Post, PostImage, Thread
from community.rendering import render_post
from community.services import post_edit
from community.services.images import ImageRejected

IMAGE_URL = re.compile(
    r'<img src="(/community/images/[0-9a-f]{32}/)" alt="([^"]*)" loading="lazy">'
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def picture(name: str = "screenshot.png", fmt: str = "PNG") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 30, 30)).save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def ask_form(category, **extra) -> dict:
    return {
        "title": "Router shows a red light",
        "body": "See the photo.",
        "kind": "question",
        "category": category.pk,
        **extra,
    }


def test_ask_with_an_image_shows_it_in_the_post(client_for, general, alice, bob):
    response = client_for(alice).post(
        "/community/ask/", ask_form(general, images=[picture(), picture("front.gif", "GIF")])
    )
    assert response.status_code == 302
    question = Post.objects.get(is_question=True)
    first, second = question.images.order_by("pk")
    assert (first.original_name, first.content_type) == ("screenshot.png", "image/png")
    assert (second.original_name, second.content_type) == ("front.gif", "image/gif")
    # Random storage names: nothing of the uploaded name reaches the file system.
    assert "screenshot" not in first.file.name and re.fullmatch(
        r"community/\d{4}/\d{2}/[0-9a-f]{32}", first.file.name
    )
    assert f"![screenshot\\.png]({first.get_absolute_url()})" in question.body_markdown
    shown = IMAGE_URL.findall(question.body_html)
    assert shown == [
        (first.get_absolute_url(), "screenshot.png"),
        (second.get_absolute_url(), "front.gif"),
    ]
    page = client_for(bob).get(question.thread.get_absolute_url()).content.decode()
    assert first.get_absolute_url() in page
    served = client_for(None).get(first.get_absolute_url())
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Disposition"].startswith("inline")
    assert b"".join(served.streaming_content).startswith(b"\x89PNG")


def test_answer_and_edit_add_images(general, alice, bob, ask, answer):
    from community.services import post_answer

    thread = ask(alice, general)
    reply = post_answer(thread=thread, author=bob, body="Like this:", images=[picture()])
    assert reply.images.count() == 1
    assert IMAGE_URL.search(reply.body_html)
    later = picture("after.webp", "WEBP")
    post_edit(post=reply, editor=bob, body=reply.body_markdown, images=[later])
    reply.refresh_from_db()
    assert reply.images.count() == 2
    assert len(IMAGE_URL.findall(reply.body_html)) == 2
    assert reply.revisions.count() == 1


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("notes.txt", b"hello"), "only images can be added"),
        (SimpleUploadedFile("logo.svg", b"<svg onload='alert(1)'/>"), "only images"),
        (SimpleUploadedFile("setup.exe", b"MZ\x90\x00"), "only images"),
        (SimpleUploadedFile("noextension", b"\x89PNG\r\n"), "only images"),
        # A fake extension: the content decides (sniffed magic numbers).
        (SimpleUploadedFile("photo.png", b"MZ\x90\x00\x03" + b"\x00" * 200), "not really a .png"),
        (SimpleUploadedFile("photo.jpg", b"%PDF-1.4\n" + b"x" * 200), "not really a .jpg"),
        (SimpleUploadedFile("cat.gif", b"just some text pretending"), "not really a .gif"),
    ],
)
def test_bad_images_are_a_form_error_and_nothing_is_written(
    client_for, general, alice, upload, message
):
    response = client_for(alice).post("/community/ask/", ask_form(general, images=[upload]))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert message in " ".join(errors["images"])
    assert not Thread.objects.exists()
    assert not PostImage.objects.exists()


def test_too_big_and_too_many(client_for, general, alice, ask, settings):
    settings.TICKETS_ATTACHMENT_MAX_BYTES = 60
    client = client_for(alice)
    response = client.post("/community/ask/", ask_form(general, images=[picture()]))
    assert response.status_code == 400
    assert "is larger than 60" in " ".join(response.context["form"].errors["images"])
    settings.TICKETS_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    thread = ask(alice, general)
    six = [picture(f"p{i}.png") for i in range(6)]
    response = client.post(f"/community/t/{thread.pk}/answer/", {"body": "Six.", "images": six})
    assert response.status_code == 400
    assert "at most 5 files" in " ".join(response.context["answer_form"].errors["images"])
    assert not Post.objects.filter(is_question=False).exists()
    empty = SimpleUploadedFile("empty.png", b"")
    response = client.post(f"/community/t/{thread.pk}/answer/", {"body": "x", "images": [empty]})
    assert response.status_code == 400


def test_service_refuses_before_writing(general, alice):
    from community.services import thread_ask

    with pytest.raises(ImageRejected):
        thread_ask(
            author=alice,
            category=general,
            title="A question with a bad file",
            body="Text.",
            images=[SimpleUploadedFile("a.png", b"not a png at all")],
        )
    assert not Thread.objects.exists()


def test_private_category_images_only_for_its_readers(
    client_for, acme_only, general, alice, amy, bob, ada, ask
):
    from community.services import thread_ask

    thread = thread_ask(
        author=alice,
        category=acme_only,
        title="Acme's router in the server room",
        body="Photo attached.",
        images=[picture()],
    )
    image = PostImage.objects.get()
    url = image.get_absolute_url()
    assert client_for(alice).get(url).status_code == 200
    assert client_for(amy).get(url).status_code == 200  # same organisation
    assert client_for(ada).get(url).status_code == 200  # agents see every category
    assert client_for(bob).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 404
    # Linking it from a public post does not make it public.
    leak = ask(bob, general, title="Look at this picture", body=f"![x]({url})")
    assert url in leak.posts.get().body_html
    assert client_for(None).get(url).status_code == 404
    # Hidden or deleted with the thread.
    from community.services import thread_delete

    thread_delete(thread=thread, actor=ada)
    assert client_for(alice).get(url).status_code == 404
    assert client_for(alice).get("/community/images/" + "0" * 32 + "/").status_code == 404
    assert client_for(alice).get("/community/images/not-a-key/").status_code == 404


def test_files_stay_private_on_disk(general, alice, settings):
    from community.services import thread_ask

    thread_ask(
        author=alice,
        category=general,
        title="Where are files stored?",
        body="x",
        images=[picture("../../etc/passwd.png")],
    )
    image = PostImage.objects.get()
    assert image.original_name == "passwd.png"
    path = os.path.realpath(image.file.path)
    assert path.startswith(os.path.realpath(settings.MEDIA_ROOT))


@pytest.mark.parametrize(
    "source",
    [
        "![x](https://evil.example/tracker.png)",
        "![x](//evil.example/a.png)",
        "![x](javascript:alert(1))",
        "![x](data:image/svg+xml;base64,PHN2Zz4=)",
        "![x](/community/images/../../admin/)",
        "![x](/community/images/ABCDEF0123456789ABCDEF0123456789/)",
        '<img src="/community/images/0123456789abcdef0123456789abcdef/" onerror="alert(1)">',
    ],
)
def test_renderer_keeps_only_the_forums_own_images(source):
    assert "<img" not in render_post(source)


def test_renderer_shows_an_image_with_escaped_alt():
    key = "0123456789abcdef0123456789abcdef"
    html = render_post(f'![a "quoted" <b>name</b>](/community/images/{key}/ "title")')
    assert html == (
        f'<p><img src="/community/images/{key}/" '
        'alt="a &quot;quoted&quot; &lt;b&gt;name&lt;/b&gt;" title="title" loading="lazy"></p>'
    )
