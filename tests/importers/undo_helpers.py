"""The lists and the ledger state shared by the undo property test and the stateful ledger tests: random
overlapping lists of four firms, written as CSV, a fresh ledger with two firms, and the comparable state."""
import csv
from datetime import date

from hypothesis import strategies as st

from db.ledger import Ledger
from importers.plan import build_plan, commit_plan
from importers.undo import UndoConflict, UndoRefused, undo_batch
from tests.importers.helpers import C

HEAD = ["企业名称", "统一社会信用代码", "所在街道", "所属行业", "备注", "曾用名", "星级", "认定日期", "层级"]
CODES = C[:4]
# the day every import counts as today (build_plan(today=)): a ledger and its model replayed later must agree on
# it (a CI run that crossed midnight started the ledger's undated star on one day and the model's on the next)
TODAY = date(2026, 6, 30)

row = st.tuples(
    st.integers(0, 3),                                          # which firm
    st.sampled_from(["甲", "乙"]),                              # its name this time (a rename when it differs)
    st.sampled_from([None, "杨园", "粮道"]),
    st.sampled_from([None, "软件", "电子"]),
    st.sampled_from([None, "一", "二"]),
    st.sampled_from([None, "旧名"]),
    st.sampled_from([None, None, "繁星", "新星"]),
    st.sampled_from(["2024-01-01", "2024-06-01"]),
    st.sampled_from([None, None, "高新技术企业", "科技型中小企业"]))
batch = st.lists(row, min_size=1, max_size=3, unique_by=lambda r: r[0])
batches = st.lists(batch, min_size=2, max_size=4)


def write_list(folder, n, rows, codes: bool = True):
    """The list *rows* as a CSV file; *codes* False: without the credit codes (a list that names firms only)."""
    path = folder / f"名单{n}.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(HEAD)
        for k, tag, street, industry, remark, former, star, day, stage in rows:
            out.writerow([f"武汉{tag}{k}科技有限公司", CODES[k] if codes else "", street or "", industry or "",
                          remark or "", f"武汉{former}{k}有限公司" if former else "", star or "",
                          day if star or stage else "", stage or ""])
    return path


def fresh(path):
    led = Ledger(path, officer="测试专员")
    with led.write() as w:               # two firms in the ledger before any list
        w.insert_firm("武汉原0科技有限公司", CODES[0], industry="咨询", street_id=led.street_id("积玉桥"))
        w.insert_firm("武汉原1科技有限公司", CODES[1], remark="原有")
    return led


def state(led) -> dict:
    """Each live firm by its code; a firm without one (entered by hand) by "~" and its name, a list of every such
    firm of that name."""
    conn = led.conn
    out: dict = {}
    for fid, code, name, street, industry, remark in conn.execute(
            "SELECT f.id, f.code, f.name, s.name, f.industry, f.remark FROM firms f LEFT JOIN streets s "
            "ON s.id = f.street_id WHERE f.deleted_at IS NULL"):
        aliases = sorted(r[0] for r in conn.execute("SELECT name FROM firm_aliases WHERE firm_id = ?", (fid,)))
        des = sorted(tuple(r) for r in conn.execute(
            "SELECT s.key, d.start_date, d.end_date FROM designations d JOIN stages s ON s.id = d.stage_id "
            "WHERE d.firm_id = ? AND d.deleted_at IS NULL", (fid,)))
        if code is None:
            out.setdefault(f"~{name}", []).append((name, street, industry, remark, aliases, des))
        else:
            out[code] = (name, street, industry, remark, aliases, des)
    return {k: sorted(v, key=repr) if k.startswith("~") else v for k, v in out.items()}


def counts(led):
    return [led.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in ("firms", "designations", "firm_aliases")]


def r(k, tag="甲", remark=None, former=None):
    """A row of an example: firm k named 武汉{tag}{k}科技有限公司, nothing else but a remark or a former name."""
    return (k, tag, None, None, remark, former, None, "2024-01-01", None)


def run_case(tmp_path, lists, order, make=None):
    """*make*: the ledger under test from a fresh file ledger's path (default: that file; tests/pg: a shared
    ledger pushed from it); the model is always a file."""
    led = make(fresh(tmp_path / "a.db")) if make else fresh(tmp_path / "a.db")
    try:
        paths = [write_list(tmp_path, n, rows) for n, rows in enumerate(lists)]
        ids = [commit_plan(led, build_plan(led, p, today=TODAY)) for p in paths]
        undone = set()
        for k, force in order:
            if k in undone:
                continue
            before, rows = state(led), counts(led)
            try:
                out = undo_batch(led, ids[k], force=force)
                undone.add(k)
                after = counts(led)                          # the reported counts are what happened
                assert (rows[0] - after[0], rows[1] - after[1], rows[2] - after[2]) == (
                    out["firms_removed"], out["designations_removed"], out["aliases_removed"])
            except (UndoConflict, UndoRefused) as exc:
                assert exc.firms and state(led) == before      # refused: names firms, changes nothing
        got = state(led)
        audit_ok = led.shared or led.conn.execute("PRAGMA foreign_key_check").fetchall() == []  # the server checks
    finally:
        led.close()
    model = fresh(tmp_path / "b.db")
    try:
        for n, p in enumerate(paths):
            if n not in undone:
                commit_plan(model, build_plan(model, p, today=TODAY))
        want = state(model)
    finally:
        model.close()
    assert audit_ok
    assert got == want, f"undone {sorted(undone)} of {len(lists)}"


def order_of(draw_lists):
    return draw_lists.flatmap(lambda ls: st.tuples(
        st.just(ls), st.lists(st.tuples(st.integers(0, len(ls) - 1), st.booleans()), min_size=1, max_size=6)))
