"""One door for writes (issue 13): no module outside db/ contains write SQL, and the audit INSERT is written once.

Tests may write raw SQL (fixtures of old versions, damaged ledgers); bench/fig_import.py's scratch table is the
measured floor of raw SQLite speed, not a ledger, and bench/import_floor.py writes a scratch copy of an import's
rows as the floor of SQLite's work for the same contents (never a person's ledger)."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WRITE = re.compile(r"\b(INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|REPLACE\s+INTO)\b")
ALLOWED = {"bench/fig_import.py", "bench/import_floor.py"}
SKIP = {"tests", "db", ".venv", ".git", "build"}


def python_files():
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in SKIP or rel.as_posix() in ALLOWED:
            continue
        yield rel, path.read_text(encoding="utf-8")


def test_no_write_sql_outside_db():
    found = [(str(rel), m.group(0)) for rel, text in python_files() for m in WRITE.finditer(text)]
    assert found == [], f"write SQL outside db/: {found}"


def test_the_guard_sees_write_sql():
    assert WRITE.search('conn.execute("INSERT OR REPLACE INTO meta (key) VALUES (?)")')
    assert WRITE.search("f\"UPDATE firms SET {x} WHERE id = ?\"") and WRITE.search("'DELETE FROM firms'")
    assert not WRITE.search("# an update of the street, inserted into the plan")


def test_the_audit_insert_is_written_once():
    where = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*.py") if p.relative_to(ROOT).parts[0] not in SKIP - {"db"}
             for _ in re.finditer(r"INSERT\s+INTO\s+audit\b", p.read_text(encoding="utf-8"))]
    assert where == ["db/ledger.py"]            # AUDIT_INSERT; everything else calls Writer.audit*
