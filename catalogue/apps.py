from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "catalogue"
    verbose_name = _("Service catalogue")
    periodic_tasks = ("catalogue.tasks.catalogue_tick_task",)
    demo_seed = "catalogue.demo.seed"

    def ready(self) -> None:
        from catalogue import (
            automations,  # noqa: F401 - registers the built-in automations
            search,
        )

        search.register_source()
