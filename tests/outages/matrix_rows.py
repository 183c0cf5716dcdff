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


# --- the agents' side: /desk/incidents/ and the write API ------------------------------------
def desk_incident(ctx):
    """A published incident on alice's service for the desk probes (its own, so resolving it
    does not change what the public probes see)."""

    def build():
        from outages.services import incident_declare, incident_publish

        incident = incident_declare(
            title="Matrix desk outage",
            products=[status_service(ctx)],
            impact="major",
            message="Desk probe",
        )
        incident_publish(incident=incident)
        return incident

    return _cached(ctx, "desk", build)


def _linked_ticket(ctx):
    """alice's ticket, linked to the desk incident (for the unlink probe)."""
    from outages.models import IncidentTicket
    from tests.tickets import matrix_rows as tm

    ticket = tm.alice_ticket(ctx)
    IncidentTicket.objects.get_or_create(
        incident=desk_incident(ctx), ticket=ticket, defaults={"customer": ticket.customer}
    )
    return ticket


def _unlinked_ticket(ctx):
    """alice's ticket, not linked to the desk incident (the unlink URL is a 404 for it)."""
    from outages.models import IncidentTicket
    from tests.tickets import matrix_rows as tm

    ticket = tm.alice_ticket(ctx)
    IncidentTicket.objects.filter(incident=desk_incident(ctx), ticket=ticket).delete()
    return ticket


def _desk(template: str):
    return lambda ctx: template.format(id=desk_incident(ctx).pk)


def _declared_by_agents_only(ctx, response) -> None:
    from outages.models import Incident

    made = Incident.objects.filter(title="Matrix declared").exists()
    assert made is (ctx.role in ("ada", "root")), "only agents declare"


def _desk_url_rows(m) -> dict:
    from tests.tickets import matrix_rows as tm

    agents = m.agents_only
    to_incident = m.Redirect("/desk/incidents/")

    def declare_data(ctx):
        return {
            "title": "Matrix declared",
            "products": [str(status_service(ctx).pk)],
            "impact": "major",
            "message": "Declared by a probe",
        }

    return {
        "outages_desk:list": [
            m.Probe("GET", "/desk/incidents/", agents(200)),
            m.Probe("GET", "/desk/incidents/?status=zz&product=x&page=y", agents(200)),
            m.Probe("POST", "/desk/incidents/", agents(405)),
        ],
        "outages_desk:new": [
            m.Probe("GET", "/desk/incidents/new/", agents(200)),
            m.Probe(
                "POST",
                "/desk/incidents/new/",
                agents(to_incident),
                data=declare_data,
                check=_declared_by_agents_only,
            ),
            m.Probe("POST", "/desk/incidents/new/", agents(400), data={"title": ""}),
        ],
        "outages_desk:detail": [
            m.Probe("GET", _desk("/desk/incidents/{id}/"), agents(200)),
            m.Probe("GET", _path("/desk/incidents/{id}/", draft_incident), agents(200)),
            m.Probe("GET", "/desk/incidents/999999/", agents(404)),
        ],
        "outages_desk:publish": [
            m.Probe(
                "POST", _path("/desk/incidents/{id}/publish/", draft_incident), agents(to_incident)
            ),
            m.Probe("GET", _desk("/desk/incidents/{id}/publish/"), agents(405)),
        ],
        "outages_desk:update": [
            m.Probe(
                "POST",
                _desk("/desk/incidents/{id}/updates/"),
                agents(to_incident),
                data={"status": "identified", "message": "Probe update"},
            ),
            m.Probe("POST", _desk("/desk/incidents/{id}/updates/"), agents(400), data={}),
        ],
        "outages_desk:resolve": [
            m.Probe(
                "POST",
                _desk("/desk/incidents/{id}/resolve/"),
                agents(to_incident),
                data={"message": "Probe resolution"},
            ),
            m.Probe("GET", _desk("/desk/incidents/{id}/resolve/"), agents(405)),
        ],
        "outages_desk:italian": [
            m.Probe(
                "POST",
                _desk("/desk/incidents/{id}/italian/"),
                agents(to_incident),
                data={"title_it": "Guasto di prova"},
            ),
            m.Probe(
                "POST",
                _desk("/desk/incidents/{id}/italian/"),
                agents(400),
                data={"title_it": "x" * 201},
            ),
            m.Probe("GET", _desk("/desk/incidents/{id}/italian/"), agents(405)),
        ],
        "outages_desk:link": [
            m.Probe(
                "POST",
                tm.path_of(_desk("/desk/incidents/{id}/tickets/"), tm.alice_ticket),
                agents(to_incident),
                data=lambda ctx: {"ticket": str(tm.alice_ticket(ctx).pk)},
            ),
            m.Probe(
                "POST", _desk("/desk/incidents/{id}/tickets/"), agents(400), data={"ticket": "x"}
            ),
        ],
        "outages_desk:unlink": [
            m.Probe(
                "POST",
                lambda ctx: (
                    f"/desk/incidents/{desk_incident(ctx).pk}/tickets/{_linked_ticket(ctx).pk}/unlink/"
                ),
                agents(to_incident),
            ),
            m.Probe(
                "POST",
                lambda ctx: (
                    f"/desk/incidents/{desk_incident(ctx).pk}/tickets/{_unlinked_ticket(ctx).pk}/unlink/"
                ),
                agents(404),
                note="a ticket not linked to this incident",
            ),
            m.Probe(
                "POST",
                _desk("/desk/incidents/{id}/tickets/99999999999999999999999/unlink/"),
                m.expect(404),
                note="beyond any id: no URL matches (<id:...>), a 404 for everyone",
            ),
            m.Probe(
                "GET",
                lambda ctx: (
                    f"/desk/incidents/{desk_incident(ctx).pk}/tickets/{_linked_ticket(ctx).pk}/unlink/"
                ),
                agents(405),
            ),
        ],
        "outages_desk:proactive": [
            m.Probe(
                "POST",
                _desk("/desk/incidents/{id}/proactive/"),
                agents(to_incident),
                data={"top": "1", "subject": "Probe", "body": "Proactive probe"},
            ),
            m.Probe(
                "POST", _desk("/desk/incidents/{id}/proactive/"), agents(400), data={"top": "0"}
            ),
        ],
    }


def _desk_api_rows(m) -> dict:
    managers = m.only(("ada", "root"), 201, others=403, anonymous=401)
    declared = {
        "title": "Matrix API outage",
        "impact": "partial",
        "message": "From monitoring",
    }
    return {
        "POST /api/v1/incidents": [
            m.Probe(
                "POST",
                "/api/v1/incidents",
                managers,
                data=lambda ctx: {**declared, "services": [status_service(ctx).slug]},
            ),
            m.Probe(
                "POST",
                "/api/v1/incidents",
                m.only(("ada", "root"), 422, others=403, anonymous=401),
                data={**declared, "services": ["no-such-service"]},
            ),
        ],
        "POST /api/v1/incidents/{incident_id}/updates": [
            m.Probe(
                "POST",
                _desk("/api/v1/incidents/{id}/updates"),
                managers,
                data={"status": "monitoring", "message": "Probe"},
            ),
            m.Probe(
                "POST",
                _desk("/api/v1/incidents/{id}/updates"),
                m.only(("ada", "root"), 422, others=403, anonymous=401),
                data={"status": "gone", "message": "Probe"},
            ),
        ],
        "POST /api/v1/incidents/{incident_id}/publish": [
            m.Probe(
                "POST",
                _path("/api/v1/incidents/{id}/publish", draft_incident),
                m.only(("ada", "root"), 200, others=403, anonymous=401),
            ),
        ],
    }


def _admin_url_rows(m) -> dict:
    """The read-only Incidents menu and the incident report in the Wagtail admin: admins."""
    simple = {
        "incidents:index": "/admin/incidents/",
        "incidents:index_results": "/admin/incidents/results/",
        "outages_reports:incidents": "/admin/reports/incidents/",
        "outages_reports:incidents_results": "/admin/reports/incidents/results/",
    }
    rows = {name: [m.Probe("GET", path, m.admin_only(path))] for name, path in simple.items()}
    rows["incidents:inspect"] = [
        m.Probe(
            "GET",
            _desk("/admin/incidents/inspect/{id}/"),
            m.admin_only("/admin/incidents/inspect/"),
        )
    ]
    return rows


def url_rows(m) -> dict:
    return {**_public_url_rows(m), **_desk_url_rows(m), **_admin_url_rows(m)}


def api_rows(m) -> dict:
    return {**_public_api_rows(m), **_desk_api_rows(m)}
