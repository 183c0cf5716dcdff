"""Forum threads in /search/ beside KB articles, with the same visibility rules."""

from __future__ import annotations

from community.search import ThreadSource, threads_matching
from knowledgebase import search as kb_search


def test_registered():
    assert isinstance(kb_search.get_source("community"), ThreadSource)


def test_threads_appear_in_site_search(client_for, general, acme_only, alice, bob, ask):
    ask(alice, general, title="Router blinking red after storm", body="Power cut last night.")
    ask(alice, acme_only, title="Router blinking at the Acme office", body="Private.")
    page = client_for(bob).get("/search/", {"q": "router blinking"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "blinking red after storm" in html.replace("<mark>", "").replace("</mark>", "")
    assert "Acme office" not in html
    html = client_for(alice).get("/search/", {"q": "router blinking"}).content.decode()
    assert "Acme office" in html
    only = client_for(None).get("/search/", {"q": "power cut", "type": "community"})
    assert "storm" in only.content.decode()


def test_every_word_must_match_for_search_any_word_for_suggestions(general, alice, bob, ask):
    ask(alice, general, title="Card payment declined abroad", body="In Spain.")
    assert not threads_matching("card router", user=bob).exists()
    assert threads_matching("card router", user=bob, any_word=True).count() == 1
    assert not threads_matching("the and of", user=bob).exists()


def test_click_target_respects_visibility(rf, acme_only, alice, bob, ask):
    thread = ask(alice, acme_only)
    source = ThreadSource()
    request = rf.get("/")
    request.user = bob
    assert source.url_for(str(thread.pk), request=request) is None
    request.user = alice
    assert source.url_for(str(thread.pk), request=request) == thread.get_absolute_url()
    assert source.url_for("abc", request=request) is None


def test_home_highlights_solved_and_unanswered_for_agents(
    client_for, question, alice, bob, ada, general, ask, answer
):
    from community.services import answer_accept

    post = answer(bob, question)
    answer_accept(thread=question, post=post, user=alice)
    ask(alice, general, title="Nobody answered this one yet")
    html = client_for(None).get("/").content.decode()
    assert question.title in html and "Nobody answered" not in html
    html = client_for(ada).get("/").content.decode()
    assert "Nobody answered this one yet" in html


def test_suggestions_rank_by_words_matched(general, alice, bob, ask):
    ask(alice, general, title="Where is my order?", body="I ordered a phone.")
    ask(alice, general, title="Router light blinking red after a power cut", body="Help.")
    ranked = list(threads_matching("router blinking red", user=bob, any_word=True))
    assert ranked[0].title == "Router light blinking red after a power cut"
