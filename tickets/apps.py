from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Tickets")
    periodic_tasks = ("tickets.tasks.sla_tick_task", "tickets.tasks.mail_fetch_task")
    demo_seed = "tickets.demo.seed"
    demo_label = "tickets created"  # seed_demo prints "tickets created: <summary>"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from portal import roles
        from tickets.desk_nav import register

        # The desk's navigation (tickets.desk_nav): outages and insights add theirs.
        register("queue", _("Queue"), "desk:index", order=10)
        register("saved_views", _("Saved views"), "desk:index", order=40, fragment="saved-views")
        register(
            "canned_replies",
            _("Canned replies"),
            "support_canned_replies:index",  # the Wagtail admin's, admins only
            order=50,
            permission=roles.is_admin,
        )
