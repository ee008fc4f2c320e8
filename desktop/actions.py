"""Menus, shortcuts and what each action does. Handlers call the core and refresh the views."""
from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QFileDialog

from desktop import dialogs, version

EXPORT_FILTER = "Excel 工作簿 (*.xlsx);;CSV（UTF-8） (*.csv)"
IMPORT_FILTER = "表格文件 (*.xlsx *.xlsm *.xls *.csv);;所有文件 (*)"
LEDGER_FILTER = "星图台账 (*.db);;所有文件 (*)"
BULK_LIMIT = 50_000
SAMPLE_NAME = "示例台账.db"
SAMPLE_FIRMS = 2000


TAB_NAMES = ("台账", "看板", "导入历史", "指标", "设置")        # 查看 menu, Ctrl+1 … Ctrl+5 in this order
MSG_REFRESH_TIP = "从台账重新读取列表、看板与各页（共享台账上，他人的修改也随之显示）"
MSG_REFRESHED = "已从台账重新读取（F5）"
MSG_BUSY = "后台任务（导入或备份）尚未完成，完成后再切换台账。"
MSG_BUSY_RESTORE = "后台任务（导入、备份或导出）尚未完成，完成后再从备份恢复。"
MSG_ALREADY_OPEN = "“{name}”已打开，就是当前的台账"
MSG_KEPT_OPEN = "企业档案中还有未保存的修改，台账未切换"
MSG_REMOVE = ("把选中的 {n} 家企业移入回收站？\n回收站中的企业不计入任何日期的统计，往年的基期值、净增也随之改变"
              "（用于误录的企业）；企业迁出本区或注销，请用“企业 → 迁出或注销…”，往年的数字保留。\n"
              "可在“查看回收站”中恢复，也可按 Ctrl+Z 撤销。")
MSG_NOT_SHARED = "共享台账的备份与恢复由管理员在服务器上做（backup --db、restore --db）"


class Actions:
    def __init__(self, window) -> None:
        self.w = window
        self._write_actions: list[QAction] = []
        self._writable = False
        mb = window.menuBar()

        m = mb.addMenu("文件(&F)")
        self.new_ledger = self._act(m, "新建台账…", self.do_new_ledger, QKeySequence.New)
        self.open_ledger = self._act(m, "打开台账…", self.do_open_ledger, QKeySequence.Open)
        self.connect_shared = self._act(m, "连接共享台账…", self.do_connect_shared, "Ctrl+Shift+O")
        self.recent_menu = m.addMenu("最近打开")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        m.addSeparator()
        self.import_ = self._act(m, "导入名单…", self.do_import, "Ctrl+I", write=True)
        self.export = self._act(m, "导出当前列表…", self.do_export, "Ctrl+E")
        m.addSeparator()
        self.backup = self._act(m, "立即备份", self.do_backup)
        self.restore = self._act(m, "从备份恢复…", self.do_restore, write=True)
        m.addSeparator()
        self._act(m, "退出", window.close, QKeySequence.Quit)

        m = mb.addMenu("编辑(&E)")
        m.addAction(window.undo.undo_action)
        m.addAction(window.undo.redo_action)
        self._write_actions += [window.undo.undo_action, window.undo.redo_action]
        m.addSeparator()
        self.find = self._act(m, "查找企业", self.do_find, QKeySequence.Find)
        self.open_firm = self._act(m, "打开企业档案", self.do_open_firm, "Enter")
        self.open_firm.setShortcuts([QKeySequence(Qt.Key_Enter), QKeySequence(Qt.Key_Return)])   # shown: Enter
        self.remove = self._act(m, "移入回收站…", self.do_remove, QKeySequence.Delete, write=True)
        for a in self.table_keys():
            a.setShortcutContext(Qt.WidgetWithChildrenShortcut)     # the table's keys (install_ledger adds them)
        self.recycle = self._act(m, "查看回收站", self.do_toggle_recycle)
        self.recycle.setCheckable(True)
        self.restore_firms = self._act(m, "从回收站恢复所选", self.do_restore_firms, write=True)

        m = mb.addMenu("企业(&Q)")
        self.assign_officer = self._act(m, "指派服务专员…", self.do_assign_officer, write=True)
        self.set_street = self._act(m, "设置所在街道…", self.do_set_street, write=True)
        self.promote = self._act(m, "星级晋升…", lambda: self.do_move_star(+1), write=True)
        self.demote = self._act(m, "星级下调…", lambda: self.do_move_star(-1), write=True)
        self.add_designation = self._act(m, "添加认定…", self.do_add_designation, write=True)
        self.leave = self._act(m, "迁出或注销…", self.do_leave, write=True)
        self.merge = self._act(m, "合并为一家企业…", self.do_merge, write=True)

        m = mb.addMenu("查看(&V)")
        self.tab_actions = [self._act(m, name, lambda n=name: window.show_tab(n), f"Ctrl+{i}")
                            for i, name in enumerate(TAB_NAMES, start=1)]
        m.addSeparator()
        self.refresh = self._act(m, "刷新", self.do_refresh, "F5")
        self.refresh.setStatusTip(MSG_REFRESH_TIP)
        self.refresh.setToolTip(MSG_REFRESH_TIP)
        m = mb.addMenu("帮助(&H)")
        self.guide = self._act(m, "使用指南", self.do_help, QKeySequence.HelpContents)
        self._act(m, "关于星图", lambda: dialogs.inform(window, "关于星图", version.about_text()))

    def _act(self, menu, text, slot, shortcut=None, write=False) -> QAction:
        a = QAction(text, self.w)
        if shortcut is not None:
            a.setShortcut(QKeySequence(shortcut))
        a.triggered.connect(lambda _checked=False: slot())
        menu.addAction(a)
        if write:
            self._write_actions.append(a)
        return a

    def start_page(self):
        """The page an empty ledger shows, its buttons wired to what they say."""
        from ui.start_page import StartPage
        page = StartPage()
        page.chosen.connect(lambda key: {"import_list": self.do_import, "open_sample": self.do_open_sample,
                                         "new_targets": self.do_new_targets}[key]())
        page.buttons["import_list"].setEnabled(not self.w.ledger.readonly)
        page.buttons["new_targets"].setEnabled(not self.w.ledger.readonly)
        return page

    def table_keys(self) -> list[QAction]:
        """The actions whose key works in the ledger table only: Enter in the 街道 list or a date field opened the
        firm file of the row selected below, Del there offered to remove it."""
        return [self.open_firm, self.remove]

    def context_actions(self) -> list:
        return [self.open_firm, None, self.assign_officer, self.set_street, self.promote, self.demote,
                self.add_designation, self.leave, self.merge, None, self.remove, self.restore_firms]

    def set_writable(self, writable: bool, shared: bool = False) -> None:
        """Enable the writing actions on a writable ledger; on a shared ledger, not those that work on a file
        only (its backups are the server's, ``backup --db URL``) or need the undo of a batch there (import)."""
        for a in self._write_actions:
            a.setEnabled(writable)
        self.backup.setEnabled(not shared)                   # not a writing action: a read-only file is backed up
        for a in (self.backup, self.restore):
            if shared:
                a.setEnabled(False)
            a.setToolTip(MSG_NOT_SHARED if shared else "")
        self._writable = writable
        self.sync_bin()

    def sync_bin(self) -> None:
        """移入回收站 in the ledger, 从回收站恢复所选 in the recycle bin: the other one did nothing, silently, from the
        menu and the right-click menu."""
        in_bin = self.panel is not None and self.panel.model.target.deleted
        self.remove.setEnabled(self._writable and not in_bin)
        self.restore_firms.setEnabled(self._writable and in_bin)
        self.recycle.setChecked(in_bin)

    # helpers ------------------------------------------------------------------------
    @property
    def panel(self):
        return self.w.ledger_panel

    def _selected(self) -> list[int]:
        rows = self.panel.selected_rows()
        if len(rows) > BULK_LIMIT:
            dialogs.warn(self.w, "选中过多", f"一次最多处理 {BULK_LIMIT:,} 家企业，请先筛选缩小范围。")
            return []
        ids = self.panel.model.firm_ids(rows)
        if not ids:
            dialogs.inform(self.w, "未选择企业", "请先在台账中选择一家或多家企业（可按住 Ctrl 或 Shift 多选）。")
        return ids

    def _exec(self, dlg) -> bool:
        try:
            return dlg.exec() == QDialog.Accepted
        finally:
            dlg.deleteLater()

    # file ---------------------------------------------------------------------------
    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = self.w.settings.get("ledger/recent")
        if not recent:
            self.recent_menu.addAction("（无）").setEnabled(False)
        for p in recent:
            self.recent_menu.addAction(p).triggered.connect(lambda _c=False, p=p: self.switch_to(p))

    def do_new_ledger(self) -> None:
        from ui import files

        path = files.ask_save(
            self.w, "新建台账", "企业梯度培育台账.db", LEDGER_FILTER, self.w.settings.get("paths/ledger_dir")
        )
        if path:
            if not path.lower().endswith(".db"):
                path += ".db"
            if Path(path).exists():
                dialogs.warn(self.w, "文件已存在", f"{path} 已存在，不会覆盖。请换一个文件名。")
                return
            self.switch_to(path, create=True)

    def do_open_ledger(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.w, "打开台账", self.w.settings.get("paths/ledger_dir"), LEDGER_FILTER
        )
        if path:
            self.switch_to(path)

    def do_connect_shared(self) -> None:
        """文件 → 连接共享台账…: ask for the server, database and login (the password typed, or the one kept in
        the system's keyring), open the shared ledger; the password is kept only when asked and it worked. A failed
        connection keeps the dialog open with what was typed and says why in it (not in a box after it closed)."""
        from desktop import credentials
        from ui.connect_dialog import ConnectDialog
        s = self.w.settings
        last = (s.get("shared/host"), s.get("shared/port"), s.get("shared/database"), s.get("shared/login"))
        kept = credentials.load(credentials.key(*last)) if all(last) else None
        dlg = ConnectDialog(self.w, host=last[0], port=last[1], database=last[2], login=last[3],
                            has_kept_password=kept is not None, keyring_problem=credentials.available(),
                            attempt=self._connect_shared)
        dlg.exec()
        dlg.deleteLater()

    def _connect_shared(self, v) -> str | None:
        """Open the shared ledger *v* names (a SharedLogin): None when it is open, else why not."""
        from db.pg.url import build_url
        from desktop import credentials
        s = self.w.settings
        for k, value in (("host", v.host), ("port", v.port), ("database", v.database), ("login", v.login)):
            s.set(f"shared/{k}", value)
        entry = credentials.key(v.host, v.port, v.database, v.login)
        password = v.password or credentials.load(entry)
        problems: list[str] = []
        if not self.switch_to(build_url(v.host, v.port, v.database, v.login, password or None),
                              report=problems.append):
            return problems[-1] if problems else "未能连接共享台账"
        if not v.remember:
            credentials.forget(entry)
        elif v.password and (problem := credentials.save(entry, v.password)):
            self.w.statusBar().showMessage(problem, 15000)
        return None

    def switch_to(self, path: str, create: bool = False, report=None) -> bool:
        """Open *path* in the window instead of the ledger open now; why it could not be opened goes to
        *report(message)* (the connect dialog shows it), else to a warning box."""
        from db.connection import LedgerError
        from db.pg.url import is_url
        from desktop.app import open_ledger_for_window

        def say(title: str, message: str) -> None:
            report(message) if report is not None else dialogs.warn(self.w, title, message)
        if self.w.workers.busy():
            say("请稍候", MSG_BUSY)
            return False
        if not is_url(path) and self._is_open_for_writing(path):  # a second opening would be read-only (our lock)
            self.w.say(MSG_ALREADY_OPEN.format(name=Path(path).name))
            return True
        if not self.w.release_firm_files():          # 取消 over unsaved edits: this ledger stays
            self.w.say(MSG_KEPT_OPEN)
            if report is not None:
                report(MSG_KEPT_OPEN)
            return False
        try:
            ledger = open_ledger_for_window(path, create=create)
        except LedgerError as exc:
            say("无法打开台账", str(exc))
            return False
        self.w.switch_ledger(ledger)
        if not is_url(path):                 # a shared ledger's address holds its password: never kept in settings
            self.w.settings.add_recent(str(Path(path).resolve()))
            self.w.settings.set("paths/ledger_dir", str(Path(path).resolve().parent))
        return True

    def _is_open_for_writing(self, path: str) -> bool:
        """*path* is the file this window writes (a read-only one is opened again: its writer may be gone)."""
        ledger = self.w.ledger
        if ledger is None or ledger.readonly or getattr(ledger, "shared", False):
            return False
        try:
            return Path(path).exists() and os.path.samefile(path, ledger.path)
        except OSError:
            return False

    def do_backup(self) -> None:
        from db.backup import backup, backup_dir_for
        ledger = self.w.ledger
        dest = backup_dir_for(ledger.path, ledger.conn)
        self.w.statusBar().showMessage("正在备份…")
        self.w.workers.start(lambda progress, cancelled: backup(ledger.path, dest, "manual"),
                             on_done=lambda info: dialogs.inform(self.w, "备份完成", f"已备份到：\n{info.path}"),
                             on_failed=lambda m: dialogs.warn(self.w, "备份失败", m))

    def do_restore(self) -> None:
        from db.backup import backup_dir_for
        ledger = self.w.ledger
        if self.w.workers.busy():         # the job reads the ledger, and reopening it after the restore would wait
            dialogs.warn(self.w, "请稍候", MSG_BUSY_RESTORE)
            return
        folder = str(backup_dir_for(ledger.path, ledger.conn))
        path, _ = QFileDialog.getOpenFileName(self.w, "选择要恢复的备份", folder, LEDGER_FILTER)
        if not path:
            return
        from desktop.restore_view import MSG_SAVED_FIRST, restore_in_background, restore_question
        other = restore_question(path, ledger.path)
        if not dialogs.ask(self.w, "从备份恢复", other or f"用备份 {Path(path).name} 替换当前台账？\n{MSG_SAVED_FIRST}",
                           yes="仍要恢复" if other else "确定"):
            return
        if not self.w.release_firm_files():          # 取消 over unsaved edits: nothing restored
            self.w.say("企业档案中还有未保存的修改，未恢复备份")
            return
        target = str(ledger.path)
        self.w.close_ledger()

        def over(refused: str | None) -> None:
            if refused:
                dialogs.warn(self.w, "恢复失败", f"{refused}\n台账未改动。")
            self.switch_to(target)
        restore_in_background(self.w, path, target, bool(other), over)

    # import / export ----------------------------------------------------------------
    def do_import(self) -> None:
        from ui.files import documents_dir
        path, _ = QFileDialog.getOpenFileName(self.w, "选择要导入的名单",
                                              self.w.settings.get("paths/import_dir") or str(documents_dir()),
                                              IMPORT_FILTER)
        if path:
            self.import_file(path)

    def import_file(self, path: str):
        if self.w.ledger.readonly:
            dialogs.warn(self.w, "只读", "台账以只读方式打开，不能导入。")
            return None
        self.w.settings.set("paths/import_dir", str(Path(path).parent))
        from ui.importer.wizard import ImportWizard
        wizard = ImportWizard(self.w.ledger, path, self.w.workers, self.w)
        wizard.setAttribute(Qt.WA_DeleteOnClose)
        wizard.committed.connect(lambda _batch: self.w.data_changed([]))
        wizard.open()
        return wizard

    def export_name(self) -> str:
        """台账导出_积玉桥_高企_2026-11-29.xlsx: the street, stage, star tier, officer and search shown."""
        from ui import files
        f, q = self.panel.filters, self.panel.model.query
        parts = ["台账导出"]
        if q.firm_ids is not None:
            parts.append(q.firm_ids_title.split("：")[0])
        for combo in (f.street, f.stage, f.star, f.industry, f.officer):
            if combo.currentData() is not None:
                parts.append(self._short_stage(combo.currentData()) if combo is f.stage else combo.currentText())
        if q.search.strip():
            parts.append(q.search.strip())
        if q.deleted:
            parts.append("回收站")
        return files.file_name(*parts, day=q.day())

    def _short_stage(self, stage_id: int) -> str:
        return self.panel.ledger_view.short_name(stage_id)

    def do_export(self) -> None:
        from desktop.export_view import CANCELLED, export_in_background
        from ui import files
        n = self.panel.model.total
        path = files.ask_save(self.w, f"导出当前列表（{n:,} 家）", self.export_name(), EXPORT_FILTER,
                              self.w.settings.get("paths/export_dir"))
        if not path:
            return
        self.w.settings.set("paths/export_dir", str(Path(path).parent))

        def done(count: int) -> None:
            self.w.say(f"已导出 {count:,} 家企业到 {path}")
            files.offer_open(self.w, "导出完成", f"已导出 {count:,} 家企业到：\n{path}", path)

        def failed(message: str) -> None:
            self.w.say(message)
            if message != CANCELLED:
                dialogs.warn(self.w, "导出失败", message)
        export_in_background(self.w, self.panel.model.query, self.panel.visible_columns(), path, n,
                             on_done=done, on_failed=failed)

    def do_open_sample(self) -> None:
        """Open (making it the first time) a sample district in the data folder, beside the person's own ledger."""
        from PySide6.QtGui import QGuiApplication

        from db.paths import data_dir
        path = data_dir() / SAMPLE_NAME
        if not path.exists():
            QGuiApplication.setOverrideCursor(Qt.WaitCursor)
            try:
                from db import demo_store
                from db.ledger import Ledger
                with Ledger(path) as ledger:    # a fictitious district of SAMPLE_FIRMS firms
                    demo_store.generate_into(ledger, SAMPLE_FIRMS, 7)
            finally:
                QGuiApplication.restoreOverrideCursor()
        if self.switch_to(str(path)):
            self.w.say(f"已打开示例台账 {path}（虚构企业，不影响您自己的台账；文件 → 最近打开 可切换回去）")

    def do_new_targets(self) -> None:
        from ui.targets import draft_from_previous
        panel = self.w.show_tab("指标")
        year = date.today().year
        if panel is None or not hasattr(panel, "current_year"):
            return
        if getattr(panel, "locked", None):             # an officer or viewer of a shared ledger, a read-only ledger
            self.w.say(panel.locked)
            panel.select_year(year)
            return
        if year not in panel.years() and draft_from_previous(self.w, self.w.ledger, year):
            panel.reload()
            panel.select_year(year)
            return
        panel.select_year(year)
        panel.add_indicator()

    def do_refresh(self) -> None:
        """查看 → 刷新 (F5): read every view again from the ledger (others may have changed a shared one; the
        live refresh follows their saves, this is for when it missed one or the person wants to be sure)."""
        from desktop.live import reread
        if self.w.ledger is None:
            return
        if hasattr(self.w.ledger, "invalidate"):
            self.w.ledger.invalidate()              # the cached catalog and streets too
        reread(self.w, None, MSG_REFRESHED)

    def do_help(self) -> None:
        from ui.help import HelpDialog
        dlg = getattr(self, "_help", None)
        if dlg is None:
            self._help = dlg = HelpDialog(version.version(), self.w)
        dlg.show()
        dlg.raise_()

    # edit ---------------------------------------------------------------------------
    def do_find(self) -> None:
        self.w.show_tab("台账")
        self.panel.filters.focus_search()

    def do_open_firm(self) -> None:
        fid = self.panel.current_firm_id()
        if fid is not None:
            self.w.open_firm(fid)

    def do_remove(self) -> None:
        from ui.commands import RemoveFirms
        if self.panel.model.query.deleted:
            return
        ids = self._selected()
        if ids and dialogs.ask(self.w, "移入回收站", MSG_REMOVE.format(n=len(ids)), yes="移入回收站"):
            self.w.undo.push(RemoveFirms(self.w.ledger, ids))

    def do_toggle_recycle(self) -> None:
        q = self.panel.model.target
        self.panel.model.set_query(q.with_(deleted=not q.deleted))
        self.recycle.setChecked(self.panel.model.target.deleted)

    def do_restore_firms(self) -> None:
        from desktop.firm_moves import restore_from_bin
        if self.panel.model.query.deleted:
            restore_from_bin(self.w, self._selected())

    # bulk ---------------------------------------------------------------------------
    def do_assign_officer(self) -> None:
        from ui.bulk import ChooseDialog
        from ui.commands import UpdateFirms
        ids = self._selected()
        if not ids:
            return
        names = self.panel.ledger_view.distinct("officer")
        dlg = ChooseDialog("指派服务专员", "服务专员", [(n, n) for n in names], len(ids), editable=True, parent=self.w)
        if self._exec(dlg) and dlg.value():
            command = UpdateFirms(self.w.ledger, ids, {"officer": dlg.value()},
                                  text=f"指派服务专员“{dlg.value()}”（{len(ids)} 家）")
            command.done_text = f"为 {len(ids)} 家企业指派服务专员 {dlg.value()}"
            self.w.undo.push(command)

    def do_set_street(self) -> None:
        from ui.bulk import ChooseDialog
        from ui.commands import UpdateFirms
        ids = self._selected()
        if not ids:
            return
        dlg = ChooseDialog("设置所在街道", "所在街道", [(n, sid) for sid, n in self.w.ledger.streets()], len(ids),
                           parent=self.w)
        if self._exec(dlg) and dlg.value() is not None:
            street = dlg.combo.currentText()
            command = UpdateFirms(self.w.ledger, ids, {"street_id": dlg.value()},
                                  text=f"设置街道“{street}”（{len(ids)} 家）")
            command.done_text = f"把 {len(ids)} 家企业的所在街道设为 {street}"
            self.w.undo.push(command)

    def do_move_star(self, step: int) -> None:
        from desktop.firm_moves import move_star
        ids = self._selected()
        if ids:
            move_star(self.w, ids, step)

    def do_leave(self) -> None:
        from desktop.firm_moves import leave
        ids = self._selected()
        if ids:
            leave(self.w, ids)

    def do_merge(self) -> None:
        from desktop.firm_moves import merge
        ids = self._selected()
        if ids:
            merge(self.w, ids)

    def do_add_designation(self) -> None:
        from desktop.firm_moves import add_designation
        ids = self._selected()
        if ids:
            add_designation(self.w, ids)
