"""Editors' reports in the Wagtail admin: content, access, CSV export."""

from __future__ import annotations

import csv
import io

import pytest

from knowledgebase import services
from knowledgebase.models import SearchQuery

REPORT_URLS = [
    "/admin/reports/kb/top-articles/",
    "/admin/reports/kb/feedback/",
    "/admin/reports/kb/no-results/",
    "/admin/reports/kb/no-clicks/",
    "/admin/reports/kb/review-due/",
    "/admin/reports/kb/views-trend/",
]


def rows(response) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.mark.parametrize("url", REPORT_URLS)
def test_reports_render_for_admin(corpus, client_for, root, url):
    response = client_for(root).get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("url", REPORT_URLS)
def test_reports_closed_to_customers(corpus, client_for, alice, url):
    response = client_for(alice).get(url)
    assert response.status_code in (302, 403)


def test_top_articles_counts_views_and_helpfulness(corpus, client_for, alice, bob, root):
    for user in (alice, bob):
        client_for(user).get("/kb/cards-and-payments/lost-or-stolen-card/")
    services.feedback_submit(article=corpus["lost"], user=alice, helpful=True)
    services.feedback_submit(article=corpus["lost"], user=bob, helpful=False, comment="Too short")
    data = rows(client_for(root).get("/admin/reports/kb/top-articles/?export=csv"))
    top = data[0]
    assert top["Article"] == "Lost or stolen card"
    assert (top["Views (30 days)"], top["Helpful"], top["Not helpful"], top["Helpful %"]) == (
        "2",
        "1",
        "1",
        "50",
    )


def test_feedback_report_lists_comments(corpus, client_for, alice, root):
    services.feedback_submit(
        article=corpus["router"], user=alice, helpful=False, comment="Step 2 is wrong"
    )
    services.feedback_submit(article=corpus["lost"], user=alice, helpful=True)  # no comment
    html = client_for(root).get("/admin/reports/kb/feedback/").content.decode()
    assert "Step 2 is wrong" in html
    data = rows(client_for(root).get("/admin/reports/kb/feedback/?export=csv"))
    assert [(r["Comment"], r["Helpful?"]) for r in data] == [("Step 2 is wrong", "no")]


def test_search_gap_reports(corpus, client_for, client, root):
    client.get("/search/?q=esim+activation")
    client.get("/search/?q=esim+activation")
    client.get("/search/?q=router")  # results, never clicked
    html = client.get("/search/?q=card").content.decode()
    assert SearchQuery.objects.count() == 4
    import re

    link = re.search(r'class="kb-result-title" href="([^"]+)"', html).group(1)
    client.get(link.replace("&amp;", "&"))
    admin = client_for(root)
    no_results = rows(admin.get("/admin/reports/kb/no-results/?export=csv"))
    assert [(r["Query"], r["Searches (30 days)"]) for r in no_results] == [("esim activation", "2")]
    no_clicks = rows(admin.get("/admin/reports/kb/no-clicks/?export=csv"))
    assert [r["Query"] for r in no_clicks] == ["router"]


def test_review_due_report(corpus, client_for, root):
    from datetime import timedelta

    from django.utils import timezone

    fresh = corpus["router"]
    fresh.last_reviewed = timezone.localdate() - timedelta(days=10)
    fresh.save()
    data = rows(client_for(root).get("/admin/reports/kb/review-due/?export=csv"))
    titles = {r["Article"] for r in data}
    assert "Lost or stolen card" in titles
    assert "Router keeps restarting" not in titles


def test_views_trend_counts_views_and_readers_per_week(corpus, client_for, alice, root):
    from datetime import timedelta

    from django.test import Client
    from django.utils import timezone

    from portal.models import Interaction

    client_for(alice).get("/kb/cards-and-payments/lost-or-stolen-card/")
    client_for(alice).get("/kb/cards-and-payments/lost-or-stolen-card/")
    anonymous = Client()
    anonymous.get("/kb/cards-and-payments/lost-or-stolen-card/")
    anonymous.post("/kb/beacon/", {"article": corpus["lost"].pk, "event": "view"})
    old = Interaction.objects.filter(kind="kb_view", customer__isnull=False).first()
    three_weeks_ago = timezone.now() - timedelta(weeks=3)
    Interaction.objects.filter(pk=old.pk).update(occurred_at=three_weeks_ago)

    response = client_for(root).get("/admin/reports/kb/views-trend/")
    assert response.status_code == 200
    assert b"<meter" in response.content
    data = rows(client_for(root).get("/admin/reports/kb/views-trend/?export=csv"))
    # newest week first: alice once + one anonymous visitor; three weeks ago: alice once
    assert [row["Views"] for row in data] == ["2", "1"]
    assert [row["Signed-in readers"] for row in data] == ["1", "1"]
    assert [row["Anonymous readers"] for row in data] == ["1", "0"]
