"""The main window: an assembly of parts (ledger panel, lazy tabs, menus, undo stack, workers).

Tabs: 台账 (built at once), 看板, 导入历史, 指标, 设置 (built when first shown; a part that cannot
be imported shows a Chinese notice instead of crashing the window).
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMainWindow, QTabWidget, QVBoxLayout, QWidget

from db.errors import LedgerError
from desktop import dialogs
from desktop.live import FileWatch, LiveRefresh
from desktop.settings import Settings
from desktop.undo import UndoManager
from desktop.workers import Workers
from ui.geometry import fit_to_screen
from ui.ledger.panel import LedgerPanel

IMPORTABLE = (".xlsx", ".xlsm", ".xls", ".csv")
TAB_MISSING = "“{name}”暂不可用：{reason}"
PREFERRED_SIZE = (1440, 900)      # less on a smaller screen (ui.geometry)
MESSAGE_MS = 15000
MSG_DROPPED_OTHERS = "现在导入“{name}”。一次导入一份名单，同时拖入的另外 {n} 个文件未导入：\n{others}\n" \
                     "需要时请在本次导入完成后再逐个拖入。"


class LazyTab(QWidget):
    """A tab whose widget is built by *factory* the first time it is shown."""

    def __init__(self, name: str, factory, parent=None) -> None:
        super().__init__(parent)
        self.name = name
        self._factory = factory
        self.widget: QWidget | None = None
        self.stale = False              # the ledger changed while the tab was hidden: re-read when it is shown
        self._box = QVBoxLayout(self)
        self._box.setContentsMargins(0, 0, 0, 0)

    def ensure(self) -> QWidget:
        if self.widget is not None and self.stale:
            self.stale = False
            if hasattr(self.widget, "reload"):
                self.widget.reload()
        if self.widget is None:
            try:
                self.widget = self._factory()
            except ImportError as exc:
                self.widget = QLabel(TAB_MISSING.format(name=self.name, reason=f"缺少模块 {exc.name or exc}"))
                self.widget.setAlignment(Qt.AlignCenter)
            self._box.addWidget(self.widget)
        return self.widget

    def reload(self) -> None:
        """Re-read now when shown; else when next shown (the dashboard of a million firms takes seconds to read,
        and a window following others' saves would read it after each of them, unseen)."""
        if self.widget is None or not hasattr(self.widget, "reload"):
            return
        if self.isVisible():
            self.stale = False
            self.widget.reload()
        else:
            self.stale = True


def where(ledger) -> str:
    """The window title's name of the open ledger: a file's name, or 共享台账 and the database's."""
    return f"共享台账 {ledger.path}" if getattr(ledger, "shared", False) else Path(ledger.path).name


def shared_status(ledger) -> str | None:
    """The status bar's line for a shared ledger: 共享台账 · login (role) · the streets it covers; for a file pulled
    with some streets only, its path and those streets; None for any other file."""
    if not getattr(ledger, "shared", False):
        part = getattr(ledger, "street_ids", None)
        if not part:
            return None
        mine = "、".join(name for sid, name in ledger.streets() if sid in set(part))
        return f"{ledger.path} · 从共享台账导出的一部分：只含 {mine} 的企业"
    from db.pg.access import ROLE_NAMES
    mine = [name for sid, name in ledger.streets() if sid in set(ledger.street_ids)]
    role = ROLE_NAMES.get(ledger.role, ledger.role)
    return f"共享台账 · {ledger.login}（{role}） · {'、'.join(mine) if mine else '全部街道'}"


class MainWindow(QMainWindow):
    def __init__(self, ledger, settings: Settings | None = None, parent=None) -> None:
        super().__init__(parent)
        self.settings = settings or Settings()
        self.workers = Workers(self)
        self.undo = UndoManager(report=lambda m: dialogs.warn(self, "未能完成", m), parent=self)
        self.undo.changed.connect(self._data_changed)
        self.undo.message.connect(self.say)
        self.firm_dialogs: dict[int, QWidget] = {}
        self.setAcceptDrops(True)
        self.banner = QLabel(objectName="readonlyBanner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("#readonlyBanner { background: #fff4ce; border: 1px solid #e0b000; padding: 6px; }")
        self.tabs = QTabWidget(objectName="mainTabs")
        self.tabs.currentChanged.connect(self._tab_shown)
        central = QWidget()
        box = QVBoxLayout(central)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.banner)
        box.addWidget(self.tabs)
        self.setCentralWidget(central)
        self.count_label = QLabel()
        self.path_label = QLabel()
        self.path_label.setMaximumWidth(420)      # a long path is elided (full path in the tooltip)
        self.statusBar().addWidget(self.count_label)
        self.statusBar().addPermanentWidget(self.path_label)
        from desktop.actions import Actions
        self.menu_actions = Actions(self)
        self.ledger = None
        self.ledger_panel: LedgerPanel | None = None
        self.live: LiveRefresh | None = None
        self.file_watch: FileWatch | None = None
        self.install_ledger(ledger)
        fit_to_screen(self, PREFERRED_SIZE, self.settings.get("window/geometry"))

    # the ledger ---------------------------------------------------------------------
    def install_ledger(self, ledger) -> None:
        """Show *ledger* (at start, or after File > Open); the previous one is closed by the caller."""
        self._teardown_parts()
        self.ledger = ledger
        if self.settings.get("user/officer"):
            ledger.officer = self.settings.get("user/officer")
        self.ledger_panel = LedgerPanel(ledger)
        self.ledger_panel.countChanged.connect(self._show_count)
        self.ledger_panel.model.busyChanged.connect(self._show_busy)
        self.ledger_panel.firmActivated.connect(self.open_firm)
        self.ledger_panel.set_context_actions(self.menu_actions.context_actions())
        self.ledger_panel.view.addActions(self.menu_actions.table_keys())
        self.ledger_panel.set_bin_action(self.menu_actions.restore_firms)
        self.ledger_panel.leaveBin.connect(self.menu_actions.do_toggle_recycle)
        self.ledger_panel.model.countChanged.connect(lambda _n: self.menu_actions.sync_bin())
        self.ledger_panel.set_start_page(self.menu_actions.start_page())
        self.ledger_panel.restore_header_state(self.settings.get("ledger/header"))
        self.tabs.addTab(self.ledger_panel, "台账")
        self.tabs.addTab(LazyTab("看板", self._make_dashboard), "看板")
        self.tabs.addTab(LazyTab("导入历史", self._make_history), "导入历史")
        self.tabs.addTab(LazyTab("指标", self._make_targets), "指标")
        self.tabs.addTab(LazyTab("设置", self._make_settings), "设置")
        for i, action in enumerate(self.menu_actions.tab_actions):         # the shortcut shown on each tab
            self.tabs.setTabToolTip(i, f"{self.tabs.tabText(i)}（{action.shortcut().toString()}）")
        readonly = bool(getattr(ledger, "readonly", False))
        reason = getattr(ledger, "readonly_reason", "") or "台账以只读方式打开"
        tail = "。" if "不能修改" in reason else "，不能修改。"
        self.banner.setText(f"只读打开：{reason}。可以查看、搜索和导出{tail}")
        self.banner.setVisible(readonly)
        self.menu_actions.set_writable(not readonly, bool(getattr(ledger, "shared", False)))
        # ends with the application's name, so Qt does not add it a second time ("星图 - x.db — 星图")
        self.setWindowTitle(f"{where(ledger)}" + ("（只读）" if readonly else "") + " - 星图")
        self._show_path(shared_status(ledger) or str(ledger.path))
        self._show_count(self.ledger_panel.model.total)
        self.ledger_panel.first_focus()
        self.live = LiveRefresh.attach(self, ledger)       # others' changes on a shared ledger (desktop/live.py)
        self.file_watch = FileWatch.attach(self, ledger)   # and another program's on a file opened read-only

    def switch_ledger(self, ledger) -> None:
        """Show *ledger* instead of the one open now, and close that one (File > Open, recent files, restore)."""
        old = self.ledger
        self.install_ledger(ledger)
        if old is not None and old is not ledger:
            old.close()

    def release_firm_files(self) -> bool:
        """Close every open firm file, each asking over its unsaved edits (保存 / 不保存 / 取消); False when one stays
        open (取消, or its save refused): whatever was to close the window or the ledger does not go on."""
        for dlg in list(self.firm_dialogs.values()):
            dlg.close()
            if dlg.isVisible():
                return False
        return True

    def close_ledger(self) -> None:
        """Put away every part that reads the ledger and close it (before a restore replaces its file)."""
        self._teardown_parts()
        if self.ledger is not None:
            self.ledger.close()
        self.ledger = None

    def first_use(self) -> None:
        """On the first start only: ask the officer's name once (it goes into the audit log with every change)."""
        if self.settings.get("user/officer") or self.settings.get("user/asked_officer"):
            return
        self.settings.set("user/asked_officer", 1)
        name = dialogs.ask_text(self, "欢迎使用星图", "请输入您的姓名。每次修改都会记下修改人，便于日后查对。\n"
                                "（可在“设置”页修改；不填也可以使用）")
        if name:
            self.settings.set("user/officer", name)
            self._set_officer(name)

    def say(self, message: str) -> None:
        """What just happened, in the status bar (bulk changes, undo, redo, exports)."""
        self.statusBar().showMessage(message, MESSAGE_MS)

    def _show_path(self, path: str) -> None:
        from PySide6.QtGui import QFontMetrics
        metrics = QFontMetrics(self.path_label.font())
        self.path_label.setText(metrics.elidedText(path, Qt.ElideMiddle, self.path_label.maximumWidth()))
        self.path_label.setToolTip(path)

    def _teardown_parts(self) -> None:
        self._stop_live()
        self.undo.clear()
        for dlg in list(self.firm_dialogs.values()):
            dlg.close()
        self.firm_dialogs.clear()
        if self.ledger_panel is not None:
            self.settings.set("ledger/header", self.ledger_panel.header_state())
            self.ledger_panel.close_view()
        while self.tabs.count():
            w = self.tabs.widget(0)
            self.tabs.removeTab(0)
            w.deleteLater()
        self.ledger_panel = None

    def _tab_shown(self, index: int) -> None:
        w = self.tabs.widget(index)
        if isinstance(w, LazyTab):
            w.ensure()

    def lazy_tab(self, name: str) -> LazyTab | None:
        for i in range(self.tabs.count()):
            w = self.tabs.widget(i)
            if isinstance(w, LazyTab) and w.name == name:
                return w
        return None

    def show_tab(self, name: str) -> QWidget | None:
        for i in range(self.tabs.count()):
            if self.tabs.tabText(i) == name:
                self.tabs.setCurrentIndex(i)
                w = self.tabs.widget(i)
                return w.ensure() if isinstance(w, LazyTab) else w
        return None

    # tab factories (imports inside: a missing part shows a notice) ------------------
    def _make_dashboard(self):
        from ui.dashboard.panel import DashboardPanel
        panel = DashboardPanel(self.ledger)
        panel.firmsRequested.connect(self.show_firms)
        panel.targetsChanged.connect(lambda: self.lazy_tab("指标").reload())
        return panel

    def _make_targets(self):
        from ui.targets import TargetsPanel
        return TargetsPanel(self.ledger)

    def _make_history(self):
        from ui.history import HistoryPanel
        panel = HistoryPanel(self.ledger, undo=self._undo_batch,
                             confirm=lambda t, m: dialogs.ask(self, t, m),
                             report=lambda m: dialogs.warn(self, "未能撤销", m))
        panel.undone.connect(lambda _b: self._data_changed([]))
        return panel

    def _undo_batch(self, batch_id: int, force: bool):
        from importers.undo import undo_batch
        return undo_batch(self.ledger, batch_id, force=force)

    def _make_settings(self):
        from ui.settings_page import SettingsPage
        try:
            from db.backup import backup_dir_for
            folder = str(backup_dir_for(self.ledger.path, self.ledger.conn))
        except (OSError, LedgerError):     # the default folder cannot be made: the page shows none
            folder = ""
        page = SettingsPage(self.settings, self.ledger, folder)
        page.officerChanged.connect(self._set_officer)
        return page

    def _set_officer(self, name: str) -> None:
        if self.ledger is not None:
            self.ledger.officer = name or None

    # reacting to changes ----------------------------------------------------------
    def _show_count(self, n: int) -> None:
        q = self.ledger_panel.model.query if self.ledger_panel else None
        title = f"（{q.firm_ids_title}）" if q is not None and q.firm_ids is not None else ""
        self.count_label.setText(f"{'回收站中' if q is not None and q.deleted else '符合条件的企业'}：{n:,} 家{title}")

    def _show_busy(self, busy: bool) -> None:
        if busy:
            self.count_label.setText("正在搜索…")
        else:
            self._show_count(self.ledger_panel.model.total)

    def data_changed(self, firm_ids) -> None:
        """Re-read every view after a write (firm ids touched; empty: anything may have changed); a firm file keeps
        its unsaved edits (ui/firm/dialog.py ``refresh``)."""
        self._data_changed(firm_ids)

    def _data_changed(self, firm_ids) -> None:
        if self.ledger_panel is not None:
            self.ledger_panel.reload()
        for fid, dlg in list(self.firm_dialogs.items()):
            if not firm_ids or fid in firm_ids:
                dlg.refresh()
        for name in ("看板", "导入历史", "指标"):
            tab = self.lazy_tab(name)
            if tab is not None:
                tab.reload()

    def show_firms(self, ids, title: str) -> None:
        """From the dashboard: switch to 台账 showing exactly these firms, on the dashboard's date and street
        (or the date the clicked number was counted on), the other filters set aside until restored."""
        tab = self.lazy_tab("看板")
        dash = tab.widget if tab is not None else None
        if dash is not None and hasattr(dash, "drill_for"):
            d = dash.drill_for(ids, title)
            ids, title, day, street_id = d.ids, d.title, d.day, d.street_id
        else:
            day = street_id = None
        self.show_tab("台账")
        self.ledger_panel.show_firm_ids(ids, title, day, street_id)

    def open_firm(self, firm_id: int):
        dlg = self.firm_dialogs.get(firm_id)
        if dlg is None:
            from ui.firm.dialog import FirmFileDialog
            dlg = FirmFileDialog(self.ledger, firm_id, self.undo.push, self, officer=self.ledger.officer or "")
            dlg.setAttribute(Qt.WA_DeleteOnClose)
            dlg.destroyed.connect(lambda *_a, f=firm_id: self.firm_dialogs.pop(f, None))
            dlg.finished.connect(lambda *_a, f=firm_id: self.firm_dialogs.pop(f, None))
            self.firm_dialogs[firm_id] = dlg
        dlg.show()
        dlg.raise_()
        return dlg

    def _stop_live(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None
        if self.file_watch is not None:
            self.file_watch.stop()
            self.file_watch = None

    # drag and drop ----------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:
        if self._dropped_file(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        """One list is imported at a time (each previewed, each its own batch): of several files dropped, the first
        list is opened and a notice names every other file, none of them left out without a word."""
        path = self._dropped_file(event.mimeData())
        if path:
            event.acceptProposedAction()
            others = [Path(u.toLocalFile()).name if u.isLocalFile() else u.toString()
                      for u in event.mimeData().urls() if u.toLocalFile() != path]
            if others:
                dialogs.inform(self, "一次导入一份名单", MSG_DROPPED_OTHERS.format(
                    name=Path(path).name, n=len(others), others="\n".join(others)))
            self.menu_actions.import_file(path)

    @staticmethod
    def _dropped_file(mime) -> str | None:
        if not mime.hasUrls():
            return None
        for url in mime.urls():
            if url.isLocalFile() and url.toLocalFile().lower().endswith(IMPORTABLE):
                return url.toLocalFile()
        return None

    # closing ----------------------------------------------------------------------
    def closeEvent(self, event) -> None:
        if not self.release_firm_files():       # 取消 over a firm file's unsaved edits: the window stays
            event.ignore()
            return
        self.settings.set("window/geometry", self.saveGeometry())
        if self.ledger_panel is not None:
            self.settings.set("ledger/header", self.ledger_panel.header_state())
        self.settings.sync()
        self._stop_live()
        self.workers.wait()
        for dlg in list(self.firm_dialogs.values()):
            dlg.close()
        if self.ledger_panel is not None:
            self.ledger_panel.close_view()
        super().closeEvent(event)
