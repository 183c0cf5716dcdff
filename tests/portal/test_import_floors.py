"""The house's floors (DESIGN.md), enforced: dependencies between the apps point down only.

portal (1) < knowledgebase (2) < tickets (3) < catalogue, community, outages, loyalty (4) <
insights (5). An app may import an app on a lower floor, never one on a higher floor, and two
apps on the same floor (peers) never import each other: they meet through the seams
(``AppConfig.demo_seed`` and ``periodic_tasks``, search sources, desk panels, catalogue
automations, inclusion tags, the interaction log).

Every ``.py`` file of every app (migrations aside: they are generated and name other apps'
migrations by string) is parsed with ``ast``; an ``import``/``from ... import`` anywhere in
the file (inside functions and ``if TYPE_CHECKING:`` blocks too) and a literal
``import_module("...")`` / ``import_string("...")`` count.

Exemptions: none. DESIGN.md's "URLs, hooks, panels aside" for insights needs none, because
none of them is an import: ``portal/urls.py`` names every app's URL modules and API routers by
dotted string (``include("insights.urls")``, ``api.add_router(..., "insights.api.router")``),
Wagtail discovers each app's ``wagtail_hooks`` itself, and desk panels register themselves
from the higher app's ``AppConfig.ready`` (``tickets.panels.register``). A real import in any
of those places fails like any other.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

FLOORS: dict[str, int] = {
    "portal": 1,
    "knowledgebase": 2,
    "tickets": 3,
    "catalogue": 4,
    "community": 4,
    "outages": 4,
    "loyalty": 4,
    "insights": 5,
}
DYNAMIC_IMPORTS = {"import_module", "import_string"}


def imported_modules(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) of every import in ``tree``; relative imports stay inside
    their own app and are left out."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                yield node.lineno, node.module
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if (
                name in DYNAMIC_IMPORTS
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                yield node.lineno, node.args[0].value


def violations(app: str, source: str, filename: str) -> list[str]:
    """``file:line: ...`` for each import in ``source`` (a module of ``app``) of a higher
    app or a peer."""
    floor = FLOORS[app]
    found = []
    for lineno, module in imported_modules(ast.parse(source, filename=filename)):
        other = module.split(".")[0]
        if other == app or other not in FLOORS:
            continue
        if FLOORS[other] > floor:
            found.append(
                f"{filename}:{lineno}: {app} (floor {floor}) imports {module}, a higher app "
                f"({other}, floor {FLOORS[other]})"
            )
        elif FLOORS[other] == floor:
            found.append(
                f"{filename}:{lineno}: {app} imports {module}: {other} is its peer (floor "
                f"{floor}); peers meet through seams, never by import"
            )
    return found


def app_sources(app: str) -> Iterator[Path]:
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" not in path.relative_to(ROOT).parts:
            yield path


def test_no_app_imports_a_higher_app_or_a_peer():
    problems = []
    checked = 0
    for app in FLOORS:
        for path in app_sources(app):
            problems += violations(app, path.read_text(), str(path.relative_to(ROOT)))
            checked += 1
    assert checked > 300  # the apps were found (a wrong ROOT would pass vacuously)
    assert not problems, "Imports against the floors (DESIGN.md):\n" + "\n".join(problems)


def test_every_app_has_a_floor():
    """A new app (a folder with ``apps.py``) must be given its floor here."""
    apps = {path.parent.name for path in ROOT.glob("*/apps.py")}
    assert apps, "no app found"
    assert apps <= set(FLOORS), f"apps without a floor: {sorted(apps - set(FLOORS))}"


def test_the_rule_catches_upward_and_peer_imports():
    source = "\n".join(
        [
            "from __future__ import annotations",  # 1: not an app
            "from typing import TYPE_CHECKING",  # 2
            "from portal.models import Customer",  # 3: lower: fine
            "from tickets.services import ticket_open",  # 4: lower: fine
            "from . import selectors",  # 5: relative: own app
            "from catalogue.models import Item",  # 6: own app
            "import insights.metrics",  # 7: higher
            "from community.services import qa",  # 8: peer
            "if TYPE_CHECKING:",  # 9
            "    from loyalty.models import Tier",  # 10: peer, even for types
            "def later():",  # 11
            "    from outages import selectors",  # 12: peer, even inside a function
            "    return import_string('insights.tasks.x')",  # 13: higher, by string
            "include('insights.urls')",  # 14: a URL include names a module: no import
        ]
    )
    found = violations("catalogue", source, "catalogue/fake.py")
    assert [line.split(":")[1] for line in found] == ["7", "8", "10", "12", "13"]
    assert found[0].startswith("catalogue/fake.py:7: catalogue (floor 4) imports insights")
    assert "community is its peer" in found[1]


def test_the_rule_catches_portal_importing_any_feature_app():
    source = "def home(request):\n    from knowledgebase.selectors import popular_articles\n"
    assert violations("portal", source, "portal/views/pages.py") == [
        "portal/views/pages.py:2: portal (floor 1) imports knowledgebase.selectors, a higher "
        "app (knowledgebase, floor 2)"
    ]
    assert violations("insights", source, "insights/x.py") == []  # top floor: all below
