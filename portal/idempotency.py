"""Double submits create one thing: the form and API halves of ``portal.services.idempotency``.

Forms: ``IdempotentFormMixin`` adds a hidden ``idempotency_key`` with a fresh value per form
render (templates render ``{{ form.idempotency_key }}``); the view calls ``submit_once(form,
scope=..., user=..., create=...)`` around its service call.

API: ``@idempotent`` under ``@router.post(...)`` makes an operation honour the
``Idempotency-Key`` header: the first successful answer (status and JSON body) is kept and
returned again for a retry with the same key and the same body; the same key with another
body is a 422, a malformed key a 400. Without the header nothing changes.
"""

from __future__ import annotations

import inspect
import json
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy
from ninja import Status
from ninja.errors import HttpError
from ninja.responses import NinjaJSONEncoder

from portal.services.idempotency import (
    KEY_RE,
    IdempotencyConflict,
    IdempotencyError,
    fingerprint,
    idempotency_claim,
    key_check,
    once,
    owner_of,
)

KEY_FIELD = "idempotency_key"
HEADER = "Idempotency-Key"
API_SCOPE = "api"


def new_key() -> str:
    """A new submission key; in a page kept by the signed-in page cache, a new one on every
    serving of it (``portal.usercache``)."""
    from portal.usercache import tracking

    key = uuid.uuid4().hex
    tracking.fresh_on_hit(key, new_key)
    return key


# --- forms ---------------------------------------------------------------------------------
def _plain(value: Any) -> Any:
    """A JSON-able stand-in for a cleaned value (objects by identity, files by name/size)."""
    if isinstance(value, models.Model):
        return f"{value._meta.label_lower}:{value.pk}"
    if isinstance(value, UploadedFile):
        return {"file": value.name, "size": value.size}
    if isinstance(value, QuerySet | list | tuple | set | frozenset):
        items = [_plain(item) for item in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset | QuerySet) else items
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value if isinstance(value, str | int | float | bool | type(None)) else str(value)


class IdempotentFormMixin:
    """A hidden key, new on every render of an unbound form and kept while the same
    submission is corrected; a malformed key is a form error (the view answers 400)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[KEY_FIELD] = forms.CharField(
            required=False, widget=forms.HiddenInput, initial=new_key
        )

    def clean(self):
        cleaned = super().clean()
        raw = self.data.get(KEY_FIELD, "") if self.is_bound else ""
        if raw:
            try:
                key_check(raw)
            except IdempotencyError:
                self.add_error(
                    None,
                    gettext_lazy(
                        "This form could not be sent as it was (its submission key is not "
                        "valid). Please send it again."
                    ),
                )
                self.renew_idempotency_key()
        return cleaned

    def idempotency_key(self) -> str:
        return (self.cleaned_data.get(KEY_FIELD) or "") if hasattr(self, "cleaned_data") else ""

    def idempotency_fingerprint(self) -> str:
        data = {name: value for name, value in self.cleaned_data.items() if name != KEY_FIELD}
        return fingerprint(_plain(data))

    def renew_idempotency_key(self) -> None:
        """A fresh key for the next attempt (after a key conflict or a bad key)."""
        if self.is_bound:
            self.data = self.data.copy()
            self.data[KEY_FIELD] = new_key()


def submit_once[M: models.Model](
    form: IdempotentFormMixin, *, scope: str, user, create: Callable[[], M]
) -> tuple[M, bool]:
    """``create()`` once per form render: returns ``(object, created)``. Raises
    ``IdempotencyConflict`` when the key already made something from other answers (the
    form then carries a fresh key, so sending it again makes a new one)."""
    try:
        return once(
            scope=scope,
            owner=owner_of(user),
            key=form.idempotency_key(),
            fingerprint=form.idempotency_fingerprint(),
            create=create,
        )
    except IdempotencyConflict:
        form.renew_idempotency_key()
        raise


# --- API -----------------------------------------------------------------------------------
def idempotency_openapi() -> dict:
    """``openapi_extra=`` of an ``@idempotent`` operation: the header in the schema (a new
    dict each time: django-ninja extends the lists it is given)."""
    return {
        "parameters": [
            {
                "in": "header",
                "name": HEADER,
                "required": False,
                "schema": {"type": "string", "pattern": KEY_RE.pattern},
                "description": (
                    "Optional: 8-64 letters, digits or `_ . : -`, new for each new thing. A retry "
                    "with the same key and the same body gets the first answer again (nothing is "
                    "created twice, also when both arrive at once); the same key with another "
                    "body is a 422, a malformed key a 400. Keys are kept for a day."
                ),
            }
        ]
    }


class _NotKept(Exception):
    """An answer that is not remembered (not a success): the claim is rolled back."""

    def __init__(self, result: Any) -> None:
        super().__init__()
        self.result = result


def _request_fingerprint(request) -> str:
    body: Any
    try:
        body = json.loads(request.body) if request.body else None
    except (ValueError, UnicodeDecodeError):
        body = request.body.hex()
    return fingerprint(
        {
            "method": request.method,
            "path": request.path,
            "query": sorted(request.GET.lists()),
            "body": body,
        }
    )


def _status_and_value(result: Any) -> tuple[int, Any]:
    if isinstance(result, Status):
        return result.status_code, result.value
    return 200, result


def idempotent(view: Callable) -> Callable:
    """Make an API create operation honour the ``Idempotency-Key`` header (see the module)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        raw = request.headers.get(HEADER)
        owner = owner_of(request.user, getattr(request, "api_token", None))
        if raw is None or owner is None:
            return view(request, *args, **kwargs)
        try:
            key = key_check(raw)
        except IdempotencyError as exc:
            raise HttpError(400, f"{HEADER}: {exc.message}") from exc
        try:
            with transaction.atomic():
                claim = idempotency_claim(
                    scope=API_SCOPE,
                    owner=owner,
                    key=key,
                    fingerprint=_request_fingerprint(request),
                )
                if claim.replay:
                    record = claim.record
                    return Status(record.response_status or 200, json.loads(record.response_body))
                result = view(request, *args, **kwargs)
                status, value = _status_and_value(result)
                if not 200 <= status < 300:
                    raise _NotKept(result)
                claim.finish(
                    response_status=status,
                    response_body=json.dumps(value, cls=NinjaJSONEncoder),
                )
                return result
        except _NotKept as not_kept:
            return not_kept.result
        except IdempotencyConflict as exc:
            raise HttpError(422, f"{HEADER}: {exc.message}") from exc

    # django-ninja reads the view's parameters from the signature; resolve their (string)
    # annotations in the view's module, not in this one.
    wrapper.__signature__ = inspect.signature(view, eval_str=True)
    wrapper.idempotent = True
    return wrapper
