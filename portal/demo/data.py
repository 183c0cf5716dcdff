"""The demo company's people, organisations and offer (plain data, no database access)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from portal import roles

REGIONS = ("North", "South", "Islands")
DEMO_DOMAIN = "example.com"
CUSTOMER_DOMAIN = "example.net"


@dataclass(frozen=True)
class OrganisationSpec:
    slug: str
    name: str
    share_tickets: bool = False


ORGANISATIONS = (
    OrganisationSpec("acme-logistics", "Acme Logistics", share_tickets=True),
    OrganisationSpec("globex-retail", "Globex Retail"),
    OrganisationSpec("initech-services", "Initech Services", share_tickets=True),
    OrganisationSpec("umbrella-health", "Umbrella Health"),
)


@dataclass(frozen=True)
class PersonaSpec:
    """A named demo login (``<name>@example.com``); ``customer_ref`` for customers."""

    name: str
    full_name: str
    role: str
    customer_ref: str = ""
    organisation: str = ""  # slug
    is_org_admin: bool = False
    is_staff: bool = False
    is_superuser: bool = False
    groups: tuple[str, ...] = ()

    @property
    def email(self) -> str:
        return f"{self.name}@{DEMO_DOMAIN}"


PERSONAS = (
    PersonaSpec(
        "alice",
        "Alice Archer",
        "customer (Acme Logistics admin)",
        customer_ref="C-ALICE",
        organisation="acme-logistics",
        is_org_admin=True,
    ),
    PersonaSpec(
        "bob", "Bob Baker", "customer (Globex Retail)", "C-BOB", organisation="globex-retail"
    ),
    PersonaSpec("carol", "Carol Chen", "customer (no organisation)", customer_ref="C-CAROL"),
    PersonaSpec("ada", "Ada Lovelace", "agent", is_staff=True, groups=(roles.AGENTS,)),
    PersonaSpec("mo", "Mo Reyes", "moderator", groups=(roles.MODERATORS,)),
    PersonaSpec("root", "Root Admin", "admin", is_staff=True, is_superuser=True),
)

AGENT_TEAM = ("customer-care", "Customer Care", "ada")  # slug, name, lead


@dataclass(frozen=True)
class CustomerSpec:
    """One of the other demo customers (``@example.net``); ``login=False``: record only."""

    ref: str
    full_name: str
    organisation: str = ""
    login: bool = True

    @property
    def email(self) -> str:
        local = self.full_name.lower().replace(" ", ".").replace("'", "")
        return f"{local}@{CUSTOMER_DOMAIN}"


# (full name, organisation slug, has a login)
_CUSTOMERS = (
    ("Amy Abbott", "acme-logistics", True),
    ("Daniel Novak", "acme-logistics", True),
    ("Priya Raman", "acme-logistics", True),
    ("Tom Fischer", "acme-logistics", False),
    ("Hannah Berg", "globex-retail", True),
    ("Luis Ortega", "globex-retail", True),
    ("Mei Lin", "globex-retail", True),
    ("Oliver Grant", "initech-services", True),
    ("Fatima Haddad", "initech-services", True),
    ("Jonas Weber", "initech-services", False),
    ("Grace Mensah", "umbrella-health", True),
    ("Ivan Petrov", "umbrella-health", True),
    ("Sofia Rossi", "", True),
    ("Noah Williams", "", True),
    ("Emma Dubois", "", True),
    ("Kenji Sato", "", True),
    ("Aisha Bello", "", True),
    ("Lucas Silva", "", True),
    ("Chloe Martin", "", True),
    ("Mateo Garcia", "", True),
    ("Zoe Clarke", "", True),
    ("Ethan Brooks", "", True),
    ("Isabella Conti", "", True),
    ("Samuel Adeyemi", "", True),
    ("Nora Lindqvist", "", True),
    ("Arjun Mehta", "", True),
    ("Lea Schneider", "", True),
    ("Owen Gallagher", "", True),
    ("Yara Nasser", "", True),
    ("Felix Hoffmann", "", True),
    ("Ines Carvalho", "", True),
    ("Ruby Thompson", "", True),
    ("Victor Lambert", "", True),
    ("Maya Cohen", "", True),
    ("Leo Kowalski", "", True),
    ("Sara Johansson", "", True),
    ("Ben O'Connor", "", False),
    ("Julia Varga", "", False),
    ("Omar Farouk", "", False),
    ("Elif Yilmaz", "", False),
)

CUSTOMERS = tuple(
    CustomerSpec(f"C-{1001 + n}", name, organisation, login)
    for n, (name, organisation, login) in enumerate(_CUSTOMERS)
)


@dataclass(frozen=True)
class ProductSpec:
    slug: str
    name: str
    kind: str  # "service" (subscribed, billed monthly) or "product" (bought once)
    category: str
    description: str
    price: Decimal  # monthly for services, per item for products

    @property
    def is_subscription(self) -> bool:
        return self.kind == "service"


PRODUCTS = (
    ProductSpec(
        "fibre-broadband",
        "Fibre Broadband",
        "service",
        "Connectivity",
        "Home fibre internet up to 1 Gbit/s, router included.",
        Decimal("39.90"),
    ),
    ProductSpec(
        "mobile-plan",
        "Mobile Plan",
        "service",
        "Connectivity",
        "Unlimited calls and texts with 30 GB of data, roaming in the EU.",
        Decimal("19.90"),
    ),
    ProductSpec(
        "tv-streaming",
        "TV Streaming",
        "service",
        "Entertainment",
        "Live TV and a film library on up to four screens.",
        Decimal("12.90"),
    ),
    ProductSpec(
        "cloud-backup",
        "Cloud Backup",
        "service",
        "Digital services",
        "Automatic backup of phones and computers, 1 TB.",
        Decimal("4.99"),
    ),
    ProductSpec(
        "online-banking",
        "Online Banking",
        "service",
        "Banking",
        "Current account with the banking app and web banking.",
        Decimal("0.00"),
    ),
    ProductSpec(
        "premium-card",
        "Premium Card",
        "service",
        "Banking",
        "Credit card with travel insurance and airport lounges.",
        Decimal("9.90"),
    ),
    ProductSpec(
        "smart-home-hub",
        "Smart Home Hub",
        "product",
        "Devices",
        "Connects lights, heating and cameras; works with the mobile app.",
        Decimal("129.00"),
    ),
    ProductSpec(
        "travel-insurance",
        "Travel Insurance",
        "product",
        "Insurance",
        "Single-trip cover for health, luggage and cancellation.",
        Decimal("29.00"),
    ),
)

EMAIL_SUBJECTS = (
    "Question about my invoice",
    "Router keeps disconnecting",
    "Change of address",
    "How do I add a second SIM?",
    "Card payment declined abroad",
)
CALL_TOPICS = ("billing", "outage", "card blocked", "moving house", "upgrade")
