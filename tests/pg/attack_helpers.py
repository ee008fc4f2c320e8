"""What the shared-ledger attack tests share: one row of a query, a street's firms, an import as a login, a wait
for a session to block on a lock."""
from __future__ import annotations

import csv
import threading
import time

import psycopg

from db.ledger import Ledger
from importers.plan import build_plan, commit_plan


def one(url, sql, params=()):
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(sql, params).fetchone()


def waiting(url) -> bool:
    """Whether a session of the server waits for a lock (another holds it)."""
    with psycopg.connect(url) as conn:
        return bool(conn.execute("SELECT count(*) FROM pg_locks WHERE NOT granted").fetchone()[0])


def settle(url, thread) -> None:
    """Wait (10 s at most) until *thread* waits for a lock on the server, or has ended."""
    deadline = time.monotonic() + 10
    while thread.is_alive() and not waiting(url) and time.monotonic() < deadline:
        time.sleep(0.05)


def race(url, first, second, ready, release) -> None:
    """*first* runs in a thread named "first" until it sets *ready* (holding its transaction open); then *second*
    in a thread named "second", until the server makes it wait for a lock (``settle``); then *release* lets the
    first go on, and both are joined."""
    one = threading.Thread(target=first, name="first")
    one.start()
    assert ready.wait(30)
    two = threading.Thread(target=second, name="second")
    two.start()
    settle(url, two)
    release.set()
    one.join(30)
    two.join(30)


def street_firms(url, street: str, n: int) -> list[tuple[int, str, str]]:
    """(id, name, code) of the first *n* live firms with a code of *street*."""
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT f.id, f.name, f.code FROM firms f JOIN streets s ON s.id = f.street_id "
                            "WHERE s.name = %s AND f.code IS NOT NULL AND f.deleted_at IS NULL ORDER BY f.id LIMIT %s",
                            (street, n)).fetchall()


def import_list(url, tmp_path, name: str, rows: list[list[str]]) -> int:
    """Import a roster (企业名称, 统一社会信用代码, 所在街道, 备注) as the login of *url*; its batch id."""
    path = tmp_path / f"{name}.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["企业名称", "统一社会信用代码", "所在街道", "备注"])
        out.writerows(rows)
    with Ledger(url) as led:
        commit_plan(led, build_plan(led, path))
        return led.conn.execute("SELECT max(id) FROM batches").fetchone()[0]
