"""seed_demo: the documented personas and data, and a second run that changes nothing."""

from __future__ import annotations

from io import StringIO

from django.conf import settings
from django.core.management import call_command

from knowledgebase.models import ArticlePage, Audience
from portal import roles
from portal.models import Customer, Interaction, Purchase, Subscription, User

PERSONAS = ("alice", "bob", "carol", "ada", "mo", "root")


def _counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "customers": Customer.objects.count(),
        "subscriptions": Subscription.objects.count(),
        "purchases": Purchase.objects.count(),
        "interactions": Interaction.objects.count(),
        "articles": ArticlePage.objects.count(),
    }


def test_seed_demo_creates_the_personas_and_a_second_run_adds_nothing(
    db, django_capture_on_commit_callbacks
):
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=out)
    for name in PERSONAS:
        user = User.objects.get(email=f"{name}@example.com")
        assert user.check_password(settings.PORTAL_DEMO_PASSWORD), name
        assert f"{name}@example.com" in out.getvalue()
    alice, bob = (Customer.objects.get(user__email=f"{n}@example.com") for n in ("alice", "bob"))
    assert alice.is_org_admin and alice.organisation != bob.organisation
    assert Customer.objects.get(user__email="carol@example.com").organisation is None
    assert roles.is_agent(User.objects.get(email="ada@example.com"))
    assert roles.is_moderator(User.objects.get(email="mo@example.com"))
    assert roles.is_admin(User.objects.get(email="root@example.com"))
    assert Purchase.objects.filter(customer=alice).count() >= 6  # a year of purchases
    live = ArticlePage.objects.live()
    assert live.filter(audience=Audience.PUBLIC).count() >= 6
    assert live.filter(audience=Audience.AGENTS).exists()

    before = _counts()
    again = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=again)
    assert _counts() == before
    assert "knowledge-base articles created: 0" in again.getvalue()
