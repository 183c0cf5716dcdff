from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def ensure_role_groups(sender, using="default", **kwargs) -> None:
    """Create the role groups after migrations; admins may enter the Wagtail admin."""
    from django.contrib.auth.models import Group, Permission

    from portal import roles

    for name in roles.ROLE_GROUPS:
        Group.objects.using(using).get_or_create(name=name)
    access_admin = (
        Permission.objects.using(using)
        .filter(content_type__app_label="wagtailadmin", codename="access_admin")
        .first()
    )
    if access_admin is not None:
        Group.objects.using(using).get(name=roles.ADMINS).permissions.add(access_admin)


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")
    default_auto_field = "django.db.models.BigAutoField"
    #: Run by ``manage.py tick``: the lease pass (tasks of dead workers back in their queue,
    #: portal.worker); idempotency keys older than a day are deleted.
    periodic_tasks = (
        "portal.tasks.tasks_recover_task",
        "portal.tasks.idempotency_keys_expire_task",
    )

    def ready(self) -> None:
        from allauth.account.signals import user_signed_up
        from django.contrib.auth.signals import user_logged_in
        from django.db.backends.signals import connection_created

        from portal import accounts, checks  # noqa: F401 (checks: registers the system checks)
        from portal.converters import register as register_url_converters
        from portal.usercache import tracking

        register_url_converters()  # <id:...> in URLs: bounded ids (portal/converters.py)

        user_signed_up.connect(accounts.on_user_signed_up, dispatch_uid="portal-signup")
        user_logged_in.connect(accounts.on_user_logged_in, dispatch_uid="portal-login")
        post_migrate.connect(ensure_role_groups, dispatch_uid="portal-role-groups")
        # Every write on every connection changes its tables' versions (portal/usercache).
        connection_created.connect(tracking.install, dispatch_uid="portal-table-versions")
