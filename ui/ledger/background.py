"""The ledger table's searches off the UI thread (``Searcher``): plain Python threads that touch no Qt object
(the model polls ``Job.finished``), started on the first search and kept until the table closes, on read
connections kept between searches (``Connections``).

Every search runs here, however rare its term: how common a term is can only be learnt by asking the ledger (a
probe of 5-100 ms on a million firms, more on a busy machine), and a keystroke must not wait for that. Nor does
a keystroke start a thread (``Thread.start`` waits until the system runs the new thread: milliseconds on a busy
machine) or send a server its cancel request (a new connection): it hands the query to a worker and the query it
replaces to the stopper, and returns."""
from __future__ import annotations

import threading

from db.ledger_view import PAGE, LedgerQuery, LedgerView

STOP_AGAIN = 0.1        # seconds: a stop that reached no statement (the query was between two) is sent again


class Connections:
    """Read views (each over a connection of its own, never the ledger's write connection) for the background
    queries, kept between them: a shared ledger's connection takes 0.05-0.3 s to set up, a cost once per window
    instead of once per keystroke. *open_view* makes one (on the worker thread: opening may take that long).

    A view taken after ``forget`` (the ledger was written since it was handed back) forgets its estimates.
    ``lock`` guards a view's hand-over (``Job.view``) against a stop sent meanwhile; the pool has its own, so the
    UI thread (``forget``) never waits for a cancel request being sent."""
    KEEP = 2                    # one per worker thread

    def __init__(self, open_view) -> None:
        self._open = open_view
        self.lock = threading.Lock()
        self._pool = threading.Lock()
        self._idle: list[tuple[LedgerView, int]] = []
        self._epoch = 0
        self._closed = False

    def take(self) -> tuple[LedgerView, int]:
        with self._pool:
            if self._closed:
                raise RuntimeError("台账表格已关闭")
            got = self._idle.pop() if self._idle else None
            epoch = self._epoch
        if got is None:
            return self._open(), epoch
        view, since = got
        if since != epoch:
            view.forget()
        return view, epoch

    def give(self, view: LedgerView, epoch: int, usable: bool = True) -> None:
        """Keep *view* for the next query (closed instead when the pool is full, closed, or it failed)."""
        with self._pool:
            keep = usable and not self._closed and len(self._idle) < self.KEEP
            if keep:
                self._idle.append((view, epoch))
        if not keep:
            view.close()

    def prepare(self) -> None:
        """Open one view now (a worker thread, at start), so the first search does not open it: a failure here
        is the first search's to report."""
        try:
            view, epoch = self.take()
        except Exception:  # noqa: BLE001  (the first search opens it again and reports why it cannot)
            return
        self.give(view, epoch)

    def forget(self) -> None:
        """The ledger changed: the views' kept estimates (how common a term is) are dropped before their next use."""
        with self._pool:
            self._epoch += 1

    def close(self) -> None:
        with self._pool:
            self._closed = True
            idle, self._idle = self._idle, []
        for view, _epoch in idle:
            view.close()


class Job:
    """A query's first page and count (*total*: its count when known: the same rows in another order)."""

    def __init__(self, generation: int, query: LedgerQuery, total: int | None = None) -> None:
        self.generation, self.query, self.known = generation, query, total
        self.view: LedgerView | None = None       # while it runs: set and cleared under Connections.lock
        self.stopped = False
        self.finished = threading.Event()
        self.page, self.total, self.error = None, 0, None

    def run(self, connections: Connections) -> None:
        view, epoch, usable = None, 0, True
        try:
            if self.stopped:
                return
            view, epoch = connections.take()
            with connections.lock:
                self.view = view
            if self.stopped:
                return
            self.page = view.page(self.query)
            if self.stopped:
                return
            if self.known is not None:
                self.total = self.known
            else:
                ids = self.page.ids
                self.total = len(ids) if len(ids) < PAGE else view.count(self.query)
        except Exception as exc:  # noqa: BLE001  (interrupted by a newer query, or a real failure: reported)
            # without its traceback: the frames would keep the interrupted statement's cursor (and so the
            # connection's interrupt) alive after the view is handed back
            self.page, self.error = None, exc.with_traceback(None)
            usable = self.stopped            # a failure of its own: the connection may be broken, not kept
        finally:
            if view is not None:
                with connections.lock:
                    self.view = None
                connections.give(view, epoch, usable)
            self.finished.set()

    def interrupt(self, lock: threading.Lock) -> None:
        """Stop the statement this job runs, if any: under *lock*, so it can only reach this job's statement."""
        with lock:
            view = self.view
            if view is not None:
                try:
                    view.conn.interrupt()
                except Exception:  # noqa: BLE001  (closed meanwhile: nothing left to stop)
                    pass


class Searcher:
    """Runs the newest query handed to it (``submit``) on a kept connection; ``stop`` interrupts one replaced.
    Two workers: a new query starts at once on one while the statement of the query it replaced, on the other,
    is being stopped (a server's cancel request takes 10 ms and more to land)."""
    WORKERS = 2

    def __init__(self, open_view) -> None:
        self.connections = Connections(open_view)
        # one lock, three conditions: a keystroke wakes one worker (or the stopper), not every thread, each of
        # which would then take the interpreter from the UI thread for nothing
        lock = threading.RLock()
        self._cond = threading.Condition(lock)                  # a query to run (the workers wait)
        self._stopping = threading.Condition(lock)              # a query to stop (the stopper waits)
        self._idle = threading.Condition(lock)                  # a query ended (wait() waits)
        self._next: Job | None = None
        self._current: list[Job] = []
        self._stops: list[Job] = []
        self._closing = False
        self._threads: list[threading.Thread] = []

    def submit(self, job: Job) -> None:
        with self._cond:
            if self._closing:               # the table is closing: nothing shown, nothing reported
                job.stopped = True
                job.finished.set()
                return
            if self._next is not None:      # replaced before it started: never run
                self._next.stopped = True
                self._next.finished.set()
            self._next = job
            self.start()
            self._cond.notify()

    def start(self, prepare: bool = False) -> None:
        """Start the threads (once); *prepare*: the first worker opens a connection first. The table calls this
        once it has painted: its first keystroke then neither starts a thread nor opens a connection (20-40 ms
        of the first keystroke on the file, measured)."""
        with self._cond:
            if self._threads or self._closing:
                return
            self._threads = [threading.Thread(target=self._work, args=(prepare and i == 0,),
                                              name=f"ledger-search-{i}", daemon=True) for i in range(self.WORKERS)]
            self._threads.append(threading.Thread(target=self._stop_loop, name="ledger-search-stop", daemon=True))
            for t in self._threads:
                t.start()

    def stop(self, job: Job) -> None:
        """*job* was replaced by a newer query: skipped when not started, else its statement is interrupted (by
        the stopper thread: a server's cancel request opens a connection, 10 ms and more)."""
        job.stopped = True
        with self._cond:
            if job is self._next:
                self._next = None
                job.finished.set()
            elif not job.finished.is_set():
                self._stops.append(job)
                self._stopping.notify()

    def _work(self, prepare: bool = False) -> None:
        if prepare:
            self.connections.prepare()
        while True:
            with self._cond:
                while self._next is None and not self._closing:
                    self._cond.wait()
                if self._closing:
                    return
                job, self._next = self._next, None
                self._current.append(job)
            job.run(self.connections)
            with self._cond:
                self._current.remove(job)
                self._idle.notify_all()

    def _stop_loop(self) -> None:
        while True:
            with self._cond:
                while not self._stops and not self._closing:
                    self._stopping.wait()
                if self._closing:
                    return
                job = self._stops.pop(0)
            while not job.finished.is_set() and not self._closing:
                job.interrupt(self.connections.lock)
                job.finished.wait(STOP_AGAIN)

    def wait(self, timeout: float) -> bool:
        """Wait until no query is running or waiting (tests, shutdown)."""
        with self._cond:
            return self._idle.wait_for(lambda: self._next is None and not self._current, timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Stop the running query, end both threads and close the connections."""
        with self._cond:
            self._closing = True
            pending, self._next = self._next, None
            current = list(self._current)
            for cond in (self._cond, self._stopping, self._idle):
                cond.notify_all()
        if pending is not None:
            pending.stopped = True
            pending.finished.set()
        for job in current:
            job.stopped = True
            for _ in range(int(timeout / STOP_AGAIN)):
                job.interrupt(self.connections.lock)
                if job.finished.wait(STOP_AGAIN):
                    break
        for t in self._threads:
            t.join(timeout)
        self.connections.close()
