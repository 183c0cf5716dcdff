"""Access-matrix rows of the knowledge base's newer admin reports (merged by
tests/portal/test_access_matrix.py): deflection net of re-contacts and the articles customers
came back from. Admins only, like the other KB reports."""

from __future__ import annotations


def url_rows(m) -> dict:
    return m.admin_rows(
        "kb_reports",
        {
            "deflection": "/admin/reports/kb/deflection/",
            "deflection_results": "/admin/reports/kb/deflection/results/",
            "recontacts": "/admin/reports/kb/recontacts/",
            "recontacts_results": "/admin/reports/kb/recontacts/results/",
        },
    )


def api_rows(m) -> dict:
    return {}
