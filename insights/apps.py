from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "insights"
    verbose_name = _("Insights")
    periodic_tasks = (
        "insights.tasks.surveys_send_task",
        "insights.tasks.insights_rollup_task",
        "insights.tasks.clv_fit_task",  # once a day: it does nothing while the last fit is fresh
        "insights.tasks.followups_task",
    )
    demo_seed = "insights.demo.seed"

    def ready(self) -> None:
        from insights.followup_panel import register_followup_panel
        from insights.panels import register_panel
        from insights.services.followups import register_sla
        from tickets.desk_nav import register as register_desk_nav

        register_panel()
        register_followup_panel()
        register_sla()
        register_desk_nav("at_risk", _("At-risk customers"), "insights_desk:at_risk", order=30)
