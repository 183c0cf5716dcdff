"""Fuzzing the public forms (issue 19): hypothesis posts arbitrary input to every form that
anonymous visitors and customers submit.

Values are any unicode text, NUL characters, huge and negative numbers, numbers in odd
notations, very long text, dates that do not exist, or a valid value; any field may be left
out. Every answer is 2xx, 3xx or 4xx, never a 500 (the test client re-raises the view's
exception), and an answer that refuses the input (4xx, or the form shown again with 200)
wrote nothing: the rows of the models these forms write are counted before and after.

Bounded and repeatable: ``derandomize=True``, no example database, ``EXAMPLES`` per form
(about 15 s for all of them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EXAMPLES = 15
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)

ODD = st.sampled_from(
    [
        "",
        " ",
        "0",
        "-1",
        "1",
        "1e309",
        "NaN",
        "-Infinity",
        "0x10",
        "2147483648",
        "99999999999999999999",
        "-99999999999999999999",
        "9" * 400,
        "1.000000000000000000001",
        "2026-02-30",
        "0000-00-00",
        "x" * 30_000,
        "a\x00b",
        "\x00",
        "\u202e\u0000\ufeff",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "../../etc/passwd",
        "%s%n{0}",
    ]
)
TEXT = st.text(max_size=300)
WITH_NUL = st.builds(lambda a, b: f"{a}\x00{b}", st.text(max_size=20), st.text(max_size=20))
BIG = st.integers(min_value=-(10**30), max_value=10**30).map(str)


def value(*valid: str) -> st.SearchStrategy[str]:
    nasty = st.one_of(ODD, TEXT, WITH_NUL, BIG)
    return st.one_of(st.sampled_from(valid), nasty) if valid else nasty


@dataclass
class Form:
    """A form: who posts it where, its fields (name -> valid values), and whether a 200 may
    be a success (an answer in place instead of a redirect)."""

    user: str | None
    path: Callable[[dict], str]
    fields: dict[str, tuple[str, ...]]
    method: str = "post"
    ok_200: bool = False
    extra: dict = field(default_factory=dict)


def _models():
    from allauth.account.models import EmailAddress

    from catalogue.models import ServiceRequest
    from community.models import Flag, Post, Thread, Vote
    from insights.models import Survey
    from knowledgebase.models import ArticleFeedback
    from outages.models import StatusSubscription
    from portal.models import ApiToken, Customer, User
    from tickets.models import Message, Ticket

    return [
        User,
        Customer,
        EmailAddress,
        Ticket,
        Message,
        ServiceRequest,
        Thread,
        Post,
        Vote,
        Flag,
        ArticleFeedback,
        StatusSubscription,
        ApiToken,
        Survey,
    ]


FORMS = {
    "signup": Form(
        None,
        lambda o: "/accounts/signup/",
        {
            "full_name": ("New Customer",),
            "email": ("new@example.com",),
            "password1": ("correct-horse-battery-staple",),
            "password2": ("correct-horse-battery-staple",),
        },
    ),
    "ticket": Form(
        "alice",
        lambda o: "/tickets/new/",
        {
            "subject": ("Router blinks",),
            "description": ("Red light since Monday.",),
            "category": ("question", "problem"),
            "impact": ("me", "all"),
            "product": ("", "fibre-1000"),
            "idempotency_key": ("",),
        },
    ),
    "ticket_reply": Form(
        "alice",
        lambda o: f"/tickets/{o['ticket'].pk}/reply/",
        {"body": ("Still blinking.",), "idempotency_key": ("",)},
    ),
    "catalogue_request": Form(
        "alice",
        lambda o: f"/catalogue/{o['item'].slug}/",
        {"street": ("Via Roma 1",), "moved_on": ("2026-11-01",), "rooms": ("3",)},
    ),
    "community_ask": Form(
        "alice",
        lambda o: "/community/ask/",
        {
            "title": ("How do I reset my router?",),
            "body": ("It keeps blinking red.",),
            "category": ("1",),
            "kind": ("question", "discussion"),
            "tags": ("router, wifi",),
            "idempotency_key": ("",),
        },
    ),
    "community_answer": Form(
        "alice",
        lambda o: f"/community/t/{o['thread'].pk}/answer/",
        {"body": ("Hold the reset button.",), "idempotency_key": ("",)},
    ),
    "community_vote": Form(
        "bob",
        lambda o: f"/community/posts/{o['thread'].posts.first().pk}/vote/",
        {"value": ("1", "-1", "0")},
    ),
    "community_flag": Form(
        "bob",
        lambda o: f"/community/posts/{o['thread'].posts.first().pk}/flag/",
        {"reason": ("spam", "rude"), "note": ("Looks like an ad.",)},
    ),
    "survey_answer": Form(
        None,
        lambda o: o["survey_url"],
        {
            "score": ("0", "7", "10"),
            "comment": ("Fine.",),
            "category_spend": ("120.50",),
            "likely_recommend": ("", "9"),
            "likely_return": ("3",),
        },
        ok_200=True,  # the thank-you page, in place
    ),
    "status_follow": Form("alice", lambda o: "/status/services/fibre-1000/follow/", {}),
    "kb_feedback": Form(
        None,
        lambda o: f"/kb/feedback/{o['article'].pk}/",
        {"helpful": ("1", "0", "yes"), "comment": ("Clear.",)},
        ok_200=True,
    ),
    "kb_beacon": Form(
        None,
        lambda o: "/kb/beacon/",
        {
            "article": ("1",),
            "event": ("view", "time"),
            "via": ("search",),
            "seconds": ("30",),
            "target": ("1",),
        },
        ok_200=True,
    ),
    "search": Form(
        None,
        lambda o: "/search/",
        {"q": ("router",), "category": ("1",), "product": ("fibre-1000",), "page": ("2",)},
        method="get",
        ok_200=True,
    ),
    "token_create": Form(  # the new token is shown once, in place
        "alice",
        lambda o: "/me/tokens/",
        {"name": ("laptop",), "expires_on": ("2027-01-01",)},
        ok_200=True,
    ),
    "profile": Form(
        "alice",
        lambda o: "/me/",
        {"full_name": ("Alice A.",), "language": ("en", "it"), "consent_surveys": ("on",)},
    ),
}


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits counted by other tests (and by these, for the tests after) start empty."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def objects(alice, bob, settings, tmp_path) -> dict:
    """What the forms' paths point at: alice's ticket, a catalogue item with a form, a
    forum thread, an NPS survey link, a KB article."""
    from catalogue.models import CatalogueCategory, CatalogueItem, FieldType, FormField
    from community.models import Category
    from community.services import thread_ask
    from insights.models import SurveyKind, SurveyTrigger
    from insights.services.surveys import survey_send, survey_url
    from knowledgebase.models import KnowledgeBaseIndexPage
    from portal.models import Product, Subscription
    from tests.knowledgebase.conftest import make_article, make_category
    from tickets.services import ticket_open

    settings.MEDIA_ROOT = str(tmp_path)
    settings.COMMUNITY_PREMODERATE_FIRST_POSTS = False
    from django.utils import timezone

    product = Product.objects.create(name="Fibre 1000", slug="fibre-1000")
    Subscription.objects.create(customer=alice.customer, product=product, since=timezone.now())
    item = CatalogueItem(
        name="Change address",
        slug="change-address",
        short_description="Tell us where you moved.",
        category=CatalogueCategory.objects.create(name="Account", slug="account"),
        fulfilment="manual",
    )
    item.full_clean()
    item.save()
    for position, (key, kind) in enumerate(
        [
            ("street", FieldType.SHORT_TEXT),
            ("moved_on", FieldType.DATE),
            ("rooms", FieldType.NUMBER),
        ]
    ):
        row = FormField(item=item, key=key, label=key, field_type=kind, sort_order=position)
        row.full_clean()
        row.save()
    category = Category.objects.create(name="Broadband", slug="broadband", order=1)
    index = KnowledgeBaseIndexPage.objects.get(slug="kb", locale__language_code="en")
    survey = survey_send(
        customer=alice.customer,
        kind=SurveyKind.NPS,
        trigger=SurveyTrigger.TICKET,
        trigger_ref="T-fuzz",
    ).survey
    return {
        "ticket": ticket_open(
            customer=alice.customer,
            subject="Router blinks",
            body="Red light.",
            opened_by=alice,
        ),
        "item": item,
        "thread": thread_ask(
            author=alice, category=category, title="Router resets", body="Every hour."
        ),
        "survey_url": survey_url(survey),
        "article": make_article(make_category(index, "Fuzz cards"), "Fuzz lost card"),
    }


def _counts(models) -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in models}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(FORMS))
def test_a_public_form_never_answers_500_nor_half_writes(name, client, objects, request):
    form = FORMS[name]
    models = _models()
    client.logout()
    if form.user is not None:
        client.force_login(request.getfixturevalue(form.user))
    path = form.path(objects)
    data = st.fixed_dictionaries(
        {}, optional={key: value(*valid) for key, valid in form.fields.items()}
    )

    @FUZZ
    @given(data=data)
    def submit(data):
        before = _counts(models)
        response = getattr(client, form.method)(path, data)
        assert response.status_code < 500, (name, data, response.status_code)
        refused = response.status_code >= 400 or (
            response.status_code == 200 and form.method == "post" and not form.ok_200
        )
        if refused:
            assert _counts(models) == before, (name, data, response.status_code)

    submit()


@pytest.mark.django_db
def test_an_empty_survey_answer_is_refused_not_a_500(client, objects):
    """Found by the fuzzing: an empty POST made an unbound form, and showing the service's
    errors on it raised."""
    response = client.post(objects["survey_url"], {})
    assert response.status_code == 422
    assert response.context["form"].errors
