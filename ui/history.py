"""导入历史: every batch (file, time, who, counts) with undo of the selected one."""
from __future__ import annotations

from PySide6.QtCore import QEvent, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.geometry import column_room
from ui.rows_model import RowsModel

KINDS = {"roster": "企业名单", "designation": "认定名单", "demo": "示例数据"}
HEADERS = ["批次", "导入时间", "文件", "工作表", "类型", "操作人", "新增", "更新", "未变", "跳过", "状态"]
# every column but 文件 (which takes the rest of the width): at 1366×768 the whole row fits, 状态 included
WIDTHS = {0: 48, 1: 140, 3: 80, 4: 80, 5: 80, 6: 52, 7: 52, 8: 52, 9: 52, 10: 190}
FILE_COLUMN = 2
FILE_ROOM = 200     # below this much room for 文件 (a narrow window), the others shrink to their contents


class HistoryPanel(QWidget):
    """*undo(batch_id, force) -> dict* does the undo (raises UndoConflict / InputError); *confirm* asks."""
    undone = Signal(int)

    def __init__(self, ledger, undo, confirm, report, parent=None) -> None:
        super().__init__(parent)
        self.ledger = ledger
        self._undo, self._confirm, self._report = undo, confirm, report
        self.model = RowsModel(HEADERS, parent=self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.Fixed)
        self.view.verticalHeader().hide()
        header = self.view.horizontalHeader()
        for col, width in WIDTHS.items():
            self.view.setColumnWidth(col, width)
        header.setSectionResizeMode(FILE_COLUMN, QHeaderView.Stretch)
        header.setMinimumSectionSize(40)
        self.view.installEventFilter(self)
        self.undo_button = QPushButton("撤销所选批次")
        self.undo_button.setEnabled(not ledger.readonly)
        self.undo_button.clicked.connect(self.undo_selected)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._selection())
        top = QHBoxLayout()
        top.addWidget(QLabel("每次导入是一个批次；撤销一个批次会把台账恢复到导入之前（之后又被修改的企业会先提示）。"))
        top.addStretch(1)
        top.addWidget(self.undo_button)
        box = QVBoxLayout(self)
        box.addLayout(top)
        box.addWidget(self.view)
        self._batches: list[dict] = []
        self.reload()

    def reload(self) -> None:
        from importers.undo import batch_list
        self._batches = batch_list(self.ledger)
        rows, brushes = [], []
        grey = QBrush(QColor("#eeeeee"))
        for b in self._batches:
            c = b["counts"] or {}
            state = f"已撤销（{(b['undone_at'] or '')[:16].replace('T', ' ')}）" if b["undone_at"] else "有效"
            rows.append([b["id"], (b["created_at"] or "")[:19].replace("T", " "), b["file_name"], b["sheet"] or "",
                         KINDS.get(b["kind"], b["kind"]), b["officer"] or b["os_user"],
                         c.get("created", c.get("firms", "")), c.get("updated", ""), c.get("unchanged", ""),
                         c.get("skipped", ""), state])
            brushes.append(grey if b["undone_at"] else None)
        self.model.set_rows(rows, brushes=brushes, tips=[f"文件：{r[2]}" for r in rows])     # 文件 may be elided
        self._fit_columns()
        self._selection()

    def _fit_columns(self) -> None:
        """WIDTHS when 文件 still has FILE_ROOM beside them; in a narrower window (800 wide) each other column
        shrinks to what it shows (有效 needs less than 已撤销（…）), so 状态 stays in view; 文件 is elided (whole in
        the tooltip)."""
        view, header = self.view, self.view.horizontalHeader()
        narrow = sum(WIDTHS.values()) + FILE_ROOM > column_room(view)
        for col, width in WIDTHS.items():
            if narrow:
                width = min(width, max(view.sizeHintForColumn(col), header.sectionSizeHint(col)))
            view.setColumnWidth(col, width)

    def eventFilter(self, watched, event) -> bool:
        if watched is self.view and event.type() == QEvent.Resize:
            self._fit_columns()
        return super().eventFilter(watched, event)

    def _selection(self) -> None:
        b = self.selected_batch()
        self.undo_button.setEnabled(bool(b) and not b["undone_at"] and b["kind"] in ("roster", "designation")
                                    and not self.ledger.readonly)

    def selected_batch(self) -> dict | None:
        rows = self.view.selectionModel().selectedRows()
        return self._batches[rows[0].row()] if rows else None

    def select_batch(self, batch_id: int) -> None:
        for i, b in enumerate(self._batches):
            if b["id"] == batch_id:
                self.view.selectRow(i)

    def undo_selected(self) -> bool:
        from importers.errors import InputError
        from importers.undo import UndoConflict
        b = self.selected_batch()
        if not b:
            return False
        if not self._confirm(
            "撤销导入",
            f"撤销批次 {b['id']}（{b['file_name']}）？\n该批次新增的企业、更新的信息和认定都会恢复到导入之前。",
        ):
            return False
        try:
            try:
                self._undo(b["id"], False)
            except UndoConflict as exc:
                names = "、".join(n for _, n in exc.firms[:8]) + ("等" if len(exc.firms) > 8 else "")
                if not self._confirm(
                    "之后又有修改",
                    f"批次 {b['id']} 导入之后，{len(exc.firms)} 家企业又被修改过：{names}。\n"
                    "撤销会保留这些修改，只撤回本批次单独决定的内容。仍要撤销吗？",
                ):
                    return False
                self._undo(b["id"], True)
        except InputError as exc:
            self._report(str(exc))
            return False
        self.reload()
        self.undone.emit(b["id"])
        return True
