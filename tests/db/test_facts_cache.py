"""The dashboard's facts cache (db/facts_cache.py): a hit gives the very facts of a full read, and any
write (an edit, an import, its undo, a restore, another process, a copy of the file) is seen by the next open,
patched from the log of changed firms (db/facts_log.py; tests/db/test_facts_log.py tries every sequence); a
partial or corrupt file is ignored. The same for the derived structures kept next to
the facts (per-stage indexes, cohort entries, bases): adopted while the ledger is unchanged, built again after
any write, and a damaged file is built past, never read into a figure."""
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from db import backup as bk
from db import connection, dashboard_queries, facts_cache
from db.ledger import Ledger
from db.restore import restore_checked
from importers.plan import build_plan, commit_plan
from importers.undo import undo_batch
from tests.db.facts_log_helpers import full, load, same
from tests.importers.undo_helpers import r, write_list

FULL_READ = dashboard_queries.load_facts


def test_a_hit_gives_the_facts_of_a_full_read(demo_copy, tmp_path, reads):
    with Ledger(demo_copy) as led:
        first = load(led, tmp_path)
        assert len(reads) == 1 and facts_cache.current_token(led.conn)
        again = load(led, tmp_path)
        assert len(reads) == 1                                     # no read of the ledger
        assert same(again, first) and same(again, full(led)) and again.presorted
        assert len(again) > 1000


def _stage(led) -> str:
    return led.conn.execute("SELECT key FROM stages WHERE active = 1 ORDER BY id LIMIT 1").fetchone()[0]


def _add(led, _):
    with led.write() as w:
        w.add_designation(1, _stage(led), "2024-01-01")


def _end(led, _):
    did = led.conn.execute("SELECT id FROM designations WHERE deleted_at IS NULL ORDER BY id LIMIT 1").fetchone()[0]
    with led.write() as w:
        w.update_designation(did, end_date="2024-03-01")


def _delete(led, _):
    did = led.conn.execute("SELECT id FROM designations WHERE deleted_at IS NULL ORDER BY id LIMIT 1").fetchone()[0]
    with led.write() as w:
        w.delete_designation(did)


def _recycle(led, _):
    fid = led.conn.execute("SELECT firm_id FROM designations WHERE deleted_at IS NULL LIMIT 1").fetchone()[0]
    with led.write() as w:
        w.remove_firm(fid)


def _street(led, _):
    fid, street = led.conn.execute("SELECT id, street_id FROM firms WHERE street_id IS NOT NULL AND id IN "
                                   "(SELECT firm_id FROM designations) LIMIT 1").fetchone()
    other = next(s for s, _ in led.streets() if s != street)
    with led.write() as w:
        w.update_firm(fid, street_id=other)


def _import(led, folder):
    commit_plan(led, build_plan(led, write_list(folder, 0, [(0, "甲", "杨园", None, None, None, "繁星",
                                                           "2024-01-01", "高新技术企业")])))


@pytest.mark.parametrize("write", [_add, _end, _delete, _recycle, _street, _import])
def test_any_write_is_seen_by_the_next_open(write, demo_copy, tmp_path, reads):
    with Ledger(demo_copy, officer="测试专员") as led:
        before = load(led, tmp_path)
        token = facts_cache.current_token(led.conn)
        write(led, tmp_path)
        assert facts_cache.current_token(led.conn) != token
        after = load(led, tmp_path)
        assert len(reads) == 1 and same(after, full(led)) and not same(after, before)   # patched, not read again
        assert same(load(led, tmp_path), after) and len(reads) == 1      # the patched facts are cached in turn


def test_reading_and_writes_of_other_data_keep_the_cache(demo_copy, tmp_path, reads):
    """Reading, searching and the firm file keep the cache; so does a write of what the dashboard does not
    read (a service record: logged as a mark, no firm)."""
    with Ledger(demo_copy, officer="测试专员") as led:
        load(led, tmp_path)
        led.conn.execute("SELECT count(*) FROM firm_search WHERE firm_search MATCH '公司'").fetchone()
        load(led, tmp_path)
        assert len(reads) == 1
        with led.write() as w:
            w.add_service(1, "2025-01-02", notes="走访")
        assert same(load(led, tmp_path), full(led))
        assert len(reads) == 1


WRITER = """
import sys
from db.ledger import Ledger
with Ledger(sys.argv[1], officer="另一专员") as led, led.write() as w:
    did = led.conn.execute("SELECT min(id) FROM designations WHERE deleted_at IS NULL").fetchone()[0]
    w.update_designation(did, start_date="2001-01-01")
"""


def test_another_processs_write_is_seen_by_a_viewer(demo_copy, tmp_path, reads):
    with Ledger(demo_copy) as led:                  # the first open saves the cache
        load(led, tmp_path)
    with Ledger(demo_copy, readonly=True) as viewer:    # a second window, read-only, while another writes
        before = load(viewer, tmp_path)
        assert len(reads) == 1                      # served from the cache
        subprocess.run([sys.executable, "-c", WRITER, str(demo_copy)], check=True,
                       cwd=Path(__file__).resolve().parents[2])
        after = load(viewer, tmp_path)
        assert len(reads) == 1 and same(after, full(viewer)) and not same(after, before)


def test_undo_of_an_import_is_seen(tmp_path, reads):
    with Ledger(tmp_path / "l.db", officer="测试专员") as led:
        batch = commit_plan(led, build_plan(led, write_list(tmp_path, 0, [
            (0, "甲", "杨园", None, None, None, "繁星", "2024-01-01", "高新技术企业"), r(1)])))
        with_batch = load(led, tmp_path)
        undo_batch(led, batch)
        after = load(led, tmp_path)
        assert len(reads) == 1 and same(after, full(led)) and len(after) < len(with_batch)


def test_a_restored_backup_is_read_as_it_was(demo_copy, tmp_path, reads):
    dest = tmp_path / "bk"
    with Ledger(demo_copy, officer="测试专员") as led:
        then = load(led, tmp_path)                                # token of this state, in the backup too
        info = bk.backup(demo_copy, dest, "manual")
        _add(led, tmp_path)
        assert not same(load(led, tmp_path), then)              # the cache now holds the later state
    restore_checked(info.path, demo_copy, dest)
    with Ledger(demo_copy, officer="测试专员") as led:
        restored = load(led, tmp_path)
        assert same(restored, then) and same(restored, full(led))


def test_a_copy_written_to_does_not_use_the_original_s_cache(demo_copy, tmp_path, reads):
    with Ledger(demo_copy, officer="测试专员") as led:
        load(led, tmp_path)
        led.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        copy = tmp_path / "copy.db"
        shutil.copy(demo_copy, copy)
    with Ledger(copy, officer="测试专员") as other:             # same ledger_id, same log: a hit while unchanged
        assert same(load(other, tmp_path), full(other)) and len(reads) == 1
        _add(other, tmp_path)                                    # patched from the mark both share
        assert same(load(other, tmp_path), full(other)) and len(reads) == 1
    with Ledger(demo_copy, officer="测试专员") as led:          # the cache is the copy's now: not of this history
        assert same(load(led, tmp_path), full(led)) and len(reads) == 2


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "empty"])
def test_a_partial_or_corrupt_cache_file_is_read_past(damage, demo_copy, tmp_path, reads):
    with Ledger(demo_copy) as led:
        first = load(led, tmp_path)
        file = facts_cache.cache_file(led.conn, tmp_path)
        data = bytearray(file.read_bytes())
        if damage == "truncate":
            data = data[: len(data) // 2]
        elif damage == "flip":
            data[len(data) // 2] ^= 0xFF
        elif damage == "garbage":
            data = bytearray(b"not a cache" * 100)
        else:
            data = bytearray()
        file.write_bytes(bytes(data))
        again = load(led, tmp_path)
        assert len(reads) == 2 and same(again, first)
        assert same(load(led, tmp_path), first) and len(reads) == 2     # and the cache is whole again


def test_a_read_only_ledger_is_read_without_a_write(demo_copy, tmp_path, reads):
    """A read-only ledger with a mark (any ledger written once since v9) keeps a cache without writing; one
    without a mark (migrated, never written since) is read in full and nothing is saved."""
    with Ledger(demo_copy, readonly=True) as led:
        position = facts_cache.current_token(led.conn)
        facts = load(led, tmp_path)
        assert facts_cache.current_token(led.conn) == position and len(reads) == 1
        assert same(facts, full(led)) and same(load(led, tmp_path), facts) and len(reads) == 1
    with Ledger(demo_copy) as led, led.write() as w:
        w.conn.execute("DELETE FROM facts_log WHERE token IS NOT NULL")
    shutil.rmtree(tmp_path / "cache", ignore_errors=True)
    for f in tmp_path.glob("facts-*"):
        f.unlink()
    with Ledger(demo_copy, readonly=True) as led:
        facts = load(led, tmp_path)
        assert facts_cache.current_token(led.conn) is None and len(reads) == 2
        assert same(facts, full(led)) and not list(tmp_path.glob("facts-*"))


def test_a_ledger_before_v9_gets_no_cache(tmp_path, reads):
    old = tmp_path / "v5.db"
    shutil.copy(Path(__file__).resolve().parents[1] / "data" / "ledger_v5.db", old)
    conn = connection.connect(old)                               # connected, not migrated: schema v5
    try:
        facts_cache.load_facts(conn, old, tmp_path)
        assert facts_cache.current_token(conn) is None and not list(tmp_path.glob("facts-*"))
    finally:
        conn.close()


# the derived structures (indexes, cohort entries, bases) kept next to the facts ------------------------------
YEAR, DAY, NEXT_DAY = 2024, date(2024, 5, 31), date(2024, 6, 3)


def _open(led, folder, monkeypatch):
    from ui.dashboard import source
    monkeypatch.setattr(facts_cache, "cache_dir", lambda: folder)
    return source, source.open_dashboard(led)


@pytest.fixture
def builds(monkeypatch):
    """Counts the per-stage indexes built (an adopted state builds none)."""
    from pipeline import trend
    calls = []
    init = trend.SetIndex.__init__

    def counted(self, facts, stage_ids):
        calls.append(tuple(stage_ids))
        init(self, facts, stage_ids)
    monkeypatch.setattr(trend.SetIndex, "__init__", counted)
    return calls


def _fresh_view(led, day=NEXT_DAY):
    from pipeline.dashboard import Dashboard
    dash = Dashboard(full(led), led.catalog(), dashboard_queries.all_targets(led.conn), led.streets())
    return dash.compute(YEAR, day)


def test_the_first_view_s_indexes_are_kept_and_the_next_open_builds_none(demo_copy, tmp_path, monkeypatch, builds):
    from tests.pipeline.helpers import same as same_view
    with Ledger(demo_copy) as led:
        source, (dash, loaded) = _open(led, tmp_path, monkeypatch)
        assert loaded.derived is None
        dash.compute(YEAR, DAY)
        assert builds and source.keep(led, dash, loaded)
        assert facts_cache.derived_file(facts_cache.cache_file(led.conn, tmp_path)).exists()
        assert not source.keep(led, dash, loaded)                   # nothing new: not written again
        built = len(builds)
        _, (again, loaded) = _open(led, tmp_path, monkeypatch)
        assert loaded.derived is not None
        view = again.compute(YEAR, NEXT_DAY)
        assert len(builds) == built                                 # every index came from the file
        same_view(view, _fresh_view(led))
        assert not source.keep(led, again, loaded)                  # another day of the year: nothing new


@pytest.mark.parametrize("write", [_add, _end, _delete, _recycle, _street, _import])
def test_any_write_makes_the_next_open_build_its_indexes_again(write, demo_copy, tmp_path, monkeypatch):
    from tests.pipeline.helpers import same as same_view
    with Ledger(demo_copy, officer="测试专员") as led:
        source, (dash, loaded) = _open(led, tmp_path, monkeypatch)
        dash.compute(YEAR, DAY)
        assert source.keep(led, dash, loaded)
        write(led, tmp_path)
        _, (dash, loaded) = _open(led, tmp_path, monkeypatch)
        assert loaded.derived is None
        same_view(dash.compute(YEAR, NEXT_DAY), _fresh_view(led))


def test_a_write_between_the_open_and_the_keep_saves_nothing(demo_copy, tmp_path, monkeypatch):
    with Ledger(demo_copy, officer="测试专员") as led:
        source, (dash, loaded) = _open(led, tmp_path, monkeypatch)
        dash.compute(YEAR, DAY)
        _add(led, tmp_path)                                         # the facts the dashboard holds are stale
        assert not source.keep(led, dash, loaded)
        assert not facts_cache.derived_file(facts_cache.cache_file(led.conn, tmp_path)).exists()


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "empty", "extend"])
def test_a_partial_or_corrupt_derived_file_is_built_again(damage, demo_copy, tmp_path, monkeypatch, builds):
    from tests.pipeline.helpers import same as same_view
    with Ledger(demo_copy) as led:
        source, (dash, loaded) = _open(led, tmp_path, monkeypatch)
        dash.compute(YEAR, DAY)
        source.keep(led, dash, loaded)
        file = facts_cache.derived_file(facts_cache.cache_file(led.conn, tmp_path))
        data = bytearray(file.read_bytes())
        if damage == "truncate":
            data = data[: len(data) // 2]
        elif damage == "flip":
            data[len(data) // 2] ^= 0x04
        elif damage == "garbage":
            data = bytearray(b"not a cache" * 100)
        elif damage == "extend":
            data += b"\0" * 64
        else:
            data = bytearray()
        file.write_bytes(bytes(data))
        built = len(builds)
        _, (again, loaded) = _open(led, tmp_path, monkeypatch)
        assert loaded.derived is None
        same_view(again.compute(YEAR, NEXT_DAY), _fresh_view(led))
        assert len(builds) > built
        assert source.keep(led, again, loaded)                      # and it is whole again
        _, (third, loaded) = _open(led, tmp_path, monkeypatch)
        assert loaded.derived is not None


def test_a_derived_file_of_another_token_is_not_used(demo_copy, tmp_path, monkeypatch):
    """A backup's derived file next to a later state: the token of the facts decides."""
    with Ledger(demo_copy, officer="测试专员") as led:
        source, (dash, loaded) = _open(led, tmp_path, monkeypatch)
        dash.compute(YEAR, DAY)
        source.keep(led, dash, loaded)
        file = facts_cache.derived_file(facts_cache.cache_file(led.conn, tmp_path))
        old = file.read_bytes()
        _add(led, tmp_path)
        _, (dash, loaded) = _open(led, tmp_path, monkeypatch)       # new token, new facts file
        file.write_bytes(old)                                       # the earlier state's derived file
        _, (dash, loaded) = _open(led, tmp_path, monkeypatch)
        assert loaded.token and loaded.derived is None


def test_a_keep_after_the_ledger_is_closed_saves_nothing_and_raises_nothing(demo_copy, tmp_path, monkeypatch):
    led = Ledger(demo_copy)
    source, (dash, loaded) = _open(led, tmp_path, monkeypatch)
    dash.compute(YEAR, DAY)
    led.close()
    assert not source.keep(led, dash, loaded)
    assert not facts_cache.derived_file(loaded.file).exists()


def test_stale_cache_files_are_removed_when_a_cache_is_written(tmp_path):
    """A temporary file left by a write killed over an hour ago, and the files of a ledger not written for
    60 days (a copy, an old backup opened once: about 0.75 GB each at 1M firms) go; the rest stays."""
    import os
    import time
    now = time.time()
    made = {}
    for name, age in (("facts-old.npz", 61 * 86400), ("facts-old.derived", 61 * 86400), ("facts-new.npz", 3600),
                      ("facts-new.derived", 3600), ("facts-x1.tmp", 7200), ("facts-x2.tmp", 60),
                      ("facts-mine.npz", 90 * 86400), ("facts-mine.derived", 90 * 86400), ("other.txt", 90 * 86400)):
        path = tmp_path / name
        path.write_bytes(b"x")
        os.utime(path, (now - age, now - age))
        made[name] = path
    gone = facts_cache.prune(tmp_path, keep=made["facts-mine.npz"], now=now)
    assert sorted(p.name for p in gone) == ["facts-old.derived", "facts-old.npz", "facts-x1.tmp"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "facts-mine.derived", "facts-mine.npz", "facts-new.derived", "facts-new.npz", "facts-x2.tmp", "other.txt"]
