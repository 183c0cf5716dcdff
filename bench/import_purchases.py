"""Benchmark ``manage.py import_purchases`` against a raw sqlite3 baseline.

Generates a CSV (default 1,000,000 rows, every column, order references included) in a
temporary directory, migrates a fresh SQLite database there, runs the command in a
subprocess and reports its wall time, rows/s and peak RSS (from the child's rusage). The
baseline, in the same run and on the same file: ``csv.reader`` streamed into a raw
``sqlite3`` ``executemany`` INSERT into a bare table (same pragmas, one transaction).

    .venv/bin/python bench/import_purchases.py [--rows N] [--reimport] [--keep]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTS = [
    ("fibre-broadband", "Fibre Broadband"),
    ("mobile-plan", "Mobile Plan"),
    ("cloud-backup", "Cloud Backup"),
    ("premium-card", "Premium Card"),
]


def generate_csv(path: Path, rows: int, *, seed: int = 2026) -> None:
    rng = random.Random(seed)
    customers = max(1, rows // 20)
    start = datetime(2025, 11, 24, tzinfo=UTC)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["customer_ref", "ordered_at", "amount", "order_ref", "currency", "product"]
        )
        for n in range(rows):
            amount = rng.randint(100, 50_000)
            if rng.random() < 0.02:
                amount = -amount
            writer.writerow(
                [
                    f"C{rng.randrange(customers):07d}",
                    (start + timedelta(seconds=rng.randrange(365 * 86400))).isoformat(),
                    f"{amount / 100:.2f}",
                    f"ORD-{n:09d}",
                    "EUR",
                    rng.choice(PRODUCTS)[0] if rng.random() < 0.7 else "",
                ]
            )


def run_measured(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """Run ``cmd``; return (wall seconds, CPU seconds, peak RSS in MiB, stdout+stderr)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile(mode="w+") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.perf_counter() - started
        out.seek(0)
        output = out.read()
    if proc.returncode != 0:
        sys.exit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{output}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024, output


def baseline(csv_path: Path, db_path: Path) -> float:
    """csv.reader streamed into a raw executemany INSERT of the same rows, one transaction."""
    started = time.perf_counter()
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(
        "CREATE TABLE purchase (id INTEGER PRIMARY KEY AUTOINCREMENT, customer_ref TEXT, "
        "ordered_at TEXT, amount TEXT, order_ref TEXT, currency TEXT, product TEXT)"
    )
    with csv_path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO purchase (customer_ref, ordered_at, amount, order_ref, currency, "
            "product) VALUES (?, ?, ?, ?, ?, ?)",
            reader,
        )
        conn.execute("COMMIT")
    conn.close()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--reimport", action="store_true", help="also time a second import")
    parser.add_argument("--batch-size", type=int, help="passed to the command")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-import-"))
    try:
        csv_path = tmp / "purchases.csv"
        db_path = tmp / "portal.sqlite3"
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{db_path}", "DEBUG": "0"}
        env.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
        python = sys.executable

        started = time.perf_counter()
        generate_csv(csv_path, args.rows)
        size_mib = csv_path.stat().st_size / 2**20
        print(
            f"generated {args.rows:,} rows ({size_mib:.0f} MiB) in "
            f"{time.perf_counter() - started:.1f} s: {csv_path}"
        )

        run_measured(
            [python, "manage.py", "migrate", "--no-input", "-v", "0", "--skip-checks"], env
        )
        with sqlite3.connect(db_path) as conn:
            conn.executemany(
                "INSERT INTO portal_product (name, slug, kind, category, description, is_active) "
                "VALUES (?, ?, 'service', '', '', 1)",
                [(name, slug) for slug, name in PRODUCTS],
            )

        command = [python, "manage.py", "import_purchases", str(csv_path), "--skip-checks"]
        if args.batch_size:
            command += ["--batch-size", str(args.batch_size)]
        seconds, cpu, rss, output = run_measured(command, env)
        print(output.strip())
        with sqlite3.connect(db_path) as conn:
            purchases = conn.execute("SELECT count(*) FROM portal_purchase").fetchone()[0]
            interactions = conn.execute("SELECT count(*) FROM portal_interaction").fetchone()[0]
        assert purchases == args.rows, purchases
        assert interactions == args.rows, interactions
        print(
            f"import_purchases: {seconds:.1f} s ({cpu:.1f} s CPU), "
            f"{args.rows / seconds:,.0f} rows/s, "
            f"peak RSS {rss} MiB (purchases {purchases:,}, interactions {interactions:,})"
        )

        if args.reimport:
            again, cpu2, rss2, output = run_measured(command, env)
            print(output.strip())
            print(f"re-import: {again:.1f} s ({cpu2:.1f} s CPU), peak RSS {rss2} MiB")

        base = baseline(csv_path, tmp / "baseline.sqlite3")
        print(
            f"baseline (csv.reader + sqlite3 executemany, bare table): {base:.1f} s, "
            f"{args.rows / base:,.0f} rows/s"
        )
        met = "met" if seconds < 60 * args.rows / 1_000_000 else "NOT met"
        print(
            f"ratio import / baseline: {seconds / base:.1f}x "
            f"(target 1,000,000 rows in < 60 s, scaled to {args.rows:,} rows: {met})"
        )
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
