"""A person's edits for the stateful ledger tests (tests/reliability/test_ledger_sequences.py): the strategy and
how one is applied, to the ledger under test and to its model alike, through the write API."""
from __future__ import annotations

from collections import Counter

from hypothesis import strategies as st

from db import merge
from db.errors import LedgerError
from db.ledger import AUDIT_COLUMNS
from tests.importers.undo_helpers import CODES

STAGES = st.sampled_from(["gaoqi", "kexiao", "fanxing", "xinxing"])
FIELDS = st.sampled_from([("remark", "人改"), ("remark", None), ("industry", "制造"), ("street", "杨园"),
                          ("street", None)])
FIRM = st.integers(0, len(CODES) - 1)
TAG = st.sampled_from(["甲", "乙", "手"])      # 甲, 乙: the names the lists give; 手: one no list gives
EDITS = st.one_of(                                      # a person's edit in the app, through the write API
    st.builds(lambda k, change: ("field", CODES[k], *change), FIRM, FIELDS),
    st.builds(lambda k, tag: ("rename", CODES[k], f"武汉{tag}{k}科技有限公司"), FIRM, st.sampled_from(["人", "甲"])),
    st.builds(lambda k, stage, day: ("designation", CODES[k], stage, day), FIRM,   # star tiers: a star move
              STAGES, st.sampled_from(["2023-03-01", "2025-01-01"])),
    st.builds(lambda k: ("remove", CODES[k]), FIRM),                                # to the recycle bin
    st.builds(lambda k: ("unremove", CODES[k]), FIRM),                              # back out of the bin
    st.builds(lambda k: ("purge", CODES[k]), FIRM),                                 # deleted for good from the bin
    st.builds(lambda k, stage, end: ("designation_end", CODES[k], stage, end), FIRM,   # a person's date edit
              STAGES, st.sampled_from(["2024-12-31", "2027-01-01", None])),
    st.builds(lambda k, stage: ("designation_delete", CODES[k], stage), FIRM, STAGES),
    # a firm entered by hand, without a credit code (a list may later bring it under its code), and the merge of
    # such a record into the firm with the code (企业 → 合并为一家企业)
    st.builds(lambda k, tag, stage: ("hand", f"武汉{tag}{k}科技有限公司", stage), FIRM, TAG,
              st.sampled_from([None, "kexiao", "xinxing"])),
    st.builds(lambda k, tag: ("merge", CODES[k], f"武汉{tag}{k}科技有限公司"), FIRM, TAG))


def audit(led) -> Counter:
    return Counter(led.conn.execute(f"SELECT {', '.join(AUDIT_COLUMNS)} FROM audit").fetchall())


def firm_ids(led) -> dict[str, int]:
    """Each live firm's id by its key in ``state`` (code, or "~" and the name of a firm without one)."""
    return {code or f"~{name}": fid for fid, code, name in
            led.conn.execute("SELECT id, code, name FROM firms WHERE deleted_at IS NULL")}


def binned(led) -> dict[str, int]:
    return {code: fid for fid, code in led.conn.execute("SELECT id, code FROM firms WHERE deleted_at IS NOT NULL")}


def _uncoded(led, name: str) -> int | None:
    row = led.conn.execute("SELECT id FROM firms WHERE name = ? AND code IS NULL AND deleted_at IS NULL "
                           "ORDER BY id LIMIT 1", (name,)).fetchone()
    return row[0] if row else None


def _by_hand(led, op):
    """A firm entered by hand (refused, in this model, when a live firm has the name); a merge of the record
    without a code into the one with it: what it did (``merge.MergeDone``), or False when refused."""
    if op[0] == "hand":
        if led.conn.execute("SELECT COUNT(*) FROM firms WHERE name = ? AND deleted_at IS NULL", (op[1],)).fetchone()[0]:
            return False
        with led.write() as w:
            fid = w.insert_firm(op[1], industry="咨询")
            if op[2]:
                w.add_designation(fid, op[2], "2024-01-01")
        return True
    keep, gone = firm_ids(led).get(op[1]), _uncoded(led, op[2])
    if keep is None and len(op) > 3:     # replayed on the model: the code may have come from a list undone since
        keep = led.conn.execute("SELECT id FROM firms WHERE name = ? AND deleted_at IS NULL AND id != ? ORDER BY id "
                                "LIMIT 1", (op[3], gone or 0)).fetchone()
        keep = keep and keep[0]
    if keep is None or gone is None:
        return False
    try:
        with led.write() as w:
            return merge.merge(w, keep, gone)
    except LedgerError:
        return False


def logged(led, op):
    """*op* as the model replays it: a merge names the kept firm by its code and, for a model in which no firm has
    that code (the list that brought it undone), by the name it had."""
    if op[0] != "merge":
        return op
    row = led.conn.execute("SELECT name FROM firms WHERE code = ? AND deleted_at IS NULL", (op[1],)).fetchone()
    return (*op, row[0]) if row else op


def apply_edit(led, op):
    """Apply a person's edit *op* to *led*; whether it changed anything (a firm it names missing: nothing).
    A designation of a star tier is a star move: the write API ends the tier held (one tier per ladder)."""
    if op[0] == "unmerged":               # the mark of a merge undone: nothing to replay
        return False
    if op[0] in ("hand", "merge"):
        return _by_hand(led, op)
    if op[0] in ("unremove", "purge"):
        fid = binned(led).get(op[1])
        if fid is None:
            return False
        with led.write() as w:
            w.restore_firm(fid) if op[0] == "unremove" else w.purge_firm(fid)
        return True
    fid = firm_ids(led).get(op[1])
    if fid is None:
        return False
    if op[0] in ("designation_end", "designation_delete"):
        return _date_edit(led, fid, op)
    with led.write() as w:
        if op[0] == "field":
            field, value = op[2], op[3]
            if field == "street":
                field, value = "street_id", led.street_id(value) if value else None
            return bool(w.update_firm(fid, **{field: value}))
        if op[0] == "rename":
            before = w.firm(fid)["name"]
            w.rename_firm(fid, op[2])
            return w.firm(fid)["name"] != before
        if op[0] == "remove":
            w.remove_firm(fid)
            return True
        taken = led.conn.execute("SELECT COUNT(*) FROM designations d JOIN stages s ON s.id = d.stage_id WHERE "
                                 "d.firm_id = ? AND s.key = ? AND d.deleted_at IS NULL", (fid, op[2])).fetchone()[0]
        if taken:
            return False
        w.add_designation(fid, op[2], op[3])
        return True


def _date_edit(led, fid: int, op) -> bool:
    held = led.conn.execute("SELECT d.id, d.start_date FROM designations d JOIN stages s ON s.id = d.stage_id "
                            "WHERE d.firm_id = ? AND s.key = ? AND d.deleted_at IS NULL ORDER BY d.start_date, "
                            "d.id LIMIT 1", (fid, op[2])).fetchone()
    if held is None or (op[0] == "designation_end" and op[3] is not None and op[3] <= held[1]):
        return False
    with led.write() as w:
        if op[0] == "designation_delete":
            w.delete_designation(held[0])
            return True
        return bool(w.update_designation(held[0], end_date=op[3]))
