"""Two officers of one street importing the same new firm at once, on a shared ledger.

Each import checks, inside its transaction, that no firm with a new row's code or name appeared since its preview;
the other import's firm was not committed yet, so both checks passed and both created it. A code is a unique key
(the second insert waited and failed: "另一位专员录入了…"), but a firm listed without a code became two firms of one
name (found by an attack), as did a firm one import renamed to the name another import created. The second import
now waits for the first to end, then sees its firm and is refused (preview again: the row then matches it)."""
from __future__ import annotations

import threading
import time

import psycopg

from db.ledger import Ledger
from importers.errors import InputError
from importers.plan import build_plan, commit_plan
from tests.pg.attack_helpers import one

NAME = "武汉同时新办测试有限公司"


def _race(url, first_rows: str, second_rows: str, tmp_path) -> dict:
    """The first list's import holds its transaction open (its rows written) while the second's commits; each
    outcome: the batch id, or the InputError."""
    paths = [tmp_path / "甲.csv", tmp_path / "乙.csv"]
    for path, rows in zip(paths, (first_rows, second_rows), strict=True):
        path.write_text(rows, encoding="utf-8")
    first, second = Ledger(url), Ledger(url)
    plans = [build_plan(first, paths[0]), build_plan(second, paths[1])]
    writing, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def hold(_done, _total):
        writing.set()
        release.wait(30)

    def run(key, led, plan, progress=None):
        try:
            outcome[key] = commit_plan(led, plan, progress=progress)
        except InputError as exc:
            outcome[key] = exc

    a = threading.Thread(target=run, args=("a", first, plans[0], hold))
    a.start()
    assert writing.wait(30)
    b = threading.Thread(target=run, args=("b", second, plans[1]))
    b.start()
    deadline = time.monotonic() + 10
    while b.is_alive() and not _waiting(url) and time.monotonic() < deadline:
        time.sleep(0.05)
    release.set()
    a.join(30)
    b.join(30)
    first.close()
    second.close()
    return outcome


def test_an_import_naming_a_firm_as_another_import_renames_one_to_that_name_waits_for_it(people, tmp_path):
    sup = people["super"]
    name, code = one(sup, "SELECT f.name, f.code FROM firms f JOIN streets s ON s.id = f.street_id WHERE "
                          "s.name = '积玉桥' AND f.code IS NOT NULL ORDER BY f.id LIMIT 1")
    outcome = _race(people["officer"], f"企业名称,统一社会信用代码,所在街道\n{NAME},{code},积玉桥\n",
                    f"企业名称,所在街道,备注\n{NAME},积玉桥,新建\n", tmp_path)
    assert isinstance(outcome["a"], int)
    assert one(sup, "SELECT count(*) FROM firms WHERE name = %s", (NAME,)) == (1,), \
        f"a firm renamed to {NAME} by one import and made by another at once: two firms of one name"
    assert isinstance(outcome["b"], InputError) and "同代码或同名称" in str(outcome["b"])


def _waiting(url) -> bool:
    with psycopg.connect(url) as conn:
        return bool(conn.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                                 ).fetchone()[0])


def test_two_officers_importing_one_firm_without_a_code_at_once_make_it_once(people, tmp_path):
    rows = f"企业名称,所在街道,备注\n{NAME},积玉桥,同时\n"
    outcome = _race(people["officer"], rows, rows, tmp_path)
    assert isinstance(outcome["a"], int)
    assert one(people["super"], "SELECT count(*) FROM firms WHERE name = %s", (NAME,)) == (1,), \
        "two officers importing one firm at once made it twice"
    assert isinstance(outcome["b"], InputError) and "同代码或同名称" in str(outcome["b"])
