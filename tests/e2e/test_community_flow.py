"""The forum in a real browser: member one (Alice) asks a question (with a photo), member two
(Bob) answers, Alice accepts the answer, and a community moderator (Mo) promotes it into a
draft KB article.

Screenshots at desktop (1280) and phone (390) widths go to
test-results/screenshots/community-*.png.
"""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect

from community.models import Category, ModerationAction, Post, Thread
from community.services import thread_ask
from knowledgebase.models import ArticlePage
from portal import roles
from portal.models import Interaction
from tests.conftest import make_customer, make_user
from tests.e2e.test_kb_flow import kb_index
from tests.e2e.test_ticket_flow import sign_in
from tests.knowledgebase.conftest import make_category

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def router_photo() -> bytes:
    """A small PNG: a dark box with an orange light."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (240, 120), (40, 44, 52))
    ImageDraw.Draw(image).ellipse((100, 40, 140, 80), fill=(255, 140, 0))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def shoot(page, screenshot, name: str) -> None:
    """Desktop and phone screenshots of the same page."""
    settle = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
    screenshot(page, f"{name}-desktop")
    page.set_viewport_size(PHONE)
    page.evaluate(settle)
    screenshot(page, f"{name}-phone")
    page.set_viewport_size(DESKTOP)
    page.evaluate(settle)


def test_ask_answer_accept_and_promote(live_server, new_page, screenshot, settings, tmp_path):
    from django.core.cache import cache

    cache.clear()  # sign-in and posting rate limits from earlier tests
    settings.COMMUNITY_PREMODERATE_FIRST_POSTS = False  # pre-moderation has its own tests
    settings.MEDIA_ROOT = str(tmp_path / "media")
    base = live_server.url
    alice = make_user("alice.forum@example.com", full_name="Alice Archer")
    make_customer(alice, ref="C-FORUM-A")
    bob = make_user("bob.forum@example.com", full_name="Bob Baker")
    make_customer(bob, ref="C-FORUM-B")
    make_user("mo.forum@example.com", full_name="Mo Moderator", groups=[roles.MODERATORS])
    broadband = Category.objects.create(
        name="Broadband and TV", slug="broadband", description="Routers, Wi-Fi and TV boxes."
    )
    earlier = thread_ask(
        author=bob,
        category=broadband,
        title="Orange light on the router after a power cut",
        body="It came back on its own after a while.",
    )
    kb_category = make_category(kb_index(), "Connectivity")

    # 1. Alice asks.
    asker = new_page()
    sign_in(asker, base, "alice.forum@example.com")
    asker.goto(f"{base}/community/ask/")
    asker.fill("input[name=title]", "Router light blinks orange after the update")
    similar = asker.locator("#similar")
    expect(similar.get_by_role("link", name=earlier.title)).to_be_visible()  # full-text match
    asker.fill(
        "textarea[name=body]",
        "Since last night's firmware update the **power light** blinks orange.\n\n"
        "I already restarted it twice.",
    )
    asker.select_option("select[name=category]", label="Broadband and TV")
    asker.fill("input[name=tags]", "router, firmware")
    asker.set_input_files(
        "input[name=images]",
        files=[{"name": "router-light.png", "mimeType": "image/png", "buffer": router_photo()}],
    )
    shoot(asker, screenshot, "community-01-ask")
    asker.get_by_role("button", name="Post your question").click()
    asker.wait_for_url(re.compile(r".*/community/t/\d+/$"))
    expect(asker.get_by_role("heading", level=1)).to_have_text(
        "Router light blinks orange after the update"
    )
    expect(asker.locator(".post-body").first).to_contain_text("blinks orange")
    photo = asker.locator(".post-body img").first
    expect(photo).to_have_attribute("alt", "router-light.png")
    # it loads (waits for the load event when the image is still on its way)
    loaded = (
        "img => img.complete ? img.naturalWidth : "
        "new Promise(done => img.addEventListener('load', () => done(img.naturalWidth)))"
    )
    assert photo.evaluate(loaded) == 240
    thread = Thread.objects.exclude(pk=earlier.pk).get()
    assert thread.author == alice
    thread_url = f"{base}/community/t/{thread.pk}/"

    # 2. Bob answers.
    helper = new_page()
    sign_in(helper, base, "bob.forum@example.com")
    helper.goto(thread_url)
    helper.fill(
        "textarea[name=body]",
        "Hold the **reset** button for ten seconds, then wait until the light is white.",
    )
    helper.get_by_role("button", name="Post your answer").click()
    helper.wait_for_url(re.compile(rf".*/community/t/{thread.pk}/#post-\d+$"))
    expect(helper.locator(".answers .post-body")).to_contain_text("ten seconds")
    answer = Post.objects.get(thread=thread, is_question=False)
    assert answer.author == bob
    shoot(helper, screenshot, "community-02-answered")

    # 3. Alice accepts Bob's answer.
    asker.goto(thread_url)
    asker.locator(f"#post-{answer.pk}").get_by_role("button", name="Accept this answer").click()
    expect(asker.locator(f"#post-{answer.pk}")).to_contain_text("Accepted answer")
    expect(asker.locator(".thread-header")).to_contain_text("Solved")
    shoot(asker, screenshot, "community-03-accepted")
    thread.refresh_from_db()
    assert thread.accepted_answer_id == answer.pk
    assert thread.is_solved

    # 4. Mo promotes the accepted answer into a draft KB article.
    moderator = new_page()
    sign_in(moderator, base, "mo.forum@example.com")
    moderator.goto(thread_url)
    tools = moderator.locator(".mod-tools")
    tools.locator("select[name=parent]").select_option(label="Connectivity (EN)")
    tools.get_by_role("button", name="Create KB draft").click()
    expect(moderator.locator(".mod-tools")).to_contain_text("Promoted into a KB draft")
    shoot(moderator, screenshot, "community-04-promoted")

    thread.refresh_from_db()
    article = ArticlePage.objects.get(pk=thread.kb_article_id)
    assert not article.live  # a draft: editors review it in Wagtail
    assert article.get_parent().pk == kb_category.pk
    assert article.title == "Router light blinks orange after the update"
    body = str(article.body)
    assert "ten seconds" in body
    assert f'href="/community/t/{thread.pk}/"' in body  # the link back to the thread
    assert "Based on an answer by Bob Baker" in body  # the credit
    assert article.get_latest_revision() is not None
    assert ModerationAction.objects.filter(
        thread=thread, action=ModerationAction.Action.TO_ARTICLE
    ).exists()
    # Every step left a community interaction (question, answer, accept, views).
    assert Interaction.objects.filter(channel="community", user=alice).count() >= 2
    assert Interaction.objects.filter(channel="community", user=bob).exists()
