# ruff: noqa: RUF001 - typographic menu arrows in the content are intended
"""Idempotent demo content for the knowledge base: three categories, a dozen articles.

Products are attached by slug when they exist (``portal.Product``); running it again adds
only what is missing. ``seed_demo`` runs it through ``KnowledgebaseConfig.demo_seed``
(``seed``); ``manage.py seed_kb`` runs it alone.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from wagtail.search import index

from knowledgebase.models import ArticlePage, Audience, CategoryPage, KnowledgeBaseIndexPage
from portal.models import Product

T = "text"


def p(*paras: str) -> tuple[str, str]:
    return (T, "".join(f"<p>{x}</p>" for x in paras))


def h(text: str, level: str = "h2") -> tuple[str, dict]:
    return ("heading", {"text": text, "level": level})


def steps(*items: str, title: str = "") -> tuple[str, dict]:
    return ("steps", {"title": title, "steps": [f"<p>{i}</p>" for i in items]})


def callout(kind: str, text: str) -> tuple[str, dict]:
    return ("callout", {"kind": kind, "body": f"<p>{text}</p>"})


def code(text: str, language: str = "text") -> tuple[str, dict]:
    return ("code", {"language": language, "code": text})


def table(rows: list[list[str]], caption: str = "") -> tuple[str, dict]:
    return (
        "table",
        {
            "data": rows,
            "first_row_is_table_header": True,
            "first_col_is_header": False,
            "table_header_choice": "row",
            "table_caption": caption,
        },
    )


CATEGORIES = [
    ("account-and-billing", "Account and billing", "Your profile, invoices, payments and plans."),
    ("cards-and-payments", "Cards and payments", "Debit and credit cards, PINs, transfers."),
    ("connectivity", "Connectivity", "Mobile data, home fibre, routers and roaming."),
]

ARTICLES = [
    {
        "category": "account-and-billing",
        "title": "Download a copy of your invoice",
        "summary": "Find every invoice of the last seven years and download it as PDF.",
        "tags": ["invoice", "billing"],
        "products": ["mobile-plan", "home-fibre"],
        "body": [
            p("Invoices are issued on the first working day of each month."),
            steps(
                "Sign in and open <b>My account</b>.",
                "Choose <b>Billing</b>, then <b>Invoices</b>.",
                "Select the month and press <b>Download PDF</b>.",
            ),
            callout(
                "tip", "Accountants can get invoices by email: turn on <i>Email me invoices</i>."
            ),
        ],
    },
    {
        "category": "account-and-billing",
        "title": "Why is my bill higher than usual?",
        "summary": "The most common reasons a bill goes up, and how to check each one.",
        "tags": ["billing", "charges"],
        "products": ["mobile-plan"],
        "body": [
            h("Usage outside your plan"),
            p(
                "Calls to premium numbers, roaming outside the EU and extra data are charged "
                "on top of your monthly fee."
            ),
            h("A first, partial month"),
            p("Your first bill covers the days since activation plus the next month in advance."),
            table(
                [
                    ["Charge", "Where to check"],
                    ["Roaming", "Usage › Abroad"],
                    ["Extra data", "Usage › Data"],
                    ["One-off fees", "Invoice › Other charges"],
                ],
                caption="Where each charge appears",
            ),
            callout("note", "If a charge looks wrong, you can dispute it within 60 days."),
        ],
    },
    {
        "category": "account-and-billing",
        "title": "Change your address or contact details",
        "summary": "Update your postal address, email or phone number in a minute.",
        "tags": ["account", "address"],
        "products": [],
        "body": [
            steps(
                "Open <b>My account</b> › <b>Profile</b>.",
                "Edit the field and press <b>Save</b>.",
                "Confirm the change from the email we send you.",
            ),
            callout(
                "warning",
                "A new delivery address for a card applies to cards ordered after the change.",
            ),
        ],
    },
    {
        "category": "account-and-billing",
        "title": "Set up two-factor authentication",
        "summary": "Protect your account with an authenticator app and recovery codes.",
        "tags": ["security", "account"],
        "products": [],
        "audience": Audience.CUSTOMERS,
        "body": [
            p("Two-factor authentication asks for a code from your phone when you sign in."),
            steps(
                "Open <b>Two-factor authentication</b> from the account menu.",
                "Scan the QR code with an authenticator app.",
                "Enter the six-digit code, then save your recovery codes somewhere safe.",
            ),
            callout("tip", "Print the recovery codes: they let you in if you lose your phone."),
        ],
    },
    {
        "category": "cards-and-payments",
        "title": "Lost or stolen card",
        "summary": "Block your card straight away and order a replacement in the app.",
        "tags": ["card", "security"],
        "products": ["debit-card", "credit-card"],
        "body": [
            h("Block the card"),
            steps(
                "Open the app and tap <b>Cards</b>.",
                "Choose the card and tap <b>Block</b>.",
                "Confirm with your PIN or fingerprint.",
            ),
            callout("warning", "If you see payments you did not make, report them as fraud too."),
            h("Order a replacement"),
            p("A new card arrives within five working days. Your PIN stays the same."),
        ],
    },
    {
        "category": "cards-and-payments",
        "title": "Reset your card PIN",
        "summary": "Choose a new PIN in the app; the old one stops working at once.",
        "tags": ["card", "pin"],
        "products": ["debit-card", "credit-card"],
        "audience": Audience.CUSTOMERS,
        "body": [
            steps(
                "Tap <b>Cards</b> › <b>Settings</b> › <b>Change PIN</b>.",
                "Enter the new PIN twice.",
                "Use it at a cash machine once to activate it.",
            ),
            callout(
                "note",
                "Some older card terminals still ask for the old PIN until you use a cash machine.",
            ),
        ],
    },
    {
        "category": "cards-and-payments",
        "title": "A card payment was declined",
        "summary": "Why a payment can be refused and what to check before trying again.",
        "tags": ["card", "payments"],
        "products": ["debit-card", "credit-card"],
        "body": [
            table(
                [
                    ["Reason", "What to do"],
                    ["Not enough funds", "Top up or use another card"],
                    ["Online payments off", "Turn them on in Cards › Settings"],
                    ["Card blocked", "Unblock it or order a new one"],
                    ["3-D Secure failed", "Approve the payment in the app within 5 minutes"],
                ]
            ),
            p("If none applies, the shop's bank may have refused the payment: ask the shop."),
        ],
    },
    {
        "category": "cards-and-payments",
        "title": "Send a bank transfer with the API",
        "summary": "Create a transfer from your own software with a personal API token.",
        "tags": ["api", "payments"],
        "products": [],
        "audience": Audience.CUSTOMERS,
        "body": [
            p("Create a personal token under <b>My account</b> › <b>API tokens</b>, then call:"),
            code(
                "curl -X POST https://example.com/api/v1/transfers \\\n"
                '  -H "Authorization: Bearer $TOKEN" \\\n'
                '  -d \'{"iban": "IT60X0542811101000000123456", "amount": "25.00"}\'',
                "shell",
            ),
            callout(
                "warning", "Treat the token like a password: anyone who has it can act as you."
            ),
        ],
    },
    {
        "category": "cards-and-payments",
        "title": "Card fraud: agent escalation playbook",
        "summary": "Internal: what agents do when a customer reports card fraud.",
        "tags": ["card", "fraud", "internal"],
        "products": ["debit-card", "credit-card"],
        "audience": Audience.AGENTS,
        "body": [
            steps(
                "Block every card of the customer.",
                "Open a fraud case in the back office.",
                "Call the fraud desk on extension 4400.",
                "Tell the customer a new card arrives in two working days.",
                title="Within five minutes of the call",
            ),
            callout("warning", "Never ask the customer for their full PIN or one-time codes."),
        ],
    },
    {
        "category": "connectivity",
        "title": "Router keeps restarting",
        "summary": "What to check when the fibre router reboots by itself.",
        "tags": ["router", "fibre"],
        "products": ["home-fibre"],
        "body": [
            h("Check power and cables"),
            p(
                "Use the power supply that came with the router and make sure the fibre cable is "
                "not bent."
            ),
            h("Update the firmware"),
            steps(
                "Open http://192.168.1.1 and sign in with the password on the router's label.",
                "Choose <b>System</b> › <b>Update</b>.",
                "Wait until the lights are steady.",
            ),
            (
                "video",
                {
                    "video": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
                    "title": "Video: updating the router firmware",
                },
            ),
        ],
    },
    {
        "category": "connectivity",
        "title": "Mobile data not working abroad",
        "summary": "Turn on roaming and pick the right network when you travel.",
        "tags": ["roaming", "mobile data"],
        "products": ["mobile-plan"],
        "body": [
            steps(
                "Turn on <b>Data roaming</b> in your phone's settings.",
                "Restart the phone after landing.",
                "If it still fails, choose a partner network manually.",
            ),
            callout("tip", "Within the EU, roaming is included in your plan at no extra cost."),
        ],
    },
    {
        "category": "connectivity",
        "title": "Slow home internet: a quick check",
        "summary": "Measure your speed correctly and fix the usual Wi-Fi problems.",
        "tags": ["fibre", "wifi", "speed"],
        "products": ["home-fibre"],
        "body": [
            p("Test with a cable first: Wi-Fi speeds depend on walls, distance and neighbours."),
            table(
                [
                    ["Plan", "Expected speed by cable"],
                    ["Fibre 300", "250-300 Mbit/s"],
                    ["Fibre 1000", "850-940 Mbit/s"],
                ]
            ),
            callout(
                "note", "Speeds below 70% of your plan for three days in a row count as a fault."
            ),
        ],
    },
]


@transaction.atomic
def seed_kb() -> int:
    """Create the demo categories and articles that are missing; returns how many articles
    were created (0 on a second run, or when there is no knowledge-base index page)."""
    kb = KnowledgeBaseIndexPage.objects.first()
    if kb is None:
        return 0
    categories: dict[str, CategoryPage] = {}
    for slug, title, intro in CATEGORIES:
        category = CategoryPage.objects.child_of(kb).filter(slug=slug).first()
        if category is None:
            category = CategoryPage(title=title, slug=slug, intro=intro)
            kb.add_child(instance=category)
            category.save_revision().publish()
        categories[slug] = category
    products = {p.slug: p for p in Product.objects.all()}
    created = 0
    today = timezone.localdate()
    for number, spec in enumerate(ARTICLES):
        parent = categories[spec["category"]]
        slug = _slug(spec["title"])
        if ArticlePage.objects.child_of(parent).filter(slug=slug).exists():
            continue
        article = ArticlePage(
            title=spec["title"],
            slug=slug,
            summary=spec["summary"],
            body=spec["body"],
            audience=spec.get("audience", Audience.PUBLIC),
            last_reviewed=today - timedelta(days=30 * number),
            search_description=spec["summary"],
        )
        parent.add_child(instance=article)
        article.tags.add(*spec["tags"])
        article.products.set([products[s] for s in spec["products"] if s in products])
        article.save_revision().publish()
        # index now too (the task queue may have no worker yet in a fresh demo)
        index.insert_or_update_object(ArticlePage.objects.get(pk=article.pk))
        created += 1
    return created


def seed(*, now: datetime) -> str:
    """``KnowledgebaseConfig.demo_seed``: what ``seed_demo`` prints after "knowledge-base
    articles created:"."""
    return str(seed_kb())


def _slug(title: str) -> str:
    return slugify(title)[:80]
