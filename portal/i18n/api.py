"""The language of an API answer: ``?lang=it`` first, then the ``Accept-Language`` header (a
language cookie too), else English. API paths are not under ``/it/``, so the locale
middleware alone would always answer in English.

Use ``@in_request_language`` under the router's decorator and document the parameter with
``openapi_extra=LANG_OPENAPI``::

    @router.get("/catalogue", ..., openapi_extra=LANG_OPENAPI)
    @in_request_language
    def catalogue_list(request): ...
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.utils import translation

from portal.i18n import current_language, languages

LANG_OPENAPI: dict[str, Any] = {
    "parameters": [
        {
            "in": "query",
            "name": "lang",
            "required": False,
            "schema": {"type": "string", "enum": list(languages())},
            "description": "The language of the translated texts (names, labels, titles); "
            "without it the Accept-Language header decides, else English. An untranslated "
            "text is given in English.",
        }
    ]
}


def request_language(request: HttpRequest) -> str:
    """``?lang=`` when it is one of ``languages()`` (anything else is ignored), else the
    ``Accept-Language`` header or language cookie, else the source language."""
    asked = (request.GET.get("lang") or "").strip().lower()[:8]
    if asked and asked.split("-")[0] in languages():
        return current_language(asked)
    return current_language(translation.get_language_from_request(request, check_path=False))


def in_request_language(view: Callable[..., Any]) -> Callable[..., Any]:
    """Run an API operation in ``request_language(request)``."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        with translation.override(request_language(request)):
            return view(request, *args, **kwargs)

    # django-ninja reads the parameters' annotations; evaluated here, in the view's module
    # (``from __future__ import annotations`` leaves strings that the wrapper's module cannot
    # resolve).
    wrapper.__signature__ = inspect.signature(view, eval_str=True)  # type: ignore[attr-defined]
    return wrapper
