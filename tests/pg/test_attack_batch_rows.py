"""An officer and the list rows (``batch_rows``) of a shared ledger: what each import's list said about each firm it
matched, which db/undo.py reads to know which later batch still asserts a value.

The app only ever INSERTs them (db/bulk.py ``record_rows``); they go only with their firm (ON DELETE CASCADE, run
as the tables' owner). Up to shared schema v10 an officer could UPDATE and DELETE the list rows of their streets'
firms, whoever's batch they were under (found by review): a forged row of the admin's later list made the admin's
undo of an earlier batch set the officer's value, audited as the admin's; a deleted one made it drop a value the
later list had confirmed; a list row moved onto another firm let that firm name the admin's batch. The first three
tests and the last failed on v10; the other two hold what must keep working (an officer's own list rows, and their
going with a firm an undo or a purge deletes).
"""
from __future__ import annotations

import psycopg
import pytest

from db.ledger import Ledger
from db.pg import schema
from importers.undo import undo_batch
from tests.pg.attack_helpers import import_list, one, street_firms

TAMPER = {
    "update": "UPDATE batch_rows SET fields = '{\"remark\": \"伪造\"}' WHERE batch_id = %s AND firm_id = %s",
    "delete": "DELETE FROM batch_rows WHERE batch_id = %s AND firm_id = %s",
    "refile": "UPDATE batch_rows SET firm_id = firm_id WHERE batch_id = %s AND firm_id = %s",
}


def tamper(url, what: str, batch: int, firm: int) -> int:
    """The officer's statement on the list row (batch, firm): rows it changed, 0 when refused."""
    with psycopg.connect(url, autocommit=True) as conn:
        try:
            return conn.execute(TAMPER[what], (batch, firm)).rowcount
        except psycopg.errors.InsufficientPrivilege:
            return 0


def list_row(url, batch: int, firm: int):
    return one(url, "SELECT fields FROM batch_rows WHERE batch_id = %s AND firm_id = %s", (batch, firm))


@pytest.mark.parametrize("what", sorted(TAMPER))
def test_an_officer_cannot_change_the_list_rows_of_anyones_batch(people, tmp_path, what):
    sup, off = people["super"], people["officer"]
    (fid, name, code), = street_firms(sup, "积玉桥", 1)             # a firm of the officer's street
    theirs = import_list(people["admin"], tmp_path, "管理员名单", [[name, code, "积玉桥", "管理员"]])
    mine = import_list(off, tmp_path, "专员名单", [[name, code, "积玉桥", "专员"]])
    for batch in (theirs, mine):
        kept = list_row(sup, batch, fid)
        assert kept is not None and list_row(off, batch, fid) == kept       # the officer reads them
        assert tamper(off, what, batch, fid) == 0, f"an officer ran {what} on a list row of batch {batch}"
        assert list_row(sup, batch, fid) == kept


@pytest.mark.parametrize("what", ["update", "delete"])
def test_an_officers_tampering_does_not_steer_the_admins_undo(people, tmp_path, what):
    """A: the admin's list changes a remark of the officer's street; B: the admin's later list confirms it. Undoing
    A (forced: B touched the firm) keeps the remark B asserts, whatever the officer did to B's list row."""
    sup, off = people["super"], people["officer"]
    (fid, name, code), = street_firms(sup, "积玉桥", 1)
    a = import_list(people["admin"], tmp_path, "甲", [[name, code, "积玉桥", "甲单"]])
    b = import_list(people["admin"], tmp_path, "乙", [[name, code, "积玉桥", "甲单"]])
    tamper(off, what, b, fid)
    with Ledger(people["admin"]) as led:
        undo_batch(led, a, force=True)
    assert one(sup, "SELECT remark FROM firms WHERE id = %s", (fid,)) == ("甲单",), \
        f"the officer's {what} of the admin's list row changed what the admin's undo set"


def test_an_officer_cannot_file_a_firm_under_the_admins_batch_through_a_list_row(people, tmp_path):
    """The batch guard lets a firm name a later batch whose list matched it (undo hands a firm over to it): moving
    the admin's list row onto another firm of theirs let an officer file that firm under the admin's batch, which
    the admin's undo of it would then delete (the hole schema v8 closed)."""
    sup, off = people["super"], people["officer"]
    (fid, name, code), (other, _, _) = street_firms(sup, "积玉桥", 2)
    theirs = import_list(people["admin"], tmp_path, "管理员名单", [[name, code, "积玉桥", "管理员"]])
    with psycopg.connect(off, autocommit=True) as conn:
        try:
            conn.execute("UPDATE batch_rows SET firm_id = %s WHERE batch_id = %s AND firm_id = %s",
                         (other, theirs, fid))
            conn.execute("UPDATE firms SET batch_id = %s WHERE id = %s", (theirs, other))
        except psycopg.errors.InsufficientPrivilege:
            pass
    assert one(sup, "SELECT batch_id FROM firms WHERE id = %s", (other,)) != (theirs,)


def test_an_officer_inserts_list_rows_only_of_their_own_batches_and_firms(people, tmp_path):
    sup, off = people["super"], people["officer"]
    (fid, name, code), (other, _, _) = street_firms(sup, "积玉桥", 2)
    (elsewhere, _, _), = street_firms(sup, "杨园", 1)
    theirs = import_list(people["admin"], tmp_path, "管理员名单", [[name, code, "积玉桥", "管理员"]])
    mine = import_list(off, tmp_path, "专员名单", [[name, code, "积玉桥", "专员"]])
    insert = "INSERT INTO batch_rows (batch_id, firm_id, fields) VALUES (%s, %s, '{}')"
    for batch, firm in ((theirs, other), (mine, elsewhere)):
        with psycopg.connect(off, autocommit=True) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(insert, (batch, firm))
    with psycopg.connect(off, autocommit=True) as conn:
        conn.execute(insert, (mine, other))                   # its own batch, its own firm
    assert one(sup, "SELECT count(*) FROM batch_rows WHERE firm_id IN (%s, %s)", (other, elsewhere)) == (1,)


def test_an_officers_undo_and_purge_still_take_list_rows_with_their_firm(people, tmp_path):
    """No app path updates or deletes a list row by itself: they go with their firm (the owner's cascade), also
    when an officer's undo deletes a firm its batch made."""
    sup, off = people["super"], people["officer"]
    (fid, name, code), = street_firms(sup, "积玉桥", 1)
    first = import_list(off, tmp_path, "新办", [["武汉列表行新办科技有限公司", "", "积玉桥", "新"]])
    made = one(sup, "SELECT id FROM firms WHERE batch_id = %s", (first,))[0]
    second = import_list(off, tmp_path, "再列", [["武汉列表行新办科技有限公司", "", "积玉桥", "再"],
                                                  [name, code, "积玉桥", "专员"]])
    theirs = import_list(people["admin"], tmp_path, "管理员名单", [[name, code, "积玉桥", "管理员"]])
    with Ledger(off) as led:
        undo_batch(led, second, force=True)
        undo_batch(led, first)                  # deletes the firm it made, which the second list had matched
        assert one(sup, "SELECT count(*) FROM batch_rows WHERE firm_id = %s", (made,)) == (0,)
        with led.write() as w:
            w.remove_firm(fid)
    with Ledger(people["admin"]) as led, led.write() as w:
        w.purge_firm(fid)         # the admin's (an officer's purge row names a firm gone: the audit policy refuses)
    assert one(sup, "SELECT count(*) FROM firms WHERE id IN (%s, %s)", (fid, made)) == (0,)
    assert one(sup, "SELECT count(*) FROM batch_rows WHERE firm_id IN (%s, %s)", (fid, made)) == (0,)
    assert one(sup, "SELECT count(*) FROM batch_rows WHERE batch_id IN (%s, %s, %s)", (first, second, theirs)) \
        == (0,)


def test_a_v10_ledger_is_upgraded_so_officers_no_longer_change_list_rows(people, tmp_path):
    """A ledger made before v11 (the grants and policies of v10, made here again) loses them when a superuser
    opens it to write; until then the officer could still change list rows."""
    sup, off = people["super"], people["officer"]
    (fid, name, code), = street_firms(sup, "积玉桥", 1)
    theirs = import_list(people["admin"], tmp_path, "管理员名单", [[name, code, "积玉桥", "管理员"]])
    write = ("(SELECT xingtu_write_all(current_user::text)) OR EXISTS (SELECT 1 FROM firms f WHERE f.id = firm_id "
             "AND f.street_id = ANY ((SELECT xingtu_write_streets(current_user::text))::bigint[]))")
    with psycopg.connect(sup, autocommit=True) as conn:
        owner = schema.tables_owner(conn)
        officer = owner.removesuffix("_owner") + "_officer"
        conn.execute(f'SET ROLE "{owner}"')
        conn.execute(f'GRANT INSERT, UPDATE, DELETE ON batch_rows TO "{officer}"')
        for command, clause in (("UPDATE", f"USING ({write}) WITH CHECK ({write})"), ("DELETE", f"USING ({write})")):
            conn.execute(f"DROP POLICY IF EXISTS batch_rows_{command.lower()} ON batch_rows")
            conn.execute(f"CREATE POLICY batch_rows_{command.lower()} ON batch_rows FOR {command} {clause}")
        conn.execute("RESET ROLE")
        conn.execute("UPDATE meta SET value = '10' WHERE key = 'shared_schema'")
        conn.execute("DELETE FROM migrations WHERE version > 10")
    assert tamper(off, "refile", theirs, fid) == 1                          # v10: the hole
    with Ledger(sup):                                                     # a superuser opens it to write
        pass
    assert one(sup, "SELECT value FROM meta WHERE key = 'shared_schema'") == (str(schema.VERSION),)
    assert schema.VERSION >= 11
    granted = [one(sup, "SELECT has_table_privilege(%s, 'batch_rows', %s)", (officer, p))[0]
               for p in ("UPDATE", "DELETE", "TRUNCATE", "INSERT")]
    assert granted == [False, False, False, True]
    for what in TAMPER:
        assert tamper(off, what, theirs, fid) == 0, what
