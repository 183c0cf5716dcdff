"""The knowledge base's rows of the access matrix (tests/portal/test_access_matrix.py):
search, clicks, feedback, the reading beacon, the editors' reports in the Wagtail admin (admins
only) and the KB API.

The articles the rows point at (one per audience: public, customers, agents) are the matrix's
own ``ctx.kb``, because the Wagtail page serving rules and the tickets' deflection rows point at
them too; ``m.kb_path``, ``m.kb_sees``, ``m.after_kb`` and ``m.kb_titles_match_audience`` build
paths, outcomes and checks from them."""

from __future__ import annotations

KB_REPORTS = [
    ("top_articles", "top-articles/"),
    ("feedback", "feedback/"),
    ("no_results", "no-results/"),
    ("no_clicks", "no-clicks/"),
    ("review_due", "review-due/"),
    ("drafts", "drafts/"),
    ("views_trend", "views-trend/"),
    ("deflection", "deflection/"),
    ("recontacts", "recontacts/"),
    ("translations", "translations/"),
]


def url_rows(m) -> dict:
    Probe, expect, Redirect = m.Probe, m.expect, m.Redirect
    kb_path, kb_sees, after_kb = m.kb_path, m.kb_sees, m.after_kb
    kb_titles_match_audience = m.kb_titles_match_audience
    return {
        **m.admin_rows(
            "kb_reports",
            {
                f"{name}{suffix}": f"/admin/reports/kb/{route}{'results/' if suffix else ''}"
                for name, route in KB_REPORTS
                for suffix in ("", "_results")
            },
        ),
        "knowledgebase:search": [
            Probe(
                "GET",
                after_kb("/search/?q=matrix"),
                expect(200),
                check=kb_titles_match_audience,
            ),
            Probe("POST", "/search/", expect(405)),
        ],
        "knowledgebase:search_suggest": [
            Probe(
                "GET",
                after_kb("/search/suggest/?q=matrix"),
                expect(200),
                check=kb_titles_match_audience,
            ),
        ],
        "knowledgebase:search_click": [
            Probe(
                "GET",
                lambda ctx: f"/search/click/?t={ctx.click_token('public')}",
                expect(Redirect("/kb/")),
            ),
            Probe(
                "GET",
                lambda ctx: f"/search/click/?t={ctx.click_token('agents')}",
                kb_sees("agents", Redirect("/kb/"), 404),
                note="no redirect to a hidden article",
            ),
            Probe("GET", "/search/click/?t=forged", expect(400)),
        ],
        "knowledgebase:feedback": [
            Probe(
                "POST",
                kb_path("public", "/kb/feedback/{id}/"),
                expect(Redirect("/kb/")),
                data={"helpful": "yes"},
            ),
            Probe(
                "POST",
                kb_path("customers", "/kb/feedback/{id}/"),
                kb_sees("customers", Redirect("/kb/"), 404),
                data={"helpful": "no"},
            ),
            Probe(
                "POST",
                kb_path("agents", "/kb/feedback/{id}/"),
                kb_sees("agents", Redirect("/kb/"), 404),
                data={"helpful": "yes"},
            ),
            Probe(
                "POST",
                kb_path("public", "/kb/feedback/{id}/"),
                expect(400),
                data={"helpful": "maybe"},
            ),
            Probe("GET", kb_path("public", "/kb/feedback/{id}/"), expect(405)),
        ],
        "knowledgebase:beacon": [
            Probe(
                "POST",
                "/kb/beacon/",
                expect(204),
                data=lambda ctx: {"article": ctx.kb["public"].pk, "event": "time", "seconds": 30},
            ),
            Probe(
                "POST",
                "/kb/beacon/",
                kb_sees("agents", 204, 400),
                data=lambda ctx: {"article": ctx.kb["agents"].pk, "event": "time", "seconds": 5},
                note="a hidden article is an invalid beacon",
            ),
            Probe("GET", "/kb/beacon/", expect(405)),
        ],
    }


def api_rows(m) -> dict:
    Probe, expect = m.Probe, m.expect
    kb_path, kb_sees, after_kb = m.kb_path, m.kb_sees, m.after_kb
    kb_titles_match_audience = m.kb_titles_match_audience
    return {
        "GET /api/v1/kb/articles": [
            Probe(
                "GET",
                after_kb("/api/v1/kb/articles?q=matrix"),
                expect(200),
                check=kb_titles_match_audience,
            ),
            Probe("GET", "/api/v1/kb/articles?limit=0", expect(422)),
        ],
        "GET /api/v1/kb/articles/{article_id}": [
            Probe("GET", kb_path("public", "/api/v1/kb/articles/{id}"), expect(200)),
            Probe(
                "GET",
                kb_path("customers", "/api/v1/kb/articles/{id}"),
                kb_sees("customers", 200, 404),
            ),
            Probe(
                "GET", kb_path("agents", "/api/v1/kb/articles/{id}"), kb_sees("agents", 200, 404)
            ),
        ],
        "GET /api/v1/kb/suggest": [
            Probe(
                "GET",
                after_kb("/api/v1/kb/suggest?text=matrix+card"),
                expect(200),
                check=kb_titles_match_audience,
            ),
            Probe("GET", "/api/v1/kb/suggest?limit=50", expect(422)),
        ],
    }
