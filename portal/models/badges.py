"""Badges: awarded once per user, by rules each app registers in ``portal.badges``. In the
portal because community and loyalty (peers) both award and show them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Badge(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    description = models.CharField(_("description"), max_length=200, blank=True)
    icon = models.CharField(_("icon"), max_length=8, blank=True)
    app_label = models.CharField(_("app"), max_length=40, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("badge")
        verbose_name_plural = _("badges")

    def __str__(self) -> str:
        return self.name


class BadgeAward(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="badge_awards",
        db_index=False,  # the (user, badge) constraint starts with it
    )
    badge = models.ForeignKey(Badge, on_delete=models.CASCADE, related_name="awards")
    awarded_at = models.DateTimeField(_("awarded at"))
    source_type = models.CharField(_("source type"), max_length=32, blank=True)
    source_id = models.CharField(_("source id"), max_length=64, blank=True)

    class Meta:
        ordering = ["-awarded_at", "-pk"]
        verbose_name = _("badge award")
        verbose_name_plural = _("badge awards")
        constraints = [models.UniqueConstraint(fields=["user", "badge"], name="badge_award_once")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.badge_id}"
