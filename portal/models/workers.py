"""Task workers' heartbeats: the lease that lets a dead worker's task run again.

Each ``manage.py worker`` process records that it is alive every few seconds
(``TASKS_HEARTBEAT_SECONDS``). A task that is RUNNING under a worker not seen for
``TASKS_LEASE_SECONDS`` is put back in its queue by ``portal.worker.tasks_recover``;
``/healthz`` reports how long ago any worker was seen.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.selectors import person_or_none


class WorkerHeartbeatQuerySet(models.QuerySet):
    def visible_to(self, user) -> WorkerHeartbeatQuerySet:
        from portal import roles

        user = person_or_none(user)
        if user is not None and roles.is_admin(user):
            return self
        return self.none()


class WorkerHeartbeat(models.Model):
    worker_id = models.CharField(_("worker id"), max_length=64, unique=True)
    queue_names = models.CharField(_("queues"), max_length=200, blank=True)
    started_at = models.DateTimeField(_("started at"))
    seen_at = models.DateTimeField(_("last seen at"), db_index=True)

    objects = WorkerHeartbeatQuerySet.as_manager()

    class Meta:
        verbose_name = _("task worker")
        verbose_name_plural = _("task workers")
        ordering = ["-seen_at"]

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.queue_names})"
