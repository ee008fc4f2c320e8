"""Make the small ledger of each schema version kept in tests/data/ (ledger_v<N>.db).

Run once when a migration is added: `python tests/data/make_versions.py`. Existing
files are never overwritten: they stand for what older versions of 星图 really wrote.
Only V1 columns are written, with raw SQL, so the script works for every version.
"""
from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from db import catalog_store, schema  # noqa: E402

FIRMS = [  # name, code, street, remark
    ("武汉星图科技有限公司", "91420106MA4K000001", "积玉桥", "=SUM(A1)"),
    ("湖北黄鹤楼数据服务有限公司", None, "黄鹤楼", "无代码，按名称匹配"),
    ("武汉珞珈山智能装备股份有限公司", "91420106MA4K000002", "珞珈山", None),
]
STAMP = "2024-05-06T09:30:00+08:00"


def make(version: int, out: Path) -> None:
    conn = sqlite3.connect(out, isolation_level=None)
    schema.migrate(conn, upto=version)
    conn.execute("BEGIN")
    catalog_store.seed_defaults(conn)
    streets = dict((n, i) for i, n in conn.execute("SELECT id, name FROM streets"))
    stages = dict((k, i) for i, k in conn.execute("SELECT id, key FROM stages"))
    batch = conn.execute("INSERT INTO batches (file_name, kind, os_user, created_at) VALUES (?, ?, ?, ?)",
                         ("2023年第二批高企名单.xlsx", "designation", "tester", STAMP)).lastrowid
    for name, code, street, remark in FIRMS:
        fid = conn.execute(
            "INSERT INTO firms (code, code_status, name, name_key, street_id, remark, batch_id, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (code, "ok" if code else "no_code", name, name, streets[street], remark, batch, STAMP, STAMP)).lastrowid
        conn.execute("INSERT INTO audit (at, os_user, action, entity, entity_id, firm_id, after, source, batch_id)"
                     " VALUES (?, 'tester', 'insert', 'firm', ?, ?, ?, 'import', ?)",
                     (STAMP, fid, fid, f'{{"name": "{name}"}}', batch))
        stage = sorted(stages)[fid % len(stages)]
        conn.execute("INSERT INTO designations (firm_id, stage_id, start_date, end_date, evidence, source, batch_id,"
                     " created_at) VALUES (?, ?, '2023-12-08', '2026-12-08', ?, 'import', ?, ?)",
                     (fid, stages[stage], f"GR20234200{fid:04d}", batch, STAMP))
        conn.execute("INSERT INTO service_records (firm_id, date, officer, kind, notes, created_at)"
                     " VALUES (?, '2024-04-01', '王专员', '走访', '了解研发投入', ?)", (fid, STAMP))
    conn.execute("INSERT INTO firm_aliases (firm_id, name, name_key, seen_on) VALUES (1, '武汉星图软件有限公司', "
                 "'武汉星图软件有限公司', '2022-01-01')")
    conn.execute("UPDATE firms SET deleted_at = ? WHERE id = 3", (STAMP,))  # one in the recycle bin
    conn.execute("COMMIT")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("VACUUM")
    conn.close()


def main() -> None:
    for number, _name, _sql in schema.MIGRATIONS:
        out = HERE / f"ledger_v{number}.db"
        if not out.exists():
            make(number, out)
            print(f"wrote {out.name}")


if __name__ == "__main__":
    main()
