"""The community's badge rules, registered in ``portal.badges`` (one mechanism for every app's
badges; awards live in ``portal.BadgeAward``). Checked on events (a post published, a vote, an
accepted answer: ``badges_refresh``) and by the periodic badge pass."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from community.models import MemberProfile, Vote
from portal.badges import badge_rule_register, badges_check

HELPFUL_VOTES = 10


def _profiles_where(condition: Q) -> Callable[[Collection[int] | None], Iterable[int]]:
    def check(user_ids: Collection[int] | None) -> Iterable[int]:
        profiles = MemberProfile.objects.filter(condition)
        if user_ids is not None:
            profiles = profiles.filter(user_id__in=list(user_ids))
        return profiles.values_list("user_id", flat=True)

    return check


def helpful_voter(user_ids: Collection[int] | None) -> Iterable[int]:
    """Members with ten upvotes on other members' posts (a vote taken back does not count:
    only standing votes are rows)."""
    votes = Vote.objects.filter(value=Vote.Value.UP)
    if user_ids is not None:
        votes = votes.filter(voter_id__in=list(user_ids))
    return (
        votes.values("voter_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=HELPFUL_VOTES)
        .values_list("voter_id", flat=True)
    )


RULES = (
    ("first-question", _("Curious"), _("Asked a first question"), Q(question_count__gte=1), "❓"),
    (
        "first-answer",
        _("First answer"),
        _("Answered a first question"),
        Q(answer_count__gte=1),
        "💬",
    ),
    ("helper", _("Helper"), _("Ten answers"), Q(answer_count__gte=10), "🙌"),
    ("accepted", _("Problem solver"), _("An answer accepted"), Q(accepted_count__gte=1), "✅"),
    ("accepted-10", _("Accepted x10"), _("Ten accepted answers"), Q(accepted_count__gte=10), "🏅"),
    ("respected", _("Respected"), _("100 reputation"), Q(reputation__gte=100), "👍"),
    ("expert", _("Expert"), _("1,000 reputation"), Q(reputation__gte=1000), "🎓"),
)


def register_rules() -> None:
    for order, (code, name, description, condition, icon) in enumerate(RULES, start=30):
        badge_rule_register(
            code,
            name,
            description,
            _profiles_where(condition),
            icon=icon,
            app_label="community",
            order=order,
        )
    badge_rule_register(
        "helpful-voter",
        _("Helpful voter"),
        _("Ten upvotes given"),
        helpful_voter,
        icon="🗳️",
        app_label="community",
        order=40,
    )


def badges_refresh(*users) -> None:
    """Check these members' badges now, in the caller's transaction (after the counters the
    rules read have changed): a badge comes with the post, vote or accept that earned it."""
    for user in users:
        if user is not None and getattr(user, "pk", None):
            badges_check(user)
