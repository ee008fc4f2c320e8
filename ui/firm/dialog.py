"""企业档案: one firm's profile (editable), timeline, former names, service records and audit history.

Edits are undoable commands handed to *push* (the main window's undo stack); the dialog re-reads
itself through ``reload()`` when the host tells it the firm changed.
"""
from __future__ import annotations

from datetime import date

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from db import firm_file
from db.ledger import FIRM_FIELDS
from ui.choice import choose
from ui.commands import AddService, EditService, UpdateFirms
from ui.firm.profile import ProfileForm
from ui.firm.services import ServiceDialog
from ui.geometry import fit_to_screen
from ui.rows_model import RowsModel

KIND_COLOURS = {"获得": "#e6f4ea", "续期": "#e6f4ea", "晋级": "#e8f0fe", "降级": "#fef7e0", "失效": "#fce8e6",
                "退出": "#fce8e6", "有效期至": "#f1f3f4", "到期": "#f1f3f4"}
NO_SERVICE_CHOSEN = "先在下面的列表中选择一条服务记录（双击一条记录也可修改）"
READ_ONLY = "台账以只读方式打开（{reason}），不能修改"
UNSAVED = "“{name}”的基本信息有修改尚未保存。\n保存这些修改吗？"
KEPT = "该企业在您开始修改之后已被修改（上方为现在的值）。您尚未保存的修改仍保留；保存时会列出现在的值以供核对，" \
       "“放弃修改”则读入现在的值。"


def ask_unsaved(parent, name: str) -> str:
    """Ask before closing over unsaved profile edits: "save", "discard" or "cancel" (Esc, the box's ×)."""
    return choose(parent, "尚未保存", UNSAVED.format(name=name),
                  [("save", "保存", "accept"), ("discard", "不保存", "destructive"), ("cancel", "取消", "reject")],
                  default="save", escape="cancel")


def service_seen(record: dict) -> dict:
    """What a save of a service record must still find: the record as the list showed it, not deleted since."""
    return {**{k: record[k] for k in ("date", "officer", "kind", "notes", "follow_up")}, "deleted_at": None}


def _table(model) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectRows)
    view.setSelectionMode(QAbstractItemView.SingleSelection)
    view.setEditTriggers(QAbstractItemView.NoEditTriggers)
    view.verticalHeader().setSectionResizeMode(QHeaderView.Fixed)
    view.verticalHeader().setDefaultSectionSize(24)
    view.verticalHeader().hide()
    view.horizontalHeader().setStretchLastSection(True)
    view.setWordWrap(False)
    return view


class FirmFileDialog(QDialog):
    def __init__(self, ledger, firm_id: int, push, parent=None, officer: str = "") -> None:
        super().__init__(parent)
        self.ledger = ledger
        self.firm_id = firm_id
        self._push = push
        self._officer = officer
        self.title = QLabel(objectName="firmTitle")
        self.title.setStyleSheet("font-size: 16pt; font-weight: bold;")
        self.subtitle = QLabel()
        self.tabs = QTabWidget()

        self.profile = ProfileForm(ledger.streets())
        self.save_button = QPushButton("保存修改")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self.save_profile)
        self.revert_button = QPushButton("放弃修改")
        self.revert_button.clicked.connect(self.reload)
        # Enter in a field saves (the default button, when there is something to save) and never presses
        # 放弃修改, which QDialog would otherwise make the default as the first button: typing thrown away
        self.revert_button.setAutoDefault(False)
        self.save_button.setDefault(True)
        self.save_button.setToolTip("保存修改（Ctrl+S）")
        QShortcut(QKeySequence.Save, self, activated=self.save_profile)
        self.profile.edited.connect(self._profile_edited)
        self.notice = QLabel(KEPT, objectName="keptNotice", wordWrap=True)
        self.notice.setStyleSheet("#keptNotice { background: #fff4ce; padding: 4px; }")
        self.notice.hide()
        self._saving = False
        page = QWidget()
        box = QVBoxLayout(page)
        box.addWidget(self.notice)
        # the fields scroll, the buttons stay: the form is taller than a 1366×768 screen at 125% leaves (~580 pt)
        self.profile_scroll = QScrollArea()
        self.profile_scroll.setWidgetResizable(True)
        self.profile_scroll.setFrameShape(QFrame.NoFrame)
        self.profile_scroll.setWidget(self.profile)
        box.addWidget(self.profile_scroll, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.revert_button)
        row.addWidget(self.save_button)
        box.addLayout(row)
        self.tabs.addTab(page, "基本信息")

        self.timeline_model = RowsModel(["日期", "事件", "认定 / 星级", "证书编号与名单", "来源"], parent=self)
        timeline = _table(self.timeline_model)
        for col, width in enumerate((96, 90, 200, 380)):
            timeline.setColumnWidth(col, width)
        self.tabs.addTab(timeline, "认定时间线")
        self.alias_model = RowsModel(["曾用名", "记录日期", "来源批次"], parent=self)
        aliases = _table(self.alias_model)
        aliases.setColumnWidth(0, 360)
        aliases.setColumnWidth(1, 110)
        self.tabs.addTab(aliases, "曾用名")

        self.service_model = RowsModel(["日期", "服务专员", "方式", "内容", "跟进日期"], parent=self)
        self.service_view = _table(self.service_model)
        for col, width in enumerate((96, 90, 90, 420)):
            self.service_view.setColumnWidth(col, width)
        self.service_view.doubleClicked.connect(lambda _i: self.edit_service())
        self.service_view.installEventFilter(self)        # Enter on a record opens it (eventFilter)
        add = self.add_service_button = QPushButton("添加服务记录")
        add.clicked.connect(self.add_service)
        edit = self.edit_service_button = QPushButton("修改所选记录")
        edit.clicked.connect(self.edit_service)
        self.service_view.selectionModel().selectionChanged.connect(lambda *_a: self._service_selection())
        for button in (add, edit):
            button.setAutoDefault(False)
        page = QWidget()
        box = QVBoxLayout(page)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(edit)
        row.addStretch(1)
        box.addLayout(row)
        box.addWidget(self.service_view)
        self.tabs.addTab(page, "服务记录")

        self.audit_model = RowsModel(["时间", "操作人", "操作", "内容", "来源"], parent=self)
        audit = _table(self.audit_model)
        for col, width in enumerate((150, 90, 100, 440)):
            audit.setColumnWidth(col, width)
        self.tabs.addTab(audit, "修改记录")

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.tabs)
        self._services: list[dict] = []
        self._seen: dict = {}
        self.locked = READ_ONLY.format(reason=getattr(ledger, "readonly_reason", "") or "只读") \
            if ledger.readonly else ""
        if self.locked:        # nothing is offered for typing that could not be saved
            self.profile.set_read_only(self.locked)
            for button in (self.save_button, self.revert_button):
                button.hide()
            add.setEnabled(False)
            add.setToolTip(self.locked)
        self.reload()
        fit_to_screen(self, (980, 680))

    # reading ----------------------------------------------------------------------
    def reload(self) -> None:
        """Read the firm again, the profile's unsaved edits thrown away (放弃修改, after its own save)."""
        self._read(keep_edits=False)

    def refresh(self) -> None:
        """Read the firm again after a write made elsewhere (a service record, a bulk change, an import, an undo,
        another person): everything but unsaved profile edits, which are kept with the values they were typed over,
        so their save meets the no-lost-update check; the notice says when the firm changed under them."""
        self._read(keep_edits=self.unsaved() and not self._saving)

    def _read(self, keep_edits: bool) -> None:
        conn, catalog = self.ledger.conn, self.ledger.catalog()
        firm = firm_file.firm(conn, self.firm_id)
        if firm is None:
            self.title.setText("该企业已被彻底删除")
            return
        self.setWindowTitle(f"企业档案 - {firm['name']}")
        self.title.setText(firm["name"] + ("（在回收站中）" if firm.get("deleted_at") else ""))
        code = firm.get("code") or firm.get("code_raw") or "无代码"
        self.subtitle.setText(
            f"{code}　{firm.get('street') or '街道未填'}　服务专员：{firm.get('officer') or '未指派'}"
        )
        seen = {k: firm[k] for k in (*FIRM_FIELDS, "updated_at") if k in firm}   # what a save must still find
        if keep_edits:
            self.notice.setVisible(self.notice.isVisibleTo(self) or seen != self._seen)
        else:
            self.profile.load(firm)
            self._seen = seen
            self.save_button.setEnabled(False)
            self.notice.hide()
        events = firm_file.timeline(conn, catalog, self.firm_id)
        self.timeline_model.set_rows(
            [(e.day, e.kind + ("（未来）" if e.future else ""), e.stage, e.detail, e.source) for e in events],
            brushes=[QBrush(QColor(KIND_COLOURS.get(e.kind, "#ffffff"))) for e in events])
        self.alias_model.set_rows([(n, seen or "", f"批次 {b}" if b else "手工") for n, seen, b in
                                   firm_file.aliases(conn, self.firm_id)])
        self._services = firm_file.services(conn, self.firm_id)
        self.service_model.set_rows([(s["date"], s["officer"], s["kind"], s["notes"], s["follow_up"])
                                     for s in self._services], tips=[s["notes"] for s in self._services])
        self._service_selection()
        rows = firm_file.audit(conn, self.firm_id)
        self.audit_model.set_rows([(r["at"][:19].replace("T", " "), r["who"], r["what"], r["change"], r["source_text"])
                                   for r in rows], tips=[r["change"] for r in rows])

    def eventFilter(self, watched, event) -> bool:  # noqa: N802  (Qt's virtual)
        """Enter on a service record opens it, as a double-click does; the table passed the key on to the dialog,
        whose default button saved the profile's pending edits instead."""
        if (watched is self.service_view and event.type() == QEvent.KeyPress
                and event.key() in (Qt.Key_Return, Qt.Key_Enter)):
            self.edit_service()
            return True
        return super().eventFilter(watched, event)

    def _service_selection(self) -> None:
        """修改所选记录 only with a record selected (it did nothing, silently, without one)."""
        chosen = self.service_view.selectionModel().hasSelection()
        self.edit_service_button.setEnabled(chosen and not self.locked)
        self.edit_service_button.setToolTip(self.locked or ("" if chosen else NO_SERVICE_CHOSEN))

    def unsaved(self) -> bool:
        """The profile has edits not saved yet (a value still being corrected counts)."""
        if self.save_button.isHidden():               # a read-only ledger: nothing can be saved
            return False
        return bool(self.profile.problems()) or bool(self.profile.changes())

    def reject(self) -> None:
        """Esc and the window's ×: ask before unsaved edits are lost; 取消 keeps the dialog open."""
        if self.unsaved():
            answer = ask_unsaved(self, self.title.text())
            if answer == "cancel" or (answer == "save" and not self.save_profile()):
                return
        super().reject()

    # writing ----------------------------------------------------------------------
    def _profile_edited(self) -> None:
        self.save_button.setEnabled(not self.profile.problems() and bool(self.profile.changes()))

    def save_profile(self) -> bool:
        if self.profile.problems():
            return False
        changes = self.profile.changes()
        if not changes:
            return False
        self._saving = True                 # the re-read its own save makes reads the saved values
        try:
            return self._push(UpdateFirms(self.ledger, [self.firm_id], changes,
                                          text=f"修改企业档案：{self.title.text()}", seen={self.firm_id: self._seen}))
        finally:
            self._saving = False

    def add_service(self) -> bool:
        if self.locked:
            return False
        return self._service_dialog(ServiceDialog(officer=self._officer, parent=self),
                                    lambda values, _seen: AddService(self.ledger, self.firm_id, values))

    def edit_service(self) -> bool:
        rows = self.service_view.selectionModel().selectedRows()
        if not rows or self.locked:
            return False
        record = self._services[rows[0].row()]
        return self._service_dialog(
            ServiceDialog(record, parent=self),
            lambda values, seen: EditService(self.ledger, self.firm_id, record["id"], values, seen=seen),
            service_seen(record), record["id"])

    def _service_dialog(self, dlg, command, seen: dict | None = None, record_id: int | None = None) -> bool:
        """Run *dlg* until its record is saved or the person cancels: a refused save (the warning says why and,
        for a record changed since, its current values) brings the dialog back with what was typed; its next save
        is measured against the values that warning showed."""
        try:
            while dlg.exec() == QDialog.Accepted:
                if self._push(command(dlg.values(), seen)):
                    return True
                now = [r for r in firm_file.services(self.ledger.conn, self.firm_id) if r["id"] == record_id]
                if now:
                    seen = service_seen(now[0])
            return False
        finally:
            dlg.deleteLater()

    @staticmethod
    def today() -> date:
        return date.today()
