"""Admin: forum categories, the moderator log, the moderation queue link, the community
report with its CSV export."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from community.models import Category
from community.reports import community_report, report_rows
from community.services import answer_accept, thread_ask, vote_cast


def test_category_admin_for_admins_only(client_for, root, ada, general):
    page = client_for(root).get("/admin/community/categories/")
    assert page.status_code == 200 and "Broadband and TV" in page.content.decode()
    response = client_for(root).post(
        "/admin/community/categories/new/",
        {
            "name": "Banking",
            "slug": "banking",
            "description": "",
            "order": 3,
            "visibility": "group",
            "group": "",
            "organisation": "",
        },
    )
    assert response.status_code == 200, "a group category without a group is refused"
    assert not Category.objects.filter(slug="banking").exists()
    assert client_for(ada).get("/admin/community/categories/").status_code == 302


def test_admin_menu_has_the_queue_and_report(client_for, root):
    html = client_for(root).get("/admin/").content.decode()
    assert "/community/moderation/" in html
    assert "/admin/reports/community/" in html


def test_report_figures(general, alice, amy, bob, ada, answer):
    now = timezone.now()
    solved = thread_ask(
        author=alice,
        category=general,
        title="Question that gets solved",
        body="b",
        now=now - timedelta(hours=5),
    )
    thread_ask(
        author=amy,
        category=general,
        title="Question nobody answers",
        body="b",
        now=now - timedelta(hours=4),
    )
    reply = answer(bob, solved)
    answer(ada, solved, "Staff reply here.")
    vote_cast(post=reply, voter=amy, value=1)
    answer_accept(thread=solved, post=reply, user=alice)
    report = community_report(days=30, now=now + timedelta(seconds=1))
    assert report.questions == 2 and report.answered == 1 and report.solved == 1
    assert report.answer_rate == 0.5 and report.accepted_rate == 0.5
    assert report.active_members == 4
    assert report.median_first_answer_hours == 5.0
    assert (report.staff_answers, report.community_answers) == (1, 1)
    assert report.top[0].name == "Bob Baker" or report.top[0].name == "Ada Agent"
    bob_row = next(p for p in report.top if p.name == "Bob Baker")
    assert (bob_row.answers, bob_row.accepted, bob_row.reputation) == (1, 1, 25)
    values = {row.measure: row.value for row in report_rows(report)}
    assert values["Answer rate"] == "50%" and values["Answers by staff"] == "50%"


def test_empty_period(db):
    report = community_report(days=7)
    assert report.questions == 0 and report.answer_rate is None
    assert report.median_first_answer_hours is None


def test_report_page_and_csv(client_for, root, alice, question):
    client = client_for(root)
    page = client.get("/admin/reports/community/?days=90")
    assert page.status_code == 200 and "Questions asked" in page.content.decode()
    csv = client.get("/admin/reports/community/?export=csv")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    body = b"".join(csv.streaming_content).decode() if csv.streaming else csv.content.decode()
    assert "Questions asked" in body and "Section" in body
    assert client_for(alice).get("/admin/reports/community/").status_code == 302
