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
