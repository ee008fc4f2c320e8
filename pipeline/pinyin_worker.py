"""The pinyin keys of a large import's new firms, read in a second process while the firms are written.

``pipeline.names.pinyin_keys`` is the one reading of a name. For a large list it is about a tenth of an import
(100k names ~0.7 s, 1M ~8 s of one core), all of it Python holding the GIL. The new firms are written chunk by
chunk (db/bulk.py), and SQLite writing a chunk leaves the other core idle: so a worker process, started while the
list is planned (its start costs nothing there), reads the next chunk's names while this process writes the
current one (``keys_by_chunk``: two chunks asked ahead). It answers ``pinyin_keys`` of exactly the names sent,
and keeps nothing (its memory is a chunk's). Anything wrong with it (it cannot start, it dies, a pipe breaks,
it never serves) makes the remaining chunks read here: slower, never different. Below ``min_names()`` rows, or
on one core, no process is started (its start is not worth it: ``worker_for``).

Measured (100k new firms, same machine, interleaved runs): see bench/RESULTS.md (import breakdown
``new_firms_pinyin``: the wait for the worker's answer, was the reading itself).
"""
from __future__ import annotations

import logging
import os
import queue
import time
import weakref
from collections import deque
from collections.abc import Iterable, Iterator

from pipeline.names import pinyin_keys

MIN_NAMES = 10_000              # from this many rows on, an import's pinyin is read in a second process
ENV_MIN = "XINGTU_PINYIN_WORKER_MIN"    # another minimum (tests, the frozen build's smoke test); "off": never
AHEAD = 2                       # chunks asked for before the first answer is taken
WAIT = 0.25                     # seconds between looks at whether the worker is still alive while waiting
READY = 5.0                     # seconds a worker may take from its start to serving (spawned Python, imports)
_READY = "ready"
log = logging.getLogger(__name__)


def min_names() -> int | None:
    """The fewest rows for which a worker is started; None: never."""
    raw = os.environ.get(ENV_MIN, "").strip()
    if raw.lower() == "off":
        return None
    return int(raw) if raw.isdigit() else MIN_NAMES


def worker_for(rows: int | None) -> PinyinWorker | None:
    """A started worker for a list of about *rows* rows, or None (a small list, one core, or no process)."""
    least = min_names()
    if least is None or rows is None or rows < least or (os.cpu_count() or 1) < 2:
        return None
    try:
        return PinyinWorker()
    except Exception as exc:  # noqa: BLE001  (no process: the names are read here, as without a worker)
        log.warning("拼音读音的后台进程无法启动（%s），改在本进程计算", exc)
        return None


def keys_by_chunk(chunks: Iterable[list], worker: PinyinWorker | None = None) -> Iterator[list[tuple[str, str]]]:
    """``pinyin_keys`` of each chunk of names, in order: read by *worker* ahead of the caller's use of the previous
    chunk, or here (no worker, a chunk with a name that is not text, or a worker that failed)."""
    if worker is None:
        yield from (pinyin_keys(c) for c in chunks)
        return
    asked: deque = deque()          # (chunk, whether the worker was asked for it)
    todo = iter(chunks)
    for chunk in todo:
        asked.append((chunk, worker.ask(chunk)))
        if len(asked) < AHEAD:
            continue
        yield _take(asked.popleft(), worker)
    while asked:
        yield _take(asked.popleft(), worker)


def _take(item: tuple[list, bool], worker: PinyinWorker) -> list[tuple[str, str]]:
    chunk, sent = item
    got = worker.answer(len(chunk)) if sent else None
    return got if got is not None else pinyin_keys(chunk)


def _serve(requests, replies) -> None:
    """The worker: each request is a list of names, answered with their keys; None ends it."""
    pinyin_keys(["武汉星图科技有限公司"])         # load the readings before the first chunk arrives
    replies.put(_READY)
    while True:
        names = requests.get()
        if names is None:
            return
        replies.put(pinyin_keys(names))


def _stop(proc, requests) -> None:
    """End the worker: asked to, then made to (it holds nothing to keep; a plan dropped while the worker still
    reads must not keep its thread waiting)."""
    try:
        requests.put(None)
    except (OSError, ValueError):
        pass
    proc.join(0.2)
    if proc.is_alive():
        proc.kill()
        proc.join(2.0)
    requests.close()


class PinyinWorker:
    """One worker process for one import plan; ``close`` (or the plan's end) stops it. Its answers come in the
    order it was asked (``ask`` then ``answer``); once it failed, it is asked nothing more."""

    def __init__(self, target=_serve) -> None:
        import multiprocessing  # noqa: PLC0415  (only for a large list: off a small import's start)
        ctx = multiprocessing.get_context("spawn")    # never fork: the app runs Qt and worker threads
        self._requests, self._replies = ctx.Queue(), ctx.Queue()
        self._requests.cancel_join_thread()           # never wait at exit for a worker that is gone
        self._proc = ctx.Process(target=target, args=(self._requests, self._replies), daemon=True,
                                 name="xingtu-pinyin")
        self._proc.start()
        self._started, self._ready = time.monotonic(), False
        self.broken: str | None = None
        self._stop = weakref.finalize(self, _stop, self._proc, self._requests)

    def ask(self, names: list) -> bool:
        """Ask for the keys of *names*; False when the worker will not answer them (the caller reads them)."""
        if self.broken is not None or not all(type(n) is str for n in names):
            return False
        try:
            self._requests.put(list(names))
        except (OSError, ValueError) as exc:
            self._give_up(exc)
            return False
        return True

    def answer(self, count: int) -> list[tuple[str, str]] | None:
        """The answer to the oldest request still open (of *count* names); None when the worker failed."""
        if self.broken is not None:
            return None
        try:
            got = self._next()
        except (OSError, ValueError, EOFError) as exc:
            self._give_up(exc)
            return None
        if not isinstance(got, list) or len(got) != count:
            self._give_up(ValueError("答复与所问的名称数不符"))
            return None
        return got

    def _next(self):
        """The worker's next answer, after its ready signal. A worker that does not serve within ``READY`` of its
        start is given up: a program whose main module has no ``if __name__ == "__main__":`` guard has it run
        that module again first (multiprocessing's spawn), which may take any time."""
        while True:
            try:
                got = self._replies.get(timeout=WAIT)
            except queue.Empty:
                if not self._proc.is_alive():
                    raise OSError(f"进程已退出（{self._proc.exitcode}）") from None
                if not self._ready and time.monotonic() - self._started > READY:
                    raise OSError(f"{READY:.0f} 秒内没有就绪") from None
                continue
            if got == _READY and not self._ready:
                self._ready = True
                continue
            return got

    def close(self) -> None:
        if self.broken is None:
            self.broken = "closed"
        self._stop()

    def _give_up(self, exc: BaseException) -> None:
        self.broken = str(exc) or type(exc).__name__
        log.warning("拼音读音的后台进程出错（%s），其余名称改在本进程计算", self.broken)
        self._stop()
