"""Demo forum for ``manage.py seed_demo`` (called from ``portal.demo.seed``).

Categories are get-or-created by slug; threads are planned from ``random.Random(7)`` before the
database is looked at, each with a natural key (its title): a re-run creates only the missing
ones. Everything goes through the services with past timestamps (the same code path as real
posts: counters, reputation ledger, interactions), with emails suppressed, pre-moderation and
rate limits off, except one new member's question left waiting in the moderation queue.

Italian: every category gets its Italian name and description (where still empty), and three
Italian-speaking members (``ITALIAN_MEMBERS``, preferred language Italian, the demo password)
ask and answer a few threads in Italian (``ITALIAN_TOPICS``), planned from their own
``random.Random(17)`` so the English threads stay exactly as they were.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.test import override_settings

from community.models import Category, Flag, Post, Thread, Visibility
from portal.models import Organisation, Product, User
from portal.services.notifications import emails_suppressed

DAYS_BACK = 90

CATEGORIES = (
    ("broadband-tv", "Broadband and TV", "Fibre, routers, Wi-Fi and TV streaming.", 1),
    ("mobile", "Mobile and roaming", "Plans, SIM and eSIM, data abroad, porting your number.", 2),
    ("cards-payments", "Cards and payments", "Cards, contactless, transfers and billing.", 3),
    ("orders-delivery", "Orders and deliveries", "Shop orders, delivery, returns, warranty.", 4),
    ("tips", "Tips and announcements", "Share what worked for you; news from the team.", 5),
)
PRIVATE = ("acme-team", "Acme Logistics team", "Only for Acme Logistics colleagues.", 6)
CATEGORIES_IT = {
    "broadband-tv": ("Internet e TV", "Fibra, router, Wi-Fi e TV in streaming."),
    "mobile": (
        "Mobile e roaming",
        "Piani, SIM ed eSIM, traffico dati all'estero, portabilità del numero.",
    ),
    "cards-payments": ("Carte e pagamenti", "Carte, contactless, bonifici e fatturazione."),
    "orders-delivery": ("Ordini e consegne", "Ordini nel negozio, spedizioni, resi e garanzia."),
    "tips": ("Consigli e novità", "Condividi quello che ha funzionato per te; notizie dal team."),
    "acme-team": ("Team Acme Logistics", "Solo per i colleghi di Acme Logistics."),
}
# (email, full name): members who read the portal in Italian.
ITALIAN_MEMBERS = (
    ("giulia@example.com", "Giulia Bianchi"),
    ("marco@example.com", "Marco Ferri"),
    ("chiara@example.com", "Chiara Greco"),
)


@dataclass(frozen=True)
class Topic:
    category: str
    title: str
    body: str
    answers: tuple[str, ...]
    tags: tuple[str, ...] = ()
    product: str = ""
    kind: str = "question"


T = Topic
TOPICS = (
    T(
        "broadband-tv",
        "Router light blinking red after a power cut",
        "We had a power cut last night and since then the router's light blinks red. "
        "I already unplugged it twice.",
        (
            "Hold the **reset** button for 10 seconds with a paper clip, then wait 5 minutes: "
            "it downloads its settings again.",
            "Same here last month. Check the fibre cable is clicked in properly at the wall box.",
            "If the light is still red after a reset, the line itself may be down: check the "
            "status page before calling.",
        ),
        ("router", "outage"),
        "fibre-broadband",
    ),
    T(
        "broadband-tv",
        "Wi-Fi drops every evening around 9pm",
        "The connection is fine all day but drops for a few minutes every evening.",
        (
            "Neighbours' networks get busy in the evening. Switch the 2.4 GHz channel to 1, 6 or "
            "11 in the router settings.",
            "Use the 5 GHz network for streaming, it is much less crowded.",
        ),
        ("wifi",),
        "fibre-broadband",
    ),
    T(
        "broadband-tv",
        "Speed test shows 300 Mbit/s on a 1 Gbit/s plan",
        "Wired laptop, latest speed test shows only 300 Mbit/s. Is that normal?",
        (
            "Check your laptop's network port: many are only 1 Gbit/s half duplex with old cables. "
            "Use a Cat 6 cable.",
            "Also test directly on the router's built-in speed test (Settings > Diagnostics).",
        ),
        ("speed",),
        "fibre-broadband",
    ),
    T(
        "broadband-tv",
        "How do I change the Wi-Fi password?",
        "I want to change the password my kids know. Where is it in the router menu?",
        (
            "Open http://192.168.1.1, sign in with the password on the sticker, then "
            "Wi-Fi > Security.",
        ),
        ("wifi", "router"),
        "fibre-broadband",
    ),
    T(
        "broadband-tv",
        "TV streaming app stuck on the loading screen",
        "The TV app on my smart TV stays on the spinner since the last update.",
        (
            "Clear the app's cache in the TV settings, then sign in again.",
            "Updating the TV firmware fixed it for me.",
            "We know about this with some 2019 models; a fix is rolling out this week.",
        ),
        ("tv", "app"),
        "tv-streaming",
    ),
    T(
        "broadband-tv",
        "Can I use my own router instead of the provided one?",
        "I have a mesh system and would like to use it directly.",
        (
            "Yes: put the provided router in bridge mode (Settings > Advanced > Bridge) and "
            "connect the mesh to LAN 1.",
        ),
        ("router",),
        "fibre-broadband",
    ),
    T(
        "broadband-tv",
        "Moving house: can I take my fibre contract with me?",
        "We move in two months. What happens to the contract?",
        (
            "Use the *change address* request in the service catalogue at least three weeks "
            "before: the move is free if fibre is available at the new address.",
        ),
        ("moving",),
        "fibre-broadband",
    ),
    T(
        "broadband-tv",
        "Parental controls for the TV library",
        "Is there a PIN for films rated 16+?",
        (),
        ("tv",),
        "tv-streaming",
    ),
    T(
        "mobile",
        "Data not working abroad even with roaming on",
        "I'm in Spain, roaming is enabled in the app but I have no data.",
        (
            "Check the APN on your phone is set to *internet* and restart it.",
            "Turn off Wi-Fi calling and toggle airplane mode: the phone often stays on the home "
            "network's profile.",
        ),
        ("roaming", "data"),
        "mobile-plan",
    ),
    T(
        "mobile",
        "How do I activate an eSIM on a new phone?",
        "I got a new phone that supports eSIM. How do I move my number?",
        (
            "Request an eSIM in the service catalogue: you get a QR code by email, scan it in "
            "Settings > Mobile data > Add eSIM.",
            "Keep the old phone on until the new one shows signal; the switch takes ~10 minutes.",
        ),
        ("esim",),
        "mobile-plan",
    ),
    T(
        "mobile",
        "Porting my number from another operator",
        "What do I need to keep my number when I switch?",
        ("Ask your old operator for the porting code (PAC), then enter it when you order.",),
        ("porting",),
        "mobile-plan",
    ),
    T(
        "mobile",
        "Voicemail asks for a PIN I never set",
        "When I call voicemail it asks for a PIN.",
        (
            "The default PIN is the last four digits of your number; change it from the menu "
            "option 3.",
        ),
        ("voicemail",),
        "mobile-plan",
    ),
    T(
        "mobile",
        "Unexpected charge for premium SMS",
        "My bill shows 5 euro for a premium SMS I never sent.",
        (
            "Block premium services in the app under Plan > Restrictions, then open a ticket "
            "for a refund of that charge.",
        ),
        ("billing",),
        "mobile-plan",
    ),
    T(
        "mobile",
        "5G not showing in my area",
        "The coverage map says 5G but I only see 4G.",
        (),
        ("5g", "coverage"),
        "mobile-plan",
    ),
    T(
        "cards-payments",
        "Card declined at the supermarket but the balance is fine",
        "My debit card was declined twice today although there is money on the account.",
        (
            "Contactless has a limit of five payments in a row: insert the card and use the PIN "
            "once, it resets the counter.",
            "Also check the app for a *temporary block* after a suspicious payment.",
        ),
        ("card", "contactless"),
    ),
    T(
        "cards-payments",
        "How long does an international transfer take?",
        "I sent money to a UK account on Monday, still not arrived.",
        (
            "SEPA takes one working day; transfers outside SEPA 2-4 working days.",
            "Ask for the transfer's tracking reference in the app under Payments > Details.",
        ),
        ("transfer",),
    ),
    T(
        "cards-payments",
        "Lost my card: what do I do first?",
        "I think I lost my card in a taxi.",
        (
            "Freeze it in the app right away (Cards > Freeze): you can unfreeze if you find it.",
            "Then order a replacement from the catalogue; the old number stops working.",
        ),
        ("card", "security"),
    ),
    T(
        "cards-payments",
        "Apple Pay says the card cannot be added",
        "Error 'card not supported' when adding it to the wallet.",
        ("Update the banking app first and add the card from inside the app.",),
        ("wallet", "card"),
    ),
    T(
        "cards-payments",
        "Invoice shows two monthly fees",
        "This month I was billed twice for the same service.",
        (
            "When a plan changes mid-month you get the old plan's last part and the new plan's "
            "first part: check the dates on each line.",
        ),
        ("billing",),
        "tv-streaming",
    ),
    T(
        "cards-payments",
        "Can I change the date of my direct debit?",
        "Salary comes on the 27th, the debit is on the 20th.",
        (),
        ("billing",),
    ),
    T(
        "orders-delivery",
        "Parcel marked delivered but not here",
        "Tracking says delivered at 11:02 but nothing at my door.",
        (
            "Check with neighbours and the building's parcel room; couriers often leave it there.",
            "If it's not found within 48 hours, report it: we open an investigation with the "
            "courier and resend.",
        ),
        ("delivery",),
    ),
    T(
        "orders-delivery",
        "How do I return a phone I don't like?",
        "Bought a phone last week, want to return it.",
        (
            "You have 14 days: use *Return an order* in the service catalogue, print the label "
            "and drop it at any post office.",
        ),
        ("returns",),
        "smartphone",
    ),
    T(
        "orders-delivery",
        "Warranty repair for a cracked screen?",
        "Screen cracked after a drop. Is it covered?",
        ("Accidental damage is not covered by the warranty, only by the device insurance.",),
        ("warranty",),
        "smartphone",
    ),
    T(
        "orders-delivery",
        "Order stuck in 'processing' for a week",
        "No update since Monday.",
        ("Pre-orders stay in processing until stock arrives; the email has the expected date.",),
        ("orders",),
    ),
    T(
        "tips",
        "Tip: put the router up high, not in a cupboard",
        "Moving my router from the TV cabinet to a shelf doubled the Wi-Fi speed upstairs.",
        (
            "Same experience! Also keep it away from the microwave.",
            "Mesh extenders helped us with thick walls.",
        ),
        ("wifi", "tips"),
        "fibre-broadband",
        "discussion",
    ),
    T(
        "tips",
        "Planned maintenance on Sunday night",
        "We will upgrade the network in the north region on Sunday 01:00-04:00. Short outages "
        "are possible. Follow the status page for updates.",
        ("Thanks for the heads-up!",),
        ("maintenance",),
        "",
        "discussion",
    ),
    T(
        "tips",
        "Which apps do you use to track your data usage?",
        "Curious how others keep an eye on their mobile data.",
        (
            "The operator app's widget is enough for me.",
            "I set a data warning in Android at 25 GB.",
        ),
        ("data",),
        "mobile-plan",
        "discussion",
    ),
)
ACME = (
    T(
        "acme-team",
        "Who manages the Acme fleet SIM cards?",
        "Our drivers' SIMs need roaming for the new routes.",
        ("Alice as organisation admin can request it for everyone in one request.",),
        ("fleet",),
        "mobile-plan",
    ),
)
VARIANTS = (
    (
        "broadband-tv",
        "{model} keeps restarting",
        "My {model} restarts every hour or so.",
        (
            "Update the firmware: Settings > System > Update. Version 4.2 fixed random reboots.",
            "Check the power adapter; a failing one causes exactly this.",
        ),
        ("HomeBox 5", "FiberHub X", "Mesh Duo", "StreamStick", "HomeBox 4", "Mesh Trio"),
    ),
    (
        "mobile",
        "No signal on my {model} after the update",
        "Since the latest update my {model} shows no service.",
        ("Reset network settings (it keeps your data) and restart.",),
        ("Galaxy A54", "Pixel 8", "iPhone 14", "Nova Tab", "Moto G84", "Xperia 10"),
    ),
    (
        "cards-payments",
        "Payment to {model} pending for days",
        "A card payment to {model} shows as pending since last week.",
        (
            "Card payments stay pending until the shop confirms them, up to 7 days.",
            "If it's longer, the shop may have cancelled: the money comes back automatically.",
        ),
        ("StreamFlix", "Ride&Go", "BookNest", "FoodBox", "CityPark", "GymOne"),
    ),
    (
        "orders-delivery",
        "Where is my {model} order?",
        "I ordered a {model} ten days ago.",
        ("The tracking link is in the order confirmation email.",),
        ("Galaxy A54", "Pixel 8", "Mesh Duo", "StreamStick", "Nova Tab", "USB-C charger"),
    ),
)

ITALIAN_TOPICS = (
    T(
        "broadband-tv",
        "Il Wi-Fi rallenta la sera in salotto",
        "Da qualche settimana, verso le nove di sera, il Wi-Fi in salotto diventa lentissimo. "
        "Il router è in corridoio, dietro una porta. Conviene comprare un ripetitore?",
        (
            "Prima di comprare qualcosa prova a spostare il router più in alto, lontano da porte "
            "e mobili: a casa mia è bastato questo.",
            "La sera molti vicini usano la stessa frequenza. Dalle impostazioni del router "
            "scegli la rete a **5 GHz** e lascia il canale su automatico.",
            "Se la casa è su due piani, il Mesh Duo funziona molto meglio di un ripetitore "
            "classico: una sola rete e nessuna disconnessione passando da una stanza all'altra.",
        ),
        ("wifi", "router"),
    ),
    T(
        "mobile",
        "Come si attiva la eSIM sul telefono nuovo?",
        "Ho appena preso un telefono nuovo e vorrei passare alla eSIM senza cambiare numero. "
        "Devo per forza andare in negozio?",
        (
            "Niente negozio: chiedi il codice QR dall'area personale e inquadralo dal telefono "
            "in Impostazioni > Rete mobile > Aggiungi eSIM.",
            "Tieni a portata di mano la vecchia SIM: prima di disattivarla ti arriva un codice "
            "via SMS da confermare.",
        ),
        ("esim",),
    ),
    T(
        "cards-payments",
        "Pagamento contactless rifiutato al supermercato",
        "Oggi alla cassa la carta è stata rifiutata con il contactless, ma inserendola e "
        "digitando il PIN il pagamento è andato a buon fine. È normale?",
        (
            "Sì: dopo alcuni pagamenti contactless di fila la banca chiede il PIN per "
            "sicurezza. Fatto una volta, il conteggio riparte da zero.",
            "Capita anche a me ogni cinque o sei pagamenti. Se invece la carta viene rifiutata "
            "anche con il PIN, controlla il limite di spesa mensile nel catalogo dei servizi.",
        ),
        ("card",),
    ),
    T(
        "orders-delivery",
        "Telefono arrivato con lo schermo graffiato: posso renderlo?",
        "Il telefono che ho ordinato è arrivato con un graffio sullo schermo. Posso restituirlo "
        "anche se ho già tolto la pellicola?",
        (
            "Certo, hai 14 giorni per il reso anche se hai aperto la confezione. Fai una foto "
            "del graffio e allegala alla richiesta.",
            "L'ho fatto il mese scorso: il corriere è passato a ritirarlo dopo due giorni e il "
            "rimborso è arrivato entro una settimana.",
        ),
        ("returns",),
    ),
    T(
        "tips",
        "Consiglio: seguite lo stato dei vostri servizi",
        "Da quando seguo la pagina di stato della fibra ricevo un'email appena c'è un guasto "
        "in zona, così non perdo tempo a riavviare il router per niente.",
        (
            "Ottimo consiglio, non sapevo che si potesse seguire un singolo servizio. Attivato!",
            "Utile anche per la manutenzione programmata: l'avviso arriva qualche giorno prima.",
        ),
        ("status",),
        kind="discussion",
    ),
)


def _plan() -> list[Topic]:
    topics = list(TOPICS) + list(ACME)
    for category, title, body, answers, subjects in VARIANTS:
        for n, subject in enumerate(subjects):
            topics.append(
                T(
                    category,
                    title.format(model=subject),
                    body.format(model=subject),
                    answers if n % 3 else answers[:1],
                    ("device",) if category != "cards-payments" else ("card",),
                )
            )
    return topics


def _categories() -> dict[str, Category]:
    out = {}
    for slug, name, description, order in CATEGORIES:
        out[slug] = Category.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description, "order": order}
        )[0]
    acme = Organisation.objects.filter(slug="acme-logistics").first()
    if acme is not None:
        slug, name, description, order = PRIVATE
        out[slug] = Category.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "description": description,
                "order": order,
                "visibility": Visibility.ORGANISATION,
                "organisation": acme,
            },
        )[0]
    for slug, category in out.items():
        name, description = CATEGORIES_IT.get(slug, ("", ""))
        changed = [
            field
            for field, value in (("name_it", name), ("description_it", description))
            if value and not getattr(category, field)
        ]
        for field in changed:
            setattr(category, field, dict(name_it=name, description_it=description)[field])
        if changed:
            category.save(update_fields=changed)
    return out


def _italian_members() -> list[User]:
    """The Italian-speaking demo members (created once, like people who signed up)."""
    from allauth.account.models import EmailAddress

    from portal.services.customers import customer_for_signup

    people = []
    password = None
    for email, full_name in ITALIAN_MEMBERS:
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            password = password or make_password(settings.PORTAL_DEMO_PASSWORD)
            user = User.objects.create(email=email, full_name=full_name, password=password)
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
            customer = customer_for_signup(user=user)
            customer.language = "it"
            customer.save(update_fields=["language"])
        people.append(user)
    return people


def _italian_threads(services, categories, now: datetime) -> tuple[int, int]:
    """The Italian threads, each asked by one Italian member and answered by the others."""
    rng = random.Random(17)  # noqa: S311 - demo data, not security
    members = _italian_members()
    existing = set(Thread.objects.values_list("title", flat=True))
    created = answers = 0
    for number, topic in enumerate(ITALIAN_TOPICS):
        asked_at = now - timedelta(days=rng.uniform(3, 40))
        if topic.title in existing or topic.category not in categories:
            continue
        asker = members[number % len(members)]
        others = [m for m in members if m != asker]
        thread = services.thread_ask(
            author=asker,
            category=categories[topic.category],
            title=topic.title,
            body=topic.body,
            kind=topic.kind,
            tags=topic.tags,
            now=asked_at,
        )
        created += 1
        posts = []
        at = asked_at
        for turn, text in enumerate(topic.answers):
            at = min(at + timedelta(hours=rng.uniform(0.5, 20)), now)
            author = others[turn % len(others)]
            posts.append(services.post_answer(thread=thread, author=author, body=text, now=at))
            answers += 1
        for post in posts:
            for voter in members:
                if voter.pk != post.author_id:
                    services.vote_cast(post=post, voter=voter, value=1, now=at)
        if posts and topic.kind == "question":
            services.answer_accept(thread=thread, post=posts[0], user=asker, now=at)
        Thread.objects.filter(pk=thread.pk).update(view_count=rng.randint(20, 300))
    return created, answers


def seed(*, now: datetime) -> str:
    from community import services

    rng = random.Random(7)  # noqa: S311 - demo data, not security
    plan = _plan()
    schedule = [now - timedelta(days=rng.uniform(1, DAYS_BACK)) for _ in plan]
    categories = _categories()
    personas = {
        u.email.split("@")[0]: u
        for u in User.objects.filter(
            email__in=[f"{n}@example.com" for n in ("alice", "bob", "carol", "ada", "mo")]
        )
    }
    members = list(User.objects.filter(customer__isnull=False, is_active=True).order_by("pk")[:40])
    if not members or "ada" not in personas:
        return "no people to post (seed people first)"
    staff = personas["ada"]
    private = categories.get("acme-team")
    acme_people = [
        u
        for u in members
        if private is not None and u.customer.organisation_id == private.organisation_id
    ]
    products = {p.slug: p for p in Product.objects.all()}
    existing = set(Thread.objects.values_list("title", flat=True))
    created = answers = 0
    rates = {"post": (10**9, 60), "vote": (10**9, 60), "flag": (10**9, 60)}
    with (
        emails_suppressed(),
        override_settings(COMMUNITY_PREMODERATE_FIRST_POSTS=False, COMMUNITY_RATES=rates),
        transaction.atomic(),
    ):
        for topic, asked_at in sorted(zip(plan, schedule, strict=True), key=lambda p: p[1]):
            if topic.title in existing or topic.category not in categories:
                continue
            pool = acme_people if topic.category == "acme-team" else members
            if not pool:
                continue
            if topic.category == "tips" and topic.kind == "discussion" and "Planned" in topic.title:
                asker = staff
            else:
                asker = rng.choice(pool)
            thread = services.thread_ask(
                author=asker,
                category=categories[topic.category],
                title=topic.title,
                body=topic.body,
                kind=topic.kind,
                tags=topic.tags,
                products=[products[topic.product]] if topic.product in products else [],
                now=asked_at,
            )
            created += 1
            posts = []
            at = asked_at
            for number, text in enumerate(topic.answers):
                at = min(at + timedelta(hours=rng.uniform(0.3, 30)), now)
                staff_turn = number == len(topic.answers) - 1 and rng.random() < 0.3
                author = (
                    staff if staff_turn else rng.choice([m for m in pool if m != asker] or [staff])
                )
                posts.append(services.post_answer(thread=thread, author=author, body=text, now=at))
                answers += 1
            voters = [m for m in pool if m != asker]
            for post in [thread.posts.get(is_question=True), *posts]:
                for voter in rng.sample(voters, k=min(len(voters), rng.randint(0, 6))):
                    if voter.pk != post.author_id:
                        value = 1 if rng.random() < 0.88 else -1
                        services.vote_cast(post=post, voter=voter, value=value, now=at)
            if posts and topic.kind == "question" and rng.random() < 0.7:
                scored = Post.objects.filter(pk__in=[p.pk for p in posts])
                best = max(scored, key=lambda p: (p.score, -p.pk))
                services.answer_accept(thread=thread, post=best, user=asker, now=at)
            Thread.objects.filter(pk=thread.pk).update(view_count=rng.randint(8, 900))
        waiting = _moderation_examples(services, categories, members, personas, now)
        italian, italian_answers = _italian_threads(services, categories, now)
        created += italian
        answers += italian_answers
    return (
        f"{created} threads and {answers} answers added "
        f"({Thread.objects.count()} threads in {len(categories)} categories){waiting}"
    )


def _moderation_examples(services, categories, members, personas, now) -> str:
    """One new member's question waiting for approval and one open flag, for mo's queue."""
    from community.models import MemberProfile

    notes = ""
    title = "Is there a student discount on fibre?"
    newcomer = next(
        (m for m in reversed(members) if not MemberProfile.objects.filter(user=m).exists()), None
    )
    if newcomer is not None and not Thread.objects.filter(title=title).exists():
        with override_settings(COMMUNITY_PREMODERATE_FIRST_POSTS=True):
            services.thread_ask(
                author=newcomer,
                category=categories["broadband-tv"],
                title=title,
                body="I'm starting university in September.",
                now=now,
            )
        notes = ", 1 waiting for moderation"
    bob = personas.get("bob")
    target = Thread.objects.filter(title="Which apps do you use to track your data usage?").first()
    if bob is not None and target is not None and not Flag.objects.exists():
        post = target.posts.filter(is_question=False).exclude(author=bob).first()
        if post is not None:
            services.flag_create(
                post=post, reporter=bob, reason="off_topic", note="Not about us?", now=now
            )
            notes += ", 1 flag"
    return notes
