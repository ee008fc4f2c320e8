"""A stand-in for the importer in the kill test: one Ledger.write batch of every row of a CSV list,
after db.backup.backup_before(ledger, 'import'). Usage: python bulk_writer.py LIST.csv LEDGER.db"""
from __future__ import annotations

import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from db.backup import backup_before  # noqa: E402
from db.ledger import Ledger  # noqa: E402


def main(listing: str, ledger_path: str) -> int:
    with open(listing, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    with Ledger(ledger_path, create=False) as led:
        backup_before(led, "import")
        led.conn.execute(
            "PRAGMA cache_size = 20"
        )  # spill pages to the WAL mid-batch: a kill then leaves a torn batch on disk
        with led.write("import") as w:
            batch = w.conn.execute(
                "INSERT INTO batches (file_name, kind, os_user, created_at) VALUES (?, 'roster', ?, ?)",
                (Path(listing).name, led.user, w.stamp)).lastrowid
            w.batch_id = batch
            for r in rows:
                w.insert_firm(r["企业名称"], r["统一社会信用代码"], street_id=led.street_id(r["所在街道"]),
                              industry=r["所属行业"], contact_person=r["联系人"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
