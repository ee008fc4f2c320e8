"""The import wizard: sheet and kind → header row and column mapping → validation preview (untick
warning rows) → commit in the background with progress and cancel → result with "导出问题行".

Reading the file and building the plan, and committing it, run in workers (desktop.workers
style: a job function with progress/cancel callbacks); widgets are touched only in the slots
that receive their signals, on the UI thread.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)

from ui.importer.leave_out import LeaveOutBar
from ui.importer.mapping_page import MappingPage, col_letter
from ui.importer.preview_model import PlanPreviewModel, row_state, shown
from ui.importer.wording import for_wizard
from ui.rows_model import RowsModel

KINDS = [
    ("自动判断", None),
    ("企业名单（企业信息、星级等）", "roster"),
    ("认定名单（每行获得同一认定）", "designation"),
]
UNREADABLE = "（无法读取）"
MSG_UNREADABLE = "。\n请关闭本窗口，换一个文件再导入（文件 → 导入名单，或把文件拖到窗口上）。"
SIZE = (1180, 660)                 # fits a 1366×768 screen with the taskbar
SETTINGS_ORG, SETTINGS_APP = "xingtu", "星图"     # desktop.settings' organisation and application
COLUMNS_KEY = "importer/preview_columns"
MSG_CANCELLING = "正在取消写入…（写入一半的内容会全部撤回；若写入已经完成，会显示导入结果，可在“导入历史”中撤销）"


def table_view(model) -> QTableView:
    v = QTableView()
    v.setModel(model)
    v.setSelectionBehavior(QAbstractItemView.SelectRows)
    v.verticalHeader().setSectionResizeMode(QHeaderView.Fixed)
    v.verticalHeader().setDefaultSectionSize(24)
    v.setWordWrap(False)
    v.horizontalHeader().setStretchLastSection(True)
    return v


class SourcePage(QWizardPage):
    def __init__(self, wizard: "ImportWizard") -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("第 1 步：工作表与名单类型")
        self.setSubTitle(f"文件：{Path(wizard.path).name}")
        self.sheet = QComboBox()
        self.kind = QComboBox()
        for text, key in KINDS:
            self.kind.addItem(text, key)
        self.stage = QComboBox()
        self.stage.addItem("按标题或表头判断", None)
        for s in wizard.ledger.catalog().stages:
            self.stage.addItem(s.name, s.key)
        self.use_date = QCheckBox("统一认定日期（文件中没有日期列时填写）")
        self.on_date = QDateEdit(QDate.currentDate(), calendarPopup=True, displayFormat="yyyy-MM-dd")
        self.on_date.setEnabled(False)
        self.use_date.toggled.connect(self.on_date.setEnabled)
        self.grid = RowsModel([], parent=self)
        self.message = QLabel(wordWrap=True)
        self.message.setStyleSheet("color: #b3261e;")
        self.unreadable = ""              # why the file cannot be read, if it cannot
        form = QFormLayout()
        form.addRow("工作表", self.sheet)
        form.addRow("名单类型", self.kind)
        form.addRow("认定类别", self.stage)
        form.addRow(self.use_date, self.on_date)
        box = QVBoxLayout(self)
        box.addLayout(form)
        box.addWidget(QLabel("文件开头（供核对）："))
        box.addWidget(table_view(self.grid))
        box.addWidget(self.message)
        self.sheet.currentIndexChanged.connect(lambda _i: self._preview())

    def initializePage(self) -> None:
        from importers.errors import InputError
        from importers.read import list_sheets
        self.unreadable = ""
        try:
            sheets = list_sheets(self.wiz.path)
        except (InputError, OSError) as exc:          # not a workbook, the file gone …
            self.unreadable = for_wizard(str(exc))
            sheets = []
        self.sheet.blockSignals(True)
        self.sheet.clear()
        if not sheets:
            self.sheet.addItem(UNREADABLE if self.unreadable else "（CSV 文件，无工作表）", None)
        for name in sheets:
            self.sheet.addItem(name, name)
        self.sheet.blockSignals(False)
        self._preview()

    def _preview(self) -> None:
        from importers.errors import InputError
        from importers.read import read_preview
        try:
            rows = read_preview(self.wiz.path, self.sheet.currentData(), 15)
        except (InputError, OSError) as exc:
            self.unreadable = self.unreadable or for_wizard(str(exc))
            rows = []
        # a file that cannot be read stops here, saying why (下一步 led to an empty step 2 saying it again)
        self.message.setText(self.unreadable.rstrip("。") + MSG_UNREADABLE if self.unreadable else "")
        self.completeChanged.emit()
        width = max((len(r) for r in rows), default=0)
        self.grid._headers = [col_letter(i) for i in range(width)]
        self.grid.set_rows([[shown(v) for v in r] + [None] * (width - len(r)) for r in rows])
        self.wiz.preview_rows = rows

    def isComplete(self) -> bool:  # noqa: N802  (Qt's virtual)
        return not self.unreadable

    def options(self) -> dict:
        d = self.on_date.date()
        return {"sheet": self.sheet.currentData(), "kind": self.kind.currentData(), "stage": self.stage.currentData(),
                "on_date": date(d.year(), d.month(), d.day()) if self.use_date.isChecked() else None}


class PreviewPage(QWizardPage):
    def __init__(self, wizard: "ImportWizard") -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("第 3 步：校验预览")
        self.setSubTitle("绿色新增、蓝色更新、灰色不变、黄色有提示、红色错误（不导入）。鼠标停在单元格上看完整内容和原因；"
                         "不同意的提示行可取消勾选。")
        self.model = PlanPreviewModel(parent=self)
        self.model.includeChanged.connect(self._counts)
        self.view = table_view(self.model)
        self._restore_widths()
        self.view.horizontalHeader().sectionResized.connect(lambda *_a: self._save_widths())
        self.summary = QLabel(objectName="previewSummary", wordWrap=True)
        self.untick = QPushButton("取消勾选全部提示行")
        self.untick.clicked.connect(self.untick_warnings)
        self.choices = LeaveOutBar(self)                  # 只导入台账中已有的企业 / 某地的企业
        self.choices.changed.connect(self._left_out)
        row = QHBoxLayout()
        row.addWidget(self.summary, 1)
        row.addWidget(self.untick)
        box = QVBoxLayout(self)
        box.addLayout(row)
        box.addWidget(self.choices)
        box.addWidget(self.view, 1)
        self.setCommitPage(True)
        self.setButtonText(QWizard.CommitButton, "写入台账")

    def _restore_widths(self) -> None:
        saved = settings().value(COLUMNS_KEY)
        widths = [int(w) for w in str(saved).split(",") if w.isdigit()] if saved else []
        if len(widths) != self.model.columnCount():
            widths = [46, 60, 110, 220, 160, 220, 300]
        for col, width in enumerate(widths):
            self.view.setColumnWidth(col, width)

    def _save_widths(self) -> None:
        header = self.view.horizontalHeader()
        settings().setValue(COLUMNS_KEY, ",".join(str(header.sectionSize(c)) for c in range(header.count())))

    def initializePage(self) -> None:
        self.model.set_plan(self.wiz.plan)
        self.choices.set_plan(self.wiz.plan)
        self._counts()

    def _left_out(self, _n: int) -> None:
        self.model.refresh()
        self._counts()

    def _counts(self) -> None:
        plan = self.wiz.plan
        if plan is None:
            return
        self.summary.setText(result_text(plan, None))

    def untick_warnings(self) -> None:
        for i in range(self.model.rowCount()):
            if row_state(self.model.plan_row(i)) == "warning":
                self.model.setData(self.model.index(i, 0), Qt.Unchecked, Qt.CheckStateRole)


def settings() -> QSettings:
    return QSettings(QSettings.defaultFormat(), QSettings.UserScope, SETTINGS_ORG, SETTINGS_APP)


def result_text(plan, batch: int | None) -> str:
    """What the import does (preview) or did (batch), counted as the person acted: rows written, errors left
    out, rows unticked, and rows skipped as not data by category (blank rows and notes apart); in the preview,
    what the importer says of the whole file (a 拟认定 list, several districts, dates read as serials) too, the last
    thing read before writing."""
    c = plan.counts()
    errors = sum(1 for r in plan.rows if r.status == "error")
    warned = sum(1 for r in plan.rows if row_state(r) == "warning")
    skipped = "，".join(f"{k} {n} 行" for k, n in plan.skip_counts().items())
    head = (f"已写入台账，批次 {batch}：" if batch is not None else f"共 {c['rows']} 行数据：") + \
        f"新增 {c['created']} 家，更新 {c['updated']} 家，不变 {c['unchanged']} 家"
    lines = [head, f"错误 {errors} 行（不导入），有提示 {warned} 行，已取消勾选 {plan.unticked()} 行（不导入）",
             f"非数据行已跳过：{skipped}" if skipped else "没有跳过的非数据行"]
    if batch is None:
        lines += [f"整份名单：{for_wizard(i.message)}" for i in plan.file_issues]
    return "\n".join(lines)


class CommitPage(QWizardPage):
    def __init__(self, wizard: "ImportWizard") -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("第 4 步：写入台账")
        # a subtitle, as on the other steps: without one Qt draws this step's title large, in another place
        self.setSubTitle("整批写入，写入前自动备份；写入后可在“导入历史”中整批撤销。")
        self.progress = QProgressBar()
        self.status = QLabel(wordWrap=True, objectName="commitStatus")
        self.cancel = QPushButton("取消写入")
        self.cancel.clicked.connect(wizard.cancel_task)
        self.export = QPushButton("导出问题行…")
        self.export.clicked.connect(wizard.export_problems)
        self.export.setEnabled(False)
        row = QHBoxLayout()
        row.addWidget(self.cancel)
        row.addStretch(1)
        row.addWidget(self.export)
        box = QVBoxLayout(self)
        box.addWidget(self.progress)
        box.addWidget(self.status)
        box.addLayout(row)
        box.addStretch(1)

    def initializePage(self) -> None:
        self.status.setText("正在写入台账（写入前自动备份）…")
        self.wiz.commit()

    def isComplete(self) -> bool:
        return self.wiz.over


class ImportWizard(QWizard):
    committed = Signal(int)         # batch id

    def __init__(self, ledger, path: str, workers, parent=None) -> None:
        super().__init__(parent)
        self.ledger, self.path, self.workers = ledger, str(path), workers
        self.setWindowTitle(f"导入名单 - {Path(path).name}")
        self.setWindowModality(Qt.WindowModal)
        self.setMinimumSize(760, 480)
        from ui.geometry import fit_to_screen  # issue 14: fits the screen, buttons never clipped
        fit_to_screen(self, SIZE)
        self.plan = None
        self.plan_shown = None
        self.building = False
        self.over = False
        self.batch: int | None = None
        self.task = None
        self.generation = 0
        self.preview_rows: list = []
        # step 4 has its own 取消写入; after the write a 取消 beside 完成 read as "take the import back"
        self.setOption(QWizard.NoCancelButtonOnLastPage, True)
        for which, text in ((QWizard.NextButton, "下一步"), (QWizard.BackButton, "上一步"),
                            (QWizard.FinishButton, "完成"), (QWizard.CancelButton, "取消")):
            self.setButtonText(which, text)
        self.source = SourcePage(self)
        self.mapping = MappingPage(self)
        self.preview = PreviewPage(self)
        self.commit_page = CommitPage(self)
        for page in (self.source, self.mapping, self.preview, self.commit_page):
            self.addPage(page)
        self.finished.connect(self._stop_task)

    # building the plan (worker) -------------------------------------------------
    def build(self, opts: dict) -> None:
        """Build the plan for *opts* in a worker; a newer build supersedes a running one."""
        from importers.plan import build_plan
        ledger, path = self.ledger, self.path
        if self.task is not None:
            self.task.cancel()
        self.building = True
        self.plan = None
        self.generation += 1
        gen = self.generation

        def job(progress, cancelled):
            return build_plan(ledger, path, progress=lambda *a: progress(*a[:2]) if a else None,
                              cancel=cancelled, **opts)
        self.task = self.workers.start(job, on_done=lambda plan: self._built(plan, gen),
                                       on_failed=lambda m: self._build_failed(m, gen),
                                       on_cancelled=lambda m: self._build_failed(m, gen))

    def _built(self, plan, gen: int = 0) -> None:
        if gen != self.generation:
            return
        self.building = False
        self.task = None
        self.plan = self.plan_shown = plan
        self.mapping.show_plan(plan)

    def _build_failed(self, message: str, gen: int = 0) -> None:
        if gen != self.generation:
            return
        self.building = False
        self.task = None
        self.mapping.show_error(message)

    # committing (worker) --------------------------------------------------------
    def commit(self) -> None:
        from importers.plan import commit_plan
        ledger, plan = self.ledger, self.plan
        remember = self.mapping.remember_requested()
        self.over = False
        self.commit_page.progress.setRange(0, max(1, len(plan.rows)))

        def job(progress, cancelled):
            return commit_plan(ledger, plan, progress=lambda *a: progress(*a[:2]) if a else None, cancel=cancelled,
                               remember_mapping=remember)   # only when the person ticked 记住此列对应关系
        self.task = self.workers.start(job, on_done=self._committed, on_failed=self._commit_failed,
                                       on_cancelled=self._commit_cancelled, on_progress=self._progress)

    def _progress(self, done: int, total: int, _text: str) -> None:
        if total:
            self.commit_page.progress.setRange(0, total)
        self.commit_page.progress.setValue(done)

    def _committed(self, batch: int) -> None:
        self.batch, self.over = batch, True
        page = self.commit_page
        page.progress.setValue(page.progress.maximum())
        page.status.setText(result_text(self.plan, batch) + "\n如需撤销，可在“导入历史”中撤销此批次。"
                            + ("\n已记住此列对应关系。" if self.mapping.remember_requested() else ""))
        self._finish_page(problems=bool(self.plan.error_rows()))
        self.committed.emit(batch)

    def _commit_failed(self, message: str) -> None:
        self.commit_page.status.setText(f"写入失败，台账未改动：{for_wizard(message)}")
        self._finish_page(problems=bool(self.plan.error_rows()))

    def _commit_cancelled(self, message: str) -> None:
        self.commit_page.status.setText(message or "已取消，台账未改动")
        self._finish_page(problems=False)

    def _finish_page(self, problems: bool) -> None:
        self.over = True
        self.task = None
        self.commit_page.cancel.setEnabled(False)
        self.commit_page.export.setEnabled(problems)
        self.commit_page.completeChanged.emit()

    def cancel_task(self) -> None:
        if self.task is not None:
            self.task.cancel()

    def reject(self) -> None:
        """Esc, 取消 and the × while the commit runs mean 取消写入: the wizard stays until the job says whether the
        batch was rolled back whole or had already been committed (then undone from 导入历史), never closing on
        an outcome nobody sees."""
        if self.currentPage() is self.commit_page and self.task is not None and not self.over:
            self.cancel_task()
            self.commit_page.status.setText(MSG_CANCELLING)
            return
        super().reject()

    def export_problems(self, path: str | None = None) -> int:
        from importers.error_report import write_error_report
        if not path:
            default = str(Path(self.path).with_name(Path(self.path).stem + "_问题行.xlsx"))
            path, _ = QFileDialog.getSaveFileName(self, "导出问题行", default, "Excel 工作簿 (*.xlsx)")
        if not path:
            return 0
        n = write_error_report(self.plan, path, for_wizard)
        self.commit_page.status.setText(self.commit_page.status.text() + f"\n已导出 {n} 行问题到 {path}")
        return n

    def _stop_task(self, _result: int = 0) -> None:
        """Closed or cancelled: stop a running job and wait for it (a commit rolls back)."""
        import shiboken6
        if self.task is not None:
            self.task.cancel()
            if shiboken6.isValid(self.workers):
                self.workers.pool.waitForDone(30000)
