"""What the shared-ledger attack tests share: one row of a query, a street's firms, an import as a login."""
from __future__ import annotations

import csv

import psycopg

from db.ledger import Ledger
from importers.plan import build_plan, commit_plan


def one(url, sql, params=()):
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(sql, params).fetchone()


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
