"""Helper F's access-matrix rows (merged into ``matrix_rows.url_rows``): the earn rules,
tiers and ledger viewsets and the points adjustment form, admins only."""

from __future__ import annotations

VIEWS = {
    "loyalty_rules": ("rules", ("index", "index_results", "add", "edit")),
    "loyalty_tiers": ("tiers", ("index", "index_results", "add", "edit", "delete")),
    "loyalty_ledger": ("ledger", ("index", "index_results", "inspect")),
}
ROUTES = {
    "index": "",
    "index_results": "results/",
    "add": "new/",
    "edit": "edit/{pk}/",
    "delete": "delete/{pk}/",
    "inspect": "inspect/{pk}/",
}


def _object(ctx, namespace: str):
    from loyalty.models import EarnRule, Tier
    from loyalty.services.ledger import points_earn

    cache = ctx.__dict__.setdefault("_loyalty_f", {})
    if namespace not in cache:
        if namespace == "loyalty_rules":
            cache[namespace] = EarnRule.objects.order_by("pk").first()
        elif namespace == "loyalty_tiers":
            cache[namespace] = Tier.objects.get(slug="gold")
        else:
            cache[namespace] = points_earn(
                customer=ctx.users["bob"].customer,
                rule="",
                points=5,
                source_type="matrix",
                source_id="1",
                reason="Matrix",
            )
    return cache[namespace]


def _path(namespace: str, template: str):
    return lambda ctx: template.format(pk=_object(ctx, namespace).pk)


def adjusted_once(ctx, response) -> None:
    from loyalty.models import PointsEntry

    rows = PointsEntry.objects.filter(kind="adjust", customer__customer_ref="C-BOB")
    if ctx.role == "root":
        (row,) = rows
        assert row.actor_id == ctx.user.pk and row.reason == "Matrix goodwill"
    else:
        assert not rows.exists()


def nothing_adjusted(ctx, response) -> None:
    from loyalty.models import PointsEntry

    assert not PointsEntry.objects.filter(kind="adjust").exists()


def f_url_rows(m) -> dict:
    rows = {}
    for namespace, (prefix, views) in VIEWS.items():
        for view in views:
            template = f"/admin/loyalty/{prefix}/{ROUTES[view]}"
            rows[f"{namespace}:{view}"] = [
                m.Probe("GET", _path(namespace, template), m.admin_only(template.split("{pk}")[0]))
            ]
    adjust = "/admin/loyalty/adjust/"
    post_only_root = lambda status: m.only(  # noqa: E731
        ("root",), status, others=m.Redirect(f"/accounts/login/?next={adjust}"), anonymous=m.LOGIN
    )
    rows["loyalty_admin:adjust"] = [
        m.Probe("GET", adjust, m.admin_only(adjust)),
        m.Probe(
            "POST",
            adjust,
            post_only_root(m.Redirect(adjust)),
            data={"customer": "C-BOB", "points": "10", "reason": "Matrix goodwill"},
            check=adjusted_once,
        ),
        m.Probe(
            "POST",
            adjust,
            post_only_root(400),
            data={"customer": "C-BOB", "points": "10", "reason": ""},
            check=nothing_adjusted,
            note="a reason is required",
        ),
        m.Probe(
            "POST",
            adjust,
            post_only_root(400),
            data={"customer": "NOBODY", "points": "99999999999", "reason": "Matrix"},
            check=nothing_adjusted,
            note="unknown customer, points out of bounds",
        ),
    ]
    return rows
