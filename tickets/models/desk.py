"""The agents' tools: saved views of the queue and canned replies."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.selectors import person_or_none


class SavedViewQuerySet(models.QuerySet):
    def visible_to(self, user) -> SavedViewQuerySet:
        from portal import roles

        user = person_or_none(user)
        if user is None or not roles.is_agent(user):
            return self.none()
        return self.filter(Q(owner=user) | Q(is_shared=True))


class SavedView(models.Model):
    """A named set of desk filters (stored as the query string of the desk's filter form)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ticket_views"
    )
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(_("filters"), max_length=500, blank=True)
    is_shared = models.BooleanField(_("shared with every agent"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = SavedViewQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_view_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class CannedReplyQuerySet(models.QuerySet):
    def visible_to(self, user) -> CannedReplyQuerySet:
        from portal import roles

        user = person_or_none(user)
        if user is None or not roles.is_agent(user):
            return self.none()
        return self.filter(is_active=True).filter(
            Q(team__isnull=True) | Q(team__in=user.teams.values("pk"))
        )


class CannedReply(models.Model):
    """A reply template. Placeholders such as ``{{ customer.name }}`` are filled in by
    ``tickets.services.canned.canned_reply_render`` (a fixed list; not a template language)."""

    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(
        _("text"),
        help_text=_(
            "Markdown. Placeholders: {{ customer.name }}, {{ customer.first_name }}, "
            "{{ organisation.name }}, {{ ticket.number }}, {{ ticket.subject }}, "
            "{{ agent.name }}, {{ agent.first_name }}."
        ),
    )
    team = models.ForeignKey(
        "portal.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="canned_replies",
        help_text=_("Leave empty to offer it to every agent."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = CannedReplyQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")

    def __str__(self) -> str:
        return self.title
