"""A large list's pinyin read in a second process (pipeline/pinyin_worker.py): the firms an import creates get
exactly the keys ``pinyin_keys`` gives, whether the worker served, died or was never started. The worker serves
the file's bulk path; a shared ledger reads the names itself before its COPY (db/bulk.py)."""
from __future__ import annotations

import gc

import pytest

from importers.plan import Cancelled, build_plan, commit_plan
from pipeline import pinyin_worker as pw
from pipeline.names import pinyin_keys
from tests.importers.helpers import xlsx

NAMES = ["重庆银行科技有限公司", "武汉长江发展科技有限公司", "ＡＢＣ科技有限公司", "行长乐园传媒有限公司",
         "楚天光电（武汉）有限公司", "湖北·星图-科技有限公司"] + [f"武汉星{i}科技有限公司" for i in range(40)]


def _list(tmp_path):
    return xlsx(tmp_path, [["企业名称", "所属行业"]] + [[n, "软件"] for n in NAMES])


def _firms(ledger) -> list:
    return [tuple(r) for r in ledger.conn.execute("SELECT name, pinyin, name_sort FROM firms ORDER BY id")]


def _read_here(ledger) -> list:
    """The firms' names with the keys ``pinyin_keys`` gives them here (the importer cleans ＡＢＣ to ABC)."""
    names = [r[0] for r in _firms(ledger)]
    assert len(names) == len(NAMES)
    return [(n, *k) for n, k in zip(names, pinyin_keys(names), strict=True)]


def _spy(monkeypatch) -> list:
    """The answers the workers gave (None: the names were read here instead)."""
    answers: list = []
    answer = pw.PinyinWorker.answer

    def spy(self, count):
        got = answer(self, count)
        answers.append(got)
        return got
    monkeypatch.setattr(pw.PinyinWorker, "answer", spy)
    return answers


FILE_ONLY = pytest.mark.file_only("the worker serves the file's bulk path; a shared ledger reads names itself")


@FILE_ONLY
def test_worker_keys_are_pinyin_keys(ledger, tmp_path, monkeypatch):
    monkeypatch.setenv(pw.ENV_MIN, "1")
    answers = _spy(monkeypatch)
    plan = build_plan(ledger, _list(tmp_path))
    assert isinstance(plan.pinyin, pw.PinyinWorker)
    proc = plan.pinyin._proc
    commit_plan(ledger, plan)
    assert _firms(ledger) == _read_here(ledger)
    assert answers and all(a is not None for a in answers)        # the worker served every chunk
    proc.join(5)
    assert not proc.is_alive()                                     # the commit ended it


@FILE_ONLY
def test_a_worker_killed_before_the_commit_changes_nothing(ledger, tmp_path, monkeypatch):
    monkeypatch.setenv(pw.ENV_MIN, "1")
    answers = _spy(monkeypatch)
    plan = build_plan(ledger, _list(tmp_path))
    plan.pinyin._proc.kill()
    plan.pinyin._proc.join(5)
    commit_plan(ledger, plan)
    assert answers == [None]                                       # asked once, then given up
    assert _firms(ledger) == _read_here(ledger)


def test_no_worker_for_a_small_list_or_a_shared_ledger(ledger, tmp_path, monkeypatch):
    monkeypatch.delenv(pw.ENV_MIN, raising=False)
    if ledger.shared:
        monkeypatch.setenv(pw.ENV_MIN, "1")
    plan = build_plan(ledger, _list(tmp_path))
    assert plan.pinyin is None
    commit_plan(ledger, plan)
    assert _firms(ledger) == _read_here(ledger)


@FILE_ONLY
def test_a_cancelled_or_dropped_plan_ends_its_worker(ledger, tmp_path, monkeypatch):
    monkeypatch.setenv(pw.ENV_MIN, "1")
    started: list = []
    init = pw.PinyinWorker.__init__

    def record(self, *a, **kw):
        init(self, *a, **kw)
        started.append(self._proc)
    monkeypatch.setattr(pw.PinyinWorker, "__init__", record)
    with pytest.raises(Cancelled):
        build_plan(ledger, _list(tmp_path), cancel=lambda: True)
    plan = build_plan(ledger, _list(tmp_path))
    del plan
    gc.collect()
    assert started
    for proc in started:
        proc.join(5)
        assert not proc.is_alive()
