"""Badges: one registry of rules, one table of awards (``portal.models.Badge``/``BadgeAward``).

Apps register their rules from ``AppConfig.ready()``::

    badge_rule_register(
        "first-answer", _("First answer"), _("Answered a first question"),
        check=lambda user_ids: <the ids among user_ids (None: everyone) who qualify>,
        app_label="community", icon="💬",
    )

``check(user_ids)`` returns the ids of the users who qualify, among ``user_ids`` (a list) or
among everyone when it is None; it should be one query. A badge is awarded once per user
(unique constraint) and never taken back. ``badges_pass`` (periodic) checks every rule for
everyone; ``badges_check(user)`` checks one user right after an event. Pages read awards
(``badges_of``, ``badges_by_user``), never the rules.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from portal.models import Badge, BadgeAward

logger = logging.getLogger(__name__)

Check = Callable[[Collection[int] | None], Iterable[int]]


@dataclass(frozen=True)
class BadgeRule:
    code: str
    name: str
    description: str
    check: Check
    icon: str = ""
    app_label: str = ""
    order: int = 100


_rules: dict[str, BadgeRule] = {}


def badge_rule_register(
    code: str,
    name: str,
    description: str,
    check: Check,
    *,
    icon: str = "",
    app_label: str = "",
    order: int = 100,
) -> BadgeRule:
    """Add (or replace, by ``code``) a badge rule."""
    rule = BadgeRule(code, name, description, check, icon, app_label, order)
    _rules[code] = rule
    return rule


def badge_rules() -> list[BadgeRule]:
    return sorted(_rules.values(), key=lambda rule: (rule.order, rule.code))


def _badge_row(rule: BadgeRule) -> Badge:
    """The rule's ``Badge`` row, created with the rule's texts in the default language
    (pages show the registry's texts, translated, while the rule is registered)."""
    with translation.override(settings.LANGUAGE_CODE):
        badge, _created = Badge.objects.get_or_create(
            code=rule.code,
            defaults={
                "name": str(rule.name)[:80],
                "description": str(rule.description)[:200],
                "icon": rule.icon,
                "app_label": rule.app_label,
            },
        )
    return badge


@transaction.atomic
def badge_award(
    *,
    user_ids: Collection[int],
    code: str,
    source_type: str = "",
    source_id: str = "",
    now: datetime | None = None,
) -> int:
    """Award badge ``code`` to these users (those who have it already are left alone).
    Returns how many new awards were made."""
    rule = _rules.get(code)
    if rule is None:
        raise ValueError(f"unknown badge {code!r}")
    if not user_ids:
        return 0
    badge = _badge_row(rule)
    now = now or timezone.now()
    have = set(
        BadgeAward.objects.filter(badge=badge, user_id__in=list(user_ids)).values_list(
            "user_id", flat=True
        )
    )
    new = [
        BadgeAward(
            user_id=user_id,
            badge=badge,
            awarded_at=now,
            source_type=source_type[:32],
            source_id=str(source_id)[:64],
        )
        for user_id in sorted(set(user_ids) - have)
    ]
    BadgeAward.objects.bulk_create(new, ignore_conflicts=True, batch_size=2000)
    return len(new)


def _run(rule: BadgeRule, user_ids: Collection[int] | None, now: datetime) -> int:
    try:
        with transaction.atomic():  # a savepoint: a failing rule leaves the caller's work
            qualified = set(rule.check(user_ids))
    except Exception:  # one broken rule never stops the others
        logger.exception("badge rule %s failed", rule.code)
        return 0
    if user_ids is not None:
        qualified &= set(user_ids)
    if not qualified:
        return 0
    return badge_award(user_ids=qualified, code=rule.code, source_type="rule", now=now)


def badges_pass(*, now: datetime | None = None) -> int:
    """Check every rule for everyone; award what is due. Returns the new awards."""
    now = now or timezone.now()
    return sum(_run(rule, None, now) for rule in badge_rules())


def badges_check(user, *, now: datetime | None = None) -> int:
    """Check every rule for one user (after an event of theirs). Returns the new awards."""
    if user is None or not getattr(user, "pk", None):
        return 0
    now = now or timezone.now()
    # Awards are never taken back: a rule whose badge the user holds has nothing to do (one
    # query here instead of a check, a look-up and an award query per held badge; a forum
    # vote or post runs this for its members).
    held = set(BadgeAward.objects.filter(user_id=user.pk).values_list("badge__code", flat=True))
    return sum(_run(rule, [user.pk], now) for rule in badge_rules() if rule.code not in held)


def _shown(award: BadgeAward) -> BadgeAward:
    """The award with ``code``, ``name``, ``description`` and ``icon`` set from its rule (in
    the current language) or, for a rule no longer registered, from its ``Badge`` row."""
    rule = _rules.get(award.badge.code)
    award.code = award.badge.code
    award.name = str(rule.name) if rule else award.badge.name
    award.description = str(rule.description) if rule else award.badge.description
    award.icon = award.badge.icon
    return award


def badges_of(user) -> list[BadgeAward]:
    """The badges a user holds (``BadgeAward`` rows with their ``badge``, plus ``code``,
    ``name``, ``description``, ``icon`` in the current language), newest first."""
    if user is None or not getattr(user, "pk", None):
        return []
    awards = BadgeAward.objects.filter(user_id=user.pk).select_related("badge")
    return [_shown(award) for award in awards.order_by("-awarded_at", "-pk")]


def badges_by_user(user_ids: Iterable[int]) -> dict[int, list[BadgeAward]]:
    """Badges of many users at once (the authors on a forum page): one query."""
    ids = {pk for pk in user_ids if pk}
    found: dict[int, list[BadgeAward]] = {}
    if not ids:
        return found
    awards = BadgeAward.objects.filter(user_id__in=ids).select_related("badge")
    for award in awards.order_by("awarded_at", "pk"):
        found.setdefault(award.user_id, []).append(_shown(award))
    return found
