"""Access-matrix rows of the insights app (merged by tests/portal/test_access_matrix.py).

``/surveys/<token>/`` needs no login: the signed token is the credential, so every role gets
the same answer; a tampered token is a 400 for everyone. The API: metrics for agents and
admins only; answering with a token for anyone holding it."""

from __future__ import annotations


def _survey(ctx):
    cache = ctx.__dict__.setdefault("_insights", {})
    if "survey" not in cache:
        from insights.models import SurveyKind, SurveyTrigger
        from insights.services.surveys import survey_send

        cache["survey"] = survey_send(
            customer=ctx.users["alice"].customer,
            kind=SurveyKind.CSAT,
            trigger=SurveyTrigger.TICKET,
            trigger_ref="T-matrix",
        ).survey
    return cache["survey"]


def _survey_path(ctx) -> str:
    from insights.services.surveys import survey_url

    return survey_url(_survey(ctx))


def _token(ctx) -> str:
    from insights.services.surveys import survey_token

    return survey_token(_survey(ctx))


def _followup_close_path(ctx) -> str:
    """A follow-up case of bob's (an unhappy answer; the matrix surveys alice only)."""
    cache = ctx.__dict__.setdefault("_insights", {})
    if "followup" not in cache:
        from django.utils import timezone

        from insights.models import Survey, SurveyKind, SurveyTrigger
        from insights.services.followups import followup_open

        now = timezone.now()
        survey = Survey.objects.create(
            customer=ctx.users["bob"].customer,
            kind=SurveyKind.NPS,
            trigger=SurveyTrigger.SCHEDULE,
            trigger_ref="nps-matrix",
            sent_at=now,
            expires_at=now + timezone.timedelta(days=14),
            answered_at=now,
            score=2,
        )
        cache["followup"] = followup_open(survey=survey).followup
    return f"/desk/insights/followups/{cache['followup'].pk}/close/"


def url_rows(m) -> dict:
    return {
        "insights:survey": [
            m.Probe("GET", _survey_path, m.expect(200), note="the token is the credential"),
            m.Probe("POST", _survey_path, m.expect(422), data={"score": "9"}, note="CSAT is 1-5"),
            m.Probe("GET", "/surveys/not-a-token/", m.expect(400)),
            m.Probe("PUT", _survey_path, m.expect(405)),
        ],
        # The Wagtail admin: admins only (everyone else is bounced to the login).
        "insights_reports:overview": [
            m.Probe("GET", "/admin/insights/", m.admin_only("/admin/insights/")),
            m.Probe(
                "GET",
                "/admin/insights/?export=cohorts&format=csv",
                m.admin_only("/admin/insights/"),
            ),
        ],
        "insights_reports:customers": [
            m.Probe(
                "GET",
                "/admin/insights/customers/?list=churned",
                m.admin_only("/admin/insights/customers/"),
            ),
            m.Probe(
                "GET",
                "/admin/insights/customers/?list=at_risk&format=csv",
                m.admin_only("/admin/insights/customers/"),
            ),
        ],
        # The desk (agents and admins): the at-risk list, outreach tickets, the timeline.
        "insights_desk:at_risk": [
            m.Probe("GET", "/desk/insights/at-risk/", m.agents_only(200)),
            m.Probe("GET", "/desk/insights/at-risk/?format=csv", m.agents_only(200)),
            m.Probe("GET", "/desk/insights/at-risk/?format=pdf", m.agents_only(400)),
            m.Probe("POST", "/desk/insights/at-risk/", m.agents_only(405)),
        ],
        "insights_desk:at_risk_ticket": [
            m.Probe(
                "POST",
                "/desk/insights/at-risk/C-ALICE/ticket/",
                m.agents_only(m.Redirect("/desk/insights/at-risk/")),
                note="alice is not on the list: refused with a message, no ticket",
            ),
            m.Probe("POST", "/desk/insights/at-risk/NOPE/ticket/", m.agents_only(404)),
            m.Probe("GET", "/desk/insights/at-risk/C-ALICE/ticket/", m.agents_only(405)),
        ],
        # Running the lifetime value fit now: admins only (agents and moderators too get a
        # 403); root's POST runs it (tasks run at once in tests) and comes back to the list.
        "insights_desk:clv_fit": [
            m.Probe(
                "POST",
                "/desk/insights/clv-fit/",
                m.only(
                    ("root",),
                    m.Redirect("/desk/insights/at-risk/"),
                    others=403,
                    anonymous=m.LOGIN,
                ),
            ),
            m.Probe(
                "GET",
                "/desk/insights/clv-fit/",
                m.only(("root",), 405, others=403, anonymous=m.LOGIN),
            ),
        ],
        "insights_desk:timeline": [
            m.Probe("GET", "/desk/insights/customers/C-ALICE/", m.agents_only(200)),
            m.Probe("GET", "/desk/insights/customers/NOPE/", m.agents_only(404)),
        ],
        # Closing a follow-up case (the form in the desk's customer panel): agents only.
        "insights_desk:followup_close": [
            m.Probe(
                "POST",
                _followup_close_path,
                m.agents_only(400),
                data={"outcome": "maybe"},
                note="an unknown outcome: refused, the case stays open",
            ),
            m.Probe("GET", _followup_close_path, m.agents_only(405)),
            m.Probe("POST", "/desk/insights/followups/999999/close/", m.agents_only(404)),
        ],
        "insights_surveys:index": [
            m.Probe("GET", "/admin/insights/surveys/", m.admin_only("/admin/insights/surveys/"))
        ],
        "insights_surveys:index_results": [
            m.Probe(
                "GET",
                "/admin/insights/surveys/results/",
                m.admin_only("/admin/insights/surveys/results/"),
            )
        ],
        "insights_surveys:inspect": [
            m.Probe(
                "GET",
                lambda ctx: f"/admin/insights/surveys/inspect/{_survey(ctx).pk}/",
                m.admin_only("/admin/insights/surveys/inspect/"),
            )
        ],
    }


def api_rows(m) -> dict:
    staff = m.only(("ada", "root"), 200, others=403, anonymous=401)
    return {
        "GET /api/v1/metrics": [
            m.Probe("GET", "/api/v1/metrics?start=2026-01-01&end=2026-01-31", staff),
            m.Probe(
                "GET",
                "/api/v1/metrics?start=2026-02-01&end=2026-01-01",
                m.only(("ada", "root"), 400, others=403, anonymous=401),
                note="end before start",
            ),
        ],
        "GET /api/v1/customers/{customer_ref}/scores": [
            m.Probe("GET", "/api/v1/customers/C-ALICE/scores", staff),
        ],
        "POST /api/v1/surveys/{token}": [
            m.Probe(
                "POST",
                lambda ctx: f"/api/v1/surveys/{_token(ctx)}",
                m.expect(200),
                data={"score": 4},
                note="the token is the credential",
            ),
            m.Probe("POST", "/api/v1/surveys/forged", m.expect(400), data={"score": 4}),
        ],
    }
