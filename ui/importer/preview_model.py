"""The validation preview of an import plan: one row per Excel row, coloured by what will happen,
the reasons as tooltips, before → after for updates, and a tick a person can clear on warning rows."""
from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, Qt, Signal
from PySide6.QtGui import QBrush, QColor

from db.firm_fields import STATUS_TITLE
from pipeline.fields import LABELS
from ui.importer.wording import for_wizard
from ui.qtcompat import no_data
from ui.rows_model import ROOT, header_text

STATUS = {"new": "新增", "update": "更新", "unchanged": "不变", "error": "错误"}
COLOURS = {"new": "#e6f4ea", "update": "#e8f0fe", "unchanged": "#f5f5f5", "warning": "#fff4ce", "error": "#fce8e6"}
HEADERS = ["导入", "Excel 行", "结果", LABELS["name"], LABELS["code"], "变化（原 → 新）", "问题"]
# a change's field as the list of fields names it (the firms column street_id as 所在街道), then the others
FIELD_NAMES = {**LABELS, "street_id": LABELS["street"], "designation": "认定", "stage": "认定",
               "code_status": STATUS_TITLE, "needs_review": "待核实"}
LONG_COLUMNS = (3, 5, 6)          # name, changes, problems: often wider than their column


def shown(v, *, date_field: bool = False) -> str:
    """A value as written: 2024 (not 2024.0), dates without a time, an Excel serial in a date column as a date."""
    from importers.clean import display_value
    return display_value(v, date_field=date_field)


def row_state(row) -> str:
    if row.status == "error":
        return "error"
    if any(i.level == "warning" for i in row.issues):
        return "warning"
    return row.status


def describe_changes(row) -> str:
    parts = []
    for field, (before, after) in (row.changes or {}).items():
        parts.append(f"{FIELD_NAMES.get(field, field)}：{_txt(before)} → {_txt(after)}")
    for d in getattr(row, "designations", None) or ([row.designation] if row.designation else []):
        if d:
            parts.append(f"认定：{d.get('stage_name') or d.get('stage')} {d.get('start') or ''}".strip())
    return "；".join(parts)


def _txt(v) -> str:
    return "（空）" if v in (None, "") else shown(v)


class PlanPreviewModel(QAbstractTableModel):
    includeChanged = Signal()

    def __init__(self, plan=None, parent=None) -> None:
        super().__init__(parent)
        self._rows: list = []
        self._left_out: dict = {}
        self._brushes = {k: QBrush(QColor(v)) for k, v in COLOURS.items()}
        if plan is not None:
            self.set_plan(plan)

    def set_plan(self, plan) -> None:
        self.beginResetModel()
        self._rows = list(plan.rows) if plan is not None else []
        self._left_out = plan.left_out if plan is not None else {}
        self.endResetModel()

    def refresh(self) -> None:
        """The ticks and reasons again, after a choice unticked rows (ui/importer/leave_out.py)."""
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(HEADERS) - 1))
        self.includeChanged.emit()

    def _problems(self, r) -> str:
        text = "；".join(for_wizard(i.message) for i in r.issues)
        why = self._left_out.get(r.excel_row) if not r.include else None
        return f"未导入：{why}" + (f"；{text}" if text else "") if why else text

    def plan_row(self, i: int):
        return self._rows[i]

    def rowCount(self, parent=ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=ROOT) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index, role=Qt.DisplayRole):
        value = self._data(index, role)
        return no_data() if value is None else value

    def _data(self, index, role=Qt.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return no_data()
        r, col = self._rows[index.row()], index.column()
        if role == Qt.DisplayRole:
            if col == 0:
                return no_data()
            if col == 1:
                return str(r.excel_row)
            if col == 2:
                state = row_state(r)
                return STATUS.get(r.status, r.status) + ("（有提示）" if state == "warning" else "")
            if col == 3:
                return r.name or ""
            if col == 4:
                return r.code or ""
            if col == 5:
                return describe_changes(r)
            if col == 6:
                return self._problems(r)
            return no_data()
        if role == Qt.CheckStateRole and col == 0:
            return Qt.Checked if r.include and r.status != "error" else Qt.Unchecked
        if role == Qt.BackgroundRole:
            return self._brushes.get(row_state(r))
        if role == Qt.ToolTipRole:
            lines = [f"第 {r.excel_row} 行：{STATUS.get(r.status, r.status)}"]
            if col in LONG_COLUMNS:          # the whole cell first: the column may cut it off
                text = self._data(index, Qt.DisplayRole)
                if text and col != 6:
                    lines.insert(0, str(text))
            why = self._left_out.get(r.excel_row) if not r.include else None
            if why:
                lines.append(f"未导入：{why}")
            lines += [f"{'错误' if i.level == 'error' else '提示'}（{i.column or '整行'}）：{for_wizard(i.message)}"
                      for i in r.issues]
            change = describe_changes(r)
            if change:
                lines.append(change)
            return "\n".join(lines)
        return no_data()

    def flags(self, index):
        if not index.isValid():
            return Qt.NoItemFlags
        flags = Qt.ItemIsEnabled | Qt.ItemIsSelectable
        if index.column() == 0 and self._rows[index.row()].status != "error":
            flags |= Qt.ItemIsUserCheckable
        return flags

    def setData(self, index, value, role=Qt.EditRole) -> bool:
        if not index.isValid() or index.column() != 0 or role != Qt.CheckStateRole:
            return False
        r = self._rows[index.row()]
        if r.status == "error":
            return False
        r.include = Qt.CheckState(value) == Qt.Checked if not isinstance(value, bool) else value
        self.dataChanged.emit(index, index, [Qt.CheckStateRole])
        self.includeChanged.emit()
        return True

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        value = self._headerData(section, orientation, role)
        return no_data() if value is None else value

    def _headerData(self, section, orientation, role=Qt.DisplayRole):
        return header_text(HEADERS, section, orientation, role)
