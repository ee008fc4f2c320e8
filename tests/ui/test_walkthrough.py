"""A new officer's walk through the windows at 1366×768: what they read must speak of what they see (no
command-line flags in the wizard), and Qt's conventions hold (Esc, Enter, focus)."""
from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QDate, Qt

from tests.ui.helpers import C1, C2, to_mapping

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]
FLAG = re.compile(r"--[a-z]")


def write_csv(path, lines: list[str]):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_list_without_a_known_stage_names_the_wizards_field_not_the_stage_flag(qtbot, open_wizard, tmp_path):
    path = write_csv(tmp_path / "名单.csv", ["名单", "序号,企业名称,统一社会信用代码,认定日期",
                                             f"1,武汉星辰科技有限公司,{C1},2023-05-01"])
    wiz = open_wizard(path)
    wiz.source.kind.setCurrentIndex(wiz.source.kind.findData("designation"))
    to_mapping(qtbot, wiz)
    message = wiz.mapping.message.text()
    assert "无法判断认定类别" in message
    assert not FLAG.search(message), message
    assert "第 1 步的“认定类别”" in message


def test_a_blank_date_filled_from_the_wizards_date_says_so_without_the_date_flag(qtbot, open_wizard, tmp_path):
    path = write_csv(tmp_path / "高企名单.csv", ["2023年高新技术企业名单",
                                                 "序号,企业名称,统一社会信用代码,证书编号,认定日期",
                                                 f"1,武汉星辰科技有限公司,{C1},GR202342000001,2023-12-08",
                                                 f"2,湖北光谷智能装备有限公司,{C2},GR202342000002,"])
    wiz = open_wizard(path)
    wiz.source.use_date.setChecked(True)
    wiz.source.on_date.setDate(QDate(2023, 12, 8))
    to_mapping(qtbot, wiz)
    assert wiz.plan is not None, wiz.mapping.message.text()
    wiz.next()                                                       # → preview
    model = wiz.preview.model
    row = next(i for i in range(model.rowCount()) if model.plan_row(i).excel_row == 4)
    shown = [model.data(model.index(row, 6)), model.data(model.index(row, 6), Qt.ToolTipRole)]
    assert "按指定的认定日期 2023-12-08" in shown[0]
    for text in shown:
        assert not FLAG.search(text), text
    assert "第 1 步的“统一认定日期”" in shown[0]
    from openpyxl import load_workbook
    assert wiz.export_problems(str(tmp_path / "问题行.xlsx")) >= 1      # 导出问题行 speaks as the wizard does
    said = [c.value for c in load_workbook(tmp_path / "问题行.xlsx")["问题行"]["F"][1:]]
    assert any("第 1 步的“统一认定日期”" in (text or "") for text in said), said
    assert not any(FLAG.search(text or "") for text in said), said


def test_the_wizard_wording_covers_every_hint_the_importer_gives():
    from importers.guess import MSG_REVOKED
    from importers.header import MSG_SERIAL
    from importers.infer import W_DISTRICTS
    from importers.plan_designations import W_DATE_GIVEN
    from importers.planner import MSG_NEED_DATE, MSG_NEED_STAGE, MSG_NO_NAME, W_HEADLESS_SHEET, W_OTHER_SHEET
    from ui.importer.wording import for_wizard
    said = [MSG_NEED_STAGE.format(names="高新技术企业"), MSG_NEED_DATE, MSG_NO_NAME.format(headers="甲、乙"),
            MSG_SERIAL.format(header="编 号", examples="1、2"),
            W_DATE_GIVEN.format(column="认定日期", day="2023-12-08"),
            W_OTHER_SHEET.format(sheet="Sheet2", row=3, chosen="Sheet1"),
            W_HEADLESS_SHEET.format(sheet="Sheet2", rows="2-9", chosen="Sheet1"),
            MSG_REVOKED.format(where="标题", text="取消高企资格名单", word="取消"), W_DISTRICTS]
    for text in said:
        assert not FLAG.search(for_wizard(text)), for_wizard(text)
    assert "把“编 号”列选为“证书编号”" in for_wizard(said[3])


def shown_chart(qtbot, title: str, size: tuple[int, int]):
    """A chart of *size* on screen, as the 看板 shows it (the labels are placed by its drawn size)."""
    from ui.dashboard.charts import Chart
    chart = Chart(title)
    qtbot.add_widget(chart)
    chart.resize(*size)
    chart.show()
    qtbot.waitExposed(chart)
    return chart


@pytest.mark.parametrize("size", [(1320, 260), (1000, 260)])
def test_the_time_progress_label_across_street_bars_is_not_drawn_on_the_last_bar(qtbot, size):
    """看板 → 街道 at 2025-12-31: “序时进度 100.0%” was drawn in orange on the last street's green bar."""
    from PySide6.QtCore import QRectF

    chart = shown_chart(qtbot, "各街道完成率", size)
    values = [91.5, 96.7, 87.1, 90.5, 92.8, 73, 103.5, 106.8, 109.1, 108.6, 116.7, 110.8, 126.2, 100]
    chart.bars([f"街道{i}" for i in range(len(values))], values, unit="%")
    chart.reference(100, "序时进度 100.0%")
    qtbot.wait(50)
    label = chart._line_item.label
    text = label.mapRectToScene(label.boundingRect())
    vb = chart.item.getViewBox()
    for i, v in enumerate(values):
        bar = vb.mapViewToScene(QRectF(i - chart._width / 2, 0, chart._width, v)).boundingRect()
        assert not text.intersects(bar), (i, text, bar)
    assert vb.sceneBoundingRect().adjusted(-2, -2, 2, 2).contains(text), (text, vb.sceneBoundingRect())
    line_y = vb.mapViewToScene(QRectF(0, 100, 1, 0)).boundingRect().top()
    assert text.bottom() <= line_y + 2, (text, line_y)              # above its line, not struck through


@pytest.mark.parametrize("size", [(1320, 300), (900, 300)])
def test_the_time_progress_line_does_not_strike_through_short_bars_labels(qtbot, size):
    """目标完成 early in the year (序时进度 2.7%): the dashed line crossed the labels “0%（0/60）” of the bars not
    started yet. Such a label now starts right of the line; a label clear of the line stays at its bar's end."""
    from PySide6.QtCore import QRectF

    chart = shown_chart(qtbot, "全区指标完成率", size)
    values = [94.6, 0, 0, 1.5, 65]
    chart.bars([f"指标{i}" for i in range(len(values))], values, horizontal=True, unit="%",
               texts=[f"{v:g}%（0/60）" for v in values])
    chart.reference(2.7, "序时进度 2.7%")
    qtbot.wait(50)
    vb = chart.item.getViewBox()
    line_x = vb.mapViewToScene(QRectF(2.7, 0, 0, 1)).boundingRect().left()
    for i, v in enumerate(values):
        text = chart._text(i).mapRectToScene(chart._text(i).boundingRect())
        assert not text.left() < line_x < text.right(), (i, text, line_x)
        if v > 10:                                                  # a long bar's label stays at its end
            end = vb.mapViewToScene(QRectF(v, 0, 0, 1)).boundingRect().left()
            assert abs(text.left() - end) < 3, (i, text, end)


def test_the_time_progress_line_does_not_strike_through_labels_atop_street_bars(qtbot):
    """看板 → 街道 at 序时进度 88.8%: the line crossed “83.3%” atop a bar just below it; the label now sits above."""
    from PySide6.QtCore import QRectF

    chart = shown_chart(qtbot, "各街道完成率", (1320, 260))
    values = [88.1, 91.7, 83.3, 75.7, 126.2, 87.9]
    chart.bars([f"街道{i}" for i in range(len(values))], values, unit="%")
    chart.reference(88.8, "序时进度 88.8%")
    qtbot.wait(50)
    vb = chart.item.getViewBox()
    line_y = vb.mapViewToScene(QRectF(0, 88.8, 1, 0)).boundingRect().top()
    for i, v in enumerate(values):
        text = chart._text(i).mapRectToScene(chart._text(i).boundingRect())
        assert not text.top() < line_y < text.bottom(), (i, v, text, line_y)


def test_the_expiry_chart_says_what_each_colour_means(qtbot):
    from ui.dashboard.charts import AHEAD, LINE, NEUTRAL, Chart
    chart = Chart()
    qtbot.add_widget(chart)
    chart.set_title("2025 年“高新技术企业总量”逐月到期", "共 501",
                    [(NEUTRAL, "已到期，有未续失效"), (LINE, "尚有待到期")])
    title = chart.item.titleLabel.text
    assert "已到期，有未续失效" in title and "尚有待到期" in title and LINE.name() in title
    assert AHEAD.name() not in title


def test_tab_leaves_a_date_field_at_once(qtbot):
    """Tab in the 截至 date stepped through year, month and day: three Tabs to get past one field."""
    from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

    from ui.dates import DateEdit
    host = QWidget()
    qtbot.add_widget(host)
    box = QVBoxLayout(host)
    day, after = DateEdit(), QLineEdit()
    box.addWidget(day)
    box.addWidget(after)
    host.show()
    qtbot.waitExposed(host)
    day.setFocus()
    qtbot.waitUntil(day.hasFocus)
    qtbot.keyClick(day, Qt.Key_Tab)
    assert after.hasFocus()
    qtbot.keyClick(after, Qt.Key_Backtab)
    assert day.hasFocus()


def selected(panel) -> tuple[list[int], int | None]:
    return panel.selected_firm_ids(), panel.current_firm_id()


def test_after_a_change_in_search_results_the_selection_is_kept(qtbot, small_panel):
    """With a search shown (read off the UI thread), an edit of the selected firm lost the selection: the next
    Del, Enter or menu action found nothing chosen."""
    from tests.ui.helpers import settle
    from ui.commands import UpdateFirms
    panel, ids = small_panel
    panel.set_search_now("武汉")
    settle(qtbot, panel.model)
    panel.view.selectRow(1)
    chosen, current = selected(panel)
    assert len(chosen) == 1 and current == chosen[0]
    UpdateFirms(panel.ledger, chosen, {"officer": "王芳"}).redo()
    panel.reload()
    settle(qtbot, panel.model)
    assert selected(panel) == (chosen, current)


def test_a_firm_moved_to_the_recycle_bin_leaves_the_next_row_selected(qtbot, small_panel):
    from tests.ui.helpers import settle
    from ui.commands import RemoveFirms
    panel, ids = small_panel
    panel.set_search_now("武汉")
    settle(qtbot, panel.model)
    assert panel.model.rowCount() == 2
    panel.view.selectRow(0)
    gone = panel.selected_firm_ids()
    RemoveFirms(panel.ledger, gone).redo()
    panel.reload()
    settle(qtbot, panel.model)
    left = panel.model.firm_id(0)
    assert left not in gone and selected(panel) == ([left], left)


@pytest.mark.parametrize("content", [b"PK\x03\x04garbage" * 100, b""])
def test_a_file_that_cannot_be_read_stops_at_step_one_saying_why(qtbot, open_wizard, tmp_path, content):
    """A damaged .xlsx showed 工作表 “（CSV 文件，无工作表）” and 下一步 led to an empty step 2 saying it again."""
    from PySide6.QtWidgets import QWizard
    path = tmp_path / "名单.xlsx"
    path.write_bytes(content)
    wiz = open_wizard(path)
    page = wiz.source
    assert "CSV" not in page.sheet.currentText()
    assert not page.isComplete() and not wiz.button(QWizard.NextButton).isEnabled()
    assert page.message.text().startswith("名单.xlsx：") and "换一个文件" in page.message.text()


def test_the_default_columns_fit_a_window_a_little_narrower_than_them(qtbot, small_panel):
    """At 1366×768 with the window not maximised the ledger's columns were 10 pixels too wide: a scroll bar, and
    代码核验 cut at the edge. 持有认定 and 企业名称 give up the difference; a column the person sized stays."""
    panel, _ids = small_panel
    view, hh = panel.view, panel.view.horizontalHeader()
    held = panel.model.column_index("held")
    panel.resize(1320, 600)
    qtbot.waitUntil(lambda: view.viewport().width() < 1260)
    qtbot.wait(20)
    assert view.horizontalScrollBar().maximum() == 0
    assert hh.length() <= view.viewport().width()
    assert hh.sectionSize(held) < 220
    hh.resizeSection(held, 300)                      # the person widens it: theirs from now on
    panel.resize(1300, 600)
    qtbot.wait(20)
    assert hh.sectionSize(held) == 300


def test_enter_in_a_settings_field_saves_it(qtbot):
    """设置: a name typed into 我的姓名 and Enter pressed was not saved (only the button saved): the audit log went on
    naming the old officer."""
    from types import SimpleNamespace

    from desktop.settings import Settings
    from ui.settings_page import SettingsPage
    settings = Settings()
    page = SettingsPage(settings, SimpleNamespace(path="台账.db"))
    qtbot.add_widget(page)
    page.show()
    qtbot.waitExposed(page)
    page.officer.setText("周玲")
    with qtbot.wait_signal(page.officerChanged, timeout=1000):
        qtbot.keyClick(page.officer, Qt.Key_Return)
    assert settings.get("user/officer") == "周玲" and page.status.text() == "已保存"
    page.days.lineEdit().selectAll()
    qtbot.keyClicks(page.days.lineEdit(), "30")
    qtbot.keyClick(page.days.lineEdit(), Qt.Key_Enter)
    assert settings.get("ledger/expiring_days") == 30


def test_enter_on_a_service_record_opens_it_and_does_not_save_the_profile(qtbot, ledger, monkeypatch):
    """企业档案 → 服务记录: Enter on a record went on to the dialog's default button, which saved the profile's
    pending edits, and the record did not open (a double-click did)."""
    from datetime import date

    from tests.ui.helpers import firm_file
    dlg, undo, b = firm_file(qtbot, ledger, show=True)
    try:
        with ledger.write("person") as w:
            w.add_service(b, date(2024, 5, 6), officer="张敏", kind="走访", notes="了解研发投入")
        dlg.reload()
        opened: list[bool] = []
        monkeypatch.setattr(dlg, "edit_service", lambda: opened.append(True) or False)
        dlg.profile.edits["officer"].setText("陈静")
        dlg.profile.edits["officer"].textEdited.emit("陈静")
        assert dlg.save_button.isEnabled()
        dlg.tabs.setCurrentIndex(3)
        dlg.service_view.setFocus()
        dlg.service_view.selectRow(0)
        qtbot.keyClick(dlg.service_view, Qt.Key_Return)
        assert opened == [True]
        assert dlg.unsaved()                                   # the profile's edit is still pending, not saved
    finally:
        dlg.reload()                                           # drop the pending edit: closing would ask
        dlg.close()
        undo.deleteLater()


def test_after_the_write_the_wizard_offers_finish_and_no_cancel(qtbot, open_wizard, tmp_path):
    """Step 4 after 已写入台账 showed 取消 beside 完成: read as "take the import back", it only closed the window."""
    from PySide6.QtWidgets import QWizard

    from tests.ui.helpers import commit
    path = write_csv(tmp_path / "企业名单.csv", ["企业名称,统一社会信用代码", f"武汉星辰科技有限公司,{C1}"])
    wiz = open_wizard(path)
    to_mapping(qtbot, wiz)
    wiz.next()                                                   # → preview: 取消 is still there
    assert wiz.button(QWizard.CancelButton).isVisible()
    wiz.back()
    commit(qtbot, wiz)
    assert wiz.batch is not None
    assert wiz.button(QWizard.FinishButton).isVisible() and not wiz.button(QWizard.CancelButton).isVisible()
    assert wiz.commit_page.cancel.isVisible()                    # 取消写入, greyed once written
