"""What the tests of the shared ledger's COPY import and of the owner's bulk step share (not a test module)."""
import psycopg

from db import bulk
from pipeline.names import name_key

INDEXES = ("SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('firms', 'designations') UNION ALL "
           "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid IN "
           "('firms'::regclass, 'designations'::regclass) ORDER BY 1, 2")


def street_id(url: str, street: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT id FROM streets WHERE name = %s", (street,)).fetchone()[0]


def new_firm(led, street: int, name: str) -> list[int]:
    """One firm of *street* written through the import's bulk path (db/bulk.insert_firms) in a batch of its own."""
    with led.write("import") as w:
        bulk.open_batch(w, file_name="名单.xlsx", sha256=None, sheet=None, kind="roster", stage_key=None, mapping={},
                        counts={})
        return bulk.insert_firms(w, ("code", "code_raw", "code_status", "name", "name_key", "street_id",
                                     "needs_review"),
                                 [[None], [None], ["no_code"], [name], [name_key(name)], [street], [0]])
