"""Shared by the importer tests (and the CLI and db tests that import lists): firm codes, a list header,
writing a list, seeding firms, and a dump of every ledger table."""
from bench.generate import LIST_HEADERS, LIST_TITLE, list_rows
from db import bulk
from pipeline.uscc import make_code
from tests.importers import fixtures as fx

C = [make_code("9", "1", "420106", f"MB7Q{i:04d}") for i in range(1, 10)]
HEAD = ["序号", "企业名称", "统一社会信用代码", "所在街道", "所属行业"]


def bad_check(code: str) -> str:
    last = "0" if code[-1] != "0" else "1"
    return code[:-1] + last


def xlsx(tmp_path, rows, name="名单.xlsx", title=None):
    return fx.write_simple_xlsx(tmp_path, name, ([[title]] if title else []) + rows)


def firms(ledger):
    return ledger.conn.execute(
        "SELECT f.code, f.name, s.name, f.industry, f.code_status, f.needs_review FROM firms f "
        "LEFT JOIN streets s ON s.id = f.street_id ORDER BY f.id").fetchall()


def designations(ledger):
    return ledger.conn.execute(
        "SELECT f.code, s.key, d.start_date, d.end_date, d.evidence FROM designations d "
        "JOIN firms f ON f.id = d.firm_id JOIN stages s ON s.id = d.stage_id ORDER BY d.id"
    ).fetchall()


def seed(ledger, *firms_):
    with ledger.write() as w:
        return [w.insert_firm(name, code, **kw) for name, code, kw in firms_]


def dump(ledger) -> dict:
    """Every ledger table (not the append-only audit, the batch log, meta, nor the dashboard's log of changed firms,
    db/facts_log.py: a mark of each write, ranges set-wise in bulk), and the search index's text."""
    conn = ledger.conn
    skip = ("AND {col} NOT LIKE 'firm_search%' "
            "AND {col} NOT IN ('audit', 'batches', 'batch_rows', 'meta', 'app_users', 'facts_log')")
    if ledger.shared:               # the server's tables (the trigram indexes are indexes, not tables)
        names = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                                            + skip.format(col="tablename") + " ORDER BY tablename")]
    else:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                                            "'sqlite_%' " + skip.format(col="name") + " ORDER BY name")]
    out = {n: [tuple(r) for r in conn.execute(f"SELECT * FROM {n} ORDER BY 1")] for n in names}
    if not ledger.shared and conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'firm_search'").fetchone():
        out["firm_search"] = conn.execute("SELECT rowid, text FROM firm_search ORDER BY rowid").fetchall()
    return out


N = bulk.BULK + 100            # a first list large enough for the bulk path


def two_lists(tmp_path):
    """Two lists for the bulk path: N firms (every 7th with former names), then half of them again (renames,
    street moves) and 300 more."""
    first = [list(r) for r in list_rows(N, seed=7)]
    for k, row in enumerate(first):
        row.append(f"武汉旧名{k}有限公司、旧称{k}" if k % 7 == 0 else "")
    second = [list(r) for r in list_rows(N + 300, seed=7)][N // 2:]     # half matched, 300 new
    for k, row in enumerate(second):
        if k % 5 == 0 and k < N // 2:
            row[1] = f"武汉更名{k}科技有限公司"                             # a rename: the old name a former name
        if k % 3 == 0:
            row[3] = "杨园街道"
        row.append("")
    head = [*LIST_HEADERS, "曾用名"]
    return (xlsx(tmp_path, [head, *first], "一.xlsx", LIST_TITLE), xlsx(tmp_path, [head, *second], "二.xlsx",
                                                                            LIST_TITLE))
