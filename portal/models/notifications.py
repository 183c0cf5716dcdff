"""Notifications any app can send: an in-portal list per user and deliveries by email.

``Notification`` is what a user sees at /me/notifications/ (read or unread).
``NotificationDelivery`` is one (event, recipient, channel): the unique constraint makes every
notification go out exactly once, however often the sending code or the task runs. Topics
(what a user can switch on and off, per channel) are listed in ``TOPICS``; the preference keys
``<channel>_<topic>`` live in ``User.notification_preferences`` (defaults in
``portal.models.accounts.NOTIFICATION_DEFAULTS``). Send with
``portal.services.notifications.notify``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.selectors import person_or_none

CHANNELS = ("email", "web")


@dataclass(frozen=True)
class Topic:
    key: str
    label: str
    audience: str  # "customer", "agent" or "all"
    help: str = ""
    # The owning app can batch this topic's emails into a digest; the member chooses
    # (preference ``digest_<key>``: True for the digest, False for one email per event).
    digest: bool = False


TOPICS: tuple[Topic, ...] = (
    Topic(
        "ticket_updates",
        _("My tickets: replies from support and status changes"),
        "customer",
    ),
    Topic(
        "desk_new_tickets",
        _("New tickets in my team's queues"),
        "agent",
    ),
    Topic(
        "desk_customer_replies",
        _("Customer replies on tickets I am assigned to (or my queues' unassigned ones)"),
        "agent",
    ),
    Topic("desk_assignments", _("Tickets assigned to me by someone else"), "agent"),
    Topic(
        "desk_escalations",
        _("SLA warnings and breaches on my tickets and my team's"),
        "agent",
    ),
    # email-only topics (their switches are also on the profile page)
    Topic("request_updates", _("My service requests change status"), "customer"),
    Topic("outage_notices", _("Outages that affect my services"), "customer"),
    Topic("community_digest", _("New answers in community threads I follow"), "all", digest=True),
    Topic("community_mentions", _("Someone mentions me in the community"), "all"),
    Topic("surveys", _("Feedback requests after a ticket or request"), "customer"),
    Topic("loyalty", _("My loyalty points: points about to expire"), "customer"),
)


def topics_for(user) -> list[Topic]:
    """The topics a user can receive: customers' topics if they have a customer record,
    agents' topics if they work the desk."""
    from portal import roles

    audiences = {"all"}
    if getattr(user, "customer", None) is not None:
        audiences.add("customer")
    if roles.is_agent(user):
        audiences.add("agent")
    return [topic for topic in TOPICS if topic.audience in audiences]


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, user) -> NotificationQuerySet:
        user = person_or_none(user)
        if user is None:
            return self.none()
        return self.filter(user=user)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=64)
    event_key = models.CharField(max_length=150)
    title = models.CharField(_("title"), max_length=200)
    body = models.CharField(_("text"), max_length=500, blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["user", "event_key"], name="notification_once")
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_user_time"),
            models.Index(
                fields=["user"],
                condition=models.Q(read_at__isnull=True),
                name="notification_user_unread",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class NotificationDelivery(models.Model):
    """One notification to one recipient on one channel; sent at most once (``status``).

    An email goes ``pending`` -> ``sending`` (committed just before it is handed to the mail
    server, ``sending_since``) -> ``sent`` (committed just after), or back to ``pending`` with
    ``last_error`` when the mail server refused it (``failed`` after the last attempt). A row
    left ``sending`` belongs to a worker that died while handing it over: it is sent once
    more (``resent_after_crash``), and failed if that happens again (see
    ``portal.services.notifications``)."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        WEB = "web", _("In the portal")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    event_key = models.CharField(max_length=150)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_deliveries"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    kind = models.CharField(max_length=64)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_address = models.EmailField(blank=True)
    reply_to = models.EmailField(blank=True)
    subject = models.CharField(max_length=250, blank=True)
    body = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    sending_since = models.DateTimeField(null=True, blank=True)
    resent_after_crash = models.BooleanField(default=False, db_default=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification delivery")
        verbose_name_plural = _("notification deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["event_key", "recipient", "channel"], name="notification_delivery_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(status="pending"),
                name="notification_delivery_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_key} → {self.recipient_id} ({self.channel})"
