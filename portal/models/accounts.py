"""Users, organisations, teams and customers.

``User`` is the login (email, no username). ``Customer`` is the customer record the
business knows (a ``customer_ref`` from the shop, purchases, subscriptions); it may exist
without a login (created by a purchase import) and is linked to a user at signup.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal import roles
from portal.selectors import person_or_none

NOTIFICATION_DEFAULTS: dict[str, bool] = {
    "email_ticket_updates": True,
    "email_request_updates": True,
    "email_outage_notices": True,
    "email_community_digest": False,
    "email_surveys": True,
    # In-portal notifications and the agents' topics (portal.models.notifications.TOPICS):
    "web_ticket_updates": True,
    "web_outage_notices": True,
    "web_request_updates": True,
    "web_community_digest": True,
    # Per-topic email delivery for topics that offer a digest (Topic.digest): True sends the
    # topic's emails batched into one periodic digest, False one email per event.
    "digest_community_digest": True,
    "email_community_mentions": True,
    "web_community_mentions": True,
    "web_surveys": True,
    "email_loyalty": True,
    "web_loyalty": True,
    "email_desk_new_tickets": False,
    "web_desk_new_tickets": True,
    "email_desk_customer_replies": True,
    "web_desk_customer_replies": True,
    "email_desk_assignments": True,
    "web_desk_assignments": True,
    "email_desk_escalations": True,
    "web_desk_escalations": True,
}


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    notification_preferences = models.JSONField(
        _("notification preferences"), default=dict, blank=True
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.email

    # Wagtail and Django admin display names
    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email.split("@")[0]

    def wants(self, preference: str) -> bool:
        """Whether the user wants a kind of notification (defaults in NOTIFICATION_DEFAULTS)."""
        if preference not in NOTIFICATION_DEFAULTS:
            raise KeyError(preference)
        return bool(
            self.notification_preferences.get(preference, NOTIFICATION_DEFAULTS[preference])
        )

    @property
    def role(self) -> str:
        return roles.role_of(self)

    @property
    def is_agent(self) -> bool:
        return roles.is_agent(self)

    @property
    def is_moderator(self) -> bool:
        return roles.is_moderator(self)

    @property
    def is_portal_admin(self) -> bool:
        return roles.is_admin(self)


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    share_tickets = models.BooleanField(
        _("members see each other's tickets"),
        default=False,
        help_text=_("When on, every member can see and follow the organisation's tickets."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """A group of agents that owns queues (tickets issue)."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("team lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_teams",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members"), blank=True, related_name="teams"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class CustomerQuerySet(models.QuerySet):
    def visible_to(self, user) -> CustomerQuerySet:
        """Agents and admins see every customer; a customer sees their own record,
        and an organisation admin sees the members of their organisation."""
        user = person_or_none(user)
        if user is None:
            return self.none()
        if roles.is_agent(user):
            return self
        own = getattr(user, "customer", None)
        if own is None:
            return self.none()
        if own.is_org_admin and own.organisation_id:
            return self.filter(Q(pk=own.pk) | Q(organisation_id=own.organisation_id))
        return self.filter(pk=own.pk)


class Customer(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customer",
    )
    customer_ref = models.CharField(
        _("customer reference"),
        max_length=64,
        unique=True,
        help_text=_("The identifier other systems (shop, billing, CRM) use for this customer."),
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True, db_index=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    is_org_admin = models.BooleanField(_("organisation admin"), default=False)
    language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    consent_surveys = models.BooleanField(_("may receive surveys"), default=True)
    consent_marketing = models.BooleanField(_("may receive marketing"), default=False)
    created_at = models.DateTimeField(_("customer since"), auto_now_add=True, db_index=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.CheckConstraint(
                condition=Q(is_org_admin=False) | Q(organisation__isnull=False),
                name="customer_org_admin_needs_organisation",
            )
        ]

    def __str__(self) -> str:
        return self.name or self.email or self.customer_ref

    @property
    def display_name(self) -> str:
        return str(self)
