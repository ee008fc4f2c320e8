"""Workers: a failure reaches the main thread as the exception object; Cancelled is recognised by its type."""
from __future__ import annotations

import logging

import pytest

from desktop.workers import Workers
from importers.plan import Cancelled


@pytest.fixture
def workers(qapp):
    w = Workers()
    yield w
    assert w.wait(5000)


def _run(qtbot, workers, job, **callbacks):
    task = workers.start(job, **callbacks)
    qtbot.waitUntil(lambda: task not in workers._tasks, timeout=5000)
    return task


def test_an_unexpected_failure_carries_the_exception_object(qtbot, workers, caplog):
    boom = ValueError("坏数据")
    got = []

    def job(progress, cancelled):
        raise boom
    with caplog.at_level(logging.ERROR, logger="xingtu"):
        _run(qtbot, workers, job, on_failed=lambda message, exc: got.append((message, exc)))
    (message, exc), = got
    assert exc is boom
    assert message.startswith("出现意外错误，台账未改动：ValueError：坏数据")
    assert any(r.exc_info and r.exc_info[1] is boom for r in caplog.records)   # the traceback is in the log


def test_a_known_error_keeps_its_own_message_and_one_argument_slots_still_work(qtbot, workers):
    from importers.errors import InputError
    got = []

    def job(progress, cancelled):
        raise InputError("第 3 行：日期无法识别")
    _run(qtbot, workers, job, on_failed=got.append)
    assert got == ["第 3 行：日期无法识别"]


def test_cancelled_is_recognised_by_type(qtbot, workers):
    class StopNow(Cancelled):
        pass
    cancelled, failed = [], []

    def job(progress, is_cancelled):
        raise StopNow("已取消")
    _run(qtbot, workers, job, on_cancelled=cancelled.append, on_failed=lambda m, e: failed.append(e))
    assert cancelled == ["已取消"] and failed == []


def test_another_exception_called_cancelled_is_a_failure(qtbot, workers):
    class Cancelled(Exception):        # same name, not importers.plan.Cancelled: must not be taken for a cancel
        pass
    cancelled, failed = [], []

    def job(progress, is_cancelled):
        raise Cancelled("名字一样")
    _run(qtbot, workers, job, on_cancelled=cancelled.append, on_failed=lambda m, e: failed.append(e))
    assert cancelled == [] and len(failed) == 1 and type(failed[0]).__name__ == "Cancelled"
