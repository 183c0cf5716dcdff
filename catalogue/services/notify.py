"""Who hears about a service request (``portal.services.notifications``, topic
``request_updates``): the customer when it is fulfilled, failed or rejected; the
organisation's admins when a member's request waits for their approval. Event keys are
stable, so each goes out once per recipient."""

from __future__ import annotations

from django.utils.text import Truncator
from django.utils.translation import gettext as _

from catalogue.models import RequestStatus, ServiceRequest
from portal.models import Customer, User
from portal.services.notifications import NotificationContent, notify


def request_finished(*, request: ServiceRequest) -> None:
    user = request.customer.user
    if user is None:
        return
    status = request.status

    def content(recipient: User) -> NotificationContent:
        values = {"number": request.number, "item": request.item.tr.name}
        if status == RequestStatus.FULFILLED:
            title = _("[%(number)s] Done: %(item)s") % values
            body = request.result
        elif status == RequestStatus.REJECTED:
            title = _("[%(number)s] Not approved: %(item)s") % values
            body = request.result or _("Your organisation's admin did not approve the request.")
        else:
            title = _("[%(number)s] We are on it: %(item)s") % values
            body = _(
                "We could not complete your request automatically. Our team has it now "
                "and will finish it by hand."
            )
        return NotificationContent(
            title=title, body=Truncator(body).chars(1000), url=request.get_absolute_url()
        )

    notify(
        event_key=f"catalogue:request:{request.pk}:{status}:{request.attempts}",
        kind=f"request.{status}",
        topic="request_updates",
        recipients=[user],
        content=content,
    )


def approval_needed(*, request: ServiceRequest) -> None:
    admins = User.objects.filter(
        customer__in=Customer.objects.filter(
            organisation_id=request.customer.organisation_id, is_org_admin=True
        ).exclude(pk=request.customer_id),
        is_active=True,
    )

    def content(recipient: User) -> NotificationContent:
        return NotificationContent(
            title=_("[%(number)s] Approval needed: %(item)s")
            % {"number": request.number, "item": request.item.tr.name},
            body=_("%(name)s asked for %(item)s. Approve or reject it on the request page.")
            % {"name": request.customer.display_name, "item": request.item.tr.name},
            url=request.get_absolute_url(),
        )

    notify(
        event_key=f"catalogue:request:{request.pk}:approval",
        kind="request.approval",
        topic="request_updates",
        recipients=list(admins),
        content=content,
    )
