"""A file pulled with some streets only (``pull --street``, or an officer's pull) says so, and is read as such.

Found following the README's walkthrough: ``snapshot --db`` as an officer (which pulls what the login reads into a
file) drew the 看板 with 全区 at 12% of the district's targets, as would opening 积玉桥.db from ``pull --street``:
the file held one street's firms and nothing said so. Now the file carries the streets it holds
(db.connection.partial_streets): the dashboard has no 全区 and says why, ``report`` refuses the district's report
as it does to the officer on the server, and ``push`` refuses to make a district's ledger of it.
"""
import sqlite3

import pytest

from db.ledger import Ledger
from db.pg import pull, setup, transfer
from db.pg.url import SharedLedgerError
from tests import pg_server
from tests.cli.helpers import run


def street_id(path, name):
    return sqlite3.connect(path).execute("SELECT id FROM streets WHERE name = ?", (name,)).fetchone()[0]


def test_a_streets_part_holds_its_street_and_refuses_the_district_report(shared_demo, tmp_path, capsys):
    target = tmp_path / "积玉桥.db"
    pull.pull(shared_demo, target, street="积玉桥")
    with Ledger(target, readonly=True) as led:
        assert led.street_ids == [street_id(target, "积玉桥")]
    capsys.readouterr()
    code, _, err = run(capsys, "report", "--year", "2023", "--db", target)
    assert code == 2 and "从共享台账导出的一部分，只含 积玉桥 的企业，全区的报表会漏算其他企业" in err
    code, out, _ = run(capsys, "report", "--year", "2023", "--street", "积玉桥", "--db", target)
    assert code == 0 and "积玉桥街道" in out


def test_an_officers_pull_holds_their_streets_and_an_admins_the_district(shared_demo, pg_db, tmp_path):
    server, name = pg_db
    setup.add_user(shared_demo, f"{name}_two", "officer", ["积玉桥", "杨园"])
    mine, whole = tmp_path / "mine.db", tmp_path / "whole.db"
    pull.pull(server.url_for(name, user=f"{name}_two"), mine)
    pull.pull(shared_demo, whole)
    with Ledger(mine, readonly=True) as led:
        assert sorted(led.street_ids) == sorted([street_id(mine, "积玉桥"), street_id(mine, "杨园")])
    with Ledger(whole, readonly=True) as led:
        assert led.street_ids is None


def test_the_dashboard_of_a_part_has_no_district_and_says_why(shared_demo, tmp_path):
    from ui.dashboard.source import scope_note
    target = tmp_path / "积玉桥.db"
    pull.pull(shared_demo, target, street="积玉桥")
    with Ledger(target, readonly=True) as led:
        assert scope_note(led).startswith("这份台账是从共享台账导出的一部分，只含 积玉桥 的企业：看板只显示这些街道")


def test_a_part_is_not_pushed_as_a_districts_ledger(shared_demo, pg_db, tmp_path):
    server, _ = pg_db
    target = tmp_path / "积玉桥.db"
    pull.pull(shared_demo, target, street="积玉桥")
    other = pg_server.create_database(server)
    try:
        url = server.url_for(other)
        setup.init(url)
        with pytest.raises(SharedLedgerError, match="导出的一部分（只含 积玉桥 的企业），不能作为全区台账推送"):
            transfer.push(target, url)
    finally:
        pg_server.drop_database(server, other)


def test_the_window_says_the_file_is_a_part(shared_demo, tmp_path):
    from desktop.main_window import shared_status
    target = tmp_path / "积玉桥.db"
    pull.pull(shared_demo, target, street="积玉桥")
    with Ledger(target, readonly=True) as led:
        assert shared_status(led) == f"{target} · 从共享台账导出的一部分：只含 积玉桥 的企业"
