"""URL converters: ``<id:pk>`` is a database id that fits the database's integer.

Django's ``<int:...>`` accepts any run of digits, and ``/tickets/99999999999999999999/``
then overflows the integer column when the view looks the row up (a 500 on SQLite and
PostgreSQL). ``<id:...>`` matches 1 to 10 digits up to 2**31 - 1 (an ``IntegerField`` and
the largest id a ``BigAutoField`` hands out in practice): a larger number does not match the
URL at all, so it is the ordinary 404. Every id in a URL uses it (a test walks the URL
patterns). Registered when the portal app is ready (``PortalConfig.ready``).
"""

from __future__ import annotations

from django.urls import register_converter
from django.urls.converters import get_converters

#: The largest value of a 32-bit signed integer column (SQLite and PostgreSQL ``integer``).
INT_MAX = 2_147_483_647


class IdConverter:
    regex = "[0-9]{1,10}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > INT_MAX:
            raise ValueError("id out of range")  # Django: the pattern does not match
        return number

    def to_url(self, value: int | str) -> str:
        return str(int(value))


def register() -> None:
    if "id" not in get_converters():  # once (``ready`` may run again in tests)
        register_converter(IdConverter, "id")
