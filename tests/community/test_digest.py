"""The email digest of followed threads: a member's choice between one email per answer and a
periodic digest; batching, exactly once, and only what the member may still read."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from community.models import DigestItem
from community.services import (
    digest_send,
    digests_send,
    post_hide,
    thread_follow,
    thread_move,
    thread_unfollow,
)
from portal.models import Notification, NotificationDelivery
from portal.services.notifications import notification_preferences_update
from portal.tasks import notifications_deliver


@pytest.fixture
def digest_reader(amy):
    """amy wants followed-thread emails, as a digest (the default delivery)."""
    notification_preferences_update(user=amy, preferences={"email_community_digest": True})
    return amy


def digest_mails(mailoutbox) -> list:
    return [m for m in mailoutbox if "threads you follow" in m.subject]


def test_digest_batches_answers_per_member(
    general,
    ask,
    answer,
    alice,
    bob,
    carol,
    digest_reader,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    router = ask(alice, general, title="Router keeps rebooting", body="Every hour.")
    tv = ask(alice, general, title="TV box has no picture", body="Black screen.")
    for thread in (router, tv):
        thread_follow(thread=thread, user=digest_reader)
    with django_capture_on_commit_callbacks(execute=True):
        answer(bob, router, "Update the firmware first.")
        answer(carol, router, "Mine did that until I replaced the power adapter.")
        answer(bob, tv, "Switch the HDMI input.")
    # In the portal at once; no email per answer.
    assert Notification.objects.filter(user=digest_reader, kind="community.answer").count() == 3
    assert digest_mails(mailoutbox) == []
    assert DigestItem.objects.filter(user=digest_reader, status="pending").count() == 3

    with django_capture_on_commit_callbacks(execute=True):
        assert digests_send() == {"digests sent": 1}
    [mail] = digest_mails(mailoutbox)
    assert mail.to == ["amy@example.com"]
    assert mail.subject == "3 new answers in threads you follow"
    assert "“Router keeps rebooting”" in mail.body and "“TV box has no picture”" in mail.body
    assert "Bob Baker: Update the firmware first." in mail.body
    assert "Carol Chen: Mine did that" in mail.body
    assert f"/community/t/{router.pk}/" in mail.body
    assert mail.body.index("Router keeps") < mail.body.index("TV box")
    assert not DigestItem.objects.filter(status="pending").exists()


def test_digest_is_sent_exactly_once(
    question, answer, bob, digest_reader, mailoutbox, django_capture_on_commit_callbacks
):
    thread_follow(thread=question, user=digest_reader)
    answer(bob, question)
    with django_capture_on_commit_callbacks(execute=True):
        digests_send()
        digests_send()  # a rerun: nothing pending
        assert digest_send(user_id=digest_reader.pk) is None
    assert len(digest_mails(mailoutbox)) == 1
    delivery = NotificationDelivery.objects.get(kind="community.digest")
    assert delivery.status == NotificationDelivery.Status.SENT
    notifications_deliver.call([delivery.pk])  # the delivery task retried: sends nothing
    assert len(digest_mails(mailoutbox)) == 1


def test_a_crash_before_commit_leaves_the_items_for_the_next_run(
    question, answer, bob, digest_reader, mailoutbox, django_capture_on_commit_callbacks
):
    from django.db import transaction

    thread_follow(thread=question, user=digest_reader)
    answer(bob, question)

    class Crash(Exception):
        pass

    with pytest.raises(Crash), transaction.atomic():
        digests_send()
        raise Crash
    assert DigestItem.objects.get().status == "pending"
    assert not NotificationDelivery.objects.filter(kind="community.digest").exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert digests_send() == {"digests sent": 1}
    assert len(digest_mails(mailoutbox)) == 1


def test_at_most_one_digest_per_interval(
    question, answer, bob, digest_reader, settings, django_capture_on_commit_callbacks
):
    settings.COMMUNITY_DIGEST_HOURS = 24
    thread_follow(thread=question, user=digest_reader)
    answer(bob, question)
    assert digests_send() == {"digests sent": 1}
    answer(bob, question, "And check the cable.")
    assert digests_send() == {"digests sent": 0}  # the last one went out just now
    later = timezone.now() + timedelta(hours=25)
    assert digests_send(now=later) == {"digests sent": 1}


def test_items_the_member_can_no_longer_read_are_dropped(
    general,
    acme_only,
    ask,
    answer,
    alice,
    bob,
    carol,
    mo,
    digest_reader,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    # bob (Globex) follows three public threads, then loses access to two of them.
    notification_preferences_update(user=bob, preferences={"email_community_digest": True})
    moved = ask(alice, general, title="Printer offline at the office", body="Since Monday.")
    hidden = ask(alice, general, title="Invoice shows an old address", body="Please help.")
    kept = ask(alice, general, title="Roaming in Norway is expensive", body="Why?")
    unfollowed = ask(alice, general, title="Voicemail greeting lost", body="After update.")
    for thread in (moved, hidden, kept, unfollowed):
        thread_follow(thread=thread, user=bob)
    answer(carol, moved, "Restart the print spooler.")
    hidden_answer = answer(carol, hidden, "Change it under My account.")
    answer(carol, kept, "Buy the travel add-on.")
    answer(carol, unfollowed, "Dial 121.")
    thread_move(thread=moved, moderator=mo, category=acme_only)  # private to Acme now
    post_hide(post=hidden_answer, moderator=mo)
    thread_unfollow(thread=unfollowed, user=bob)
    with django_capture_on_commit_callbacks(execute=True):
        digests_send()
    [mail] = [m for m in digest_mails(mailoutbox) if m.to == ["bob@example.com"]]
    assert mail.subject == "1 new answer in threads you follow"
    assert "Roaming in Norway" in mail.body
    assert "Printer offline" not in mail.body and "print spooler" not in mail.body
    assert "Invoice" not in mail.body and "Voicemail" not in mail.body
    items = DigestItem.objects.filter(user=bob)
    statuses = dict(items.values_list("post__body_markdown", "status"))
    assert statuses == {
        "Restart the print spooler.": "dropped",
        "Change it under My account.": "dropped",
        "Buy the travel add-on.": "sent",
        "Dial 121.": "dropped",
    }


def test_nothing_readable_means_no_email(
    question, acme_only, answer, bob, carol, mo, mailoutbox, django_capture_on_commit_callbacks
):
    notification_preferences_update(user=bob, preferences={"email_community_digest": True})
    thread_follow(thread=question, user=bob)
    answer(carol, question)
    thread_move(thread=question, moderator=mo, category=acme_only)
    with django_capture_on_commit_callbacks(execute=True):
        assert digests_send() == {"digests sent": 0}
    assert digest_mails(mailoutbox) == []
    assert DigestItem.objects.get(user=bob).status == "dropped"


def test_immediately_means_one_email_per_answer_and_no_digest(
    question, answer, bob, amy, mailoutbox, django_capture_on_commit_callbacks
):
    notification_preferences_update(
        user=amy, preferences={"email_community_digest": True, "digest_community_digest": False}
    )
    thread_follow(thread=question, user=amy)
    with django_capture_on_commit_callbacks(execute=True):
        answer(bob, question)
        answer(bob, question, "Or call us.")
    assert [m.to for m in mailoutbox if m.subject.startswith("New answer in")] == [
        ["amy@example.com"],
        ["amy@example.com"],
    ]
    assert not DigestItem.objects.exists()


def test_no_email_wanted_means_no_digest_items(question, answer, bob, amy):
    thread_follow(thread=question, user=amy)  # email_community_digest is off by default
    answer(bob, question)
    assert not DigestItem.objects.exists()
    assert Notification.objects.filter(user=amy).count() == 1


def test_settings_page_offers_the_choice(client_for, amy):
    client = client_for(amy)
    url = reverse("portal:notification_settings")
    html = client.get(url).content.decode()
    assert 'name="delivery_community_digest" value="digest"' in html
    response = client.post(
        url, {"email_community_digest": "on", "delivery_community_digest": "immediately"}
    )
    assert response.status_code == 302
    amy.refresh_from_db()
    assert amy.wants("email_community_digest") is True
    assert amy.wants("digest_community_digest") is False
    bad = client.post(url, {"delivery_community_digest": "hourly"})
    assert bad.status_code == 400
    amy.refresh_from_db()
    assert amy.wants("digest_community_digest") is False
    client.post(url, {"web_community_digest": "on"})  # no delivery sent: kept as it was
    amy.refresh_from_db()
    assert amy.wants("digest_community_digest") is False
