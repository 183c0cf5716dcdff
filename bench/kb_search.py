"""Knowledge-base search over 100,000 articles in two languages on PostgreSQL.

DESIGN.md target: search over 100k articles, p95 < 50 ms on PostgreSQL, with both languages
indexed (issue 17).

What it does: creates (or reuses) its own PostgreSQL database, migrates it, adds 40
categories under the English help centre and their Italian translations under the Italian
one, and N articles: N/2 English ones spread over the categories and, for each, its Italian
translation (same translation key, Italian locale) (Wagtail pages written in bulk: the page
rows with ``bulk_create``, the article rows with one ``executemany``), with titles, summaries
and ~120-word bodies drawn from a support vocabulary under a Zipf distribution (common words
such as "card" or "account" match thousands of articles, rare ones a handful; the Italian
version uses Italian topic words, some inflected, and Italian filler words), 10% of them for
signed-in customers only and 2% agents-only, then indexes them with Wagtail's own backend
(``add_bulk``: the same index entries ``update_index`` writes, each language with its own
text-search configuration) and runs VACUUM ANALYZE.

It then measures what ``/search/`` does for each query, as an anonymous visitor in the
query's language: the knowledge-base source's search (``knowledgebase.search.search_tolerant``:
audience filter, the visitor's language first then untranslated articles in the other one,
AND then OR fallback, ranking with title and tags above the body, typo correction), the
count (the page counts up to 200: "More than 200 results") and the first page of 10 hits
with highlighted snippets, plus the forum source when it is installed. Queries: single common
and rare words, two- and three-word questions, a filter by category, misspelled queries, the
same kinds in Italian, and a query that matches nothing. Baseline, in the same run: fetching
one article by primary key through the ORM (the floor of any request that reads an article).

    .venv/bin/python bench/kb_search.py [--articles 100000] [--rounds 5] [--keep]
        [--database postgres://postgres@127.0.0.1:5432/bench_kb_search]

``--keep`` leaves the database for a re-run (generation and indexing take a few minutes).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.agent_queue import drop_database, ensure_database, percentile  # noqa: E402

CATEGORIES = 40
TOPICS = (
    "card", "payment", "account", "password", "invoice", "refund", "router", "wifi",
    "roaming", "delivery", "order", "subscription", "transfer", "statement", "address",
    "contract", "upgrade", "cancel", "modem", "fibre", "signal", "app", "login", "pin",
    "limit", "fee", "balance", "direct", "debit", "credit", "overdraft", "loan", "mortgage",
    "insurance", "claim", "parcel", "return", "voucher", "discount", "sim", "esim", "number",
    "porting", "voicemail", "tv", "channel", "recording", "backup", "storage", "privacy",
    "consent", "cookie", "data", "export", "delete", "security", "fraud", "phishing",
    "verification", "identity", "document", "branch", "appointment", "complaint", "outage",
    "speed", "latency", "ethernet", "mesh", "firmware", "reset", "restart", "install",
)  # fmt: skip
VERBS = ("How to", "Why does", "Can I", "What to do when", "Fix", "Change", "Set up", "Check")
FILLER = (
    "the", "your", "you", "can", "this", "when", "we", "will", "in", "on", "for", "with",
    "after", "before", "if", "it", "a", "to", "of", "and", "is", "not", "be", "from", "by",
)  # fmt: skip
TOPICS_IT = (
    "carta", "pagamento", "conto", "password", "fattura", "rimborso", "router", "wifi",
    "roaming", "consegna", "ordine", "abbonamento", "bonifico", "estratto", "indirizzo",
    "contratto", "aggiornamento", "disdetta", "modem", "fibra", "segnale", "app", "accesso",
    "pin", "limite", "commissione", "saldo", "addebito", "diretto", "credito", "scoperto",
    "prestito", "mutuo", "assicurazione", "sinistro", "pacco", "reso", "buono", "sconto",
    "sim", "esim", "numero", "portabilità", "segreteria", "tv", "canale", "registrazione",
    "backup", "archivio", "privacy", "consenso", "cookie", "dati", "esportazione",
    "cancellazione", "sicurezza", "frode", "phishing", "verifica", "identità", "documento",
    "filiale", "appuntamento", "reclamo", "guasto", "velocità", "latenza", "ethernet", "mesh",
    "firmware", "ripristino", "riavvio", "installazione",
)  # fmt: skip
VERBS_IT = (
    "Come", "Perché", "Posso", "Cosa fare se", "Risolvere", "Cambiare", "Configurare",
    "Controllare",
)  # fmt: skip
FILLER_IT = (
    "il", "la", "di", "che", "e", "in", "un", "per", "con", "non", "una", "su", "le", "si",
    "da", "come", "al", "del", "della", "se", "dopo", "prima", "tuo", "tua", "quando",
)  # fmt: skip
# (kind, query, filter, visitor's language)
QUERIES = (
    ("common word", "card", None, "en"),
    ("common word", "account", None, "en"),
    ("rare word", "firmware", None, "en"),
    ("two words", "card payment", None, "en"),
    ("two words", "router restart", None, "en"),
    ("question", "how do I change my password", None, "en"),
    ("question", "refund for a cancelled order", None, "en"),
    ("three words", "roaming data fee", None, "en"),
    ("category filter", "card", "category", "en"),
    ("typo", "pasword reset", None, "en"),
    ("typos", "refnud ordr", None, "en"),
    ("typo", "subscripton", None, "en"),
    ("no match", "zyxwvut", None, "en"),
    ("it: common word", "carta", None, "it"),
    ("it: inflected", "carte", None, "it"),
    ("it: two words", "pagamenti rifiutati", None, "it"),
    ("it: question", "come posso cambiare la password", None, "it"),
    ("it: three words", "roaming dati commissione", None, "it"),
    ("it: typo", "fatura rimborso", None, "it"),
    ("it: typo", "abbonamnto", None, "it"),
)


def _vocabulary(rng: random.Random) -> list[str]:
    """Made-up words with a Zipf-like frequency: the long tail of an article's wording."""
    made_up = {
        "".join(rng.choice("bcdfghlmnprstvz") + rng.choice("aeiou") for _ in range(3))
        for _ in range(5000)
    }
    return sorted(made_up)


def _text(
    rng: random.Random, vocabulary: list[str], weights: list[float], words: int, *, italian=False
) -> str:
    picked = rng.choices(vocabulary, weights=weights, k=words)
    filler = FILLER_IT if italian else FILLER
    out = []
    for word in picked:
        out.append(word)
        if rng.random() < 0.5:
            out.append(rng.choice(filler))
    return " ".join(out)


def _article_text(
    rng: random.Random, vocabulary, weights, topic: str, words: int, *, italian: bool = False
) -> str:
    """An article about ``topic``: mentions it a few times and two other topics once."""
    text = _text(rng, vocabulary, weights, words, italian=italian).split()
    topics = TOPICS_IT if italian else TOPICS
    for word in [topic, topic, topic, *rng.sample(topics, 2)]:
        text.insert(rng.randrange(len(text) + 1), _inflect(rng, word) if italian else word)
    return " ".join(text)


def _inflect(rng: random.Random, word: str) -> str:
    """Now and then an Italian plural ("carta" -> "carte", "ordine" -> "ordini")."""
    if rng.random() < 0.3 and word[-1:] in "aoe":
        return word[:-1] + {"a": "e", "o": "i", "e": "i"}[word[-1]]
    return word


def generate(articles: int) -> None:
    """Categories through Wagtail (English, then their Italian translations), articles in
    bulk (half English, half their Italian translations), then the search index."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from django.utils import timezone
    from wagtail.models import Locale, Page
    from wagtail.search.backends import get_search_backend

    from knowledgebase.models import ArticlePage, Audience, CategoryPage, KnowledgeBaseIndexPage

    assert len(TOPICS) == len(TOPICS_IT)
    rng = random.Random(2026)
    vocabulary = _vocabulary(rng)
    weights = [1 / (rank + 1) ** 1.07 for rank in range(len(vocabulary))]
    english = Locale.objects.get(language_code="en")
    italian = Locale.objects.get(language_code="it")
    index = KnowledgeBaseIndexPage.objects.get(slug="kb", locale=english)
    index_it = KnowledgeBaseIndexPage.objects.get(slug="kb", locale=italian)
    categories = []
    for n in range(CATEGORIES):
        category = CategoryPage(title=f"Topic {n}: {TOPICS[n].title()}", slug=f"topic-{n}")
        index.add_child(instance=category)
        category_it = CategoryPage(
            title=f"Argomento {n}: {TOPICS_IT[n].title()}",
            slug=f"argomento-{n}",
            locale=italian,
            translation_key=category.translation_key,
        )
        index_it.add_child(instance=category_it)
        categories.append((category, category_it))

    content_type = ContentType.objects.get_for_model(ArticlePage)
    now = timezone.now()
    sources = articles // 2
    per_category = -(-sources // CATEGORIES)
    fields = [f for f in ArticlePage._meta.local_concrete_fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    insert = f"INSERT INTO {ArticlePage._meta.db_table} ({columns}) VALUES ({placeholders})"

    def page(parent, i, title, slug, locale, key) -> Page:
        return Page(
            title=title,
            draft_title=title,
            slug=slug,
            content_type=content_type,
            path=Page._get_path(parent.path, parent.depth + 1, i + 1),
            depth=parent.depth + 1,
            numchild=0,
            url_path=f"{parent.url_path}{slug}/",
            live=True,
            first_published_at=now,
            last_published_at=now,
            locale=locale,
            translation_key=key,
        )

    def child(text: str, summary: str, audience: str) -> dict:
        return {
            "summary": summary[:290],
            "body": [{"type": "paragraph", "value": f"<p>{text}</p>", "id": str(uuid.uuid4())}],
            "body_text": text,
            "audience": audience,
        }

    made = 0
    for category, category_it in categories:
        count = min(per_category, sources - made)
        if count <= 0:
            break
        pages, children = [], []
        for i in range(count):
            number = rng.randrange(len(TOPICS))
            topic, topic_it = TOPICS[number], TOPICS_IT[number]
            key = uuid.uuid4()
            rare = rng.choice(vocabulary[:300])
            title = f"{rng.choice(VERBS)} {topic} {rare} {made + i}"
            title_it = f"{rng.choice(VERBS_IT)} {_inflect(rng, topic_it)} {rare} {made + i}"
            audience = rng.choices(
                (Audience.PUBLIC, Audience.CUSTOMERS, Audience.AGENTS), weights=(88, 10, 2)
            )[0]
            pages.append(page(category, i, title, f"a-{made + i}", english, key))
            children.append(
                child(
                    _article_text(rng, vocabulary, weights, topic, 120),
                    _article_text(rng, vocabulary, weights, topic, 12),
                    audience,
                )
            )
            pages.append(page(category_it, i, title_it, f"i-{made + i}", italian, key))
            children.append(
                child(
                    _article_text(rng, vocabulary, weights, topic_it, 120, italian=True),
                    _article_text(rng, vocabulary, weights, topic_it, 12, italian=True),
                    audience,
                )
            )
        with transaction.atomic():
            Page.objects.bulk_create(pages, batch_size=2000)
            rows = []
            for made_page, data in zip(pages, children, strict=True):
                article = ArticlePage(page_ptr_id=made_page.pk, **data)
                article.reading_time = 1
                rows.append(
                    [f.get_db_prep_save(f.pre_save(article, True), connection) for f in fields]
                )
            with connection.cursor() as cursor:
                cursor.executemany(insert, rows)
            Page.objects.filter(pk__in=[category.pk, category_it.pk]).update(numchild=count)
        made += count
        if made % 5_000 < per_category:
            print(f"  {made * 2:,} articles", flush=True)
    print(f"  {made * 2:,} articles written ({made:,} English + Italian); indexing ...", flush=True)
    backend = get_search_backend()
    started = time.perf_counter()
    last = 0
    while True:
        chunk = list(
            ArticlePage.objects.filter(pk__gt=last)
            .order_by("pk")
            .prefetch_related("tagged_items")[:2000]
        )
        if not chunk:
            break
        backend.add_bulk(ArticlePage, chunk)
        last = chunk[-1].pk
    print(f"  indexed in {time.perf_counter() - started:.0f} s", flush=True)


def measure(rounds: int) -> None:
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory
    from django.utils import translation

    from knowledgebase import search as kb_search
    from knowledgebase.models import ArticlePage, CategoryPage

    category = CategoryPage.objects.get(slug="topic-0")

    def one_search(text: str, filtered: str | None, language: str) -> tuple[float, int, str]:
        request = RequestFactory().get("/search/")  # a new request each time, as served
        request.user = AnonymousUser()
        params = kb_search.SearchParams(
            query=text, category=category.pk if filtered else None, language=language
        )
        with translation.override(language):
            started = time.perf_counter()
            results, corrected, _suggestion = kb_search.search_tolerant(params, request=request)
            total = len(results)
            results[0:10]
            elapsed = (time.perf_counter() - started) * 1000
        return elapsed, total, corrected.query if corrected else ""

    ids = list(ArticlePage.objects.values_list("pk", flat=True)[:1000])

    def baseline() -> float:
        started = time.perf_counter()
        ArticlePage.objects.get(pk=random.choice(ids))
        return (time.perf_counter() - started) * 1000

    started = time.perf_counter()
    for _label, text, filtered, language in QUERIES:  # warm the caches once
        one_search(text, filtered, language)
    print(f"warm-up (vocabularies of both languages built): {time.perf_counter() - started:.1f} s")
    all_times: list[float] = []
    base_times: list[float] = []
    print(f"{'query':<46} {'matches':>8} {'median':>8} {'p95':>8}  corrected")
    for label, text, filtered, language in QUERIES:
        times = []
        for _ in range(rounds):
            base_times.append(baseline())
            elapsed, total, corrected = one_search(text, filtered, language)
            times.append(elapsed)
        all_times.extend(times)
        name = f"{label}: {text!r}" + (" in a category" if filtered else "")
        print(
            f"{name[:46]:<46} {total:>8,} {statistics.median(times):>7.1f}ms "
            f"{percentile(times, 0.95):>7.1f}ms  {corrected}"
        )
    p95 = percentile(all_times, 0.95)
    base = percentile(base_times, 0.95)
    print()
    print(f"all searches: median {statistics.median(all_times):.1f} ms, p95 {p95:.1f} ms")
    print(f"baseline (one article by primary key): p95 {base:.2f} ms")
    print(f"p95 ratio search / baseline: {p95 / base:.1f}x")
    verdict = "met" if p95 < 50 else "NOT met"
    print(f"target p95 < 50 ms: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/bench_kb_search")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if not args.database.startswith("postgres"):
        sys.exit("this benchmark needs PostgreSQL (--database postgres://...)")

    os.environ["DATABASE_URL"] = args.database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("TASK_BACKEND", "django.tasks.backends.dummy.DummyBackend")
    ensure_database(args.database, fresh=False)

    import django
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    settings.DEBUG = False
    call_command("migrate", verbosity=0)
    from knowledgebase.models import ArticlePage

    existing = ArticlePage.objects.count()
    if existing != args.articles:
        connection.close()
        ensure_database(args.database, fresh=True)
        call_command("migrate", verbosity=0)
        print(f"generating {args.articles:,} articles ...", flush=True)
        started = time.perf_counter()
        generate(args.articles)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(f"generated in {time.perf_counter() - started:.0f} s")
    else:
        print(f"reusing {existing:,} articles in {args.database}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database())), version()")
        size, version = cursor.fetchone()
    print(f"database: {size}; {version.split(',')[0]}")
    try:
        measure(args.rounds)
    finally:
        connection.close()
        if not args.keep:
            drop_database(args.database)


if __name__ == "__main__":
    main()
