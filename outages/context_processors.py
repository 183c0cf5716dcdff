"""The outage banner on every page: open published incidents that affect the signed-in
customer (``selectors.banner_incidents``: one query at most, cached per user for a minute)."""

from __future__ import annotations

from outages.models import Incident
from outages.selectors import banner_incidents
from portal.i18n import translated


def outage_banner(request) -> dict:
    user = getattr(request, "user", None)

    def incidents() -> list[dict]:
        # Called by the template only where the banner is shown; labels in the page's language.
        # The incident's own page says "you are affected" already: no banner there.
        labels = dict(Incident.Impact.choices)
        return [
            {
                **row,
                "title": translated(row, "title"),
                "impact_label": str(labels.get(row["impact"], row["impact"])),
            }
            for row in banner_incidents(user)
            if request.path != f"/status/incidents/{row['pk']}/"
        ]

    return {"outage_banner": incidents}
