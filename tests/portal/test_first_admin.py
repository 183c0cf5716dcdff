"""README's production step 4: ``createsuperuser --email`` makes the first admin."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from portal import roles
from portal.models import User


def test_createsuperuser_makes_an_admin_without_a_customer_record(db, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-admin-password-2026")
    call_command("createsuperuser", "--noinput", "--email", "admin@example.com", stdout=StringIO())
    admin = User.objects.get(email="admin@example.com")
    assert roles.role_of(admin) == "admin"
    assert admin.check_password("a-long-admin-password-2026")
    assert not hasattr(admin, "customer") or admin.customer is None


def test_the_first_login_sends_the_verification_email(db, client, monkeypatch, mailoutbox):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-admin-password-2026")
    call_command("createsuperuser", "--noinput", "--email", "admin@example.com", stdout=StringIO())
    response = client.post(
        "/accounts/login/",
        {"login": "admin@example.com", "password": "a-long-admin-password-2026"},
    )
    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [["admin@example.com"]]
    link = next(w for w in mailoutbox[0].body.split() if "/accounts/confirm-email/" in w)
    key_page = client.get(link)
    assert key_page.status_code == 200
    client.post(link)
    assert (
        client.post(
            "/accounts/login/",
            {"login": "admin@example.com", "password": "a-long-admin-password-2026"},
        ).status_code
        == 302
    )
    assert client.get("/admin/").status_code == 200
