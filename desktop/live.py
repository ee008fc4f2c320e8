"""Live refresh of a shared ledger's window: what another person commits appears here within 2 s.

The listener (db/pg/notify.py) runs in a thread of its own and calls ``LiveRefresh.arrived.emit`` from there;
the queued connection brings each batch to the GUI thread. The first change after a quiet spell is shown at
once; what follows within DELAY_MS of a refresh is gathered into the next one (a burst of saves becomes one
refresh every DELAY_MS, not one per save). The window re-reads what they concern: the ledger table (keeping
the selection and scroll position), the open firm files of the firms named (all of them when the notification
names no firms), the dashboard, import history and targets tabs when built.

Not refreshed again: changes committed on this window's own connection (the window already re-read after
making them: desktop/main_window.py ``data_changed``). A firm file with edits not yet saved keeps them (its
save then meets the no-lost-update check and shows the other person's values); the status bar says so.
Nothing of this runs for the file ledger. A window that opened a file read-only (another program writes it) is
never told of that program's commits either: ``FileWatch`` looks every POLL_MS whether the file changed
(``Ledger.data_version``) and re-reads the window as above.
"""
from __future__ import annotations

import logging
import time

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from db.pg import notify

log = logging.getLogger(__name__)

DELAY_MS = 300
CATALOG = {"streets", "tracks", "stages", "*", "?"}
MSG_SYNCED = "已同步他人的修改"
MSG_KEPT = "“{name}”已被他人修改；您尚未保存的修改仍保留，保存时会显示对方的修改以供核对"
MSG_FILE = "已读入另一程序对台账文件的修改"
POLL_MS = 2000


class LiveRefresh(QObject):
    """Follows the shared ledger of *window* (a desktop.main_window.MainWindow) until ``stop()``."""
    arrived = Signal(object)            # a list of db.pg.notify.Change, emitted from the listener thread
    refreshed = Signal(object)          # after a refresh: the firm ids re-read (None: all), for tests and timing

    def __init__(self, window, ledger, delay_ms: int = DELAY_MS) -> None:
        super().__init__(window)
        self.window = window
        self.ledger = ledger
        self.own_pid = ledger.conn.raw.info.backend_pid
        self.last_delay = 0.0           # seconds from the first change of the last batch to its refresh
        self._pending: list[notify.Change] = []
        self._first_at = self._applied_at = 0.0
        self._delay_ms = delay_ms
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.apply)
        self.arrived.connect(self._collect, Qt.QueuedConnection)
        self.listener = notify.Listener(ledger.url, self.arrived.emit, getattr(ledger, "live_mode", "listen"))
        self.listener.start()

    @classmethod
    def attach(cls, window, ledger) -> LiveRefresh | None:
        """A LiveRefresh for a shared ledger; None for the file."""
        return cls(window, ledger) if getattr(ledger, "shared", False) else None

    def stop(self) -> None:
        """End the listener thread (it emits nothing after this) and drop what was still pending."""
        self.listener.stop()
        self._timer.stop()
        self._pending.clear()

    def _collect(self, changes) -> None:
        theirs = [c for c in changes if c.pid != self.own_pid]
        if not theirs:
            return
        if not self._pending:
            self._first_at = time.monotonic()
        self._pending.extend(theirs)
        if not self._timer.isActive():      # at once after a quiet spell, else when DELAY_MS since the last
            since = (time.monotonic() - self._applied_at) * 1000
            self._timer.start(max(0, int(self._delay_ms - since)))

    def apply(self) -> None:
        """Re-read what the gathered changes concern."""
        changes, self._pending = self._pending, []
        self._applied_at = time.monotonic()
        window = self.window
        if not changes or window.ledger is not self.ledger:
            return
        ids = affected(changes)
        if any(c.table in CATALOG for c in changes):
            self.ledger.invalidate()
        reread(window, ids, MSG_SYNCED)
        self.last_delay = time.monotonic() - self._first_at
        log.debug("live refresh of %s firms after %.3f s", "all" if ids is None else len(ids), self.last_delay)
        self.refreshed.emit(ids)


def reread(window, ids: frozenset[int] | None, synced: str) -> None:
    """Read every view of *window* again for the firms *ids* (None: any firm); a firm file with edits not yet saved
    keeps them (ui/firm/dialog.py ``refresh``): say which, else *synced*."""
    held = [dlg for fid, dlg in window.firm_dialogs.items() if (ids is None or fid in ids) and dlg.profile.changes()]
    window.data_changed(sorted(ids) if ids else [])
    window.say(MSG_KEPT.format(name=held[0].title.text()) if held else synced)


def affected(changes) -> frozenset[int] | None:
    """The firm ids the changes name; None when one of them may concern any firm."""
    out: set[int] = set()
    for change in changes:
        if change.firm_ids is None:
            return None
        out |= change.firm_ids
    return frozenset(out)


class FileWatch(QObject):
    """Follows a file ledger opened read-only in *window* until ``stop()``: when another program has committed to
    the file, every view is read again (a firm file with edits is kept, as for a shared ledger)."""
    refreshed = Signal()

    def __init__(self, window, ledger, poll_ms: int | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.ledger = ledger
        self._last = ledger.data_version()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.check)
        self._timer.start(poll_ms or POLL_MS)

    @classmethod
    def attach(cls, window, ledger) -> FileWatch | None:
        """A FileWatch for a file opened read-only; None otherwise (this window writes it, or a shared ledger)."""
        if getattr(ledger, "shared", False) or not getattr(ledger, "readonly", False):
            return None
        return cls(window, ledger)

    def stop(self) -> None:
        self._timer.stop()

    def check(self) -> None:
        window = self.window
        if window.ledger is not self.ledger:
            return
        try:
            now = self.ledger.data_version()
        except Exception:  # noqa: BLE001  (the file went away or the ledger was closed: nothing to follow)
            self.stop()
            return
        if now == self._last:
            return
        self._last = now
        self.ledger.invalidate()
        reread(window, None, MSG_FILE)
        self.refreshed.emit()
