"""README's configuration table lists every environment variable the code reads.

The variables are found in the source: calls of ``portal.env`` readers (``env_str``,
``env_int``, ``env_bool``, ``env_list``) and of ``os.environ.get`` / ``os.getenv`` /
``os.environ[...]`` with a literal name, in every module outside tests, plus the ones read by
libraries on our behalf (``IMPLICIT``). A setting added without its README row fails here."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIP_DIRS = {".venv", ".tools", "tests", "bench", "node_modules", ".git", "var", "migrations"}
READERS = {"env_str", "env_int", "env_bool", "env_list"}
#: Read by a library from our settings module: dj_database_url.config() reads DATABASE_URL;
#: ANYMAIL_* is read as a prefix (every ANYMAIL_<KEY> goes to anymail).
IMPLICIT = {"DATABASE_URL", "ANYMAIL_*"}
#: Set by the process, not by the operator.
NOT_CONFIGURATION = {"DJANGO_SETTINGS_MODULE"}
NAME = re.compile(r"`([A-Z][A-Z0-9_]*[A-Z0-9](?:_\*)?)`")


def _source_files() -> list[Path]:
    return [
        path
        for path in ROOT.rglob("*.py")
        if not SKIP_DIRS.intersection(path.relative_to(ROOT).parts)
    ]


def _literal(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _is_environ(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "environ"


def variables_read(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            is_reader = name in READERS
            is_get = name == "getenv" or (
                isinstance(func, ast.Attribute) and name == "get" and _is_environ(func.value)
            )
            if is_reader or is_get:
                value = _literal(node.args[0])
                if value:
                    names.add(value)
        elif isinstance(node, ast.Subscript) and _is_environ(node.value):
            value = _literal(node.slice)
            if value:
                names.add(value)
    return names


def code_variables() -> set[str]:
    names = set(IMPLICIT)
    for path in _source_files():
        names |= variables_read(ast.parse(path.read_text(), filename=str(path)))
    return names - NOT_CONFIGURATION


def readme_table() -> list[list[str]]:
    """The rows of README's configuration table (cells of each row)."""
    text = (ROOT / "README.md").read_text()
    section = text.split("\n## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[2:]]


def test_the_scanner_finds_what_the_settings_read():
    found = variables_read(
        ast.parse(
            "import os\nfrom portal.env import env_int\n"
            "A = env_int('ONE', 1)\nB = os.environ.get('TWO')\nC = os.environ['THREE']\n"
            "D = os.getenv('FOUR')\nE = env_int(name, 2)\n"
        )
    )
    assert found == {"ONE", "TWO", "THREE", "FOUR"}
    names = code_variables()
    assert {"SECRET_KEY", "REDIS_URL", "TRUSTED_PROXY_COUNT", "SITE_URL"} <= names


def test_every_environment_variable_is_in_the_readme_table():
    documented = {name for row in readme_table() for cell in row for name in NAME.findall(cell)}
    missing = sorted(code_variables() - documented)
    assert missing == [], f"add these to README's configuration table: {missing}"


def test_the_table_names_no_variable_that_nothing_reads():
    first_column = {name for row in readme_table() for name in NAME.findall(row[0])}
    stale = sorted(first_column - code_variables())
    assert stale == [], f"README's configuration table lists variables nothing reads: {stale}"
