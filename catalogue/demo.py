"""Demo catalogue for ``manage.py seed_demo`` (``CatalogueConfig.demo_seed``).

Categories and items (every built-in automation, manual items, an org-admin item, a
subscribers-only item and one that needs approval) are get-or-created by slug; payment cards
by (customer, last four). Four months of past requests are planned from
``random.Random(2031)`` and written as history (request, timeline, interactions) with a
natural key (customer, ``demo-<n>`` idempotency key), so a re-run adds nothing; their
automations are not re-run (no emails to demo people, no demo subscriptions changed). A few
current requests for the personas go through the real services: an invoice copy and a card
block for alice, and a request of amy's waiting for alice's approval.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction

from catalogue.automations.base import emails_off
from catalogue.models import (
    Audience,
    CatalogueCategory,
    CatalogueItem,
    FormField,
    PaymentCard,
    RequestEvent,
    RequestStatus,
    ServiceRequest,
)
from portal.models import Customer, InteractionKind, Product, Purchase
from portal.services.interactions import interaction_record
from portal.services.notifications import emails_suppressed

SEED = 2031
HISTORY_DAYS = 120
HISTORY_REQUESTS = 160
MARK = {"seed": "demo"}

CATEGORIES = (
    ("account", "Account and access", "Sign-in, password and contact details."),
    ("subscriptions", "Subscriptions", "Pause, cancel or move your services."),
    ("billing", "Billing and cards", "Receipts, payment cards and limits."),
    ("business", "For business customers", "Requests for organisation accounts."),
)

# slug: (name, category, icon, short description, fulfilment, queue, extra, fields)
# fields: (key, label, type, required, extra)
ITEMS: dict[str, tuple] = {
    "password-reset": (
        "Reset my password",
        "account",
        "key",
        "Get a link to choose a new password.",
        "password_reset",
        "",
        {"expected_minutes": 2},
        [("email", "Email address of the account", "email", True, {})],
    ),
    "change-email": (
        "Change my contact email",
        "account",
        "mail",
        "Use another email address for sign-in and messages.",
        "change_email",
        "",
        {"expected_minutes": 5},
        [
            (
                "new_email",
                "New email address",
                "email",
                True,
                {"help_text": "We send a link there; the change happens when you open it."},
            )
        ],
    ),
    "cancel-subscription": (
        "Cancel a subscription",
        "subscriptions",
        "cancel",
        "End a service on the date you choose.",
        "subscription_cancel",
        "",
        {"expected_minutes": 2},
        [
            ("subscription", "Subscription", "subscription", True, {}),
            (
                "effective_date",
                "Last day of service",
                "date",
                False,
                {"help_text": "Leave empty to end it today."},
            ),
            (
                "reason",
                "Why are you leaving?",
                "choice",
                False,
                {
                    "choices": "price | Too expensive\nmoving | Moving away\nquality | Not happy "
                    "with the service\nother | Something else"
                },
            ),
        ],
    ),
    "pause-subscription": (
        "Pause a subscription",
        "subscriptions",
        "pause",
        "Going away? Pause a service instead of cancelling it.",
        "subscription_pause",
        "",
        {"expected_minutes": 2},
        [
            ("subscription", "Subscription", "subscription", True, {}),
            ("resume_on", "Resume on", "date", False, {}),
        ],
    ),
    "invoice-copy": (
        "Copy of an invoice or receipt",
        "billing",
        "doc",
        "Download a copy of a past order and get it by email.",
        "invoice_copy",
        "",
        {"expected_minutes": 1},
        [("purchase", "Order", "purchase", True, {})],
    ),
    "lost-card": (
        "Report a lost or stolen card",
        "billing",
        "card",
        "Block your card at once and get a replacement.",
        "card_block",
        "billing-banking",
        {"expected_minutes": 1},
        [
            (
                "last_four",
                "Last four digits of the card",
                "short_text",
                True,
                {"pattern": r"\d{4}", "help_text": "As printed on the card, e.g. 4242."},
            ),
            ("what", "What happened?", "choice", True, {"choices": "lost | Lost\nstolen | Stolen"}),
            ("unknown_payments", "Did you notice payments you did not make?", "yes_no", True, {}),
        ],
    ),
    "card-limit": (
        "Change my card spending limit",
        "billing",
        "link",
        "A new monthly limit, set by the card system.",
        "webhook",
        "billing-banking",
        {
            "expected_minutes": 10,
            "automation_config": {
                "url": "https://cards.example.com/hooks/portal-limit",
                "secret": "demo-secret-change-me-0001",
                "max_attempts": 3,
            },
            "description": "Demo: the card system's address does not exist, so these requests "
            "fall back to a ticket after three attempts.",
        },
        [
            (
                "limit",
                "New monthly limit (EUR)",
                "number",
                True,
                {"min_value": 100, "max_value": 10000},
            ),
            ("reason", "Anything we should know?", "long_text", False, {"max_value": 1000}),
        ],
    ),
    "move-fibre": (
        "Move my fibre to a new address",
        "subscriptions",
        "wrench",
        "Moving home? We move your connection with you.",
        "manual",
        "connectivity",
        {
            "expected_minutes": 3 * 24 * 60,
            "audience": Audience.SUBSCRIBERS,
            "audience_product": "fibre-broadband",
        },
        [
            ("address", "New address", "long_text", True, {"max_value": 500}),
            ("moving_date", "Moving date", "date", True, {}),
            (
                "extras",
                "Also move",
                "multiple_choice",
                False,
                {"choices": "tv | TV box\nphone | Landline number\nwifi | Wi-Fi extenders"},
            ),
        ],
    ),
    "extra-seats": (
        "Add users to our business account",
        "business",
        "user",
        "More seats for your organisation (admins only).",
        "manual",
        "general",
        {"expected_minutes": 24 * 60, "audience": Audience.ORG_ADMINS},
        [
            ("seats", "How many users?", "number", True, {"min_value": 1, "max_value": 500}),
            ("same_plan", "Same plan as the existing users?", "yes_no", True, {}),
        ],
    ),
    "replacement-device": (
        "Order a replacement device",
        "business",
        "box",
        "A new router, TV box or phone for a colleague (approved by your admin).",
        "manual",
        "entertainment",
        {"expected_minutes": 2 * 24 * 60, "requires_approval": True},
        [
            (
                "device",
                "Device",
                "choice",
                True,
                {"choices": "router | Router\ntv_box | TV box\nphone | Phone"},
            ),
            ("why", "What is wrong with the current one?", "long_text", True, {"min_value": 10}),
        ],
    ),
}

# Italian for every category, item and form field (``*_it`` columns, ``portal.i18n``).
# Filled where still empty, so a re-run completes an older demo and keeps an admin's edits.
CATEGORIES_IT = {
    "account": ("Account e accesso", "Accesso, password e recapiti."),
    "subscriptions": ("Abbonamenti", "Sospendi, disdici o trasferisci i tuoi servizi."),
    "billing": ("Fatture e carte", "Ricevute, carte di pagamento e limiti di spesa."),
    "business": ("Per le aziende", "Richieste per gli account delle organizzazioni."),
}

# slug: (name, short description, instructions, {field key: (label, help text, choices)})
ITEMS_IT: dict[str, tuple] = {
    "password-reset": (
        "Reimposta la password",
        "Ricevi un link per sceglierne una nuova.",
        "",
        {"email": ("Indirizzo email dell'account", "", "")},
    ),
    "change-email": (
        "Cambia l'email di contatto",
        "Usa un altro indirizzo per l'accesso e le comunicazioni.",
        "",
        {
            "new_email": (
                "Nuovo indirizzo email",
                "Ti mandiamo un link a quell'indirizzo: il cambio avviene quando lo apri.",
                "",
            )
        },
    ),
    "cancel-subscription": (
        "Disdici un abbonamento",
        "Chiudi un servizio alla data che preferisci.",
        "",
        {
            "subscription": ("Abbonamento", "", ""),
            "effective_date": (
                "Ultimo giorno di servizio",
                "Lascia vuoto per chiuderlo oggi.",
                "",
            ),
            "reason": (
                "Perché ci lasci?",
                "",
                "price | Costa troppo\nmoving | Mi trasferisco\nquality | Non sono soddisfatto "
                "del servizio\nother | Altro",
            ),
        },
    ),
    "pause-subscription": (
        "Sospendi un abbonamento",
        "Parti per un po'? Sospendi il servizio invece di disdirlo.",
        "",
        {
            "subscription": ("Abbonamento", "", ""),
            "resume_on": ("Riattiva il", "", ""),
        },
    ),
    "invoice-copy": (
        "Copia di una fattura o ricevuta",
        "Scarica la copia di un ordine passato e ricevila via email.",
        "",
        {"purchase": ("Ordine", "", "")},
    ),
    "lost-card": (
        "Segnala una carta smarrita o rubata",
        "Blocca subito la carta e ricevine una nuova.",
        "",
        {
            "last_four": (
                "Ultime quattro cifre della carta",
                "Come sono stampate sulla carta, per esempio 4242.",
                "",
            ),
            "what": ("Che cosa è successo?", "", "lost | Smarrita\nstolen | Rubata"),
            "unknown_payments": ("Hai notato pagamenti che non hai fatto tu?", "", ""),
        },
    ),
    "card-limit": (
        "Cambia il limite di spesa della carta",
        "Un nuovo limite mensile, impostato dal sistema delle carte.",
        "Demo: l'indirizzo del sistema delle carte non esiste, quindi dopo tre tentativi "
        "queste richieste passano a un ticket.",
        {
            "limit": ("Nuovo limite mensile (EUR)", "", ""),
            "reason": ("C'è altro che dovremmo sapere?", "", ""),
        },
    ),
    "move-fibre": (
        "Trasferisci la fibra a un nuovo indirizzo",
        "Cambi casa? La tua connessione viene con te.",
        "",
        {
            "address": ("Nuovo indirizzo", "", ""),
            "moving_date": ("Data del trasloco", "", ""),
            "extras": (
                "Trasferisci anche",
                "",
                "tv | Decoder TV\nphone | Numero di rete fissa\nwifi | Ripetitori Wi-Fi",
            ),
        },
    ),
    "extra-seats": (
        "Aggiungi utenti all'account aziendale",
        "Più postazioni per la tua organizzazione (solo amministratori).",
        "",
        {
            "seats": ("Quanti utenti?", "", ""),
            "same_plan": ("Stesso piano degli utenti attuali?", "", ""),
        },
    ),
    "replacement-device": (
        "Ordina un dispositivo sostitutivo",
        "Un nuovo router, decoder o telefono per un collega (con l'approvazione "
        "dell'amministratore).",
        "",
        {
            "device": ("Dispositivo", "", "router | Router\ntv_box | Decoder TV\nphone | Telefono"),
            "why": ("Che cosa non va in quello attuale?", "", ""),
        },
    ),
}


def _fill(obj, values: dict[str, str]) -> None:
    """Set the Italian columns that are still empty; save only when something changed."""
    changed = [name for name, value in values.items() if value and not getattr(obj, name)]
    for name in changed:
        setattr(obj, name, values[name])
    if changed:
        obj.save(update_fields=changed)


def translate_catalogue() -> None:
    """The Italian of the demo categories, items and form fields (where still empty)."""
    for category in CatalogueCategory.objects.filter(slug__in=CATEGORIES_IT):
        name, description = CATEGORIES_IT[category.slug]
        _fill(category, {"name_it": name, "description_it": description})
    items = CatalogueItem.objects.filter(slug__in=ITEMS_IT).prefetch_related("form_fields")
    for item in items:
        name, short, instructions, fields = ITEMS_IT[item.slug]
        _fill(
            item,
            {
                "name_it": name,
                "short_description_it": short,
                "description_it": instructions if item.description else "",
            },
        )
        for field in item.form_fields.all():
            if field.key in fields:
                label, help_text, choices = fields[field.key]
                _fill(field, {"label_it": label, "help_text_it": help_text, "choices_it": choices})


CARDS = (
    ("C-ALICE", "4242", "Visa"),
    ("C-ALICE", "5454", "Mastercard"),
    ("C-BOB", "1881", "Visa"),
    ("C-CAROL", "0005", "Amex"),
    ("C-1001", "3131", "Visa"),
    ("C-1005", "7070", "Mastercard"),
)


def seed_catalogue() -> tuple[int, dict[str, CatalogueItem]]:
    from tickets.models import Queue

    created = 0
    categories = {}
    for position, (slug, name, description) in enumerate(CATEGORIES):
        categories[slug], _new = CatalogueCategory.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description, "position": position}
        )
    items = {}
    for position, (slug, spec) in enumerate(ITEMS.items()):
        name, category, icon, short, fulfilment, queue, extra, fields = spec
        existing = CatalogueItem.objects.filter(slug=slug).first()
        if existing is not None:
            items[slug] = existing
            continue
        extra = dict(extra)
        product = extra.pop("audience_product", None)
        item = CatalogueItem(
            slug=slug,
            name=name,
            category=categories[category],
            icon=icon,
            short_description=short,
            fulfilment=fulfilment,
            queue=Queue.objects.filter(slug=queue).first() if queue else None,
            audience_product=Product.objects.filter(slug=product).first() if product else None,
            position=position,
            **extra,
        )
        if product and item.audience_product is None:
            item.audience = Audience.ANY_CUSTOMER
        item.full_clean()
        item.save()
        for order, (key, label, kind, required, options) in enumerate(fields):
            row = FormField(
                item=item,
                key=key,
                label=label,
                field_type=kind,
                required=required,
                sort_order=order,
                **options,
            )
            row.full_clean()
            row.save()
        items[slug] = item
        created += 1
    translate_catalogue()
    for ref, last_four, brand in CARDS:
        customer = Customer.objects.filter(customer_ref=ref).first()
        if customer is not None:
            PaymentCard.objects.get_or_create(
                customer=customer, last_four=last_four, defaults={"brand": brand}
            )
    return created, items


@dataclass
class _Planned:
    key: str
    item: str
    customer_ref: str
    created: datetime
    outcome: str  # fulfilled_auto, fulfilled_agent, failed, rejected
    minutes: float


def _plan(now: datetime) -> list[_Planned]:
    rng = random.Random(SEED)  # noqa: S311 - demo data, not security
    refs = ["C-ALICE", "C-BOB", "C-CAROL", *(f"C-{1001 + n}" for n in range(36))]
    automated = [
        "password-reset",
        "change-email",
        "invoice-copy",
        "lost-card",
        "pause-subscription",
        "cancel-subscription",
    ]
    manual = ["move-fibre", "extra-seats", "replacement-device"]
    planned = []
    for n in range(HISTORY_REQUESTS):
        created = now - timedelta(days=rng.uniform(2, HISTORY_DAYS), minutes=rng.randint(0, 600))
        roll = rng.random()
        if roll < 0.68:
            item = rng.choice(automated)
            outcome, minutes = "fulfilled_auto", rng.lognormvariate(0.3, 0.8)
        elif roll < 0.78:
            item = "card-limit"
            outcome = "fulfilled_auto" if rng.random() < 0.7 else "failed"
            minutes = rng.lognormvariate(1.0, 0.6) if outcome == "fulfilled_auto" else 3.5
        elif roll < 0.95:
            item = rng.choice(manual)
            outcome, minutes = "fulfilled_agent", rng.uniform(60, 4 * 24 * 60)
        else:
            item, outcome, minutes = "replacement-device", "rejected", rng.uniform(30, 600)
        planned.append(_Planned(f"demo-{n:04d}", item, rng.choice(refs), created, outcome, minutes))
    return planned


FAILURES = (
    "The back-end did not accept the request after 3 attempts (last: HTTP 503).",
    "The back-end did not accept the request after 3 attempts (last: URLError: timed out).",
)


def _history(items: dict[str, CatalogueItem], planned: list[_Planned]) -> int:
    customers = {c.customer_ref: c for c in Customer.objects.select_related("user")}
    done = set(
        ServiceRequest.objects.filter(idempotency_key__startswith="demo-").values_list(
            "customer__customer_ref", "idempotency_key"
        )
    )
    created = 0
    for n, plan in enumerate(planned):
        customer = customers.get(plan.customer_ref)
        if customer is None or (plan.customer_ref, plan.key) in done:
            continue
        item = items[plan.item]
        completed = plan.created + timedelta(minutes=plan.minutes)
        status = {
            "fulfilled_auto": RequestStatus.FULFILLED,
            "fulfilled_agent": RequestStatus.FULFILLED,
            "failed": RequestStatus.FULFILLED,
            "rejected": RequestStatus.REJECTED,
        }[plan.outcome]
        error = FAILURES[n % 2] if plan.outcome == "failed" else ""
        request = ServiceRequest.objects.create(
            item=item,
            customer=customer,
            submitted_by=customer.user,
            data={},
            status=status,
            idempotency_key=plan.key,
            automated=plan.outcome == "fulfilled_auto",
            error=error,
            result=_result_text(plan),
            attempts=1,
            created_at=plan.created,
            updated_at=completed,
            started_at=plan.created,
            completed_at=completed,
        )
        events = [(RequestStatus.SUBMITTED, plan.created, "")]
        if plan.outcome == "failed":
            events += [
                (RequestStatus.FAILED, plan.created + timedelta(minutes=3), error),
                (RequestStatus.FULFILLED, completed + timedelta(hours=5), request.result),
            ]
        else:
            events.append((status, completed, request.result))
        for status_, at, note in events:
            RequestEvent.objects.create(request=request, status=status_, note=note, created_at=at)
        _record(
            InteractionKind.CATALOGUE_REQUEST, request, plan.created, automated=item.is_automated
        )
        if plan.outcome == "failed":
            _record(InteractionKind.CATALOGUE_FAILED, request, plan.created, reason=error[:200])
        if status == RequestStatus.FULFILLED:
            seconds = int((request.completed_at - plan.created).total_seconds())
            _record(
                InteractionKind.CATALOGUE_FULFILLED,
                request,
                request.completed_at,
                value=seconds,
                automated=request.automated,
                duration_seconds=seconds,
            )
        else:
            _record(InteractionKind.CATALOGUE_APPROVAL, request, completed, decision="rejected")
        created += 1
    return created


def _result_text(plan: _Planned) -> str:
    if plan.outcome == "rejected":
        return "Not in this quarter's budget."
    if plan.outcome == "fulfilled_agent" or plan.outcome == "failed":
        return "Completed by our team."
    return "Done automatically."


def _record(kind: str, request: ServiceRequest, at: datetime, value: Any = None, **meta) -> None:
    interaction_record(
        kind=kind,
        customer=request.customer,
        target=request,
        value=value,
        metadata={**MARK, "request": request.pk, "item": request.item.slug, **meta},
        occurred_at=at,
    )


def _current(items: dict[str, CatalogueItem]) -> int:
    """Requests of the personas through the real services (each once, by its key)."""
    from catalogue.services import request_fulfil, request_submit

    made = 0
    alice = Customer.objects.filter(customer_ref="C-ALICE").select_related("user").first()
    amy = Customer.objects.filter(customer_ref="C-1001").select_related("user").first()
    plans = []
    if alice is not None and alice.user is not None:
        purchase = Purchase.objects.filter(customer=alice).order_by("-ordered_at").first()
        if purchase is not None:
            plans.append((alice, "invoice-copy", {"purchase": str(purchase.pk)}, "demo-now-1"))
        card = PaymentCard.objects.filter(customer=alice, last_four="5454").first()
        if card is not None and card.status == PaymentCard.Status.ACTIVE:
            plans.append(
                (
                    alice,
                    "lost-card",
                    {"last_four": "5454", "what": "lost", "unknown_payments": "no"},
                    "demo-now-2",
                )
            )
    if amy is not None and amy.user is not None:
        plans.append(
            (
                amy,
                "replacement-device",
                {"device": "router", "why": "The router restarts every hour since the storm."},
                "demo-now-3",
            )
        )
    for customer, slug, data, key in plans:
        if ServiceRequest.objects.filter(customer=customer, idempotency_key=key).exists():
            continue
        request, created = request_submit(
            item=items[slug], submitted_by=customer.user, data=data, idempotency_key=key
        )
        if created and request.status == RequestStatus.SUBMITTED:
            request_fulfil(request_id=request.pk)
        made += created
    return made


def seed(*, now: datetime) -> str:
    with emails_suppressed(), transaction.atomic():
        items_created, items = seed_catalogue()
        history = _history(items, _plan(now))
    with emails_suppressed(), emails_off(), transaction.atomic():
        current = _current(items)
    return (
        f"{items_created} items, {history} past requests, "
        f"{current} current requests for the personas"
    )
