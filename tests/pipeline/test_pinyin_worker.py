"""The second process that reads a large import's pinyin (pipeline/pinyin_worker.py): what it answers is
``pinyin_keys`` of exactly the names asked for, in order, and anything wrong with it falls back to reading
them here."""
from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import pinyin_worker as pw
from pipeline.names import pinyin_keys

NAMES = ["重庆银行科技有限公司", "武汉长江发展科技有限公司", "ＡＢＣ科技有限公司", "", "行", "楚天光电（武汉）有限公司",
         "a\x00b", "乐园传媒股份有限公司", "湖北·星图-科技", "Ａ银行B行长"]
CHUNKS = [NAMES[:3], NAMES[3:4], [], NAMES[4:], ["甲公司", None], NAMES[:1] * 3]


def _sleeper(requests, replies) -> None:
    """A worker that never serves (as when a main module without a guard runs first in the spawned process)."""
    time.sleep(60)


def _dies(requests, replies) -> None:
    """A worker that says it is ready, answers one request, then dies."""
    replies.put(pw._READY)
    replies.put(pinyin_keys(requests.get()))
    requests.get()
    raise SystemExit(3)


@pytest.fixture
def worker():
    w = pw.PinyinWorker()
    yield w
    w.close()


def test_chunks_read_by_the_worker_are_pinyin_keys(worker):
    asked: list = []
    ask = worker.ask

    def spy(names):
        asked.append(ask(names))
        return asked[-1]
    worker.ask = spy
    assert list(pw.keys_by_chunk(CHUNKS, worker)) == [pinyin_keys(c) for c in CHUNKS]
    assert asked == [True, True, True, True, False, True]          # a name that is not text: read here
    assert worker.broken is None


def test_no_worker_reads_here():
    assert list(pw.keys_by_chunk(CHUNKS)) == [pinyin_keys(c) for c in CHUNKS]
    assert list(pw.keys_by_chunk([])) == []


def test_a_dead_worker_is_given_up_and_the_rest_read_here():
    w = pw.PinyinWorker(target=_dies)
    try:
        assert list(pw.keys_by_chunk(CHUNKS, w)) == [pinyin_keys(c) for c in CHUNKS]
        assert w.broken and "退出" in w.broken
        assert not w._proc.is_alive()
    finally:
        w.close()


def test_a_worker_that_never_serves_is_given_up(monkeypatch):
    monkeypatch.setattr(pw, "READY", 0.5)
    w = pw.PinyinWorker(target=_sleeper)
    started = time.monotonic()
    assert list(pw.keys_by_chunk(CHUNKS, w)) == [pinyin_keys(c) for c in CHUNKS]
    assert "就绪" in w.broken and time.monotonic() - started < 10
    w._proc.join(5)
    assert not w._proc.is_alive()                                  # killed, not left running


def test_closing_and_dropping_stop_the_process():
    w = pw.PinyinWorker()
    assert w.ask(["甲公司"]) and w.answer(1) == pinyin_keys(["甲公司"])
    proc = w._proc
    w.close()
    assert not proc.is_alive() and not w.ask(["甲公司"])            # closed: the caller reads
    w = pw.PinyinWorker()
    proc = w._proc
    del w                                                           # a plan dropped unused
    proc.join(5)
    assert not proc.is_alive()


def test_when_a_worker_is_started(monkeypatch):
    monkeypatch.delenv(pw.ENV_MIN, raising=False)
    assert pw.worker_for(None) is None and pw.worker_for(pw.MIN_NAMES - 1) is None
    monkeypatch.setenv(pw.ENV_MIN, "off")
    assert pw.worker_for(10**6) is None
    monkeypatch.setenv(pw.ENV_MIN, "5")
    monkeypatch.setattr(pw.os, "cpu_count", lambda: 1)
    assert pw.worker_for(10) is None                               # one core: the process would only compete
    monkeypatch.setattr(pw.os, "cpu_count", lambda: 2)
    w = pw.worker_for(10)
    try:
        assert isinstance(w, pw.PinyinWorker)
    finally:
        w.close()


def test_a_worker_that_cannot_start_is_none(monkeypatch):
    monkeypatch.setenv(pw.ENV_MIN, "1")

    def refuse(self, target=None):
        raise OSError("没有进程")
    monkeypatch.setattr(pw.PinyinWorker, "__init__", refuse)
    assert pw.worker_for(10) is None


_TEXT = st.text(alphabet=st.sampled_from("武汉重庆银行长江发展和平乐园会计传媒科技有限公司分行ＡＢａ1１（）()·- \x00"),
                max_size=12)


@settings(max_examples=200, deadline=None)
@given(st.lists(_TEXT, max_size=12), st.data())
def test_each_name_reads_the_same_in_any_list(names, data):
    """The import reads its new firms' names in chunks of its own (5,000, or a worker's): that is exact only
    because ``pinyin_keys`` reads a name the same whatever list it stands in."""
    alone = [pinyin_keys([n])[0] for n in names]
    assert pinyin_keys(names) == alone
    picked = data.draw(st.lists(st.integers(0, max(len(names) - 1, 0)), max_size=8)) if names else []
    assert pinyin_keys([names[i] for i in picked]) == [alone[i] for i in picked]
