"""Confirmations are an in-page dialog (issue 18, item 8), never the browser's native one:
every page built on base.html carries the dialog, and no script calls ``window.confirm``.
(The keyboard behaviour is tested in the browser: tests/e2e/test_dates_forms.py.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_no_script_uses_the_native_confirm():
    root = Path(settings.BASE_DIR)
    scripts = [
        path
        for path in root.glob("**/static/**/*.js")
        if not {".venv", ".tools", "node_modules", "var"} & set(path.relative_to(root).parts)
    ]
    assert scripts
    offenders = [
        str(path.relative_to(root))
        for path in scripts
        if re.search(r"\b(window\.)?confirm\(", path.read_text())
    ]
    assert offenders == []


def test_pages_carry_the_dialog_translated(alice, client_for):
    client = client_for(alice)
    html = client.get("/me/").content.decode()
    assert '<dialog id="confirm-dialog"' in html
    assert ">Cancel</button>" in html
    assert ">Confirm</button>" in html
    client.cookies["django_language"] = "it"
    html = client.get("/it/me/", HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert ">Annulla</button>" in html
