"""Long work off the UI thread: a QRunnable whose signals carry progress and the result back.

The job is a plain function ``job(progress, cancelled) -> result``: ``progress(done, total, text)``
may be called from the worker thread (it only emits a signal), ``cancelled()`` says whether
the person pressed cancel. The job never touches a widget; the slots connected to the signals
run on the main thread (queued connections).

A failure reaches the main thread as the exception object itself (``failed(message, exc)``; an
``on_failed`` callback that takes one argument gets the message alone); an unexpected one is also
written to the log with its traceback.
A job stops on cancel by raising ``importers.plan.Cancelled`` (recognised by its type).
"""
from __future__ import annotations

import inspect
import logging
import threading

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class TaskSignals(QObject):
    progress = Signal(int, int, str)     # done, total, text
    finished = Signal(object)            # the job's result
    failed = Signal(str, object)         # a Chinese message, the exception object
    cancelled = Signal(str)


class Task(QRunnable):
    def __init__(self, job, describe_error=None) -> None:
        super().__init__()
        self.setAutoDelete(False)        # the owner keeps it until it has reported
        self.signals = TaskSignals()
        self._job = job
        self._cancel = threading.Event()
        self._describe = describe_error or _describe

    def cancel(self) -> None:
        self._cancel.set()

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:  # worker thread: no widgets here
        try:
            result = self._job(lambda done, total=0, text="": self.signals.progress.emit(int(done), int(total), text),
                               self._cancel.is_set)
        except Exception as exc:  # noqa: BLE001  (every failure becomes a message for the person)
            from importers.plan import Cancelled
            if isinstance(exc, Cancelled):
                self.signals.cancelled.emit(str(exc))
            else:
                self.signals.failed.emit(self._describe(exc), exc)
            return
        self.signals.finished.emit(result)


def _expected(exc: Exception) -> bool:
    """A refusal with its own Chinese message (bad input, a ledger that cannot be written), not a defect."""
    from db.connection import LedgerError
    from importers.errors import InputError
    return isinstance(exc, (LedgerError, InputError))


def _log_unexpected(_message: str, exc: Exception) -> None:
    """Main thread: an unexpected failure of a job goes to the log with its traceback (kept by the exception)."""
    if not _expected(exc):
        from desktop import crash
        logging.getLogger("xingtu").error("后台任务出错：%s", crash.where(exc.__traceback__), exc_info=exc)


def _describe(exc: Exception) -> str:
    if _expected(exc):
        return str(exc)
    from desktop import crash
    path = crash.log_file()
    where = f"\n详细信息已写入日志：{path}" if path else ""
    return f"出现意外错误，台账未改动：{type(exc).__name__}：{exc}{where}"


def _failure_slot(callback):
    """*callback* itself when it takes (message, exception), else a slot that passes it the message alone."""
    if callback is None:
        return None
    try:
        params = list(inspect.signature(callback).parameters.values())
    except (TypeError, ValueError):
        params = []
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(positional) >= 2 or any(p.kind == p.VAR_POSITIONAL for p in params):
        return callback
    return lambda message, _exc=None: callback(message)


class Workers(QObject):
    """A window's own thread pool, so closing the window can wait for its jobs."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
        self._tasks: set[Task] = set()

    def start(self, job, *, on_done=None, on_failed=None, on_cancelled=None, on_progress=None) -> Task:
        task = Task(job)
        self._tasks.add(task)
        s = task.signals
        s.failed.connect(_log_unexpected)
        if on_progress:
            s.progress.connect(on_progress)
        for sig, cb in ((s.finished, on_done), (s.failed, _failure_slot(on_failed)), (s.cancelled, on_cancelled)):
            if cb:
                sig.connect(cb)
            sig.connect(lambda *_a, t=task: self._tasks.discard(t))
        self.pool.start(task)
        return task

    def wait(self, msecs: int = 30000) -> bool:
        for t in list(self._tasks):
            t.cancel()
        return self.pool.waitForDone(msecs)

    def busy(self) -> bool:
        return self.pool.activeThreadCount() > 0
