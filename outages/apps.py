from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutagesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "outages"
    verbose_name = _("Outages")
    demo_seed = "outages.demo.seed"
    periodic_tasks = ("outages.tasks.incidents_auto_link_task",)

    def ready(self) -> None:
        from outages.panels import register_panel, register_ticket_page_section
        from outages.services import ticket_opened_received
        from outages.wallet import register as register_wallet
        from portal.signals import interaction_recorded
        from tickets.desk_nav import register as register_desk_nav

        register_panel()
        register_ticket_page_section()
        register_wallet()
        register_desk_nav("incidents", _("Incidents"), "outages_desk:list", order=20)
        # Promptness only: the periodic pass (incidents_auto_link) is the guarantee.
        interaction_recorded.connect(ticket_opened_received, dispatch_uid="outages-auto-link")
