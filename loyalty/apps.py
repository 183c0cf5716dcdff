from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoyaltyConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "loyalty"
    verbose_name = _("Loyalty")
    demo_seed = "loyalty.demo.seed"
    periodic_tasks = (
        "loyalty.tasks.loyalty_earning_task",
        "loyalty.tasks.loyalty_daily_task",
        "loyalty.tasks.loyalty_referrals_task",
        "loyalty.tasks.loyalty_expiry_task",
    )

    def ready(self) -> None:
        from loyalty.connect import connect

        connect()
        self._connect_earning()

    @staticmethod
    def _connect_earning() -> None:
        """Helper F's seams: the earning listener, the SLA and ticket-priority benefits of
        tiers, the desk panel and the loyalty badge rules."""
        from loyalty.benefits import register_benefits
        from loyalty.receivers import interaction_received
        from loyalty.services.badges import register_rules
        from portal.signals import interaction_recorded

        # Promptness only: loyalty_earning_task (periodic) is the guarantee.
        interaction_recorded.connect(interaction_received, dispatch_uid="loyalty-earning")
        register_benefits()
        register_rules()
