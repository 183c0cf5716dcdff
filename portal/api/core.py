"""Core endpoints: who am I, purchases in, interactions in."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Router, Status

from portal import roles
from portal.api.auth import (
    allow,
    is_integration,
    is_person,
    may_push_interactions,
    may_push_purchases,
)
from portal.api.schemas import (
    ErrorOut,
    InteractionIn,
    InteractionOut,
    InvalidOut,
    MeOut,
    PurchasesIn,
    PurchasesOut,
)
from portal.idempotency import idempotency_openapi, idempotent
from portal.models import Channel, Customer, Interaction
from portal.services.errors import ServiceConflict, ServiceError
from portal.services.interactions import METADATA_MAX_KEYS, interaction_record
from portal.services.purchases import (
    ProductLookup,
    PurchaseRow,
    RowError,
    purchase_row_parse,
    purchases_import,
)

router = Router(tags=["portal"])

ERRORS = {401: ErrorOut, 403: ErrorOut}
METADATA_MAX_BYTES = 4096
FUTURE_TOLERANCE = timedelta(minutes=5)
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)  # older dates are typos (and overflow time zones)
EXTERNAL_ID_KEY = "external_id"


@router.get(
    "/me",
    response={200: MeOut, **ERRORS},
    summary="The authenticated user",
    auth=allow(is_person, gettext_lazy("Integration tokens do not belong to a user.")),
)
def me(request):
    user = request.user
    customer = getattr(user, "customer", None)
    return {
        "email": user.email,
        "full_name": user.full_name,
        "role": roles.role_of(user),
        "customer": None
        if customer is None
        else {
            "customer_ref": customer.customer_ref,
            "name": customer.name,
            "organisation": customer.organisation.name if customer.organisation else None,
            "is_org_admin": customer.is_org_admin,
            "language": customer.language,
        },
    }


def _invalid(detail: str, errors: list[dict]) -> Status:
    return Status(422, {"detail": detail, "errors": errors})


@router.post(
    "/purchases",
    response={201: PurchasesOut, 422: InvalidOut, **ERRORS},
    summary="Import purchases (integration tokens and admins)",
    description=(
        "Validates every item first: if any is invalid nothing is written and the answer is "
        "422 with one error per invalid item. Idempotent by `(source, order_ref)`: re-sending "
        "an order counts it under `duplicates`. Unknown customers are created by "
        "`customer_ref`."
    ),
    auth=allow(
        may_push_purchases,
        gettext_lazy("Only integration tokens and admins may import purchases."),
    ),
    openapi_extra=idempotency_openapi(),
)
@idempotent
def purchases_create(request, payload: PurchasesIn):
    products = ProductLookup()
    rows: list[PurchaseRow] = []
    errors: list[dict] = []
    for index, item in enumerate(payload.purchases):
        raw = item.model_dump()
        try:
            row = purchase_row_parse(raw, products=products)
            if not row.order_ref:
                raise RowError(_("order_ref is required"))
            if row.ordered_at < EARLIEST:
                raise RowError(_("ordered_at is before 1970"))
        except RowError as exc:
            errors.append({"index": index, "message": str(exc)})
        else:
            rows.append(row)
    if errors:
        return _invalid(
            _("%(count)d of %(total)d purchases are not valid; nothing was imported.")
            % {"count": len(errors), "total": len(payload.purchases)},
            errors,
        )
    for attempt in range(2):
        try:
            with transaction.atomic():
                result = purchases_import(rows=rows, source=payload.source, channel=Channel.API)
            break
        except IntegrityError:
            # The same orders were imported concurrently: the retry counts them as duplicates.
            if attempt:
                raise ServiceConflict(
                    _("The purchases conflict with a concurrent import; retry.")
                ) from None
    return Status(
        201,
        {
            "created": result.created,
            "duplicates": result.duplicates,
            "customers_created": result.customers_created,
        },
    )


def _interaction_out(interaction: Interaction, customer: Customer) -> dict:
    return {
        "id": interaction.pk,
        "kind": interaction.kind,
        "channel": interaction.channel,
        "customer_ref": customer.customer_ref,
        "occurred_at": interaction.occurred_at,
        "value": float(interaction.value) if interaction.value is not None else None,
    }


def _metadata(payload: InteractionIn) -> dict:
    metadata = dict(payload.metadata or {})
    if EXTERNAL_ID_KEY in metadata:
        raise ServiceError(
            fields={"metadata": _("send the external id in the external_id field, not here.")}
        )
    if payload.external_id is not None:
        metadata[EXTERNAL_ID_KEY] = payload.external_id
    if len(metadata) > METADATA_MAX_KEYS:
        raise ServiceError(
            fields={
                "metadata": _("at most %(max)d keys (external_id counts as one).")
                % {"max": METADATA_MAX_KEYS}
            }
        )
    try:
        encoded = json.dumps(metadata, allow_nan=False)
    except (TypeError, ValueError):
        raise ServiceError(
            fields={"metadata": _("must be plain JSON (no NaN or Infinity).")}
        ) from None
    if len(encoded.encode()) > METADATA_MAX_BYTES:
        raise ServiceError(
            fields={
                "metadata": _("larger than %(max)d bytes of JSON.") % {"max": METADATA_MAX_BYTES}
            }
        )
    return metadata


def _occurred_at(payload: InteractionIn):
    occurred_at = payload.occurred_at
    if occurred_at is None:
        return None
    if timezone.is_naive(occurred_at):
        occurred_at = timezone.make_aware(occurred_at, timezone.get_default_timezone())
    if occurred_at > timezone.now() + FUTURE_TOLERANCE:
        raise ServiceError(fields={"occurred_at": _("is in the future.")})
    if occurred_at < EARLIEST:
        raise ServiceError(fields={"occurred_at": _("is before 1970.")})
    return occurred_at


@router.post(
    "/interactions",
    response={200: InteractionOut, 201: InteractionOut, 422: InvalidOut, **ERRORS},
    summary="Record an interaction from another channel (integration tokens, agents, admins)",
    description=(
        "For channels outside the portal (shop, call centre). With `external_id`, a retry "
        "returns the interaction already recorded for that customer with 200; a new one is 201."
    ),
    auth=allow(
        may_push_interactions,
        gettext_lazy("Only integration tokens, agents and admins may record interactions."),
    ),
    openapi_extra=idempotency_openapi(),
)
@idempotent
def interactions_create(request, payload: InteractionIn):
    metadata = _metadata(payload)
    occurred_at = _occurred_at(payload)
    with transaction.atomic():
        # Locking the customer serialises retries of the same external id.
        customer = (
            Customer.objects.select_for_update().filter(customer_ref=payload.customer_ref).first()
        )
        if customer is None:
            raise ServiceError(
                fields={
                    "customer_ref": _("no customer has the reference %(ref)r.")
                    % {"ref": payload.customer_ref}
                }
            )
        if payload.external_id is not None:
            existing = (
                Interaction.objects.filter(customer=customer)
                .filter(**{f"metadata__{EXTERNAL_ID_KEY}": payload.external_id})
                .order_by("pk")
                .first()
            )
            if existing is not None:
                return Status(200, _interaction_out(existing, customer))
        interaction = interaction_record(
            kind=payload.kind.value,
            channel=payload.channel.value,
            customer=customer,
            user=None if is_integration(request) else request.user,
            value=payload.value,
            metadata=metadata,
            occurred_at=occurred_at,
        )
    return Status(201, _interaction_out(interaction, customer))
