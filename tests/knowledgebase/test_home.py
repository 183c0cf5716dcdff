"""The home page's help-centre parts: the search box and popular articles, by audience."""

from __future__ import annotations

from knowledgebase.models import Audience
from tests.knowledgebase.conftest import make_article, make_category


def _corpus(kb_index):
    billing = make_category(kb_index, "Billing")
    make_article(billing, "Pay an invoice by card", audience=Audience.PUBLIC)
    make_article(billing, "Customer refunds ledger", audience=Audience.CUSTOMERS)
    make_article(billing, "Escalating disputed charges", audience=Audience.AGENTS)


def test_home_has_the_search_box_for_everyone(client, client_for, alice):
    for response in (client.get("/"), client_for(alice).get("/")):
        html = response.content.decode()
        assert 'role="search"' in html
        assert 'action="/search/"' in html
        assert 'name="q"' in html


def test_home_lists_popular_articles_each_role_may_read(client, client_for, kb_index, alice, ada):
    _corpus(kb_index)
    anonymous = client.get("/").content.decode()
    assert "Popular help articles" in anonymous
    assert "Pay an invoice by card" in anonymous
    assert "Customer refunds ledger" not in anonymous
    assert "Escalating disputed charges" not in anonymous

    customer = client_for(alice).get("/").content.decode()
    assert "Customer refunds ledger" in customer
    assert "Escalating disputed charges" not in customer

    agent = client_for(ada).get("/").content.decode()
    assert "Escalating disputed charges" in agent


def test_home_without_articles_shows_no_empty_section(client, kb_index):
    assert "Popular help articles" not in client.get("/").content.decode()
