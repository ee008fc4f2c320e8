"""The next firm and designation ids of a file ledger stay above every id the audit names, even when an audit id
column holds a text (written around the program; the test fixtures' generator wrote the firm's JSON into firm_id for
v1-v8, and restoring another ledger's backup made of one keeps such rows): SQLite orders text above every number,
MAX took the text, the next id was 1 and every new firm clashed with firm 1 (found in review)."""
import sqlite3

from db.ledger import Ledger


def _texts_in_the_audit(path) -> None:
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("INSERT INTO audit (at, os_user, action, entity, entity_id, firm_id, source) VALUES "
                "('2024-05-06T09:30:00+08:00', 'tool', 'insert', 'firm', 'x', '{\"name\": \"某\"}', 'person')")
    raw.execute("INSERT INTO audit (at, os_user, action, entity, entity_id, firm_id, source) VALUES "
                "('2024-05-06T09:30:00+08:00', 'tool', 'insert', 'designation', 'y', NULL, 'person')")
    raw.close()


def test_new_ids_ignore_texts_in_the_audit(tmp_path):
    path = tmp_path / "l.db"
    with Ledger(path, officer="测试专员") as led:
        with led.write() as w:
            first = w.insert_firm("武汉甲科技有限公司")
            w.add_designation(first, led.conn.execute("SELECT key FROM stages ORDER BY id").fetchone()[0],
                              "2024-01-01")
    _texts_in_the_audit(path)
    with Ledger(path, officer="测试专员") as led:
        with led.write() as w:
            second = w.insert_firm("武汉乙科技有限公司")
            w.add_designation(second, led.conn.execute("SELECT key FROM stages ORDER BY id").fetchone()[0],
                              "2024-01-01")
        assert second > first
        ids = [r[0] for r in led.conn.execute("SELECT id FROM designations ORDER BY id")]
        assert len(ids) == 2 and ids[1] > ids[0]
