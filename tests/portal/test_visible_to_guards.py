"""Every ``visible_to(user)`` guards the same way: nobody (``None``, an anonymous visitor, a
deactivated customer, agent or admin) sees nothing, or only the public rows of a model that is
public by design (forum categories, threads, posts and images; knowledge-base articles;
published incidents).

Each model gets rows a customer (alice), an agent (ada) or an admin (root) can see, so that
"sees nothing" means something: the same people, active, see more than nobody does. A new
model with ``visible_to`` fails ``test_every_model_with_visible_to_is_covered`` until it has
a builder here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.db.models import Model, QuerySet
from django.utils import timezone

from portal.models import User
from portal.selectors import person_or_none


@pytest.fixture(autouse=True)
def _forum_settings(settings):
    """Forum posts go live at once and are not rate-limited here (as in tests/community)."""
    from django.core.cache import cache

    settings.COMMUNITY_PREMODERATE_FIRST_POSTS = False
    settings.COMMUNITY_RATES = {**settings.COMMUNITY_RATES, "post": (1000, 600)}
    cache.clear()


def _interactions(alice, ada, root) -> None:
    from portal.models import InteractionKind
    from portal.services.interactions import interaction_record

    interaction_record(kind=InteractionKind.SEARCH, customer=alice.customer)
    interaction_record(kind=InteractionKind.SEARCH, session_key="visitor")


def _notifications(alice, ada, root) -> None:
    from portal.models import Notification

    for user in (alice, ada):
        Notification.objects.create(user=user, kind="test", event_key="guards", title="Hello")


def _product():
    from portal.models import Product

    return Product.objects.get_or_create(slug="guards-fibre", defaults={"name": "Fibre"})[0]


def _subscriptions(alice, ada, root) -> None:
    from portal.models import Subscription

    Subscription.objects.create(customer=alice.customer, product=_product(), since=timezone.now())


def _purchases(alice, ada, root) -> None:
    from portal.models import Purchase

    Purchase.objects.create(
        customer=alice.customer,
        ordered_at=timezone.now(),
        amount=Decimal("10.00"),
        product=_product(),
        order_ref="guards-1",
    )


def _tokens(alice, ada, root) -> None:
    from portal.services.tokens import api_token_create

    api_token_create(name="alice's", kind="personal", user=alice)
    api_token_create(name="monitoring", kind="integration", user=root)


def _heartbeats(alice, ada, root) -> None:
    from portal.models.workers import WorkerHeartbeat

    now = timezone.now()
    WorkerHeartbeat.objects.create(worker_id="guards", started_at=now, seen_at=now)


def _tickets(alice, ada, root):
    from tickets.services import ticket_note, ticket_open

    ticket = ticket_open(customer=alice.customer, opened_by=alice, subject="Guards", body="Hi")
    note = ticket_note(ticket=ticket, author=ada, body="between us")
    return ticket, note


def _attachments(alice, ada, root) -> None:
    from tickets.models import Attachment

    ticket, note = _tickets(alice, ada, root)
    first = ticket.messages.order_by("pk").first()
    for message in (first, note, None):
        Attachment.objects.create(
            ticket=ticket,
            message=message,
            file="tickets/guards.txt",
            original_name="guards.txt",
            content_type="text/plain",
            size=1,
        )


def _saved_views(alice, ada, root) -> None:
    from tickets.models import SavedView

    SavedView.objects.create(owner=ada, name="Shared", query="sla=breached", is_shared=True)


def _canned_replies(alice, ada, root) -> None:
    from tickets.models import CannedReply

    CannedReply.objects.create(title="Greeting", body="Hello!")


def _articles(alice, ada, root) -> None:
    from knowledgebase.models import ArticlePage, Audience, KnowledgeBaseIndexPage

    index = KnowledgeBaseIndexPage.objects.get(slug="kb", locale__language_code="en")
    for audience in (Audience.PUBLIC, Audience.CUSTOMERS, Audience.AGENTS):
        index.add_child(
            instance=ArticlePage(
                title=f"Guards {audience}",
                slug=f"guards-{audience}",
                summary="What to do.",
                audience=audience,
            )
        )


def _incidents(alice, ada, root) -> None:
    from outages.services import incident_declare, incident_publish

    for title in ("Draft outage", "Published outage"):
        incident = incident_declare(
            title=title, products=[_product()], impact="major", message="Down.", by=ada
        )
    incident_publish(incident=incident)


def _service_requests(alice, ada, root) -> None:
    from catalogue.models import CatalogueCategory, CatalogueItem, ServiceRequest

    category = CatalogueCategory.objects.create(name="Guards", slug="guards")
    item = CatalogueItem.objects.create(
        name="Guards", slug="guards", short_description="x", category=category
    )
    ServiceRequest.objects.create(
        item=item, customer=alice.customer, submitted_by=alice, idempotency_key="guards"
    )


def _payment_cards(alice, ada, root) -> None:
    from catalogue.models import PaymentCard

    PaymentCard.objects.create(customer=alice.customer, last_four="4242")


def _forum(alice, ada, root) -> None:
    from community.models import Category, PostImage, Thread, Visibility
    from community.services import post_answer, thread_ask

    public = Category.objects.create(name="Guards public", slug="guards-public")
    members = Category.objects.create(
        name="Guards members", slug="guards-members", visibility=Visibility.MEMBERS
    )
    threads = [
        thread_ask(author=alice, category=category, title=f"Guards {n}", body="Why?")
        for n, category in enumerate((public, members, public, public))
    ]
    post_answer(thread=threads[0], author=ada, body="Because.")
    Thread.objects.filter(pk=threads[2].pk).update(is_pending=True)  # alice's, awaiting review
    Thread.objects.filter(pk=threads[3].pk).update(is_hidden=True)
    for thread in threads[:2]:
        PostImage.objects.create(
            post=thread.posts.get(is_question=True),
            file="community/guards.png",
            original_name="guards.png",
            content_type="image/png",
            size=1,
        )


def _surveys(alice, ada, root) -> None:
    from insights.models import Survey

    Survey.objects.create(
        kind="csat",
        customer=alice.customer,
        trigger="ticket",
        trigger_ref="guards",
        expires_at=timezone.now() + timedelta(days=14),
    )


def _follow_ups(alice, ada, root) -> None:
    from insights.models import FollowUp, Survey

    survey = Survey.objects.create(
        kind="csat",
        customer=alice.customer,
        trigger="ticket",
        trigger_ref="guards",
        expires_at=timezone.now() + timedelta(days=14),
        score=1,
        answered_at=timezone.now(),
    )
    ticket, _note = _tickets(alice, ada, root)
    FollowUp.objects.create(survey=survey, customer=alice.customer, ticket=ticket)


def _customers(alice, ada, root) -> None:
    """alice's customer record exists already (the persona)."""


BUILDERS: dict[str, Callable] = {
    "portal.Customer": _customers,
    "portal.Interaction": _interactions,
    "portal.Notification": _notifications,
    "portal.Subscription": _subscriptions,
    "portal.Purchase": _purchases,
    "portal.ApiToken": _tokens,
    "portal.WorkerHeartbeat": _heartbeats,
    "knowledgebase.ArticlePage": _articles,
    "tickets.Ticket": _tickets,
    "tickets.Message": _tickets,
    "tickets.Attachment": _attachments,
    "tickets.SavedView": _saved_views,
    "tickets.CannedReply": _canned_replies,
    "outages.Incident": _incidents,
    "catalogue.ServiceRequest": _service_requests,
    "catalogue.PaymentCard": _payment_cards,
    "community.Category": _forum,
    "community.Thread": _forum,
    "community.Post": _forum,
    "community.PostImage": _forum,
    "insights.Survey": _surveys,
    "insights.FollowUp": _follow_ups,
}


def _public_threads():
    from community.models import Thread

    return Thread.objects.filter(
        category__visibility="public", is_deleted=False, is_hidden=False, is_pending=False
    )


def _public_posts():
    from community.models import Post

    return Post.objects.filter(
        thread__in=_public_threads(), is_deleted=False, is_hidden=False, status="published"
    )


#: What nobody sees of a model that is public by design (written without ``visible_to``).
PUBLIC: dict[str, Callable[[], QuerySet]] = {
    "knowledgebase.ArticlePage": lambda: (
        apps.get_model("knowledgebase.ArticlePage").objects.live().filter(audience="public")
    ),
    "outages.Incident": lambda: apps.get_model("outages.Incident").objects.filter(
        published_at__isnull=False
    ),
    "community.Category": lambda: apps.get_model("community.Category").objects.filter(
        visibility="public"
    ),
    "community.Thread": _public_threads,
    "community.Post": _public_posts,
    "community.PostImage": lambda: apps.get_model("community.PostImage").objects.filter(
        post__in=_public_posts()
    ),
}


def _models_with_visible_to() -> set[str]:
    return {
        model._meta.label
        for model in apps.get_models()
        if hasattr(model._default_manager.get_queryset(), "visible_to")
    }


def _pks(queryset: QuerySet) -> set:
    return set(queryset.values_list("pk", flat=True))


def test_every_model_with_visible_to_is_covered():
    assert _models_with_visible_to() == set(BUILDERS)


def test_person_or_none():
    user = User(email="x@example.com", is_active=True)
    assert person_or_none(user) is user
    assert person_or_none(None) is None
    assert person_or_none(AnonymousUser()) is None
    user.is_active = False
    assert person_or_none(user) is None


@pytest.mark.parametrize("label", sorted(BUILDERS))
def test_nobody_sees_nothing_or_the_public_rows(label, alice, ada, root):
    model: type[Model] = apps.get_model(label)
    BUILDERS[label](alice, ada, root)
    everything = _pks(model._default_manager.all())
    public = _pks(PUBLIC[label]()) if label in PUBLIC else set()
    assert everything - public, "no private row: the test could not fail"
    seen = set().union(*(_pks(model._default_manager.visible_to(u)) for u in (alice, ada, root)))
    assert seen - public, "the people themselves, active, see more than nobody"

    User.objects.filter(pk__in=[alice.pk, ada.pk, root.pk]).update(is_active=False)
    inactive = list(User.objects.filter(pk__in=[alice.pk, ada.pk, root.pk]))
    for nobody in (None, AnonymousUser(), *inactive):
        assert _pks(model._default_manager.visible_to(nobody)) == public, nobody
