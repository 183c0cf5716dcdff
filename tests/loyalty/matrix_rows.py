"""Loyalty's rows of the access matrix (tests/portal/test_access_matrix.py): the customer's
page, redeeming a reward, the referral link, and the loyalty API.

The personas have no points, so a customer's redemption is refused (409) and writes nothing;
agents, moderators and admins have no customer record (404)."""

from __future__ import annotations

from tests.loyalty.f_matrix import f_url_rows

CUSTOMERS = ("alice", "amy", "bob")


def _cached(ctx, key: str, build):
    cache = ctx.__dict__.setdefault("_loyalty", {})
    if key not in cache:
        cache[key] = build()
    return cache[key]


def offer(ctx):
    from loyalty.models import Reward

    return _cached(
        ctx, "reward", lambda: Reward.objects.create(name="Matrix", kind="discount_code", cost=50)
    )


def alice_code(ctx) -> str:
    from loyalty.services.ledger import account_for

    return _cached(ctx, "code", lambda: account_for(ctx.users["alice"].customer).referral_code)


def redeem_path(template: str):
    return lambda ctx: template.format(id=offer(ctx).pk)


def nothing_redeemed(ctx, response) -> None:
    from loyalty.models import PointsEntry, Redemption

    assert not Redemption.objects.exists() and not PointsEntry.objects.exists()


def adjusted(ctx, response) -> None:
    from loyalty.models import PointsEntry

    made = PointsEntry.objects.filter(kind="adjust", customer__customer_ref="C-BOB").exists()
    assert made is (response.status_code == 201), "an adjustment only when accepted"


ADMIN_ROUTES = {
    "index": "",
    "index_results": "results/",
    "add": "new/",
    "edit": "edit/{pk}/",
    "delete": "delete/{pk}/",
}
REPORTS = {
    "programme": "/admin/reports/loyalty/",
    "programme_results": "/admin/reports/loyalty/results/",
}


def admin_rows(m) -> dict:
    rows = {}
    for view, route in ADMIN_ROUTES.items():
        template = f"/admin/loyalty/rewards/{route}"
        rows[f"loyalty_rewards:{view}"] = [
            m.Probe(
                "GET",
                (lambda t: lambda ctx: t.format(pk=offer(ctx).pk))(template),
                m.admin_only(template.split("{pk}")[0]),
            )
        ]
    for name, url in REPORTS.items():
        rows[f"loyalty_reports:{name}"] = [m.Probe("GET", url, m.admin_only(url))]
    rows["loyalty_reports:programme"].append(
        m.Probe(
            "GET",
            "/admin/reports/loyalty/?export=csv&days=90",
            m.admin_only("/admin/reports/loyalty/"),
            note="the CSV export",
        )
    )
    return rows


def url_rows(m) -> dict:
    customers = m.only(CUSTOMERS, 200, others=404, anonymous=m.LOGIN)
    return {
        **admin_rows(m),
        **f_url_rows(m),  # helper F's: rules, tiers, ledger, adjustments
        "loyalty:page": [
            m.Probe("GET", "/me/loyalty/", customers),
            m.Probe("GET", "/me/loyalty/?page=zz", customers, note="a bad page number"),
            m.Probe("POST", "/me/loyalty/", m.signed_in(405)),
        ],
        "loyalty:redeem": [
            m.Probe(
                "POST",
                redeem_path("/me/loyalty/rewards/{id}/redeem/"),
                m.only(CUSTOMERS, 409, others=404, anonymous=m.LOGIN),
                check=nothing_redeemed,
                note="no points yet: refused, nothing written",
            ),
            m.Probe(
                "POST",
                "/me/loyalty/rewards/999999/redeem/",
                m.signed_in(404),
                note="no such reward",
            ),
            m.Probe("GET", redeem_path("/me/loyalty/rewards/{id}/redeem/"), m.signed_in(405)),
        ],
        "loyalty:referral": [
            m.Probe(
                "GET",
                lambda ctx: f"/r/{alice_code(ctx)}/",
                m.expect(
                    m.Redirect("/me/loyalty/"),
                    anonymous=m.Redirect("/accounts/signup/"),
                    ada=m.Redirect("/"),
                    mo=m.Redirect("/"),
                    root=m.Redirect("/"),
                ),
                note="a friend's link: sign up; people with an account are sent on",
            ),
            m.Probe("GET", "/r/no-such-code/", m.expect(404)),
            m.Probe("POST", lambda ctx: f"/r/{alice_code(ctx)}/", m.expect(405)),
        ],
    }


def api_rows(m) -> dict:
    customers = m.only(CUSTOMERS, 200, others=404, anonymous=401)
    return {
        "GET /api/v1/loyalty/me": [m.Probe("GET", "/api/v1/loyalty/me", customers)],
        "GET /api/v1/loyalty/me/history": [
            m.Probe("GET", "/api/v1/loyalty/me/history", customers),
            m.Probe(
                "GET",
                "/api/v1/loyalty/me/history?limit=1000",
                m.signed_in(422, anonymous=401),
            ),
        ],
        "GET /api/v1/loyalty/me/badges": [
            m.Probe("GET", "/api/v1/loyalty/me/badges", m.signed_in(200, anonymous=401))
        ],
        "GET /api/v1/loyalty/me/wallet": [m.Probe("GET", "/api/v1/loyalty/me/wallet", customers)],
        "GET /api/v1/loyalty/rewards": [
            m.Probe("GET", "/api/v1/loyalty/rewards", m.signed_in(200, anonymous=401))
        ],
        "POST /api/v1/loyalty/rewards/{reward_id}/redeem": [
            m.Probe(
                "POST",
                redeem_path("/api/v1/loyalty/rewards/{id}/redeem"),
                m.only(CUSTOMERS, 409, others=404, anonymous=401),
                data={},
                check=nothing_redeemed,
            ),
            m.Probe(
                "POST",
                redeem_path("/api/v1/loyalty/rewards/{id}/redeem"),
                m.signed_in(422, anonymous=401),
                data={"cause": "x", "points": 5},
                note="unknown fields are refused",
            ),
        ],
        "POST /api/v1/loyalty/codes/redeem": [
            m.Probe(
                "POST",
                "/api/v1/loyalty/codes/redeem",
                m.signed_in(403, anonymous=401),
                data={"code": "LOY-AAAAA-BBBBB", "order_ref": "M-1"},
                note="integration tokens only (tests/loyalty/test_codes_api.py)",
            )
        ],
        "POST /api/v1/loyalty/adjustments": [
            m.Probe(
                "POST",
                "/api/v1/loyalty/adjustments",
                m.only(("root",), 201, others=403, anonymous=401),
                data={"customer_ref": "C-BOB", "points": 10, "reason": "Matrix goodwill"},
                check=adjusted,
            ),
            m.Probe(
                "POST",
                "/api/v1/loyalty/adjustments",
                m.only(("root",), 422, others=403, anonymous=401),
                data={"customer_ref": "C-BOB", "points": 10**9, "reason": "Matrix"},
                check=adjusted,
            ),
        ],
    }
