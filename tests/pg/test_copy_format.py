"""How an import's rows reach the server (db/pg/copy.py, issue 16: a 100k-row list into an empty shared ledger
within 1.5x the file's time): the ids drawn with the sequence looked up once, every name's pinyin computed before
the COPY starts, and the COPY in binary when every value is exactly its column's type (else text, as before)."""
import json
from datetime import date

import psycopg
import pytest

from db.engine import SharedEngine
from db.ledger import Ledger
from db.pg import copy as pg_copy
from db.pg import setup
from tests.pg.copy_helpers import new_firm, street_id


class _Recorded:
    """A ledger connection that keeps the SQL it runs."""

    def __init__(self, conn) -> None:
        self.conn, self.sql = conn, []

    def execute(self, sql, params=()):
        self.sql.append(sql)
        return self.conn.execute(sql, params)


def test_new_ids_look_the_sequence_up_once_and_come_back_in_order(pg_url):
    setup.init(pg_url)
    with Ledger(pg_url) as led, led.write("test") as w:
        recorded = _Recorded(w.conn)
        ids = SharedEngine.new_ids(recorded, "firms", 1000)
        assert ids == sorted(set(ids)) and len(ids) == 1000
        assert SharedEngine.new_ids(w.conn, "firms", 3)[0] > ids[-1]
        plan = w.conn.execute(f"EXPLAIN (FORMAT JSON) {recorded.sql[0]}", (1000,)).fetchone()[0]
        plan = plan if isinstance(plan, str) else json.dumps(plan)
        # an InitPlan: pg_get_serial_sequence once per statement, not once per id (100k ids: 0.3 s -> 0.03 s)
        assert "InitPlan" in plan


@pytest.fixture
def staging(pg_url):
    with psycopg.connect(pg_url) as conn:
        cur = conn.cursor()
        cur.execute("CREATE TEMP TABLE s (id bigint, t text, x double precision, k integer, d date)")
        yield cur


def test_a_batch_of_exact_types_is_copied_in_binary(staging):
    cols = ("id", "t", "x", "k")
    types = pg_copy.binary_types(staging, "s", cols, [[1, 2], ["一", None], [1.5, 2], [0, None]])
    assert types == [20, 25, 701, 23]           # an int in a double precision column is taken (as the server would)


@pytest.mark.parametrize("cols, columns", [
    (("id", "t"), [[1, 2], ["一", 13800000000]]),       # an int in a text column: binary would refuse it
    (("id", "k"), [[1, 2], [True, 0]]),                # a bool is not an int here
    (("id", "x"), [[1, 2], [1.5, "2"]]),
    (("id", "d"), [[1, 2], [date(2024, 1, 1), None]]),  # a type binary is not used for
])
def test_a_batch_with_any_other_value_goes_as_text(staging, cols, columns):
    assert pg_copy.binary_types(staging, "s", cols, columns) is None


def test_a_text_column_holding_a_number_still_lands_as_its_text(shared_demo):
    """The fallback end to end: a contact phone read as a number from the list is written as the text COPY
    writes it (binary would have failed the import)."""
    from db import bulk
    from pipeline.names import name_key
    street = street_id(shared_demo, "积玉桥")
    name = "积玉桥号码科技有限公司"
    with Ledger(shared_demo) as led, led.write("import") as w:
        bulk.open_batch(w, file_name="名单.xlsx", sha256=None, sheet=None, kind="roster", stage_key=None,
                        mapping={}, counts={})
        bulk.insert_firms(w, ("code", "code_raw", "code_status", "name", "name_key", "street_id", "contact_phone",
                              "reg_capital", "needs_review"),
                          [[None], [None], ["no_code"], [name], [name_key(name)], [street], [13800000000], [100],
                           [0]])
    with psycopg.connect(shared_demo) as conn:
        assert conn.execute("SELECT contact_phone, reg_capital FROM firms WHERE name = %s",
                            (name,)).fetchone() == ("13800000000", 100.0)


def test_every_pinyin_is_computed_before_the_copy_starts(shared_demo, monkeypatch):
    """Computed while the COPY ran, the names' pinyin shared the two cores with the server parsing it (100k
    names: 1.2 s against the file's 0.9 s)."""
    statuses = []
    keys = pg_copy.pinyin_keys
    street = street_id(shared_demo, "积玉桥")
    with Ledger(shared_demo) as led:
        raw = led.conn.raw
        monkeypatch.setattr(pg_copy, "pinyin_keys",
                            lambda names, **kw: statuses.append(raw.info.transaction_status) or keys(names, **kw))
        assert len(new_firm(led, street, "积玉桥拼音先算科技有限公司")) == 1
    assert statuses == [psycopg.pq.TransactionStatus.INTRANS]          # not ACTIVE: no COPY open yet
