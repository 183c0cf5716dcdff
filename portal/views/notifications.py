"""/me/notifications/: the in-portal notification list and the notification settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.forms import NotificationSettingsForm
from portal.models import Notification
from portal.services.notifications import (
    notification_preferences_update,
    notifications_mark_read,
)

PER_PAGE = 25


@login_required
@require_GET
def notification_list(request):
    notifications = Notification.objects.visible_to(request.user)
    page = Paginator(notifications, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/notifications.html",
        {"page_obj": page, "notifications": page.object_list},
    )


@login_required
@require_GET
def notification_open(request, pk: int):
    """Mark one notification read and go where it points (a path in the portal)."""
    notification = get_object_or_404(Notification.objects.visible_to(request.user), pk=pk)
    notifications_mark_read(user=request.user, notification=notification)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("portal:notifications")


@login_required
@require_POST
def notifications_read(request):
    count = notifications_mark_read(user=request.user)
    messages.success(request, _("%(count)d notifications marked as read.") % {"count": count})
    return redirect("portal:notifications")


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request):
    if request.method == "POST":
        form = NotificationSettingsForm(request.POST, user=request.user)
        if form.is_valid():
            notification_preferences_update(user=request.user, preferences=form.preferences())
            messages.success(request, _("Your notification settings have been saved."))
            return redirect("portal:notification_settings")
        status = 400
    else:
        form = NotificationSettingsForm(
            initial=NotificationSettingsForm.initial_for(request.user), user=request.user
        )
        status = 200
    return render(request, "portal/notification_settings.html", {"form": form}, status=status)
