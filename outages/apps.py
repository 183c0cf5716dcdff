from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutagesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "outages"
    verbose_name = _("Outages")
    demo_seed = "outages.demo.seed"

    def ready(self) -> None:
        from .panels import register_panel

        register_panel()
