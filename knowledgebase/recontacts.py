"""Re-contacts: deflections that did not last.

A deflection (``deflection`` interaction: a suggested article read while starting a ticket,
then no ticket) is reversed into a ``Recontact`` when the same customer comes back within
``settings.KB_RECONTACT_DAYS`` of reading the article with

- a ticket opened (``ticket_open``) or a service request submitted (``catalogue_request``),
- that is on one of the article's products (both name a product, and it is the same), or
  whose subject is similar to the article's title (``subjects_similar``).

Anonymous visitors' deflections (no customer) and other customers' contacts (a colleague in
the same organisation included) never count. The knowledge base sits below tickets and the
catalogue, so it finds their tickets and requests in the interaction log (kind, customer,
time, ``metadata.product``) and reads the subject from the logged object through its content
type (``subject``, else its text), never by importing them.

``recontacts_record`` is the periodic pass (``kb_tick``): idempotent, and safe to run twice
at once (one ``Recontact`` per deflection, a unique constraint decides).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from knowledgebase.models import ArticlePage, Recontact
from portal.models import Interaction, InteractionKind

#: The interactions that mean "came back for help".
CONTACT_KINDS = (InteractionKind.TICKET_OPEN, InteractionKind.CATALOGUE_REQUEST)
#: A pass also catches contacts logged this late (the pass did not run for a while, imports).
SCAN_GRACE = timedelta(days=30)
#: Subjects are similar when at least this share of the shorter one's words is in the other.
SIMILARITY_MIN = 0.5
STEM_LENGTH = 6

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# Words that say nothing about what the problem is (English and Italian).
_STOP_WORDS = """
    a an and are as at be but by can cannot could do does doesn don for from get got has have
    how i if in into is it its me my no not of on or our please so that the their them then
    there this to too up us was we what when where which who why will with without won you
    your help issue issues problem problems question error errors working work works need
    still again any some new request ticket
    al alla alle allo ai agli anche che chi ci come con da dal dalla dei del della delle di
    e è gli ha ho il in io la le lo ma mi mia mio nel nella non o per più può se si sono su
    sul sulla ti tu un una uno vostro vostra problema problemi aiuto errore richiesta
    """
STOP_WORDS = frozenset(_STOP_WORDS.split())


def subject_words(text: str) -> frozenset[str]:
    """The words of a subject that say what it is about: lower case, accents kept, stop
    words, digits and one-letter words dropped, a plural ``s`` dropped, cut to six letters
    (so "restarts" and "restarting", "passwords" and "password" are one word)."""
    normal = unicodedata.normalize("NFKC", text or "").casefold()
    words = set()
    for word in _WORD.findall(normal):
        if len(word) < 2 or word in STOP_WORDS:
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        words.add(word[:STEM_LENGTH])
    return frozenset(words)


def subjects_similar(first: str, second: str) -> bool:
    """Word overlap of the two subjects (``subject_words``) divided by the size of the
    smaller one is at least ``SIMILARITY_MIN``; subjects without words are never similar."""
    a, b = subject_words(first), subject_words(second)
    if not a or not b:
        return False
    return len(a & b) / min(len(a), len(b)) >= SIMILARITY_MIN


def read_at(deflection: Interaction) -> datetime:
    """When the customer read the article: ``metadata.read_at`` (a deflection settled later
    by the periodic pass records it), else when the deflection was logged."""
    raw = (deflection.metadata or {}).get("read_at")
    moment = parse_datetime(raw) if isinstance(raw, str) else None
    if moment is None or timezone.is_naive(moment):
        return deflection.occurred_at
    return min(moment, deflection.occurred_at)


def _contact_subject(contact: Interaction, objects: dict[tuple[int, str], object]) -> str:
    metadata = contact.metadata or {}
    if isinstance(metadata.get("subject"), str):
        return metadata["subject"]
    target = objects.get((contact.target_type_id, contact.target_id))
    if target is not None:
        subject = getattr(target, "subject", None)
        return subject if isinstance(subject, str) else str(target)
    return str(metadata.get("item") or "").replace("-", " ")


def _targets(contacts: list[Interaction]) -> dict[tuple[int, str], object]:
    """The logged objects (tickets, requests) by (content type, id), one query per type."""
    wanted: dict[int, set[str]] = defaultdict(set)
    for contact in contacts:
        if contact.target_type_id and contact.target_id:
            wanted[contact.target_type_id].add(contact.target_id)
    found: dict[tuple[int, str], object] = {}
    for type_id, ids in wanted.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        if model is None:
            continue
        for obj in model._base_manager.filter(pk__in=ids):
            found[(type_id, str(obj.pk))] = obj
    return found


def recontact_reason(
    *,
    article_title: str,
    article_products: set[str],
    contact_subject: str,
    contact_product: str | None,
) -> str | None:
    """Why a contact reverses a deflection (``Recontact.Reason``), or ``None``: the same
    product when both name one, else a similar subject."""
    if contact_product and contact_product in article_products:
        return Recontact.Reason.PRODUCT
    if subjects_similar(article_title, contact_subject):
        return Recontact.Reason.SUBJECT
    return None


def recontacts_record(*, now: datetime | None = None) -> int:
    """The periodic pass: record a ``Recontact`` for each deflection of the last
    ``KB_RECONTACT_DAYS`` (plus ``SCAN_GRACE``) that a later contact reverses. Returns how
    many were recorded; running it again (or at the same time) records nothing more."""
    now = now or timezone.now()
    window = timedelta(days=settings.KB_RECONTACT_DAYS)
    article_type = ContentType.objects.get_for_model(ArticlePage)
    contacts = Interaction.objects.filter(
        kind__in=CONTACT_KINDS,
        customer=OuterRef("customer"),
        # read_at is at most a settling delay before the deflection was logged: the exact
        # window is checked below, this only keeps the candidates few.
        occurred_at__gt=OuterRef("occurred_at") - window - timedelta(days=1),
        occurred_at__lte=OuterRef("occurred_at") + window,
    )
    candidates = list(
        Interaction.objects.filter(
            kind=InteractionKind.DEFLECTION,
            customer__isnull=False,
            target_type=article_type,
            occurred_at__gte=now - window - SCAN_GRACE,
            occurred_at__lte=now,
        )
        .exclude(Exists(Recontact.objects.filter(deflection=OuterRef("pk"))))
        .filter(Exists(contacts))
        .order_by("occurred_at", "pk")
    )
    if not candidates:
        return 0
    articles = {
        str(article.pk): article
        for article in ArticlePage.objects.filter(
            pk__in={int(d.target_id) for d in candidates if d.target_id.isdigit()}
        ).prefetch_related("products")
    }
    by_customer: dict[int, list[Interaction]] = defaultdict(list)
    earliest = min(read_at(d) for d in candidates)
    for contact in Interaction.objects.filter(
        kind__in=CONTACT_KINDS,
        customer__in={d.customer_id for d in candidates},
        occurred_at__gt=earliest,
        occurred_at__lte=max(d.occurred_at for d in candidates) + window,
    ).order_by("occurred_at", "pk"):
        by_customer[contact.customer_id].append(contact)
    objects = _targets([c for contacts in by_customer.values() for c in contacts])
    recorded = 0
    for deflection in candidates:
        article = articles.get(deflection.target_id)
        if article is None:
            continue
        start = read_at(deflection)
        products = {product.slug for product in article.products.all()}
        for contact in by_customer[deflection.customer_id]:
            if not start < contact.occurred_at <= start + window:
                continue
            product = (contact.metadata or {}).get("product")
            reason = recontact_reason(
                article_title=article.title,
                article_products=products,
                contact_subject=_contact_subject(contact, objects),
                contact_product=product if isinstance(product, str) else None,
            )
            if reason is None:
                continue
            recorded += _create(deflection, contact, article, reason, start)
            break
    return recorded


def _create(deflection, contact, article, reason: str, start: datetime) -> int:
    try:
        with transaction.atomic():
            Recontact.objects.create(
                deflection=deflection,
                contact=contact,
                customer_id=deflection.customer_id,
                article=article,
                reason=reason,
                deflected_at=start,
                recontacted_at=contact.occurred_at,
            )
    except IntegrityError:  # another pass recorded it at the same moment
        return 0
    return 1
