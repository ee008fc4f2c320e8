"""No lost update on a shared ledger: two processes, two logins, saving the same firm at the same moment."""
import multiprocessing
import time

import psycopg
import pytest

from db.pg import setup

JYQ_FIRM = ("SELECT f.id FROM firms f JOIN streets s ON s.id = f.street_id WHERE s.name = '积玉桥' "
            "AND f.deleted_at IS NULL ORDER BY f.id LIMIT 1")


def _edit(url: str, fid: int, remark: str, barrier, results) -> None:
    """One person: read the firm, wait for the other, save an edit carrying what was read."""
    from db.conflict import EditConflict
    from db.ledger import Ledger
    with Ledger(url) as led:
        cur = led.conn.execute("SELECT * FROM firms WHERE id = ?", (fid,))
        seen = dict(zip([d[0] for d in cur.description], cur.fetchone(), strict=True))
        barrier.wait(timeout=60)
        try:
            with led.write() as w:
                w.update_firm(fid, seen=seen, remark=remark)
                time.sleep(0.5)               # hold the row: the other save meets it locked
            results.put(("saved", remark, led.login))
        except EditConflict as exc:
            results.put(("refused", str(exc), led.login))


def _add_tier(url: str, fid: int, stage: str, barrier, results) -> None:
    from db.ledger import Ledger
    with Ledger(url) as led:
        barrier.wait(timeout=60)
        with led.write() as w:
            w.add_designation(fid, stage, "2024-05-01")
            time.sleep(0.3)
        results.put(stage)


def race(target, args_by_process):
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(len(args_by_process)), ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args, barrier, results)) for args in args_by_process]
    for p in procs:
        p.start()
    out = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    return out


@pytest.fixture
def two_officers(pg_db, people):
    server, name = pg_db
    setup.add_user(people["super"], f"{name}_jyq2", "officer", ["积玉桥"])
    with psycopg.connect(people["super"]) as conn:
        fid = conn.execute(JYQ_FIRM).fetchone()[0]
    return people["officer"], server.url_for(name, user=f"{name}_jyq2"), fid


def test_two_people_saving_the_same_firm_at_once_one_wins_the_other_is_told(two_officers, people):
    first, second, fid = two_officers
    out = race(_edit, [(first, fid, "第一人的修改"), (second, fid, "第二人的修改")])
    saved = [o for o in out if o[0] == "saved"]
    refused = [o for o in out if o[0] == "refused"]
    assert len(saved) == 1 and len(refused) == 1, out
    _, remark, winner = saved[0]
    _, message, loser = refused[0]
    assert winner != loser and f"已被 {winner}" in message and f"备注：{remark}" in message
    with psycopg.connect(people["super"]) as conn:
        assert conn.execute("SELECT remark FROM firms WHERE id = %s", (fid,)).fetchone() == (remark,)
        rows = conn.execute("SELECT login, after FROM audit WHERE firm_id = %s AND action = 'update' "
                            "AND entity = 'firm'", (fid,)).fetchall()
    assert len(rows) == 1 and rows[0][0] == winner and remark in rows[0][1]      # nothing lost, nothing doubled


def test_two_star_tiers_added_at_once_keep_one_tier_at_a_time(two_officers, people):
    first, second, fid = two_officers
    race(_add_tier, [(first, fid, "xinxing"), (second, fid, "liangxing")])
    with psycopg.connect(people["super"]) as conn:
        held = conn.execute("SELECT s.key, d.end_date FROM designations d JOIN stages s ON s.id = d.stage_id "
                            "JOIN tracks t ON t.id = s.track_id WHERE d.firm_id = %s AND t.key = 'star' "
                            "AND d.deleted_at IS NULL AND d.start_date <= '2024-05-01' "
                            "AND (d.end_date IS NULL OR d.end_date > '2024-05-01')", (fid,)).fetchall()
    assert len(held) == 1, held                    # the second writer saw the first's tier and replaced it
