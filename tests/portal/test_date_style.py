"""One date style on every main page, in English and Italian (issue 18, item 6).

A request page, a ticket page, the desk queue and a desk ticket, an article, /me/ and home:
no US numeric dates (12/06/2026), no "a.m."/"p.m.", no "0 minutes", and the expected style
("6 Dec 2026" / "6 dic 2026"). "Customer since" is the first purchase or subscription.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import timezone

from catalogue.models import CatalogueCategory, CatalogueItem
from catalogue.services import request_submit
from knowledgebase.models import KnowledgeBaseIndexPage
from portal.models import Product, Purchase, Subscription
from portal.selectors import customer_since
from tests.knowledgebase.conftest import make_article, make_category
from tickets.models import BusinessCalendar, Priority, Queue, SlaPolicy
from tickets.services import ticket_open, ticket_reply

pytestmark = pytest.mark.django_db

US_DATE = re.compile(r"\d{1,2}/\d{1,2}/\d{4}")
MERIDIEM = re.compile(r"\b[ap]\.m\.|\b[AP]M\b")
ZERO = re.compile(r"\b0 (minutes|minuti)\b")
MONTH = {"en": "Mar 2024", "it": "mar 2024"}
IT_MONTHS = ["gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic"]


@pytest.fixture
def pages(alice, ada, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    fibre = Product.objects.create(name="Fibre 1000", slug="fibre-1000")
    Subscription.objects.create(
        customer=alice.customer, product=fibre, since=datetime(2024, 3, 14, 9, tzinfo=UTC)
    )
    Purchase.objects.create(
        customer=alice.customer,
        ordered_at=datetime(2024, 5, 2, 10, tzinfo=UTC),
        amount="49.90",
        currency="EUR",
        product=fibre,
        source="test",
        order_ref="ORD-1",
    )
    calendar = BusinessCalendar.objects.create(
        name="Always", timezone="UTC", day_start=time(0), day_end=time(23, 59)
    )
    SlaPolicy.objects.create(
        name="Normal",
        priority=Priority.NORMAL,
        calendar=calendar,
        first_response_minutes=240,
        resolution_minutes=960,
    )
    queue = Queue.objects.create(
        name="General", slug="general", team=ada.teams.get(), is_default=True
    )
    ticket = ticket_open(
        customer=alice.customer, opened_by=alice, subject="Router", body="It drops."
    )
    ticket_reply(ticket=ticket, author=ada, body="Looking into it.")
    category = CatalogueCategory.objects.create(name="Account", slug="account")
    item = CatalogueItem.objects.create(
        name="New line",
        slug="new-line",
        short_description="A new line",
        category=category,
        fulfilment="manual",
        queue=queue,
    )
    request, _created = request_submit(
        item=item, submitted_by=alice, data={}, idempotency_key=uuid.uuid4().hex
    )
    index = KnowledgeBaseIndexPage.objects.get(slug="kb", locale__language_code="en")
    article = make_article(make_category(index, "Connectivity"), "Router keeps restarting")
    return {
        "customer": [
            "/",
            "/me/",
            f"/requests/{request.pk}/",
            "/requests/",
            f"/tickets/{ticket.pk}/",
            "/tickets/",
            article.url,
        ],
        "agent": ["/desk/", f"/desk/tickets/{ticket.pk}/", article.url],
    }


def localized(path: str, lang: str) -> str:
    """The page in ``lang``: the URL decides (English unprefixed, Italian under /it/)."""
    return path if lang == "en" else f"/{lang}{path}"


@pytest.mark.parametrize("lang", ["en", "it"])
def test_main_pages_use_one_date_style(pages, alice, ada, client_for, lang):
    today = timezone.localdate()
    month = today.strftime("%b") if lang == "en" else IT_MONTHS[today.month - 1]
    expected = f"{today.day} {month} {today.year}"  # "6 Dec 2026", "6 dic 2026"
    for user, paths in ((alice, pages["customer"]), (ada, pages["agent"])):
        client = client_for(user)
        client.cookies["django_language"] = lang
        for path in paths:
            response = client.get(localized(path, lang), HTTP_ACCEPT_LANGUAGE=lang)
            assert response.status_code == 200, (lang, path)
            html = response.content.decode()
            body = html[html.index("<body") :]
            assert not US_DATE.search(body), (lang, path, US_DATE.search(body).group(0))
            assert not MERIDIEM.search(body), (lang, path, MERIDIEM.search(body).group(0))
            assert not ZERO.search(body), (lang, path)
            if path != "/" and not path.startswith("/kb/"):
                assert expected in body, (lang, path)


@pytest.mark.parametrize("lang", ["en", "it"])
def test_customer_since_is_the_first_purchase_or_subscription(pages, alice, client_for, lang):
    client = client_for(alice)
    client.cookies["django_language"] = lang
    for path in ("/", "/me/"):
        html = client.get(localized(path, lang), HTTP_ACCEPT_LANGUAGE=lang).content.decode()
        since = re.search(r"<dd><time datetime=\"([\d-]+)\">([^<]+)</time></dd>", html)
        assert since, path
        assert since.group(1) == "2024-03-14"
        assert since.group(2) == f"14 {MONTH[lang]}"


def test_desk_ticket_says_customer_since(pages, ada, client_for):
    html = client_for(ada).get(pages["agent"][1]).content.decode()
    assert 'Customer since <time datetime="2024-03-14">14 Mar 2024</time>' in html


def test_customer_since_falls_back_to_the_account(carol, alice):
    assert customer_since(None) is None
    assert customer_since(carol.customer) == carol.customer.created_at
    Purchase.objects.create(
        customer=carol.customer,
        ordered_at=carol.customer.created_at - timedelta(days=30),
        amount="1",
        currency="EUR",
        source="test",
        order_ref="ORD-C",
    )
    assert customer_since(carol.customer) == carol.customer.created_at - timedelta(days=30)
    assert customer_since(alice.customer) == alice.customer.created_at, "alice has none"
