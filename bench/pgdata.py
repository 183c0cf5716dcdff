"""PostgreSQL plumbing the benchmarks share: their own database, created and dropped through
the ``postgres`` database, and bulk rows with COPY (customers with a login, in one go)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from urllib.parse import urlparse


def admin_url(url: str) -> str:
    return urlparse(url)._replace(path="/postgres").geturl()


def db_name(url: str) -> str:
    return urlparse(url).path.lstrip("/")


def admin_execute(url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(admin_url(url), autocommit=True, connect_timeout=10) as conn:
        for statement in statements:
            conn.execute(statement)


def ensure_database(url: str) -> None:
    """The benchmark's database, new and empty (an earlier run's is dropped)."""
    name = db_name(url)
    admin_execute(
        url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'
    )


def drop_database(url: str) -> None:
    name = db_name(url)
    admin_execute(
        url,
        f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true',  # a fault test may have left it off
        f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
    )


def copy_rows(cursor, table: str, columns: list[str], rows: Iterable[tuple]) -> int:
    count = 0
    with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def copy_customers(cursor, count: int, *, tag: str, now: datetime) -> dict[int, int]:
    """``count`` customers, each with a login ``<tag>{n}@bench.example`` (no
    password), reference ``<TAG>{n:07d}``, a third of them Italian, consenting to surveys;
    returns ``{n: customer id}``."""
    domain, ref = f"{tag}.bench.example", tag.upper()
    copy_rows(
        cursor,
        "portal_user",
        [
            "password",
            "is_superuser",
            "is_staff",
            "is_active",
            "date_joined",
            "email",
            "full_name",
            "notification_preferences",
        ],
        (
            ("!", False, False, True, now, f"c{n}@{domain}", f"Customer {n}", "{}")
            for n in range(count)
        ),
    )
    cursor.execute("SELECT id, email FROM portal_user WHERE email LIKE %s", [f"c%@{domain}"])
    users = {int(email[1:].split("@")[0]): pk for pk, email in cursor.fetchall()}
    copy_rows(
        cursor,
        "portal_customer",
        [
            "user_id",
            "customer_ref",
            "name",
            "email",
            "is_org_admin",
            "language",
            "consent_surveys",
            "consent_marketing",
            "created_at",
        ],
        (
            (
                users[n],
                f"{ref}{n:07d}",
                f"Customer {n}",
                f"c{n}@{domain}",
                False,
                "it" if n % 3 == 0 else "en",
                True,
                False,
                now,
            )
            for n in range(count)
        ),
    )
    cursor.execute(
        "SELECT id, customer_ref FROM portal_customer WHERE customer_ref LIKE %s", [f"{ref}%"]
    )
    return {int(customer_ref[len(ref) :]): pk for pk, customer_ref in cursor.fetchall()}
