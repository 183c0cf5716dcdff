"""Active incidents on the Wagtail dashboard (issue 18, item 11): open incidents (drafts too)
link to their desk page; resolved ones are gone; only people with desk rights see it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from outages.admin_panels import ActiveIncidentsPanel
from portal.models import User
from tests.conftest import PASSWORD
from tests.outages.conftest import make_incident

pytestmark = pytest.mark.django_db


def dashboard(client, user) -> str:
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 200
    return response.content.decode()


def test_admin_sees_active_incidents_with_links_to_the_desk(client, root, fibre_svc):
    live = make_incident([fibre_svc], title="Fibre outage in the north", impact="major")
    draft = make_incident([fibre_svc], title="DNS trouble", impact="degraded", publish=False)
    make_incident([fibre_svc], title="Old outage", resolve=True)

    html = dashboard(client, root)
    start = html.index('id="support-incidents')
    panel = html[start : start + 5000]
    assert "Active incidents" in panel
    assert f'href="/desk/incidents/{live.pk}/"' in panel and "Fibre outage in the north" in panel
    assert f'href="/desk/incidents/{draft.pk}/"' in panel and "Draft, not published" in panel
    assert "Major outage" in panel
    assert "Old outage" not in panel
    assert 'href="/desk/incidents/"' in panel


def test_no_incident_says_so(client, root):
    html = dashboard(client, root)
    assert "No active incidents." in html


def test_editors_without_desk_rights_do_not_see_incidents(client, fibre_svc):
    editor = User.objects.create_user(email="ed@example.com", password=PASSWORD, is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    make_incident([fibre_svc])
    assert 'id="support-incidents' not in dashboard(client, editor)


def test_one_query_however_many_incidents(fibre_svc, django_assert_max_num_queries):
    make_incident([fibre_svc])
    with CaptureQueriesContext(connection) as few:
        ActiveIncidentsPanel(None).rows()
    for n in range(8):
        make_incident([fibre_svc], title=f"Outage {n}", publish=bool(n % 2))
    with django_assert_max_num_queries(len(few.captured_queries)):
        rows = ActiveIncidentsPanel(None).rows()
    assert len(rows) == 5 and len(few.captured_queries) == 1
