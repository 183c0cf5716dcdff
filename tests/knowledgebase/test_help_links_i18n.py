"""The "Still need help?" box in the reader's language (issue 17): on an Italian page its
links go to the Italian pages and its texts are Italian. It resolved hand-written English
paths, which do not match while Italian is active: Italian articles lost the community,
catalogue and ticket links and showed the email fallback with an English /me/ link."""

from __future__ import annotations

from django.utils.translation import gettext, override

from knowledgebase.selectors import help_links


def test_help_links_in_italian_go_to_the_italian_pages():
    with override("it"):
        links = help_links()
        expected_label = gettext("Ask the community")
    assert [link["url"] for link in links] == [
        "/it/community/",
        "/it/catalogue/",
        "/it/tickets/new/",
    ]
    assert links[0]["label"] == expected_label
    assert not any(link["url"].startswith("mailto:") for link in links)


def test_help_links_in_english_stay_unprefixed():
    with override("en"):
        links = help_links()
    assert [link["url"] for link in links] == ["/community/", "/catalogue/", "/tickets/new/"]
    assert links[0]["label"] == "Ask the community"
