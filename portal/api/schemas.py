"""Request and response bodies of the core API (the public contract: keep them stable)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from ninja import Schema
from pydantic import BeforeValidator, ConfigDict, Field, StrictStr, WithJsonSchema

from portal.converters import INT_MAX
from portal.models import Channel, InteractionKind

MAX_PURCHASES_PER_REQUEST = 1000

#: Every integer the API reads (path, query, body) is bounded: an unbounded one overflows the
#: database's integer when it reaches a query (a 500). Ids are 1..INT_MAX; a larger id is a
#: 422 like any other invalid value. tests/portal/test_big_numbers.py tries every integer
#: parameter of the OpenAPI schema with a huge value.
Id = Annotated[int, Field(ge=1, le=INT_MAX)]
#: A position in a list (``offset``): 0..INT_MAX.
Offset = Annotated[int, Field(ge=0, le=INT_MAX)]


def _amount_text(value: Any) -> str:
    """Amounts arrive as strings (exact) or JSON numbers; the import parses the text."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return repr(value)
    raise ValueError("amount must be a string or a number")


Amount = Annotated[
    str,
    BeforeValidator(_amount_text),
    WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "number"}]}),
]
InteractionValue = Annotated[Decimal, Field(max_digits=14, decimal_places=4, allow_inf_nan=False)]


class StrictSchema(Schema):
    """Unknown fields are an error: a typo (``order_id``) must not be silently dropped."""

    model_config = ConfigDict(extra="forbid")


class ErrorOut(Schema):
    detail: str


class ErrorItemOut(Schema):
    message: str
    index: int | None = Field(None, description="Position of the invalid item in a list.")
    field: str | None = Field(None, description="Dotted path of the invalid field.")


class InvalidOut(Schema):
    detail: str
    errors: list[ErrorItemOut] = []


# --- me -------------------------------------------------------------------------------------


class CustomerOut(Schema):
    customer_ref: str
    name: str
    organisation: str | None
    is_org_admin: bool
    language: str


class MeOut(Schema):
    email: str
    full_name: str
    role: str
    customer: CustomerOut | None


# --- purchases ------------------------------------------------------------------------------


class PurchaseIn(StrictSchema):
    customer_ref: StrictStr = Field(description="The shop's reference of the customer.")
    ordered_at: StrictStr = Field(
        description="ISO date (`2026-11-24`) or date-time; naive values are in the site's "
        "time zone.",
        examples=["2026-11-24T10:30:00+01:00"],
    )
    amount: Amount = Field(
        description="At most two decimals; a negative amount is a refund.", examples=["19.90"]
    )
    currency: StrictStr | None = Field(None, description="Three-letter ISO code.")
    product: StrictStr | None = Field(None, description="Product slug or name.")
    order_ref: StrictStr = Field(
        description="The order's unique reference within `source` (makes retries safe)."
    )


class PurchasesIn(StrictSchema):
    source: str = Field(
        "api",
        min_length=1,
        max_length=32,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="Which system sends the purchases; `order_ref` is unique per source.",
    )
    purchases: list[PurchaseIn] = Field(min_length=1, max_length=MAX_PURCHASES_PER_REQUEST)


class PurchasesOut(Schema):
    created: int
    duplicates: int
    customers_created: int


# --- interactions ---------------------------------------------------------------------------


class InteractionIn(StrictSchema):
    customer_ref: StrictStr = Field(min_length=1, max_length=64)
    kind: InteractionKind
    channel: Channel
    occurred_at: datetime | None = Field(
        None,
        description="ISO date-time; naive values are in the site's time zone; at most five "
        "minutes in the future. Defaults to now.",
    )
    value: InteractionValue | None = None
    metadata: dict[str, Any] | None = Field(None, description="At most 20 keys and 4 KB of JSON.")
    external_id: StrictStr | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="The sender's id for this interaction: a retry with the same id for the "
        "same customer returns the interaction already recorded (200) instead of a new one.",
    )


class InteractionOut(Schema):
    id: int
    kind: str
    channel: str
    customer_ref: str
    occurred_at: datetime
    value: float | None
