"""Step 2 of the import wizard: the header row and the column mapping. It never dead-ends: every column of
the chosen header row is listed with a field picker (including 忽略), pre-filled from detection; the header
row can be changed; any column can be mapped; as soon as a name or code column is mapped the plan is built
(in a worker) and 下一步 is enabled."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWizardPage,
)

from importers.header import col_letter
from ui.importer.preview_model import shown
from ui.importer.wording import for_wizard
from ui.rows_model import RowsModel

IGNORE = "忽略（不导入）"
KEY_FIELDS = ("name", "code")
TEXT = {
    "title": "第 2 步：表头与列对应",
    "subtitle": ("每一列都可以指定对应的台账字段；至少指定“企业名称”或“统一社会信用代码”中的一列。"
                 "表头行不对时，改行号后点“按此行重新识别”。"),
    "row": "表头所在行（Excel 行号）",
    "reread": "按此行重新识别",
    "remember": "记住此列对应关系（以后表头相同的文件自动沿用）",
    "need_key": "请为企业名称列或统一社会信用代码列选择对应字段（在“对应字段”一栏中选择）。",
    "not_found": "没有找到企业名称或统一社会信用代码的表头，请在下表中指定。",
    "columns": ["列", "表头", "示例值", "对应字段"],
}


class MappingPage(QWizardPage):
    def __init__(self, wizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle(TEXT["title"])
        self.setSubTitle(TEXT["subtitle"])
        self.header_row = QSpinBox(minimum=1, maximum=1_000_000)
        self.rebuild = QPushButton(TEXT["reread"])
        self.rebuild.clicked.connect(self.reread)
        self.kind_label = QLabel(wordWrap=True)
        self.mapping = RowsModel(TEXT["columns"], parent=self)
        from ui.importer.wizard import table_view
        self.view = table_view(self.mapping)
        self.remember = QCheckBox(TEXT["remember"])
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.hide()
        self.message = QLabel(wordWrap=True)
        self.message.setStyleSheet("color: #b3261e;")
        self.combos: list[QComboBox] = []
        self.headers: list[str] = []
        self.detected: dict[int, str] = {}
        self.detected_row = 0
        self.chosen_row: int | None = None
        self.found = True
        row = QHBoxLayout()
        row.addWidget(QLabel(TEXT["row"]))
        row.addWidget(self.header_row)
        row.addWidget(self.rebuild)
        row.addStretch(1)
        box = QVBoxLayout(self)
        box.addLayout(row)
        box.addWidget(self.kind_label)
        box.addWidget(self.view, 1)
        box.addWidget(self.remember)
        box.addWidget(self.progress)
        box.addWidget(self.message)

    # the header -------------------------------------------------------------------
    def initializePage(self) -> None:
        self.wiz.plan = None
        self.chosen_row = None
        self.remember.setChecked(False)
        self._peek(None)

    def reread(self) -> None:
        """The person chose another header row: list its columns, detect again from there."""
        self.chosen_row = self.header_row.value()
        self._peek(self.chosen_row)

    def _peek(self, header_row: int | None) -> None:
        from importers.errors import InputError
        from importers.peek import peek_header
        self.wiz.plan = None
        try:
            peek = peek_header(self.wiz.path, self.wiz.source.options()["sheet"], header_row)
        except (InputError, OSError) as exc:          # an unreadable file, a row out of range
            self.message.setText(for_wizard(str(exc)))
            self.completeChanged.emit()
            return
        self.headers, self.detected, self.detected_row = peek.headers, dict(peek.mapping), peek.header_row
        self.header_row.setValue(max(1, peek.header_row))
        self._fill(peek.headers, peek.mapping, peek.samples)
        self.found = peek.detected
        self.message.clear()
        self.kind_label.setText("；".join(peek.notices))
        self._changed()

    def _fill(self, headers: list[str], mapping: dict[int, str], samples: list[list]) -> None:
        from importers.mapping import FIELDS
        rows = []
        for i, h in enumerate(headers):
            vals = [shown(s[i], date_field=mapping.get(i) in ("date", "expires", "founded"))
                    for s in samples if i < len(s) and s[i] not in (None, "")]
            rows.append([col_letter(i), h, "；".join(vals[:2]), ""])
        self.mapping.set_rows(rows, tips=[{2: "\n".join(r[2].split("；"))} if r[2] else None for r in rows])
        self.combos = []
        for i, _h in enumerate(headers):
            combo = QComboBox()
            combo.addItem(IGNORE, None)
            for key, title in FIELDS.items():
                combo.addItem(title, key)
            combo.setCurrentIndex(max(0, combo.findData(mapping.get(i))))
            combo.currentIndexChanged.connect(self._changed)
            self.view.setIndexWidget(self.mapping.index(i, 3), combo)
            self.combos.append(combo)
        self.view.setColumnWidth(0, 40)
        self.view.setColumnWidth(1, 220)
        self.view.setColumnWidth(2, 300)

    # the mapping -------------------------------------------------------------------
    def chosen(self) -> dict[int, str]:
        return {i: c.currentData() for i, c in enumerate(self.combos) if c.currentData()}

    def has_key(self) -> bool:
        return any(f in KEY_FIELDS for f in self.chosen().values())

    def overrides(self) -> dict[str, str]:
        """The columns whose field differs from detection, as ``--map`` overrides (header -> field, "" = ignore);
        a field chosen twice keeps the last column."""
        out = {}
        for i, combo in enumerate(self.combos):
            field = combo.currentData() or ""
            if self.detected.get(i, "") != field and self.headers[i]:
                out[self.headers[i]] = field
        return out

    def _changed(self, *_args) -> None:
        self.wiz.plan = None
        if self.has_key():
            self.start_build()
        else:
            if self.combos:
                self.message.setText(("" if self.found else TEXT["not_found"]) + TEXT["need_key"])
            self.completeChanged.emit()

    def start_build(self) -> None:
        opts = self.wiz.source.options()
        opts["overrides"] = self.overrides()
        if self.chosen_row is not None:
            opts["header_row"] = self.chosen_row
        self.message.clear()
        self.progress.show()
        self.wiz.build(opts)
        self.completeChanged.emit()

    def show_plan(self, plan) -> None:
        self.progress.hide()
        kind = "企业名单" if plan.kind == "roster" else f"认定名单（{plan.stage_name or plan.stage or '按列判断'}）"
        notes = "；".join(for_wizard(i.message) for i in plan.file_issues)
        self.kind_label.setText(f"识别为：{kind}。{plan.kind_reason}" + (f"　标题：{plan.title}" if plan.title else "")
                                + (f"\n{notes}" if notes else ""))
        if plan.headers == self.headers:
            for i, combo in enumerate(self.combos):         # a remembered mapping may differ from detection
                if combo.currentData() != plan.mapping.get(i):
                    combo.blockSignals(True)
                    combo.setCurrentIndex(max(0, combo.findData(plan.mapping.get(i))))
                    combo.blockSignals(False)
        self.completeChanged.emit()

    def show_error(self, message: str) -> None:
        self.progress.hide()
        self.message.setText(for_wizard(message))
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.has_key() and self.wiz.plan is not None and not self.wiz.building

    def remember_requested(self) -> bool:
        return self.remember.isChecked()


__all__ = ["MappingPage", "IGNORE", "col_letter", "Qt"]
