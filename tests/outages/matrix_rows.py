"""Access-matrix rows of the outages app (merged by tests/portal/test_access_matrix.py).

The public side (/status/ and the public API) is in ``_public_url_rows`` / ``_public_api_rows``;
the agents' side (/desk/incidents/, the write API) adds its own functions and merges them in
``url_rows`` / ``api_rows``."""

from __future__ import annotations

from decimal import Decimal


# --- objects the public rows point at -------------------------------------------------------
def _cached(ctx, key: str, build):
    cache = ctx.__dict__.setdefault("_outages_public", {})
    if key not in cache:
        cache[key] = build()
    return cache[key]


def status_service(ctx):
    """A service alice subscribes to (north)."""

    def build():
        from django.utils import timezone

        from portal.models import Product, Subscription

        product = Product.objects.create(name="Matrix fibre", slug="matrix-fibre")
        Subscription.objects.create(
            customer=ctx.users["alice"].customer,
            product=product,
            region="north",
            since=timezone.now(),
        )
        return product

    return _cached(ctx, "service", build)


def published_incident(ctx):
    """A published partial outage on alice's service, with a claimable credit."""

    def build():
        from outages.models import CompensationOffer
        from outages.services import incident_declare, incident_publish

        incident = incident_declare(
            title="Matrix public outage",
            products=[status_service(ctx)],
            impact="partial",
            message="Looking into it",
        )
        CompensationOffer.objects.create(incident=incident, kind="credit", amount=Decimal("5"))
        incident_publish(incident=incident)
        return incident

    return _cached(ctx, "published", build)


def draft_incident(ctx):
    """Declared, not published: agents only."""

    def build():
        from outages.services import incident_declare

        return incident_declare(
            title="Matrix draft outage",
            products=[status_service(ctx)],
            impact="major",
            message="Not told yet",
        )

    return _cached(ctx, "draft", build)


def _path(template: str, build):
    return lambda ctx: template.format(id=build(ctx).pk)


def _service_path(template: str):
    return lambda ctx: template.format(slug=status_service(ctx).slug)


def _both_incidents(path: str):
    def build(ctx):
        published_incident(ctx)
        draft_incident(ctx)
        return path

    return build


def _drafts_for_agents_only(ctx, response) -> None:
    content = response.content.decode()
    assert "Matrix public outage" in content
    agent = ctx.role in ("ada", "root")
    assert ("Matrix draft outage" in content) is agent, "drafts are for agents only"


def _claim_granted(ctx, response) -> None:
    from outages.models import CompensationGrant

    granted = set(CompensationGrant.objects.values_list("customer__user__email", flat=True))
    assert granted == ({"alice@example.com"} if ctx.role == "alice" else set())


def _follows(ctx, response) -> None:
    from outages.models import StatusSubscription

    follows = StatusSubscription.objects.filter(customer__user__isnull=False)
    customer = ctx.role in ("alice", "amy", "bob")
    assert follows.exists() is customer


# --- rows ----------------------------------------------------------------------------------
def _public_url_rows(m) -> dict:
    customers = ("alice", "amy", "bob")
    to_status = m.Redirect("/status/")
    return {
        "outages:status": [
            m.Probe(
                "GET", _both_incidents("/status/"), m.expect(200), check=_drafts_for_agents_only
            ),
            m.Probe("POST", "/status/", m.expect(405)),
        ],
        "outages:incident": [
            m.Probe("GET", _path("/status/incidents/{id}/", published_incident), m.expect(200)),
            m.Probe(
                "GET",
                _path("/status/incidents/{id}/", draft_incident),
                m.only(("ada", "root"), 200, others=404),
                note="unpublished: a 404 for everyone but agents",
            ),
            m.Probe("GET", "/status/incidents/999999/", m.expect(404)),
        ],
        "outages:claim": [
            m.Probe(
                "POST",
                _path("/status/incidents/{id}/claim/", published_incident),
                m.signed_in(403, alice=m.Redirect("/status/incidents/")),
                check=_claim_granted,
                note="only an affected customer gets a grant; others (not affected, or no "
                "customer record) a 403",
            ),
            m.Probe(
                "POST",
                _path("/status/incidents/{id}/claim/", draft_incident),
                m.signed_in(404, ada=403, root=403),
                note="unpublished: 404 for non-agents; agents have no customer record",
            ),
            m.Probe(
                "GET", _path("/status/incidents/{id}/claim/", published_incident), m.signed_in(405)
            ),
        ],
        "outages:follow": [
            m.Probe(
                "POST",
                _service_path("/status/services/{slug}/follow/"),
                m.signed_in(403, **dict.fromkeys(customers, to_status)),
                check=_follows,
                note="customers only",
            ),
            m.Probe("POST", "/status/services/no-such-service/follow/", m.signed_in(404)),
            m.Probe("GET", _service_path("/status/services/{slug}/follow/"), m.signed_in(405)),
        ],
        "outages:unfollow": [
            m.Probe(
                "POST",
                _service_path("/status/services/{slug}/unfollow/"),
                m.signed_in(403, **dict.fromkeys(customers, to_status)),
            ),
            m.Probe("GET", _service_path("/status/services/{slug}/unfollow/"), m.signed_in(405)),
        ],
    }


def _api_drafts_for_agents_only(ctx, response) -> None:
    titles = {item["title"] for item in response.json()["items"]}
    assert "Matrix public outage" in titles
    assert ("Matrix draft outage" in titles) is (ctx.role in ("ada", "root"))


def _public_api_rows(m) -> dict:
    return {
        "GET /api/v1/status": [m.Probe("GET", _both_incidents("/api/v1/status"), m.expect(200))],
        "GET /api/v1/incidents": [
            m.Probe(
                "GET",
                _both_incidents("/api/v1/incidents"),
                m.expect(200),
                check=_api_drafts_for_agents_only,
            )
        ],
        "GET /api/v1/incidents/{incident_id}": [
            m.Probe("GET", _path("/api/v1/incidents/{id}", published_incident), m.expect(200)),
            m.Probe(
                "GET",
                _path("/api/v1/incidents/{id}", draft_incident),
                m.only(("ada", "root"), 200, others=404),
            ),
        ],
    }


def url_rows(m) -> dict:
    return {**_public_url_rows(m)}


def api_rows(m) -> dict:
    return {**_public_api_rows(m)}
