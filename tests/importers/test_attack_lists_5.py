"""A fifth outside attack on the importer, with lists shaped like Hubei/Wuhan government attachments: every input
row lands or is reported with its Excel row, column and a Chinese reason; nothing is invented. Each test writes its
own file into tmp_path. Every test here failed when it was written (the guards excepted, as marked)."""
from __future__ import annotations

from openpyxl import Workbook

from importers.plan import build_plan, commit_plan
from tests.importers import real_lists as R
from tests.importers.fixtures import write_simple_xlsx

HEAD = ["序号", "企业名称", "统一社会信用代码", "所在街道"]


def _rows(plan):
    return [(r.excel_row, r.status) for r in plan.rows]


# ---------------------------------------------------------------- a footnote block under a numbered list
def test_a_note_labelled_in_the_serial_column_is_no_firm(ledger, tmp_path):
    """注： in the 序号 column and the note's items in the name column ("1.名单按申报顺序排列；", "2.有效期三年。"),
    then an 附件 line and 制表人/审核人: the three text lines were created as firms (flagged for review), with the
    street 紫阳 filled down into them from the last firm."""
    rows = [HEAD] + [[i + 1, f"武汉脚注{i}科技有限公司", R.CODES[i], "紫阳"] for i in range(3)]
    rows += [[None] * 4,                                                          # 5
             ["注：", "1.名单按申报顺序排列；", None, None],                        # 6
             [None, "2.有效期三年。", None, None],                                  # 7
             ["附件", "武昌区2023年度种子企业申报汇总表", None, None],              # 8
             ["制表人：张三", None, "审核人：李四", "2023年12月"]]                   # 9
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "名单.xlsx", rows))
    assert _rows(plan) == [(2, "new"), (3, "new"), (4, "new")]
    assert [r for r, _ in plan.skipped] == [5, 6, 7, 8, 9]
    assert not list(plan.issues())


def test_a_note_labelled_in_the_serial_column_in_the_middle_is_reported(ledger, tmp_path):
    """The same note with firms after it: a row reported as an error (it was a firm), never dropped."""
    rows = [HEAD, [1, "武汉脚注甲科技有限公司", R.CODES[5], "紫阳"],
            ["注：", "以下为补报企业", None, None],
            [2, "武汉脚注乙科技有限公司", R.CODES[6], "紫阳"]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "名单.xlsx", rows))
    assert _rows(plan) == [(2, "new"), (3, "error"), (4, "new")]


# ---------------------------------------------------------------- a list that goes on on the next sheet
def _two_sheets(tmp_path, second_header: bool):
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["2023年湖北省第二批拟认定高新技术企业名单"])
    ws.append(HEAD)
    for i in range(5):
        ws.append([i + 1, f"武汉续页{i}科技有限公司", R.CODES[10 + i], "杨园"])
    ws2 = wb.create_sheet("Sheet2")
    if second_header:
        ws2.append(HEAD)
    for i in range(5, 8):
        ws2.append([i + 1, f"武汉续页{i}科技有限公司", R.CODES[10 + i], "粮道"])
    path = tmp_path / "名单.xlsx"
    wb.save(path)
    return path


def test_rows_going_on_on_a_sheet_without_a_header_are_named(ledger, tmp_path):
    """The list's last rows printed onto Sheet2 with no header of their own: Sheet1 was imported and the three firms
    of Sheet2 were left out without a word. Now a warning names the sheet and its rows."""
    plan = build_plan(ledger, _two_sheets(tmp_path, False), kind="roster")
    assert len(plan.rows) == 5
    (w,) = [i for i in plan.file_issues if i.code == "headless_sheet"]
    assert "“Sheet2”" in w.message and "第 1、2、3 行" in w.message and "未导入" in w.message


def test_rows_going_on_on_a_sheet_with_its_own_header_are_named(ledger, tmp_path):
    """Guard: with a header of its own the sheet is named as another list, as before."""
    plan = build_plan(ledger, _two_sheets(tmp_path, True), kind="roster")
    assert [i.code for i in plan.file_issues if i.code in ("other_sheet", "headless_sheet")] == ["other_sheet"]


# ---------------------------------------------------------------- a web system's CSV export
def test_csv_cells_written_as_text_formulas_are_their_text(ledger, tmp_path):
    """Exports of government web systems keep codes and dates as text for Excel by writing ="…" (Excel shows
    91420106…, 2019-01-01): every row was an error, "应为 18 位，实为 21 位" and "无法识别的日期“="2019-01-01"”"."""
    lines = ["序号,企业名称,统一社会信用代码,所在街道,成立日期"]
    lines += [f'{i + 1},武汉等号{i}科技有限公司,="{R.CODES[30 + i]}",="南湖",="2019-0{i + 1}-01"' for i in range(2)]
    lines += [f'3,武汉引号科技有限公司,"=""{R.CODES[32]}""",南湖,2019-03-01']
    path = tmp_path / "导出.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8-sig"))
    plan = build_plan(ledger, path, kind="roster")
    assert [(r.excel_row, r.status, r.code) for r in plan.rows] == [
        (2, "new", R.CODES[30]), (3, "new", R.CODES[31]), (4, "new", R.CODES[32])]
    assert [(str(r.values["founded"]), r.values["street"]) for r in plan.rows] == [
        ("2019-01-01", "南湖"), ("2019-02-01", "南湖"), ("2019-03-01", "南湖")]
    assert not list(plan.issues())


# ---------------------------------------------------------------- street sections, 序号 restarting in each
def _sections(titles, first: int, word: str) -> list[list]:
    """A numbered list in sections: each title alone in the name column, then two firms numbered from 1."""
    rows = [["序号", "企业名称", "统一社会信用代码", "所属行业"]]
    k = first
    for title in titles:
        rows.append([None, title, None, None])
        for j in range(2):
            rows.append([j + 1, f"武汉{word}{k}科技有限公司", R.CODES[k], "软件"])
            k += 1
    return rows


def test_a_street_section_title_in_the_name_column_is_a_group_label(ledger, tmp_path):
    """"水果湖街" / "中华路街" (the streets' usual short form) heading each section of a numbered list, typed in the
    name column: each became a firm named after the street, while the same title in the 序号 column, or
    "水果湖街道", was read as a group label whose street the rows below take (with a warning)."""
    rows = _sections(("水果湖街", "中华路街"), 40, "街段")
    rows.append([3, "楚河汉街", None, "商业"])                 # numbered: a short name, data
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "名单.xlsx", rows), kind="roster")
    assert _rows(plan) == [(3, "new"), (4, "new"), (6, "new"), (7, "new"), (8, "new")]
    assert plan.skipped == [(2, "分组标题行“水果湖街”"), (5, "分组标题行“中华路街”")]
    assert [r.values.get("street") for r in plan.rows] == ["水果湖", "水果湖", "中华路", "中华路", "中华路"]
    assert all(any("按分组标题" in i.message for i in r.issues) for r in plan.rows[:4])


# ---------------------------------------------------------------- a workbook whose name says the other format
def test_a_workbook_named_with_the_other_excel_extension_is_read(ledger, tmp_path):
    """A legacy .xls saved (or renamed by a mail gateway) as 名单.xlsx, and an .xlsx named 名单.xls: the content is
    sniffed and the right reader chosen, but calamine opened the file by its extension and the list was refused as
    "文件不完整或已损坏" (the .xlsx one with calamine's English "Cfb error: Invalid OLE …")."""
    import xlwt
    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet("Sheet1")
    for r, row in enumerate([["企业名称", "统一社会信用代码"], ["武汉旧版科技有限公司", R.CODES[50]]]):
        for c, v in enumerate(row):
            ws.write(r, c, v)
    book.save(str(tmp_path / "名单.xlsx"))
    plan = build_plan(ledger, tmp_path / "名单.xlsx", kind="roster")
    assert [(r.excel_row, r.status, r.code) for r in plan.rows] == [(2, "new", R.CODES[50])]
    xlsx = write_simple_xlsx(tmp_path, "新版.xlsx",
                             [["企业名称", "统一社会信用代码"], ["武汉新版科技有限公司", R.CODES[51]]])
    plan = build_plan(ledger, xlsx.rename(tmp_path / "新版.xls"), kind="roster")
    assert [(r.excel_row, r.status, r.code) for r in plan.rows] == [(2, "new", R.CODES[51])]


def test_an_excel_2003_xml_table_is_named_as_such_not_a_web_page(tmp_path):
    """A web system's "xls" in SpreadsheetML 2003 (<?xml …><Workbook …><Worksheet><Table>): its <Table> made it
    "网页（HTML）格式的伪 Excel 文件"; the message for it (Excel 2003 XML 表格) was never reached."""
    import pytest

    from importers.errors import InputError
    from importers.read import open_table
    rows = "".join("<Row>" + "".join(f'<Cell><Data ss:Type="String">{v}</Data></Cell>' for v in r) + "</Row>"
                   for r in [["企业名称", "统一社会信用代码"], ["武汉二零零三科技有限公司", R.CODES[52]]])
    path = tmp_path / "导出.xls"
    path.write_text('<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
                    '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
                    'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="Sheet1"><Table>'
                    + rows + "</Table></Worksheet></Workbook>", encoding="utf-8")
    with pytest.raises(InputError) as e:
        open_table(path)
    assert str(e.value) == "导出.xls：这是 Excel 2003 XML 表格，请用 Excel 或 WPS 打开后另存为 .xlsx 再导入"


# ---------------------------------------------------------------- a certificate dated after today
def test_a_designation_dated_after_today_is_warned_on_its_row(ledger, tmp_path):
    """发证日期 2033-12-08 (2023 mistyped) landed silently: a 高企 that counts nowhere until 2033 and lapses in 2036,
    while a founding date after today is an error. Now the row says so (a warning: kept as written)."""
    import datetime as dt
    rows = [["序号", "企业名称", "统一社会信用代码", "证书编号", "发证日期"],
            [1, "武汉未来科技有限公司", R.CODES[53], "GR203342000001", "2033-12-08"],
            [2, "武汉今年科技有限公司", R.CODES[54], "GR202342000002", "2024-06-30"]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "名单.xlsx", rows), stage="高企", today=dt.date(2024, 7, 1))
    assert _rows(plan) == [(2, "new"), (3, "new")]
    (w,) = plan.rows[0].issues
    assert (w.row, w.column, w.level) == (2, "发证日期", "warning")
    assert "2033-12-08" in w.message and "今天" in w.message
    assert not plan.rows[1].issues


def test_a_roster_designation_dated_after_today_is_warned_on_its_row(ledger, tmp_path):
    """The same in a roster's 资质类别 / 认定时间 columns."""
    import datetime as dt
    rows = [["企业名称", "统一社会信用代码", "资质类别", "认定时间"],
            ["武汉后年科技有限公司", R.CODES[55], "高新技术企业", "2033-12-08"],
            ["武汉去年科技有限公司", R.CODES[56], "高新技术企业", "2023-12-08"]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "台账.xlsx", rows), today=dt.date(2024, 7, 1))
    assert _rows(plan) == [(2, "new"), (3, "new")]
    assert [(i.column, i.code) for i in plan.rows[0].issues] == [("认定时间", "date_future")]
    assert not plan.rows[1].issues


def test_a_street_name_alone_in_the_name_column_is_no_firm(ledger, tmp_path):
    """Section titles "杨园" / "粮道" (bare street names, no 街道 to read them as group labels by) between the
    numbered rows: each was created as a firm named 杨园, flagged for review. A street of the catalogue alone in a row
    is no firm: the row is an error naming the cell, not a firm and not dropped. Guard: 黄鹤楼 (a street, and a
    brand's short name) numbered with its industry stays a row of a short-name list."""
    rows = _sections(("杨园", "粮道"), 44, "街名") + [[3, "黄鹤楼", None, "酒业"]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "名单.xlsx", rows), kind="roster")
    assert _rows(plan) == [(2, "error"), (3, "new"), (4, "new"), (5, "error"), (6, "new"), (7, "new"), (8, "new")]
    for r in (plan.rows[0], plan.rows[3]):
        (e,) = [i for i in r.issues if i.level == "error"]
        assert e.column == "企业名称" and "街道" in e.message and r.name in e.message
        assert not any("将新建" in i.message for i in r.issues)


# ---------------------------------------------------------------- two tables side by side
def test_a_second_table_beside_the_first_is_said_not_dropped(ledger, tmp_path):
    """Two streets' lists printed side by side on one sheet (序号 | 企业名称 | 统一社会信用代码, twice): the left one
    was imported and the three firms on the right were left out without a word."""
    rows = [["序号", "企业名称", "统一社会信用代码", None, "序号", "企业名称", "统一社会信用代码"]]
    for i in range(3):
        rows.append([i + 1, f"武汉左表{i}科技有限公司", R.CODES[i], None, i + 4, f"武汉右表{i}科技有限公司",
                     R.CODES[10 + i]])
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "并排.xlsx", rows), kind="roster")
    assert len(plan.rows) == 3
    said = [i.message for i in plan.file_issues if "第 F 列" in i.message]
    assert len(said) == 1 and "企业名称" in said[0] and "未导入" in said[0] and "武汉右表0科技有限公司" in said[0]
    assert any("第 G 列" in i.message and "统一社会信用代码" in i.message for i in plan.file_issues)


def test_a_new_firm_listed_twice_keeps_the_former_names_of_both_rows(tmp_path, ledger):
    """A firm not yet in the ledger, listed twice with a different 曾用名 on each row, is created from the first
    row; the second row's former name was lost (the warning said only that the rows differ). Both are kept now, as
    for a firm already in the ledger, and the warning says so."""
    path = tmp_path / "两行.csv"
    path.write_text("企业名称,统一社会信用代码,曾用名\n武汉新甲科技有限公司,91420100MA4K00001J,武汉旧甲有限公司\n"
                    "武汉新甲科技有限公司,91420100MA4K00001J,武汉更旧甲有限公司；武汉旧甲有限公司\n", encoding="utf-8")
    plan = build_plan(ledger, path)
    dup = [i.message for i in plan.issues() if i.code == "dup_in_file"]
    assert len(dup) == 1 and dup[0].endswith("本行的曾用名也一并记入")
    commit_plan(ledger, plan)
    got = ledger.conn.execute("SELECT name FROM firm_aliases ORDER BY name").fetchall()
    assert got == [("武汉旧甲有限公司",), ("武汉更旧甲有限公司",)]
