"""A service request's life: submit -> (awaiting approval) -> in progress -> fulfilled |
failed | rejected. Every transition is a ``RequestEvent`` (status, actor, time, note) and the
customer hears about the outcome (topic ``request_updates``).

- ``request_submit``: validates the answers with the item's form and the automation, stores
  the request once per (customer, idempotency key): a double click, a refresh, two tabs or a
  retried API call get the same request back. Fulfilment is queued after commit.
- ``request_approve`` / ``request_reject``: the organisation admin decides.
- ``request_fulfil``: run by ``catalogue.tasks.request_fulfil_task`` (never in a web request):
  the automation, or a ticket for a manual item. Retries are scheduled with back-off; a
  failure falls back to a ticket with the error and the answers.
- ``request_complete``: an agent marks a manual (or fallen-back) request fulfilled.
- ``requests_sync_tickets``: requests handed to agents are fulfilled when their ticket is
  resolved or closed (``manage.py catalogue_tick``, periodically).
- ``request_rerun``: an admin runs a failed automation again.
- ``request_email_confirm``: the link of the change-of-email automation.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalogue.automations import AutomationInputError, Result
from catalogue.forms import RequestForm
from catalogue.models import (
    CatalogueItem,
    RequestEvent,
    RequestStatus,
    ServiceRequest,
)
from catalogue.services import notify
from catalogue.services.errors import RequestConflict, RequestError, RequestInvalid
from catalogue.services.fallback import ticket_for_request
from portal import roles
from portal.models import Channel, Customer, InteractionKind, User
from portal.services.helpers import now_or
from portal.services.interactions import interaction_record

logger = logging.getLogger(__name__)
KEY_RE = re.compile(r"^[A-Za-z0-9_.:\-]{8,64}$")
RUNNABLE = (RequestStatus.SUBMITTED, RequestStatus.IN_PROGRESS)


class Waiting:
    """What an in-progress request waits for (``ServiceRequest.waiting_for``)."""

    NOTHING = ""
    RETRY = "retry"
    VERIFICATION = "verification"
    AGENT = "agent"


def _actor(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _event(request: ServiceRequest, status: str, *, actor=None, note: str = "", now: datetime):
    return RequestEvent.objects.create(
        request=request, status=status, actor=_actor(actor), note=note[:4000], created_at=now
    )


def _record(kind: str, request: ServiceRequest, actor, *, now: datetime, value=None, **meta):
    return interaction_record(
        kind=kind,
        channel=request.channel if request.channel in Channel.values else Channel.WEB,
        customer=request.customer,
        user=_actor(actor),
        target=request,
        value=value,
        metadata={"request": request.pk, "item": request.item.slug, **meta},
        occurred_at=now,
    )


def _lock(request_id: int) -> ServiceRequest | None:
    return (
        ServiceRequest.objects.select_for_update(of=("self",))
        .select_related("item", "customer", "customer__user")
        .filter(pk=request_id)
        .first()
    )


def _enqueue(request_id: int, *, delay: int = 0, retry: bool = False) -> None:
    def run() -> None:
        from catalogue.tasks import enqueue_fulfil

        enqueue_fulfil(request_id, delay=delay, retry=retry)

    transaction.on_commit(run)


def needs_approval(item: CatalogueItem, customer: Customer) -> bool:
    return bool(item.requires_approval and customer.organisation_id and not customer.is_org_admin)


# --- submit --------------------------------------------------------------------------------
@transaction.atomic
def request_submit(
    *,
    item: CatalogueItem,
    submitted_by: User,
    data: Mapping[str, Any],
    idempotency_key: str,
    json: bool = False,
    channel: str = Channel.WEB,
    now: datetime | None = None,
) -> tuple[ServiceRequest, bool]:
    """Submit a request for ``submitted_by``'s customer record. Returns (request, created):
    ``created`` is False when this idempotency key already made a request.

    Raises ``RequestInvalid`` (with ``form`` and ``errors``) for answers that do not pass,
    ``RequestConflict`` when the key was used for another item, ``PermissionDenied`` when the
    user may not request the item."""
    now = now_or(now)
    customer = getattr(submitted_by, "customer", None)
    if customer is None or roles.is_agent(submitted_by):
        raise PermissionDenied("Only customers submit service requests.")
    if not CatalogueItem.objects.requestable_by(submitted_by).filter(pk=item.pk).exists():
        raise PermissionDenied("This item is not available to you.")
    if not isinstance(idempotency_key, str) or not KEY_RE.match(idempotency_key):
        raise RequestError(
            _("The idempotency key must be 8 to 64 letters, digits or the characters _ . : -")
        )
    existing = ServiceRequest.objects.filter(customer=customer, idempotency_key=idempotency_key)
    found = existing.select_related("item").first()
    if found is not None:
        return _same(found, item), False

    if json:
        form = RequestForm.from_json(dict(data), item=item, customer=customer)
        unknown = form.unknown_keys(dict(data))
    else:
        form = RequestForm(data, item=item, customer=customer)
        unknown = []
    valid = form.is_valid()
    for key in unknown:
        form.add_error(None, _("Unknown field: %(key)s.") % {"key": key[:40]})
    if not valid or unknown:
        raise _invalid(form, json=json)
    request = ServiceRequest(
        item=item,
        customer=customer,
        submitted_by=submitted_by,
        data=form.answers(),
        status=RequestStatus.SUBMITTED,
        channel=channel,
        idempotency_key=idempotency_key,
        created_at=now,
        updated_at=now,
    )
    automation = item.automation
    if item.is_automated and automation is None:
        raise RequestError(_("This service is not available at the moment."))
    try:
        if automation is not None:
            automation.validate(request)
    except AutomationInputError as exc:
        # A concurrent submission with the same key may have acted in the meantime (blocked
        # the card this one checks): its request is the answer, as for a lost insert race.
        found = existing.select_related("item").first()
        if found is not None:
            return _same(found, item), False
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        raise _invalid(form, json=json) from exc

    try:
        with transaction.atomic():
            request.save(force_insert=True)
    except IntegrityError:
        # The same key won a race (another tab, a double click): that request is the answer.
        found = existing.select_related("item").first()
        if found is None:
            raise
        return _same(found, item), False

    _event(request, RequestStatus.SUBMITTED, actor=submitted_by, now=now)
    if automation is not None:
        try:
            note = automation.on_submit(request)
        except AutomationInputError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            raise _invalid(form, json=json) from exc
        if note:
            _event(request, RequestStatus.SUBMITTED, note=note, now=now)
    approval = needs_approval(item, customer)
    _record(
        InteractionKind.CATALOGUE_REQUEST,
        request,
        submitted_by,
        now=now,
        automated=item.is_automated,
        approval=approval,
    )
    if approval:
        request.status = RequestStatus.AWAITING_APPROVAL
        request.save(update_fields=["status"])
        _event(request, RequestStatus.AWAITING_APPROVAL, now=now)
        notify.approval_needed(request=request)
    else:
        _enqueue(request.pk)
    return request, True


def _same(found: ServiceRequest, item: CatalogueItem) -> ServiceRequest:
    if found.item_id != item.pk:
        raise RequestConflict(
            _("This idempotency key was already used for another request (%(number)s).")
            % {"number": found.number}
        )
    return found


def _invalid(form: RequestForm, *, json: bool = False) -> RequestInvalid:
    """Field errors by form key; for JSON answers (the API's ``data`` object) by
    ``data.<key>``, so the API root names the fields as the client sent them."""
    prefix = "data." if json else ""
    error = RequestInvalid(
        _("Please correct the answers marked below."),
        {
            key if key == NON_FIELD_ERRORS else f"{prefix}{key}": [str(m) for m in messages]
            for key, messages in form.errors.items()
        },
    )
    error.form = form
    return error


# --- approval ------------------------------------------------------------------------------
def _may_decide(request: ServiceRequest, actor) -> bool:
    customer = getattr(actor, "customer", None) if actor is not None else None
    return bool(
        customer is not None
        and customer.is_org_admin
        and customer.organisation_id
        and customer.organisation_id == request.customer.organisation_id
        and customer.pk != request.customer_id
    )


def _decision(request: ServiceRequest, actor) -> ServiceRequest:
    locked = _lock(request.pk)
    if locked is None:
        raise RequestConflict(_("This request no longer exists."))
    if not _may_decide(locked, actor):
        raise PermissionDenied("Only the organisation's admin approves its requests.")
    if locked.status != RequestStatus.AWAITING_APPROVAL:
        raise RequestConflict(
            _("This request was already decided (%(status)s).")
            % {"status": locked.get_status_display().lower()}
        )
    return locked


@transaction.atomic
def request_approve(
    *, request: ServiceRequest, actor: User, note: str = "", now: datetime | None = None
) -> ServiceRequest:
    now = now_or(now)
    request = _decision(request, actor)
    request.status = RequestStatus.IN_PROGRESS
    request.decided_by = actor
    request.started_at = now
    request.updated_at = now
    request.save(update_fields=["status", "decided_by", "started_at", "updated_at"])
    text = _("Approved by %(name)s.") % {"name": actor.get_full_name()}
    _event(request, RequestStatus.IN_PROGRESS, actor=actor, note=f"{text} {note}".strip(), now=now)
    _record(InteractionKind.CATALOGUE_APPROVAL, request, actor, now=now, decision="approved")
    _enqueue(request.pk)
    return request


@transaction.atomic
def request_reject(
    *, request: ServiceRequest, actor: User, reason: str = "", now: datetime | None = None
) -> ServiceRequest:
    now = now_or(now)
    reason = (reason or "").replace("\x00", "").strip()[:1000]
    request = _decision(request, actor)
    request.status = RequestStatus.REJECTED
    request.decided_by = actor
    request.completed_at = now
    request.updated_at = now
    request.result = reason
    request.save(update_fields=["status", "decided_by", "completed_at", "updated_at", "result"])
    text = _("Rejected by %(name)s.") % {"name": actor.get_full_name()}
    _event(request, RequestStatus.REJECTED, actor=actor, note=f"{text} {reason}".strip(), now=now)
    _record(InteractionKind.CATALOGUE_APPROVAL, request, actor, now=now, decision="rejected")
    notify.request_finished(request=request)
    return request


# --- fulfilment ----------------------------------------------------------------------------
@transaction.atomic
def request_fulfil(
    *, request_id: int, retry: bool = False, now: datetime | None = None
) -> ServiceRequest | None:
    """Run the request's fulfilment once (the background task calls this).

    The request row stays locked while the automation runs, so two workers never run the
    same request at once; a request that is done, awaiting approval, or waiting for something
    else (a verification, an agent, a scheduled retry when this is not that retry) is left
    alone. Returns the request (None if it no longer exists)."""
    given, now = now, now_or(now)
    request = _lock(request_id)
    if request is None or request.status not in RUNNABLE:
        return request
    waiting = request.waiting_for
    if waiting in (Waiting.VERIFICATION, Waiting.AGENT) or (waiting == Waiting.RETRY and not retry):
        return request
    if request.status == RequestStatus.SUBMITTED:
        request.status = RequestStatus.IN_PROGRESS
        request.started_at = now
        _event(request, RequestStatus.IN_PROGRESS, now=now)
    request.attempts += 1
    request.waiting_for = Waiting.NOTHING
    request.updated_at = now
    request.save(update_fields=["status", "started_at", "attempts", "waiting_for", "updated_at"])

    item = request.item
    if not item.is_automated:
        ticket = ticket_for_request(
            request=request,
            subject=f"{item.name} ({request.number})",
            intro=_("Please fulfil this service request and tell the customer."),
        )
        request.waiting_for = Waiting.AGENT
        request.save(update_fields=["waiting_for"])
        _event(
            request,
            RequestStatus.IN_PROGRESS,
            note=_("Passed to our team (ticket %(number)s).") % {"number": ticket.number},
            now=now,
        )
        return request

    automation = item.automation
    if automation is None:
        result = Result.failed(
            _("The automation %(key)s is not installed.") % {"key": item.fulfilment}
        )
    else:
        try:
            with transaction.atomic():
                result = automation.fulfil(request)
        except Exception as exc:  # an automation bug must not lose the request
            logger.exception("automation %s failed on request %s", item.fulfilment, request.pk)
            result = Result.failed(f"{type(exc).__name__}: {exc}"[:1000])
    _apply(request, result, automation, now=given or timezone.now())
    return request


def _apply(request: ServiceRequest, result: Result, automation, *, now: datetime) -> None:
    text = automation.describe(result) if automation is not None else result.error
    if result.state == "fulfilled":
        if result.file is not None:
            request.result_file.save(result.file.name, ContentFile(result.file.content), save=False)
            request.result_file_name = result.file.name
            request.result_file_type = result.file.content_type
            request.save(update_fields=["result_file", "result_file_name", "result_file_type"])
        if result.follow_up_ticket is not None and request.ticket_id is None:
            request.ticket = result.follow_up_ticket
            request.save(update_fields=["ticket"])
        _finish(request, message=text, automated=True, actor=None, now=now)
    elif result.state == "pending":
        request.waiting_for = Waiting.VERIFICATION
        request.result = text
        request.save(update_fields=["waiting_for", "result"])
        _event(request, RequestStatus.IN_PROGRESS, note=text, now=now)
    elif result.state == "retry":
        wait = max(1, int(result.retry_in or 60))
        request.waiting_for = Waiting.RETRY
        request.error = result.error
        request.save(update_fields=["waiting_for", "error"])
        note = _("%(error)s Trying again at %(time)s.") % {
            "error": result.error,
            "time": timezone.localtime(now + timedelta(seconds=wait)).strftime("%H:%M:%S"),
        }
        _event(request, RequestStatus.IN_PROGRESS, note=note, now=now)
        _enqueue(request.pk, delay=wait, retry=True)
    else:
        _fail(request, error=text or _("The automation failed."), now=now)


def _finish(request: ServiceRequest, *, message: str, automated: bool, actor, now: datetime):
    request.status = RequestStatus.FULFILLED
    request.result = message
    request.automated = automated
    request.waiting_for = Waiting.NOTHING
    request.completed_at = now
    request.updated_at = now
    request.save(
        update_fields=["status", "result", "automated", "waiting_for", "completed_at", "updated_at"]
    )
    _event(request, RequestStatus.FULFILLED, actor=actor, note=message, now=now)
    seconds = max(0, int((now - request.created_at).total_seconds()))
    _record(
        InteractionKind.CATALOGUE_FULFILLED,
        request,
        actor,
        now=now,
        value=seconds,
        automated=automated,
        duration_seconds=seconds,
    )
    notify.request_finished(request=request)


def _fail(request: ServiceRequest, *, error: str, now: datetime) -> None:
    request.status = RequestStatus.FAILED
    request.error = error[:4000]
    request.updated_at = now
    request.save(update_fields=["status", "error", "updated_at"])
    _event(request, RequestStatus.FAILED, note=error, now=now)
    _record(InteractionKind.CATALOGUE_FAILED, request, None, now=now, reason=error[:200])
    ticket = ticket_for_request(
        request=request,
        subject=_("Failed request: %(item)s (%(number)s)")
        % {"item": request.item.name, "number": request.number},
        intro=_(
            "The automation could not complete this request:\n\n> %(error)s\n\n"
            "Please complete it by hand."
        )
        % {"error": error},
    )
    request.waiting_for = Waiting.AGENT
    request.save(update_fields=["waiting_for"])
    _event(
        request,
        RequestStatus.FAILED,
        note=_("Passed to our team (ticket %(number)s).") % {"number": ticket.number},
        now=now,
    )
    notify.request_finished(request=request)


# --- agents and admins -----------------------------------------------------------------------
@transaction.atomic
def request_complete(
    *, request: ServiceRequest, actor: User, note: str = "", now: datetime | None = None
) -> ServiceRequest:
    """An agent fulfilled the request by hand (manual items, failed automations)."""
    now = now_or(now)
    if not roles.is_agent(actor):
        raise PermissionDenied("Only agents complete requests by hand.")
    locked = _lock(request.pk)
    if locked is None or locked.status not in (RequestStatus.IN_PROGRESS, RequestStatus.FAILED):
        raise RequestConflict(_("Only requests in progress or failed can be completed."))
    note = (note or "").replace("\x00", "").strip()[:2000] or _("Completed by our team.")
    _finish(locked, message=note, automated=False, actor=actor, now=now)
    return locked


def requests_sync_tickets(*, now: datetime | None = None) -> int:
    """Fulfil the requests whose ticket an agent resolved or closed (manual items and failed
    automations): the resolution on the desk is the request's completion, with the ticket's
    assignee as the actor. One transaction per request; idempotent. Returns how many."""
    from tickets.models import Status as TicketStatus

    now = now_or(now)
    ids = list(
        ServiceRequest.objects.filter(
            status__in=(RequestStatus.IN_PROGRESS, RequestStatus.FAILED),
            ticket__status__in=(TicketStatus.RESOLVED, TicketStatus.CLOSED),
        ).values_list("pk", flat=True)
    )
    done = 0
    for pk in ids:
        with transaction.atomic():
            locked = _lock(pk)
            if locked is None or locked.status not in (
                RequestStatus.IN_PROGRESS,
                RequestStatus.FAILED,
            ):
                continue
            ticket = locked.ticket
            note = _("Completed by our team (ticket %(number)s).") % {"number": ticket.number}
            _finish(locked, message=note, automated=False, actor=ticket.assignee, now=now)
            done += 1
    return done


@transaction.atomic
def request_rerun(*, request: ServiceRequest, actor: User, now: datetime | None = None):
    """Run a failed automation again (admins, from the requests list)."""
    now = now_or(now)
    if not roles.is_admin(actor):
        raise PermissionDenied("Only admins re-run automations.")
    locked = _lock(request.pk)
    if locked is None or locked.status != RequestStatus.FAILED:
        raise RequestConflict(_("Only failed requests can be run again."))
    if not locked.item.is_automated:
        raise RequestConflict(_("Manual requests are handled through their ticket."))
    locked.status = RequestStatus.IN_PROGRESS
    locked.waiting_for = Waiting.NOTHING
    locked.started_at = now
    locked.updated_at = now
    locked.save(update_fields=["status", "waiting_for", "started_at", "updated_at"])
    _event(
        locked,
        RequestStatus.IN_PROGRESS,
        actor=actor,
        note=_("Automation run again by %(name)s.") % {"name": actor.get_full_name()},
        now=now,
    )
    _enqueue(locked.pk)
    return locked


@transaction.atomic
def request_email_confirm(
    *, request: ServiceRequest, user: User, new_email: str, now: datetime | None = None
) -> ServiceRequest:
    """The customer opened the change-of-email link: switch the address, fulfil the request."""
    from allauth.account.models import EmailAddress

    from catalogue.automations.account import email_taken

    now = now_or(now)
    locked = _lock(request.pk)
    if locked is None or locked.customer.user_id != user.pk:
        raise PermissionDenied("Not your request.")
    if locked.status == RequestStatus.FULFILLED:
        return locked  # the link was opened twice
    if locked.status != RequestStatus.IN_PROGRESS or locked.waiting_for != Waiting.VERIFICATION:
        raise RequestConflict(_("This link is no longer valid."))
    new_email = new_email.strip().lower()
    if email_taken(new_email, user=user):
        raise RequestConflict(_("This address is now used by another account."))
    old_email = user.email
    user.email = new_email
    user.save(update_fields=["email"])
    EmailAddress.objects.filter(user=user).exclude(email__iexact=new_email).delete()
    EmailAddress.objects.update_or_create(
        user=user, email=new_email, defaults={"verified": True, "primary": True}
    )
    customer = locked.customer
    if not customer.email or customer.email.lower() == old_email.lower():
        customer.email = new_email
        customer.save(update_fields=["email"])
    _finish(
        locked,
        message=_("Your email address is now %(email)s.") % {"email": new_email},
        automated=True,
        actor=user,
        now=now,
    )
    return locked
