from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "community"
    verbose_name = _("Community")
    demo_seed = "community.demo.seed"
    periodic_tasks = ("community.tasks.digests_send_task",)

    def ready(self) -> None:
        from community.badges import register_rules
        from community.search import register_source

        register_source()
        register_rules()
