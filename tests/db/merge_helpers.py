"""Shared by the merge tests (db/merge.py): what the ledger holds for a person, and two records of one firm."""
from pipeline.uscc import make_code

CODE = make_code("9", "1", "420106", "MC8K0001")
OTHER = make_code("9", "1", "420106", "MC8K0002")


def live(led) -> dict:
    """What the ledger holds for a person: each firm (fields, in the bin or not), its live designations, former
    names and live service records (ids, stamps and soft-deleted rows aside)."""
    q = led.conn.execute
    firms = {r[0]: r[1:] for r in q("SELECT id, name, code, street_id, industry, remark, contact_phone, "
                                    "deleted_at IS NOT NULL FROM firms ORDER BY id")}
    held = sorted(q("SELECT firm_id, stage_id, start_date, end_date, evidence, list_name FROM designations "
                    "WHERE deleted_at IS NULL").fetchall(), key=repr)
    names = sorted(q("SELECT firm_id, name, seen_on FROM firm_aliases").fetchall(), key=repr)
    services = sorted(q("SELECT firm_id, date, officer, kind, notes, follow_up FROM service_records "
                        "WHERE deleted_at IS NULL").fetchall(), key=repr)
    return {"firms": firms, "held": held, "names": names, "services": services}


def two_records(led):
    """The same firm twice: entered with its code (杨园), and by hand under a shorter name with more filled in."""
    with led.write() as w:
        keep = w.insert_firm("武汉星河科技有限公司", CODE, street_id=led.street_id("杨园"))
        gone = w.insert_firm("星河科技", street_id=led.street_id("积玉桥"), industry="软件", contact_phone="027-1")
        w.add_alias(gone, "武汉星河网络公司")
        w.add_designation(keep, "gaoqi", "2022-01-01")
        w.add_designation(keep, "xinxing", "2023-01-01")
        w.add_designation(gone, "gaoqi", "2022-01-01", evidence="GR2022")                # held by both
        w.add_designation(gone, "kexiao", "2023-05-01", open_end=True, list_name="科小名单")  # open, as it is
        w.add_designation(gone, "fanxing", "2023-01-01")                                  # a clash on the ladder
        w.add_designation(gone, "liangxing", "2024-06-01")                                # ends keep's 新星
        w.add_service(gone, "2024-03-01", officer="周玲", kind="走访", notes="谈研发投入")
    return keep, gone


def stage(led, key):
    return led.catalog().stage(key).id


def round_trip(led, keep: int, gone: int):
    """Merge, undo, redo, undo again, each exact: the ledger after an undo is the one before the merge, after the
    redo the one after it. Returns the first merge's record and the ledger as merged."""
    from db import merge
    before = live(led)
    with led.write() as w:
        done = merge.merge(w, keep, gone)
    merged = live(led)
    with led.write() as w:
        merge.unmerge(w, done)
    assert live(led) == before
    with led.write() as w:
        again = merge.merge(w, keep, gone)
    assert live(led) == merged
    with led.write() as w:
        merge.unmerge(w, again)
    assert live(led) == before
    return done, merged


def undo_refused(led, done, match: str | None = None):
    """The undo of *done* is refused (LedgerError, its text matching *match*) and the ledger is as it was."""
    import pytest

    from db import merge
    from db.errors import LedgerError
    now = live(led)
    with pytest.raises(LedgerError, match=match) as refused, led.write() as w:
        merge.unmerge(w, done)
    assert live(led) == now
    return refused.value
