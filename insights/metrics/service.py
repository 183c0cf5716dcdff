"""Service metrics from the interaction log: self-service deflection, catalogue automation,
first-contact resolution, SLA compliance, community answer rate.

They read only interactions (other apps record them with these conventions):

- ``ticket_resolved`` carries ``metadata.first_contact_resolution`` (bool) and
  ``metadata.sla_met`` (bool, or null without an SLA policy), written by tickets;
- ``catalogue_fulfilled`` carries ``metadata.automated`` (true when no agent acted);
- community (``community.services.posting``): starting a thread records ``forum_post``
  with ``metadata.thread_kind``; an answer to a question records ``forum_answer`` and a
  reply in a discussion ``forum_post`` *without* ``thread_kind``; all target the thread.
"""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from insights.metrics import rollup
from insights.metrics.base import Period, Segment, metric, ratio
from insights.models import CommunityThread, RollupDay
from knowledgebase.models import Recontact
from portal.models import Interaction
from portal.models import InteractionKind as K


def _in(period: Period, segment: Segment, *kinds: str):
    return segment.on_interactions(
        Interaction.objects.filter(
            kind__in=kinds, occurred_at__gte=period.start_at, occurred_at__lt=period.end_at
        )
    )


@metric(
    "deflection_rate",
    label=_("Self-service deflection rate"),
    formula=_(
        "Of the times someone read a suggested article or opened a ticket, the share where "
        "the article was enough: no ticket then, and no ticket or request about the same "
        "product or subject in the days after (the re-contact window)."
    ),
    unit="rate",
    family="service",
)
def deflection_rate(period: Period, segment: Segment) -> float | None:
    """Deflection net of re-contacts = (D - R) / (D - R + T): D ``deflection`` interactions
    (someone read a suggested article and did not open the ticket), R those of them the
    customer came back from (``knowledgebase.Recontact``, read live: few rows), T tickets
    opened, in the period."""
    reversed_ = (
        _in(period, segment, K.DEFLECTION)
        .filter(Exists(Recontact.objects.filter(deflection=OuterRef("pk"))))
        .count()
    )
    if (rolled := rollup.kind_counts(period, segment)) is not None:
        deflected = rollup.count(rolled, K.DEFLECTION) - reversed_
        return ratio(deflected, deflected + rollup.count(rolled, K.TICKET_OPEN))
    counts = _in(period, segment, K.DEFLECTION, K.TICKET_OPEN).aggregate(
        deflected=Count("pk", filter=Q(kind=K.DEFLECTION)),
        opened=Count("pk", filter=Q(kind=K.TICKET_OPEN)),
    )
    deflected = counts["deflected"] - reversed_
    return ratio(deflected, deflected + counts["opened"])


@metric(
    "catalogue_automation_rate",
    label=_("Catalogue automation rate"),
    formula=_(
        "The share of service requests submitted in the period that were fulfilled automatically."
    ),
    unit="rate",
    family="service",
)
def catalogue_automation_rate(period: Period, segment: Segment) -> float | None:
    """Automation = fulfilled with ``metadata.automated`` true / requests submitted."""
    if (rolled := rollup.kind_counts(period, segment)) is not None:
        return ratio(
            rollup.count(rolled, K.CATALOGUE_FULFILLED, "automated"),
            rollup.count(rolled, K.CATALOGUE_REQUEST),
        )
    counts = _in(period, segment, K.CATALOGUE_REQUEST, K.CATALOGUE_FULFILLED).aggregate(
        submitted=Count("pk", filter=Q(kind=K.CATALOGUE_REQUEST)),
        automated=Count("pk", filter=Q(kind=K.CATALOGUE_FULFILLED, metadata__automated=True)),
    )
    return ratio(counts["automated"], counts["submitted"])


@metric(
    "first_contact_resolution",
    label=_("First-contact resolution"),
    formula=_(
        "The share of tickets resolved in the period with at most one agent reply and "
        "never reopened."
    ),
    unit="rate",
    family="service",
)
def first_contact_resolution(period: Period, segment: Segment) -> float | None:
    """FCR = resolutions with ``metadata.first_contact_resolution`` / resolutions."""
    if (rolled := rollup.kind_counts(period, segment)) is not None:
        return ratio(
            rollup.count(rolled, K.TICKET_RESOLVED, "first_contact"),
            rollup.count(rolled, K.TICKET_RESOLVED),
        )
    counts = _in(period, segment, K.TICKET_RESOLVED).aggregate(
        resolved=Count("pk"),
        first=Count("pk", filter=Q(metadata__first_contact_resolution=True)),
    )
    return ratio(counts["first"], counts["resolved"])


@metric(
    "sla_compliance",
    label=_("SLA compliance"),
    formula=_(
        "Of the tickets resolved in the period that had an SLA, the share resolved within it."
    ),
    unit="rate",
    family="service",
)
def sla_compliance(period: Period, segment: Segment) -> float | None:
    """SLA compliance = resolutions with ``metadata.sla_met`` true / resolutions where it is
    true or false (tickets without a policy do not count)."""
    if (rolled := rollup.kind_counts(period, segment)) is not None:
        met = rollup.count(rolled, K.TICKET_RESOLVED, "sla_met")
        return ratio(met, met + rollup.count(rolled, K.TICKET_RESOLVED, "sla_missed"))
    counts = _in(period, segment, K.TICKET_RESOLVED).aggregate(
        met=Count("pk", filter=Q(metadata__sla_met=True)),
        missed=Count("pk", filter=Q(metadata__sla_met=False)),
    )
    return ratio(counts["met"], counts["met"] + counts["missed"])


@metric(
    "community_answer_rate",
    label=_("Community answer rate"),
    formula=_(
        "The share of community threads started in the period that got an answer (or, for a "
        "discussion, a reply)."
    ),
    unit="rate",
    family="service",
)
def community_answer_rate(period: Period, segment: Segment) -> float | None:
    """Answer rate = threads started in the period (``forum_post`` with ``thread_kind``)
    with at least one answer on the same thread any time up to now (``forum_answer``, or a
    reply in a discussion: ``forum_post`` without ``thread_kind``) / threads started."""
    if (parts := rollup.usable(period, segment)) is not None:
        threads, answered = _threads_rolled(*parts, segment)
    else:
        threads, answered = _threads_live(period, segment)
    return ratio(answered, threads)


#: A thread's first post, and an answer to it (also what the rollup's ``CommunityThread``
#: rows are made of).
THREAD_STARTED = Q(kind=K.FORUM_POST, metadata__has_key="thread_kind")
THREAD_ANSWER = Q(kind=K.FORUM_ANSWER) | (
    Q(kind=K.FORUM_POST) & ~Q(metadata__has_key="thread_kind")
)


def _answers():
    return Interaction.objects.filter(THREAD_ANSWER)


def _threads_live(period: Period, segment: Segment) -> tuple[int, int]:
    answers = _answers().filter(
        target_type=OuterRef("target_type"), target_id=OuterRef("target_id")
    )
    counts = (
        _in(period, segment, K.FORUM_POST)
        .filter(THREAD_STARTED)
        .exclude(target_id="")
        .aggregate(threads=Count("pk"), answered=Count("pk", filter=Q(Exists(answers))))
    )
    return counts["threads"], counts["answered"]


def _threads_rolled(rolled: Period, live: Period | None, segment: Segment) -> tuple[int, int]:
    """Threads started on rolled-up days from ``CommunityThread`` (answered by yesterday,
    or today: live); threads started today live."""
    threads = CommunityThread.objects.filter(
        started_on__gte=rolled.start, started_on__lte=rolled.end
    )
    if segment.channel:
        threads = threads.filter(channel=segment.channel)
    counts = threads.aggregate(
        threads=Count("pk"), answered=Count("pk", filter=Q(answered_on__isnull=False))
    )
    started, answered = counts["threads"], counts["answered"]
    # ``answered_on`` covers answers up to the latest rolled-up day; later ones (today's)
    # are looked up live, whatever the period
    latest = RollupDay.objects.order_by("-day").values_list("day", flat=True).first()
    after = Period(latest, latest).end_at
    later = _answers().filter(
        occurred_at__gte=after,
        target_type_id=OuterRef("target_type_id"),
        target_id=OuterRef("target_id"),
    )
    answered += threads.filter(answered_on__isnull=True).filter(Exists(later)).count()
    if live is not None:
        more, more_answered = _threads_live(live, segment)
        started, answered = started + more, answered + more_answered
    return started, answered
