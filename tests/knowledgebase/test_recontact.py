"""Re-contacts: a deflection is reversed when the same customer comes back within
KB_RECONTACT_DAYS with a ticket or a service request on the same product or a similar subject;
the editors' reports and the insights metric show deflection net of them."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from catalogue.models import CatalogueCategory, CatalogueItem
from catalogue.services.requests import request_submit
from insights.metrics import METRICS
from insights.metrics.base import Period
from knowledgebase import services
from knowledgebase.models import Recontact
from knowledgebase.recontacts import recontacts_record, subject_words, subjects_similar
from portal.models import Interaction, InteractionKind
from tests.concurrency import together
from tickets.services import ticket_open

DAY = timedelta(days=1)


def deflect(user, article, *, days_ago: float = 0, settled_after: timedelta = timedelta(0)):
    """``user`` read ``article`` as a suggestion ``days_ago`` and did not file the ticket; the
    deflection was logged ``settled_after`` later (the periodic settling)."""
    services.article_view_record(article=article, user=user, via="suggest")
    assert services.deflection_record(user=user, article=article) == 1
    deflection = Interaction.objects.filter(kind=InteractionKind.DEFLECTION).latest("pk")
    read = timezone.now() - timedelta(days=days_ago)
    Interaction.objects.filter(pk=deflection.pk).update(
        occurred_at=read + settled_after, metadata={"read_at": read.isoformat()}
    )
    return Interaction.objects.get(pk=deflection.pk)


def ticket(user, subject, *, product=None, days_ago: float = 0, by=None):
    return ticket_open(
        customer=user.customer,
        subject=subject,
        body="Please help.",
        opened_by=by or user,
        product=product,
        now=timezone.now() - timedelta(days=days_ago),
    )


# --- the similarity rule -----------------------------------------------------------------------
def test_subject_words_drop_stop_words_and_plurals():
    assert subject_words("Cannot reset my PASSWORDS!") == {"reset", "passwo"}
    assert subject_words("Il router si riavvia") == {"router", "riavvi"}
    assert subject_words("") == subject_words("?? 123 --") == frozenset()


@pytest.mark.parametrize(
    ("first", "second", "similar"),
    [
        ("Lost or stolen card", "My card was stolen yesterday", True),
        ("Router keeps restarting", "router restarts every night", True),
        ("Lost or stolen card", "Invoice amount is wrong", False),
        ("Lost or stolen card", "Problem, help, question", False),  # only stop words
        ("", "Lost card", False),
    ],
)
def test_subjects_similar(first, second, similar):
    assert subjects_similar(first, second) is similar
    assert subjects_similar(second, first) is similar


# --- the rule on real tickets and requests -----------------------------------------------------
def test_ticket_on_the_articles_product_within_the_window_is_a_recontact(
    corpus, alice, cards_product
):
    deflection = deflect(alice, corpus["lost"], days_ago=3)
    opened = ticket(alice, "Something else entirely", product=cards_product, days_ago=1)
    assert recontacts_record() == 1
    recontact = Recontact.objects.get()
    assert recontact.deflection == deflection
    assert recontact.contact.target_id == str(opened.pk)
    assert (recontact.customer, recontact.article, recontact.reason) == (
        alice.customer,
        corpus["lost"],
        Recontact.Reason.PRODUCT,
    )


def test_similar_subject_without_a_product_is_a_recontact(corpus, alice):
    deflect(alice, corpus["lost"], days_ago=2)
    ticket(alice, "My card was stolen yesterday", days_ago=1)
    assert recontacts_record() == 1
    assert Recontact.objects.get().reason == Recontact.Reason.SUBJECT


def test_dissimilar_subject_on_another_product_is_not(corpus, alice, fibre_product):
    deflect(alice, corpus["lost"], days_ago=2)
    ticket(alice, "Invoice amount is wrong", product=fibre_product, days_ago=1)
    ticket(alice, "Invoice amount is wrong again", days_ago=1)
    assert recontacts_record() == 0
    assert not Recontact.objects.exists()


def test_outside_the_window_is_not_and_the_window_is_a_setting(corpus, alice, settings):
    deflect(alice, corpus["lost"], days_ago=9)
    ticket(alice, "My card was stolen", days_ago=0)  # 9 days after reading: too late
    ticket(alice, "Stolen card, still no new one", days_ago=9.5)  # before reading
    assert settings.KB_RECONTACT_DAYS == 7
    assert recontacts_record() == 0
    settings.KB_RECONTACT_DAYS = 10
    assert recontacts_record() == 1
    assert Recontact.objects.get().recontacted_at > Recontact.objects.get().deflected_at


def test_another_customers_ticket_never_counts(corpus, alice, amy, bob, ada, cards_product):
    deflect(alice, corpus["lost"], days_ago=2)
    ticket(bob, "My card was stolen", product=cards_product, days_ago=1)
    ticket(amy, "My card was stolen", product=cards_product, days_ago=1)  # a colleague
    assert recontacts_record() == 0
    # an agent opening a ticket for alice (she phoned) is alice coming back
    ticket(alice, "Card stolen, customer phoned", by=ada, days_ago=1)
    assert recontacts_record() == 1


def test_anonymous_deflections_are_never_reversed(corpus, alice, cards_product):
    services.article_view_record(
        article=corpus["lost"], user=AnonymousUser(), session_key="anonymous-1", via="suggest"
    )
    assert services.deflections_settle(older_than=timedelta(0)) == 1
    ticket(alice, "My card was stolen", product=cards_product)
    assert recontacts_record() == 0


def test_settled_deflection_window_starts_when_the_article_was_read(corpus, alice):
    """A deflection is logged a day after the read by the periodic settling; a ticket in
    between is a re-contact all the same (and the settling records the read time)."""
    deflect(alice, corpus["router"], days_ago=2, settled_after=timedelta(days=1))
    ticket(alice, "Router restarts every night", days_ago=1.5)
    assert recontacts_record() == 1
    services.article_view_record(article=corpus["pin"], user=alice, via="suggest")
    assert services.deflections_settle(older_than=timedelta(0)) == 1
    settled = Interaction.objects.filter(kind=InteractionKind.DEFLECTION).latest("pk")
    assert "read_at" in settled.metadata


def test_catalogue_request_with_a_similar_subject_is_a_recontact(corpus, alice):
    deflect(alice, corpus["lost"], days_ago=1)
    category = CatalogueCategory.objects.create(name="Cards", slug="cards")
    item = CatalogueItem.objects.create(
        name="Replace a stolen card",
        slug="replace-stolen-card",
        short_description="A new card after a theft.",
        category=category,
        fulfilment="manual",
    )
    request_submit(item=item, submitted_by=alice, data={}, idempotency_key="recontact-1")
    assert recontacts_record() == 1
    recontact = Recontact.objects.get()
    assert recontact.contact.kind == InteractionKind.CATALOGUE_REQUEST
    assert recontact.reason == Recontact.Reason.SUBJECT


def test_the_pass_is_idempotent_and_runs_in_kb_tick(corpus, alice, cards_product):
    deflect(alice, corpus["lost"], days_ago=2)
    ticket(alice, "Card stolen", product=cards_product, days_ago=1)
    ticket(alice, "Card stolen, second ticket", product=cards_product, days_ago=0.5)
    assert services.kb_tick()["re-contacts recorded"] == 1
    assert services.kb_tick()["re-contacts recorded"] == 0
    assert recontacts_record() == 0
    assert Recontact.objects.count() == 1  # one per deflection, the first contact


# --- reports and the metric --------------------------------------------------------------------
def rows(response) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.fixture
def history(corpus, alice, bob, carol, cards_product):
    """Four deflections: "Lost or stolen card" by alice (came back), bob (came back), carol
    (did not); "Router keeps restarting" by alice (did not). One more ticket, by carol."""
    deflect(alice, corpus["lost"], days_ago=3)
    deflect(bob, corpus["lost"], days_ago=3)
    deflect(carol, corpus["lost"], days_ago=3)
    deflect(alice, corpus["router"], days_ago=3)
    ticket(alice, "Card stolen", product=cards_product, days_ago=2)
    ticket(bob, "My card was stolen", days_ago=2)
    ticket(carol, "Invoice amount is wrong", days_ago=2)
    assert recontacts_record() == 2


def test_recontacted_articles_report(history, corpus, client_for, root, alice):
    url = "/admin/reports/kb/recontacts/"
    assert client_for(root).get(url).status_code == 200
    assert client_for(alice).get(url).status_code in (302, 403)
    data = rows(client_for(root).get(f"{url}?export=csv"))
    assert [row["Article"] for row in data] == ["Lost or stolen card", "Router keeps restarting"]
    lost = data[0]
    assert (
        lost["Deflections (30 days)"],
        lost["Re-contacts"],
        lost["Re-contact %"],
        lost["Net deflections"],
    ) == ("3", "2", "67", "1")


def test_deflection_report_shows_the_rate_net_of_recontacts(history, client_for, root):
    url = "/admin/reports/kb/deflection/"
    assert client_for(root).get(url).status_code == 200
    data = rows(client_for(root).get(f"{url}?export=csv"))
    week = next(row for row in data if row["Deflections"] != "0")
    # 4 deflections, 2 reversed, 3 tickets opened: gross 4/7, net 2/(2+3)
    assert (week["Deflections"], week["Re-contacts"], week["Tickets opened"]) == ("4", "2", "3")
    assert (week["Deflection rate %"], week["Net of re-contacts %"]) == ("57", "40")


def test_insights_deflection_rate_is_net_of_recontacts(history):
    today = timezone.localdate()
    period = Period(today - timedelta(days=30), today)
    assert METRICS["deflection_rate"](period) == pytest.approx(2 / 5)


# --- exactly once, two passes at once ----------------------------------------------------------
def _kb_index():
    """The help centre's index page: data migrations create it, but a transactional test that
    ran before this one may have flushed it away; then build the same tree."""
    from wagtail.models import Locale, Page, Site

    from knowledgebase.models import KnowledgeBaseIndexPage

    index = KnowledgeBaseIndexPage.objects.filter(slug="kb").first()
    if index is not None:
        return index
    locale = Locale.objects.get_or_create(language_code="en")[0]
    root = Page.get_first_root_node() or Page.add_root(
        instance=Page(title="Root", slug="root", locale=locale)
    )
    home = root.get_children().first() or root.add_child(
        instance=Page(title="Home", slug="home", locale=locale)
    )
    if not Site.objects.exists():
        Site.objects.create(hostname="localhost", root_page=home, is_default_site=True)
    return home.add_child(instance=KnowledgeBaseIndexPage(title="Help centre", slug="kb"))


@pytest.mark.django_db(transaction=True)
def test_two_passes_at_once_record_each_recontact_once(alice, bob):
    from portal.models import Product
    from tests.knowledgebase.conftest import make_article

    card = Product.objects.create(name="Debit card", slug="debit-card")
    article = make_article(_kb_index(), "Lost or stolen card", products=[card])
    for user in (alice, bob):
        deflect(user, article, days_ago=2)
        ticket(user, "Card stolen", product=card, days_ago=1)
    results = together(recontacts_record)
    assert len(results) == 2 and sum(results) == 2
    assert Recontact.objects.count() == 2
    assert recontacts_record() == 0
