"""What a tier is worth elsewhere in the product, through the seams of lower floors:

- SLA: a tier's own policy (``Tier.sla_policy``; usually an inactive one, so that it is never
  chosen by priority for everyone, like insights' follow-up policy) is chosen for its
  customers' tickets of that policy's priority or lower (a more urgent ticket keeps the
  general policy of its priority),
  and ``Tier.sla_factor`` shortens the targets of whatever policy applies
  (``tickets.services.sla``'s resolver and target-factor registries);
- priority: a new ticket's default priority is raised by ``Tier.priority_boost`` steps
  (``tickets.services.defaults``), only when nobody chose one;
- the desk: a "Loyalty" section in the customer panel (tier, balance, badges and why the
  SLA targets are what they are) and a tier badge next to the customer's name;
- rewards: ``Reward.min_tier`` (checked by the rewards service).
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loyalty.models import Account, Tier
from portal.badges import badges_of
from portal.models import Customer
from portal.services.memo import memoized, run_memo


def _tier_of_customer_id(customer_id: int | None) -> Tier | None:
    """The customer's tier (with its SLA policy): opening a ticket asks three times
    (priority, policy, factor), read once per batch run (a chunk of inbound email)."""
    if customer_id is None:
        return None

    def read() -> Tier | None:
        tiers = Tier.objects.filter(accounts__customer_id=customer_id)
        return tiers.select_related("sla_policy__calendar").first()

    return memoized(("loyalty.tier", customer_id), read)


def tier_sla_policy(ticket):
    """``sla_policy_resolver_register``: the customer's tier's own policy, for tickets of its
    priority or lower; None otherwise (the usual choice applies)."""
    tier = _tier_of_customer_id(ticket.customer_id)
    policy = tier.sla_policy if tier else None
    if policy is None or ticket.priority > policy.priority:
        return None
    return policy


def tier_sla_factor(ticket) -> Decimal | None:
    """``sla_target_factor_register``: the tier's factor (1 or more: none)."""
    tier = _tier_of_customer_id(ticket.customer_id)
    if tier is None or tier.sla_factor >= 1:
        return None
    return tier.sla_factor


def tier_priority(customer: Customer, priority: int) -> int:
    """``ticket_priority_adjuster_register``: raise the default by the tier's boost."""
    tier = _tier_of_customer_id(customer.pk)
    return priority + tier.priority_boost if tier else priority


def tier_badge_html(tier: Tier | None) -> str:
    if tier is None:
        return ""
    # The tier's colour as an SVG fill (a presentation attribute): a style attribute would be
    # blocked by the security policy (style-src 'self'), a console error on every desk ticket.
    return format_html(
        '<span class="badge loyalty-tier-badge" title="{}"><svg class="tier-dot" width="10" '
        'height="10" viewBox="0 0 10 10" aria-hidden="true" focusable="false">'
        '<circle cx="5" cy="5" r="5" fill="{}"/></svg> {}</span>',
        _("Loyalty tier"),
        tier.colour,
        tier.name,
    )


def sla_explanation(ticket, tier: Tier | None) -> str:
    """Why the ticket's targets are what they are, in one sentence for the agent."""
    from tickets.services.sla import sla_target_factor

    policy = ticket.sla_policy
    if policy is None:
        return _("No SLA policy applies to this ticket.")
    factor = sla_target_factor(ticket=ticket)
    first = policy.first_response_minutes
    resolution = policy.resolution_minutes
    parts = []
    if tier is not None and tier.sla_policy_id == policy.pk:
        parts.append(
            _("Policy “%(policy)s” is the %(tier)s tier's own policy.")
            % {"policy": policy.name, "tier": tier.name}
        )
    else:
        parts.append(
            _("Policy “%(policy)s” applies to %(priority)s tickets.")
            % {"policy": policy.name, "priority": policy.get_priority_display().lower()}
        )
    if factor < 1:
        parts.append(
            _(
                "The %(tier)s tier multiplies the targets by %(factor)s: first response "
                "%(first)d → %(first_now)d, resolution %(res)d → %(res_now)d business minutes."
            )
            % {
                "factor": f"{factor:g}",
                "tier": tier.name if tier else "?",
                "first": first,
                "first_now": round(first * factor),
                "res": resolution,
                "res_now": round(resolution * factor),
            }
        )
    else:
        parts.append(
            _("Targets: first response %(first)d, resolution %(res)d business minutes.")
            % {"first": first, "res": resolution}
        )
    if tier is not None and tier.priority_boost:
        parts.append(
            _("New tickets from %(tier)s customers open %(steps)d priority step(s) higher.")
            % {"tier": tier.name, "steps": tier.priority_boost}
        )
    return " ".join(parts)


def panel_context(panel) -> dict | None:
    customer = panel.customer
    if customer is None:
        return None
    account = Account.objects.filter(customer=customer).select_related("tier").first()
    if account is not None:
        tier = account.tier
    else:  # no points yet: the entry tier every account starts in
        tier = Tier.objects.filter(threshold=0).order_by("rank").first()
    with run_memo():
        # The SLA factor asks for the customer's tier again: it is the account's, read above.
        memoized(("loyalty.tier", customer.pk), lambda: account.tier if account else None)
        sla_why = sla_explanation(panel.ticket, tier)
    return {
        "account": account,
        "tier": tier,
        "name_badge": tier_badge_html(tier),
        "badges": badges_of(customer.user) if customer.user_id else [],
        "sla_why": sla_why,
    }


def register_benefits() -> None:
    from tickets.panels import PanelSection, register
    from tickets.services.defaults import ticket_priority_adjuster_register
    from tickets.services.sla import sla_policy_resolver_register, sla_target_factor_register

    sla_policy_resolver_register(tier_sla_policy)
    sla_target_factor_register(tier_sla_factor)
    ticket_priority_adjuster_register(tier_priority)
    register(
        PanelSection(
            key="loyalty",
            title=gettext_lazy("Loyalty"),
            template="loyalty/desk/panel.html",
            context=panel_context,
            order=5,
        )
    )
