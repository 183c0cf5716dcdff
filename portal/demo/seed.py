"""Applying the demo data idempotently (``manage.py seed_demo``).

Everything random comes from ``random.Random(2026)`` and is planned before the database is
looked at, so every run plans the same rows; each step then creates only what is missing
(get-or-create by a natural key: email, slug, customer_ref, order_ref). Dates are relative
to today so the demo looks current; order references do not depend on dates, so a re-run
on another day still adds nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from portal import roles
from portal.demo import data
from portal.models import (
    Channel,
    Customer,
    Interaction,
    InteractionKind,
    Organisation,
    Product,
    Subscription,
    Team,
    User,
)
from portal.services.interactions import interaction_record
from portal.services.purchases import ImportResult, PurchaseRow, purchases_import

SEED = 2026
PURCHASE_SOURCE = "demo"
INTERACTION_MARK = {"seed": "demo"}  # metadata on the seeded interactions (re-run guard)


@dataclass
class SeedReport:
    users_created: int = 0
    customers_created: int = 0
    subscriptions_created: int = 0
    purchases: ImportResult = field(default_factory=ImportResult)
    interactions_created: int = 0
    # Feature apps that declare ``demo_seed = "<module>.<function>"`` on their AppConfig:
    # their ``demo_label`` (default: the app label) -> one line describing what their seeder
    # created, printed as "<label>: <summary>".
    apps: dict[str, str] = field(default_factory=dict)
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # email, role, password


class _Users:
    """Get-or-create users with the demo password (hashed once: hashing is slow on purpose)."""

    def __init__(self, report: SeedReport) -> None:
        self.report = report
        self._hash: str | None = None

    def ensure(self, email: str, full_name: str, **flags: bool) -> User:
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            if self._hash is None:
                self._hash = make_password(settings.PORTAL_DEMO_PASSWORD)
            user = User(email=email, full_name=full_name, password=self._hash, **flags)
            user.save()
            self.report.users_created += 1
        else:
            changed = [name for name, value in flags.items() if value and not getattr(user, name)]
            for name in changed:
                setattr(user, name, True)
            if changed:
                user.save(update_fields=changed)
        address, _created = EmailAddress.objects.get_or_create(
            user=user, email__iexact=email, defaults={"email": email, "verified": True}
        )
        if not address.verified or not address.primary:
            others = EmailAddress.objects.filter(user=user, primary=True).exclude(pk=address.pk)
            if not others.exists():
                address.primary = True
            address.verified = True
            address.save(update_fields=["verified", "primary"])
        return user


def _customer_ensure(
    report: SeedReport,
    *,
    ref: str,
    name: str,
    email: str,
    user: User | None,
    organisation: Organisation | None,
    is_org_admin: bool = False,
) -> Customer:
    if user is not None:
        existing = Customer.objects.filter(user=user).first()
        if existing is not None:
            return existing
    customer, created = Customer.objects.get_or_create(
        customer_ref=ref,
        defaults={
            "name": name,
            "email": email,
            "user": user,
            "organisation": organisation,
            "is_org_admin": is_org_admin and organisation is not None,
        },
    )
    report.customers_created += created
    if user is not None and customer.user_id is None:
        customer.user = user
        customer.save(update_fields=["user"])
    return customer


def seed_people(report: SeedReport) -> dict[str, Customer]:
    """Groups, organisations, personas, the agents' team and the other customers.

    Returns the customers by their demo reference (a persona who signed up before the demo
    was seeded keeps the customer record they already have)."""
    for name in roles.ROLE_GROUPS:
        Group.objects.get_or_create(name=name)
    organisations = {
        spec.slug: Organisation.objects.get_or_create(
            slug=spec.slug, defaults={"name": spec.name, "share_tickets": spec.share_tickets}
        )[0]
        for spec in data.ORGANISATIONS
    }
    users = _Users(report)
    customers: dict[str, Customer] = {}
    people: dict[str, User] = {}
    for persona in data.PERSONAS:
        user = users.ensure(
            persona.email,
            persona.full_name,
            is_staff=persona.is_staff,
            is_superuser=persona.is_superuser,
        )
        for group in persona.groups:
            user.groups.add(Group.objects.get(name=group))
        people[persona.name] = user
        report.logins.append((persona.email, persona.role, settings.PORTAL_DEMO_PASSWORD))
        if persona.customer_ref:
            customers[persona.customer_ref] = _customer_ensure(
                report,
                ref=persona.customer_ref,
                name=persona.full_name,
                email=persona.email,
                user=user,
                organisation=organisations.get(persona.organisation),
                is_org_admin=persona.is_org_admin,
            )
    slug, team_name, lead = data.AGENT_TEAM
    team, _created = Team.objects.get_or_create(
        slug=slug, defaults={"name": team_name, "lead": people[lead]}
    )
    team.members.add(people[lead])

    for spec in data.CUSTOMERS:
        user = users.ensure(spec.email, spec.full_name) if spec.login else None
        customers[spec.ref] = _customer_ensure(
            report,
            ref=spec.ref,
            name=spec.full_name,
            email=spec.email,
            user=user,
            organisation=organisations.get(spec.organisation),
        )
    return customers


def seed_products() -> dict[str, Product]:
    return {
        spec.slug: Product.objects.get_or_create(
            slug=spec.slug,
            defaults={
                "name": spec.name,
                "kind": spec.kind,
                "category": spec.category,
                "description": spec.description,
            },
        )[0]
        for spec in data.PRODUCTS
    }


@dataclass(frozen=True)
class _PlannedSubscription:
    product: data.ProductSpec
    region: str
    months_ago: int  # started this many months ago
    cancelled_months_ago: int | None


def _plan_subscriptions(rng: random.Random) -> dict[str, list[_PlannedSubscription]]:
    """Most customers subscribe to one to three services; a few have cancelled one."""
    services = [spec for spec in data.PRODUCTS if spec.is_subscription]
    refs = [p.customer_ref for p in data.PERSONAS if p.customer_ref]
    refs += [spec.ref for spec in data.CUSTOMERS]
    plan: dict[str, list[_PlannedSubscription]] = {}
    for ref in refs:
        if rng.random() < 0.15 and ref not in {"C-ALICE", "C-BOB", "C-CAROL"}:
            plan[ref] = []
            continue
        region = rng.choice(data.REGIONS)
        chosen = rng.sample(services, rng.randint(1, 3))
        planned = []
        for spec in chosen:
            months_ago = rng.randint(2, 30)
            cancelled = rng.randint(0, min(months_ago - 1, 10)) if rng.random() < 0.12 else None
            planned.append(_PlannedSubscription(spec, region, months_ago, cancelled))
        plan[ref] = planned
    return plan


def _months_ago(now: datetime, months: int, rng: random.Random) -> datetime:
    return now - timedelta(days=30 * months + rng.randint(0, 27), hours=rng.randint(7, 20))


def _plan_purchases(
    rng: random.Random,
    plan: dict[str, list[_PlannedSubscription]],
    customers: dict[str, Customer],
    now: datetime,
    product_ids: dict[str, int],
) -> list[PurchaseRow]:
    """A year of purchases: monthly bills for live subscriptions, one-off products, and a
    few refunds (negative amounts). Order references are deterministic."""
    one_offs = [spec for spec in data.PRODUCTS if not spec.is_subscription]
    planned: list[tuple[str, data.ProductSpec, datetime, Decimal, str]] = []
    for ref, subscriptions in plan.items():
        for sub in subscriptions:
            if sub.product.price == 0:
                continue
            last = sub.cancelled_months_ago or 0
            for month in range(min(sub.months_ago, 12), last, -1):
                day = now - timedelta(days=30 * month - rng.randint(0, 3))
                at = day.replace(hour=6, minute=0, second=0)
                planned.append((ref, sub.product, at, sub.product.price, ""))
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
            spec = rng.choice(one_offs)
            amount = spec.price * rng.randint(1, 2)
            at = now - timedelta(days=rng.randint(1, 364), minutes=rng.randint(0, 900))
            planned.append((ref, spec, at, amount, ""))
            if rng.random() < 0.15:  # returned within two weeks
                refund_at = min(at + timedelta(days=rng.randint(2, 14)), now)
                planned.append((ref, spec, refund_at, -amount, "-R"))
    counters: dict[str, int] = {}
    rows = []
    for ref, spec, at, amount, suffix in planned:
        counters[ref] = n = counters.get(ref, 0) + 1
        rows.append(
            PurchaseRow(
                customer_ref=customers[ref].customer_ref,
                ordered_at=at,
                amount=amount,
                currency=settings.PORTAL_DEFAULT_CURRENCY,
                product_id=product_ids[spec.slug],
                order_ref=f"DEMO-{ref}-{n:03d}{suffix}",
            )
        )
    return rows


def seed_subscriptions(
    report: SeedReport,
    plan: dict[str, list[_PlannedSubscription]],
    customers: dict[str, Customer],
    products: dict[str, Product],
    now: datetime,
    rng: random.Random,
) -> None:
    for ref, planned in plan.items():
        customer = customers[ref]
        for sub in planned:
            since = _months_ago(now, sub.months_ago, rng)
            ended = (
                _months_ago(now, sub.cancelled_months_ago, rng)
                if sub.cancelled_months_ago is not None
                else None
            )
            if Subscription.objects.filter(
                customer=customer, product=products[sub.product.slug]
            ).exists():
                continue
            Subscription.objects.create(
                customer=customer,
                product=products[sub.product.slug],
                region=sub.region,
                status=Subscription.Status.CANCELLED if ended else Subscription.Status.ACTIVE,
                since=since,
                ended_at=ended,
            )
            report.subscriptions_created += 1


def _plan_interactions(
    rng: random.Random, customers: dict[str, Customer], now: datetime
) -> list[dict[str, Any]]:
    planned: list[dict[str, Any]] = []

    def past() -> datetime:
        return now - timedelta(days=rng.randint(1, 180), minutes=rng.randint(0, 600))

    for customer in customers.values():
        if customer.user_id is not None:
            for _ in range(rng.randint(0, 10)):
                planned.append(
                    {
                        "kind": InteractionKind.LOGIN,
                        "channel": Channel.WEB,
                        "customer": customer,
                        "user": customer.user,
                        "occurred_at": past(),
                    }
                )
        for _ in range(rng.randint(0, 2)):
            planned.append(
                {
                    "kind": InteractionKind.EMAIL,
                    "channel": Channel.EMAIL,
                    "customer": customer,
                    "occurred_at": past(),
                    "metadata": {"subject": rng.choice(data.EMAIL_SUBJECTS)},
                }
            )
        for _ in range(rng.choice((0, 0, 1, 1, 2))):
            planned.append(
                {
                    "kind": InteractionKind.CALL,
                    "channel": Channel.PHONE,
                    "customer": customer,
                    "occurred_at": past(),
                    "value": rng.randint(60, 1500),  # seconds on the phone
                    "metadata": {"topic": rng.choice(data.CALL_TOPICS)},
                }
            )
    return planned


def seed_interactions(report: SeedReport, planned: list[dict[str, Any]]) -> None:
    """Logins, emails and phone calls over the past months, recorded once (the seeded rows
    carry ``INTERACTION_MARK`` in their metadata)."""
    if Interaction.objects.filter(metadata__seed=INTERACTION_MARK["seed"]).exists():
        return
    for item in planned:
        metadata = {**item.pop("metadata", {}), **INTERACTION_MARK}
        interaction_record(**item, metadata=metadata)
        report.interactions_created += 1


def seed_demo() -> SeedReport:
    """Create whatever demo data is missing; safe to run any number of times."""
    rng = random.Random(SEED)  # noqa: S311 - deterministic demo data, not secrets
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    report = SeedReport()
    with transaction.atomic():
        customers = seed_people(report)
        products = seed_products()
        plan = _plan_subscriptions(rng)
        seed_subscriptions(report, plan, customers, products, now, rng)
        product_ids = {slug: product.pk for slug, product in products.items()}
        rows = _plan_purchases(rng, plan, customers, now, product_ids)
        interactions = _plan_interactions(rng, customers, now)
    # Purchases commit batch by batch (same path as the CSV import); re-runs skip them by
    # their order references.
    report.purchases = purchases_import(rows=rows, source=PURCHASE_SOURCE, channel=Channel.SHOP)
    with transaction.atomic():
        seed_interactions(report, interactions)
    seed_feature_apps(report, now=now)
    return report


def seed_feature_apps(report: SeedReport, *, now: datetime) -> None:
    """Run each installed app's seeder (``AppConfig.demo_seed``, a dotted path to a function
    ``seed(*, now) -> str`` returning a one-line summary), in ``INSTALLED_APPS`` order (so the
    knowledge base and tickets come before the apps above them). Every seeder must be
    idempotent like the rest of ``seed_demo``. ``AppConfig.demo_label`` names the summary
    (default: the app label)."""
    from django.apps import apps
    from django.utils.module_loading import import_string

    for config in apps.get_app_configs():
        dotted = getattr(config, "demo_seed", None)
        if dotted:
            label = getattr(config, "demo_label", config.label)
            report.apps[label] = import_string(dotted)(now=now)
