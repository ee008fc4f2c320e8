"""The page an empty ledger shows instead of an empty table: what to do first."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

CHOICES = (("import_list", "导入第一份名单…",
            "把收到的 Excel 名单（.xlsx / .xls / .csv）导入台账：先预览，确认后一次写入，可整批撤销。"),
           ("open_sample", "打开示例台账",
            "打开一个示例城区（2,000 家虚构企业），先熟悉台账、看板和指标；不影响您自己的台账。"),
           ("new_targets", "新建指标…", "填写本年度的目标任务（如净增高企 80 家），看板会据此计算完成率与序时进度。"))
COLUMN_WIDTH = 600      # the column of buttons and explanations, centred; narrower on a narrow window


class StartPage(QWidget):
    chosen = Signal(str)        # import_list | open_sample | new_targets

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("startPage")
        title = QLabel("台账里还没有企业")
        title.setStyleSheet("font-size: 18pt; font-weight: bold;")
        title.setAlignment(Qt.AlignHCenter)
        # The explanations wrap inside a column of a set width: a word-wrapped label placed with an alignment
        # flag gets its one-line height and showed only the first line of each explanation.
        column = QWidget()
        column.setMaximumWidth(COLUMN_WIDTH)
        column.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Minimum)
        col = QVBoxLayout(column)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(title)
        self.buttons: dict[str, QPushButton] = {}
        self.notes: list[QLabel] = []
        for key, text, note in CHOICES:
            button = QPushButton(text)
            button.setMinimumWidth(260)
            button.setStyleSheet("font-size: 12pt; padding: 8px 16px;")
            button.clicked.connect(lambda _c=False, k=key: self.chosen.emit(k))
            label = QLabel(note)
            label.setWordWrap(True)
            label.setAlignment(Qt.AlignHCenter)
            col.addSpacing(12)
            col.addWidget(button, 0, Qt.AlignHCenter)
            col.addWidget(label)
            self.buttons[key] = button
            self.notes.append(label)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(column, 3)
        row.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addStretch(1)
        lay.addLayout(row)
        lay.addStretch(2)
