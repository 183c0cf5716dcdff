"""The catalogue's rows of the access matrix (tests/portal/test_access_matrix.py).

Objects are built once per test through the services, as the right persona: an approval item
and amy's request waiting for alice (Acme's admin), an invoice item and alice's fulfilled
invoice copy."""

from __future__ import annotations

from django.utils import timezone


def _cached(ctx, key: str, build):
    cache = ctx.__dict__.setdefault("_catalogue", {})
    if key not in cache:
        ctx.settings.MEDIA_ROOT = str(ctx.tmp_path / "media")
        cache[key] = build()
    return cache[key]


def items(ctx) -> dict:
    from catalogue.models import CatalogueCategory, CatalogueItem, FormField

    def build():
        category = CatalogueCategory.objects.create(name="Matrix", slug="matrix")
        laptop = CatalogueItem.objects.create(
            name="Matrix laptop",
            slug="matrix-laptop",
            short_description="A laptop",
            category=category,
            requires_approval=True,
        )
        invoice = CatalogueItem.objects.create(
            name="Matrix invoice",
            slug="matrix-invoice",
            short_description="A copy",
            category=category,
            fulfilment="invoice_copy",
        )
        FormField.objects.create(item=invoice, key="purchase", label="Order", field_type="purchase")
        return {"laptop": laptop, "invoice": invoice}

    return _cached(ctx, "items", build)


def amy_request(ctx):
    """amy's request, waiting for alice's approval."""
    from catalogue.services import request_submit

    return _cached(
        ctx,
        "amy",
        lambda: request_submit(
            item=items(ctx)["laptop"],
            submitted_by=ctx.users["amy"],
            data={},
            idempotency_key="matrix-amy-1",
        )[0],
    )


def alice_invoice(ctx):
    """alice's fulfilled invoice copy (with its result file)."""
    from catalogue.services import request_fulfil, request_submit
    from portal.models import Purchase

    def build():
        alice = ctx.users["alice"]
        purchase = Purchase.objects.create(
            customer=alice.customer,
            ordered_at=timezone.now(),
            amount="12.00",
            source="matrix",
            order_ref="MATRIX-INV",
        )
        request, _ = request_submit(
            item=items(ctx)["invoice"],
            submitted_by=alice,
            data={"purchase": str(purchase.pk)},
            idempotency_key="matrix-alice-1",
        )
        return request_fulfil(request_id=request.pk)

    return _cached(ctx, "invoice", build)


def path(template: str, build=amy_request):
    return lambda ctx: template.format(id=build(ctx).pk)


def after_items(fixed: str):
    def build(ctx) -> str:
        items(ctx)
        return fixed

    return build


def email_confirm_path(ctx) -> str:
    from catalogue.automations.account import email_change_token

    request = amy_request(ctx)
    return f"/requests/{request.pk}/confirm-email/{email_change_token(request, 'x@example.org')}/"


def submitted(ctx, response) -> None:
    from catalogue.models import ServiceRequest

    made = ServiceRequest.objects.filter(idempotency_key="matrix-form-token").exists()
    accepted = response.status_code == 302 and response["Location"].startswith("/requests/")
    assert made is accepted, "a request only when accepted"


def decided(status: str):
    def check(ctx, response) -> None:
        request = amy_request(ctx)
        request.refresh_from_db()
        done = request.status == status
        assert done is (ctx.role == "alice"), "only amy's organisation admin decides"

    return check


CUSTOMERS_200 = ("alice", "amy", "bob")


def url_rows(m) -> dict:
    to_requests = m.Redirect("/requests/")
    return {
        **admin_rows(m),
        "catalogue:index": [
            m.Probe("GET", after_items("/catalogue/"), m.signed_in(200)),
            m.Probe("GET", "/catalogue/?q=%00zz", m.signed_in(200)),
            m.Probe("POST", "/catalogue/", m.signed_in(405)),
        ],
        "catalogue:item": [
            m.Probe(
                "GET",
                after_items("/catalogue/matrix-laptop/"),
                m.only(CUSTOMERS_200, 200, others=404, anonymous=m.LOGIN),
                note="any customer may request it; agents, admins and mo are not customers",
            ),
            m.Probe(
                "POST",
                after_items("/catalogue/matrix-laptop/"),
                m.only(CUSTOMERS_200, to_requests, others=404, anonymous=m.LOGIN),
                data={"form_token": "matrix-form-token"},
                check=submitted,
            ),
            m.Probe(
                "POST",
                after_items("/catalogue/matrix-laptop/"),
                m.only(CUSTOMERS_200, 400, others=404, anonymous=m.LOGIN),
                data={"form_token": "x"},
                note="a bad one-time token",
            ),
            m.Probe("PUT", after_items("/catalogue/matrix-laptop/"), m.signed_in(405)),
        ],
        "catalogue:requests": [
            m.Probe("GET", path("/requests/"), m.signed_in(200)),
            m.Probe("GET", "/requests/?page=zz", m.signed_in(200)),
        ],
        "catalogue:request": [
            m.Probe(
                "GET",
                path("/requests/{id}/"),
                m.signed_in(404, alice=200, amy=200, ada=200, root=200),
                note="amy's request: amy, her organisation's admin and agents",
            ),
        ],
        "catalogue:approve": [
            m.Probe(
                "POST",
                path("/requests/{id}/approve/"),
                m.signed_in(404, alice=to_requests),
                check=decided("in_progress"),
            ),
            m.Probe("GET", path("/requests/{id}/approve/"), m.signed_in(405)),
        ],
        "catalogue:reject": [
            m.Probe(
                "POST",
                path("/requests/{id}/reject/"),
                m.signed_in(404, alice=to_requests),
                data={"reason": "matrix"},
                check=decided("rejected"),
            ),
            m.Probe("GET", path("/requests/{id}/reject/"), m.signed_in(405)),
        ],
        "catalogue:result": [
            m.Probe(
                "GET",
                path("/requests/{id}/result/", alice_invoice),
                m.signed_in(404, alice=200, ada=200, root=200),
                note="alice's document: not amy's (requests are not shared like tickets)",
            ),
            m.Probe(
                "GET",
                path("/requests/{id}/result/"),
                m.signed_in(404),
                note="a request without a result file",
            ),
        ],
        "catalogue:email_confirm": [
            m.Probe(
                "GET",
                email_confirm_path,
                m.signed_in(404, amy=200),
                note="only the requester confirms their own address",
            ),
            m.Probe(
                "POST",
                email_confirm_path,
                m.signed_in(404, amy=to_requests),
                note="amy's request is not a change of email: nothing changes",
            ),
            m.Probe(
                "GET",
                path("/requests/{id}/confirm-email/forged/"),
                m.signed_in(404, alice=400, amy=400, ada=400, root=400),
            ),
        ],
    }


def admin_objects(ctx) -> dict:
    from catalogue.models import PaymentCard, WebhookDelivery

    def build():
        request = amy_request(ctx)
        return {
            "catalogue_items": items(ctx)["laptop"],
            "catalogue_categories": items(ctx)["laptop"].category,
            "catalogue_requests": request,
            "catalogue_cards": PaymentCard.objects.create(
                customer=ctx.users["alice"].customer, last_four="4242"
            ),
            "catalogue_webhooks": WebhookDelivery.objects.create(
                request=request, attempt=1, url="http://example.org/", status_code=500
            ),
        }

    return _cached(ctx, "admin", build)


ADMIN_VIEWS = {
    "catalogue_items": ("items", ("index", "index_results", "add", "edit")),
    "catalogue_categories": (
        "categories",
        ("index", "index_results", "add", "edit", "delete"),
    ),
    "catalogue_requests": (
        "requests",
        ("index", "index_results", "inspect", "rerun", "complete"),
    ),
    "catalogue_cards": ("cards", ("index", "index_results", "add", "edit", "inspect")),
    "catalogue_webhooks": ("webhooks", ("index", "index_results", "inspect")),
}
ROUTES = {
    "index": "",
    "index_results": "results/",
    "add": "new/",
    "edit": "edit/{pk}/",
    "delete": "delete/{pk}/",
    "inspect": "inspect/{pk}/",
    "rerun": "rerun/{pk}/",
    "complete": "complete/{pk}/",
}
REPORTS = {
    "items": "/admin/reports/catalogue/",
    "items_results": "/admin/reports/catalogue/results/",
    "failures": "/admin/reports/catalogue/failures/",
    "failures_results": "/admin/reports/catalogue/failures/results/",
}


def _admin_path(namespace: str, template: str):
    return lambda ctx: template.format(pk=admin_objects(ctx)[namespace].pk)


def admin_rows(m) -> dict:
    rows = {}
    for namespace, (prefix, views) in ADMIN_VIEWS.items():
        for view in views:
            template = f"/admin/catalogue/{prefix}/{ROUTES[view]}"
            rows[f"{namespace}:{view}"] = [
                m.Probe(
                    "GET",
                    _admin_path(namespace, template),
                    m.admin_only(template.split("{pk}")[0]),
                )
            ]
    for name, url in REPORTS.items():
        rows[f"catalogue_reports:{name}"] = [m.Probe("GET", url, m.admin_only(url))]
    rows["catalogue_requests:rerun"].append(
        m.Probe(
            "POST",
            _admin_path("catalogue_requests", "/admin/catalogue/requests/rerun/{pk}/"),
            m.admin_only("/admin/catalogue/requests/rerun/")
            | {"root": m.Redirect("/admin/catalogue/requests/")},
            note="amy's request is not failed: refused with a message",
        )
    )
    rows["catalogue_requests:complete"].append(
        m.Probe(
            "POST",
            _admin_path("catalogue_requests", "/admin/catalogue/requests/complete/{pk}/"),
            m.admin_only("/admin/catalogue/requests/complete/")
            | {"root": m.Redirect("/admin/catalogue/requests/")},
            note="amy's request awaits approval: refused with a message",
        )
    )
    return rows


def _api_body(data: dict):
    def build(ctx) -> dict:
        items(ctx)
        return {"item": "matrix-laptop", "data": data}

    return build


def api_created(ctx, response) -> None:
    from catalogue.models import ServiceRequest

    made = ServiceRequest.objects.filter(item__slug="matrix-laptop").exists()
    assert made is (response.status_code == 201), "a request only when accepted"


def api_rows(m) -> dict:
    customers = m.only(CUSTOMERS_200, 200, others=403, anonymous=401)
    return {
        "GET /api/v1/catalogue": [
            m.Probe("GET", after_items("/api/v1/catalogue"), m.signed_in(200, anonymous=401))
        ],
        "POST /api/v1/requests": [
            m.Probe(
                "POST",
                "/api/v1/requests",
                {**customers, **{r: 201 for r in CUSTOMERS_200}},
                data=_api_body({}),
                check=api_created,
            ),
            m.Probe(
                "POST",
                "/api/v1/requests",
                {**customers, **{r: 422 for r in CUSTOMERS_200}},
                data=_api_body({"is_staff": True}),
                note="unknown answers are refused",
                check=api_created,
            ),
        ],
        "GET /api/v1/requests": [
            m.Probe("GET", path("/api/v1/requests"), m.signed_in(200, anonymous=401)),
            m.Probe("GET", "/api/v1/requests?limit=500", m.signed_in(422, anonymous=401)),
        ],
        "GET /api/v1/requests/{request_id}": [
            m.Probe(
                "GET",
                path("/api/v1/requests/{id}"),
                m.signed_in(404, alice=200, amy=200, ada=200, root=200, anonymous=401),
            )
        ],
    }
