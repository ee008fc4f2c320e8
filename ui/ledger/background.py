"""The ledger table's searches off the UI thread: one plain Python thread per query (touching no Qt object: the
model polls ``finished``), on read connections kept between queries (``Connections``).

Every search runs here, however rare its term: how common a term is can only be learnt by asking the ledger (a
probe of 5-100 ms on a million firms, more on a busy machine), and a keystroke must not wait for that. A search
answered within a few milliseconds is still shown at once: the model waits that long for it (``FAST_WAIT``)."""
from __future__ import annotations

import threading

from db.ledger_view import PAGE, LedgerQuery, LedgerView


class Connections:
    """Read views (each over a connection of its own, never the ledger's write connection) for the background
    queries, kept between them: a shared ledger's connection takes 0.05-0.3 s to set up, a cost once per window
    instead of once per keystroke. *open_view* makes one (in the query's thread: opening may take that long).

    A view handed back after ``forget`` (the ledger was written since it was taken) forgets its estimates."""
    KEEP = 2                    # a stopped query's view and the next query's

    def __init__(self, open_view) -> None:
        self._open = open_view
        self.lock = threading.Lock()
        self._idle: list[tuple[LedgerView, int]] = []
        self._epoch = 0
        self._closed = False

    def take(self) -> tuple[LedgerView, int]:
        with self.lock:
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
        with self.lock:
            keep = usable and not self._closed and len(self._idle) < self.KEEP
            if keep:
                self._idle.append((view, epoch))
        if not keep:
            view.close()

    def forget(self) -> None:
        """The ledger changed: the views' kept estimates (how common a term is) are dropped before their next use."""
        with self.lock:
            self._epoch += 1

    def close(self) -> None:
        with self.lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for view, _epoch in idle:
            view.close()


class FirstPage(threading.Thread):
    """The first page and the count of a query (*total*: its count when known), on a view of *connections*."""

    def __init__(self, generation: int, connections: Connections, query: LedgerQuery, total: int | None = None
                 ) -> None:
        super().__init__(name=f"ledger-query-{generation}", daemon=True)
        self.generation, self.connections, self.query, self.known = generation, connections, query, total
        self.view: LedgerView | None = None       # set and cleared under connections.lock
        self.stopped = False
        self.finished = threading.Event()
        self.page, self.total, self.error = None, 0, None
        self._canceller: threading.Thread | None = None

    def stop(self) -> None:
        """A newer query replaces this one: interrupt its statement (or skip it when not started yet). The
        interrupt is sent from a thread of its own (a server's cancel request takes a new connection: 10 ms and
        more, not on the UI thread); under the lock, so it can only reach this query's statement."""
        self.stopped = True
        if self.view is not None and not self.finished.is_set():
            self._canceller = threading.Thread(target=self._cancel, name=f"{self.name}-stop", daemon=True)
            self._canceller.start()

    def _cancel(self) -> None:
        with self.connections.lock:
            view = self.view
            if view is not None:
                try:
                    view.conn.interrupt()
                except Exception:  # noqa: BLE001  (closed meanwhile: nothing left to stop)
                    pass

    def join_all(self, timeout: float | None = None) -> None:
        self.join(timeout)
        canceller = self._canceller
        if canceller is not None:
            canceller.join(timeout)

    def alive(self) -> bool:
        canceller = self._canceller
        return self.is_alive() or (canceller is not None and canceller.is_alive())

    def run(self) -> None:
        view, epoch, usable = None, 0, True
        try:
            if self.stopped:
                return
            view, epoch = self.connections.take()
            with self.connections.lock:
                self.view = view
            if self.stopped:
                return
            self.page = view.page(self.query)
            if self.stopped:
                return
            if self.known is not None:       # the same rows in another order: counted already
                self.total = self.known
            else:
                ids = self.page.ids
                self.total = len(ids) if len(ids) < PAGE else view.count(self.query)
        except Exception as exc:  # noqa: BLE001  (interrupted by a newer query, or a real failure: reported)
            self.page, self.error = None, exc
            usable = self.stopped            # a failure of its own: the connection may be broken, not kept
        finally:
            if view is not None:
                with self.connections.lock:
                    self.view = None
                self.connections.give(view, epoch, usable)
            self.finished.set()
