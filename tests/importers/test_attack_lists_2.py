"""A second outside attack on the importer (lists shaped like government attachments): every data row lands
or is reported with its Excel row, column and a Chinese reason; nothing is invented, nothing mis-dated.
Each test writes its own file into tmp_path. Every test here failed when it was written."""
from __future__ import annotations

import datetime as dt

from importers.clean_streets import match_street
from importers.plan import build_plan, commit_plan
from tests.importers import real_lists as R
from tests.importers.fixtures import write_simple_xlsx

STREETS = ["积玉桥", "杨园", "徐家棚", "粮道", "中华路", "黄鹤楼", "紫阳", "白沙洲", "首义路", "中南路", "水果湖",
           "珞珈山", "石洞", "南湖"]


def _sheet_xml_replaced(src_path, dst_path, old: bytes, new: bytes) -> None:
    """*src_path* copied to *dst_path* with *old* replaced by *new* in the first sheet's XML: what openpyxl will not
    write (a height or width of 0, as Excel writes them)."""
    import zipfile
    with zipfile.ZipFile(src_path) as src, zipfile.ZipFile(dst_path, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert old in data
                data = data.replace(old, new)
            dst.writestr(item, data)


def _firm_names(ledger):
    return [n for (n,) in ledger.conn.execute("SELECT name FROM firms ORDER BY id")]


# ---------------------------------------------------------------- totals rows never become firms
def test_a_total_row_labelled_in_the_serial_column_is_no_firm(ledger, tmp_path):
    """合计 written in the 序号 column and the count in the name column (合计 | 1), as the bureau's own
    attachments do: it was imported as a new firm named "1", with a 高企 designation (the headline count
    inflated by one). A totals row is skipped as 合计行 (or at worst reported), never created."""
    rows = [["2023年第二批高新技术企业名单"], ["序号", "企业名称", "统一社会信用代码"],
            [1, "武汉合计前科技有限公司", R.CODES[0]], ["合计", 1]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "合计在序号列.xlsx", rows), on_date=dt.date(2023, 12, 8))
    assert [(r.excel_row, r.status) for r in plan.rows if r.status != "error"] == [(3, "new")]
    commit_plan(ledger, plan)
    assert _firm_names(ledger) == ["武汉合计前科技有限公司"]


def test_a_total_row_with_the_count_as_text_in_the_name_column_is_no_firm(ledger, tmp_path):
    rows = [["序号", "企业名称", "统一社会信用代码", "所在街道"], [1, "武汉总计前科技有限公司", R.CODES[0], "杨园"],
            ["总计", "1"]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "总计.xlsx", rows))
    assert [r.status for r in plan.rows if r.excel_row == 3] in ([], ["error"])
    commit_plan(ledger, plan)
    assert _firm_names(ledger) == ["武汉总计前科技有限公司"]


def test_a_street_subtotal_row_is_no_firm(ledger, tmp_path):
    """A street ledger with a subtotal under each street ("杨园街道小计 | 2家"): each was created as a firm named
    杨园街道小计 (flagged for review, street 杨园 filled down onto it)."""
    rows = [["序号", "企业名称", "统一社会信用代码", "所在街道", "所属行业"],
            [1, "武汉小计一科技有限公司", R.CODES[0], "杨园", "软件"],
            [2, "武汉小计二科技有限公司", R.CODES[1], "杨园", "软件"],
            [None, "杨园街道小计", None, None, "2家"],
            [3, "武汉小计三科技有限公司", R.CODES[2], "粮道", "软件"],
            [None, "粮道街小计", None, None, 1]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "街道小计.xlsx", rows))
    assert [r.excel_row for r in plan.rows if r.status == "new"] == [2, 3, 5]
    commit_plan(ledger, plan)
    assert "杨园街道小计" not in _firm_names(ledger) and "粮道街小计" not in _firm_names(ledger)


def test_a_subtotal_row_with_a_number_in_the_code_column_is_a_totals_row(ledger, tmp_path):
    """小计 | (blank) | 3: skipped as 合计行 like 小计 | (blank) | 3家, not an error row "企业名称为空" whose code is
    "3" (a person fixing the error report looks for a firm that is not there)."""
    rows = [["序号", "企业名称", "统一社会信用代码"], [1, "武汉小计码科技有限公司", R.CODES[0]],
            ["小计", None, "3家"], ["小计", None, 3]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "小计数字.xlsx", rows))
    assert [(r.excel_row, r.status) for r in plan.rows] == [(2, "new")]
    assert plan.skipped == [(3, "合计行"), (4, "合计行")]


# ---------------------------------------------------------------- dates
def test_a_year_and_month_typed_as_a_number_is_not_read_as_a_serial(ledger, tmp_path):
    """202312 (2023年12月 typed as a number) was read as Excel serial 202312 = 2453-11-27 and imported as a
    高企 recognised in the year 2453. A serial that far out is no date a list means: an error naming the cell."""
    path = R.write_dates_xlsx(tmp_path, [["武汉年月科技有限公司", R.CODES[0], 202312, None],
                                         ["武汉远期科技有限公司", R.CODES[1], 2023120, None]],
                              name="2023年高新技术企业名单.xlsx")
    plan = build_plan(ledger, path)
    assert [(r.excel_row, r.status) for r in plan.rows] == [(2, "error"), (3, "error")]
    e = plan.rows[0].issues[0]
    assert (e.row, e.column, e.code) == (2, "认定日期", "bad_date") and "202312" in e.message
    assert not plan.lands()


# ---------------------------------------------------------------- formula error cells
def _error_cells_xlsx(tmp_path):
    import xlsxwriter
    path = tmp_path / "公式错误.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["企业名称", "统一社会信用代码", "认定日期"])
    ws.write_row(1, 0, ["武汉正常科技有限公司", R.CODES[0], "2023-12-08"])
    ws.write_row(2, 0, ["武汉查日期科技有限公司", R.CODES[1]])
    ws.write_formula(2, 2, "=VLOOKUP(A3,底表!A:C,3,0)", None, "#N/A")         # the date lookup failed
    ws.write(3, 0, "武汉查代码科技有限公司")
    ws.write_formula(3, 1, "=VLOOKUP(A4,底表!A:B,2,0)", None, "#N/A")        # the code lookup failed
    ws.write(3, 2, "2023-12-08")
    wb.close()
    return path


def test_a_formula_error_in_the_code_column_is_reported_not_a_firm_without_a_code(ledger, tmp_path):
    """Officers fill the code column with VLOOKUP; a firm the lookup missed shows #N/A. The cell was read as
    empty: the row said "没有统一社会信用代码" and created a code-less firm. It is an error naming #N/A."""
    plan = build_plan(ledger, _error_cells_xlsx(tmp_path), kind="designation", stage="gaoqi")
    row = next(r for r in plan.rows if r.excel_row == 4)
    assert row.status == "error"
    e = next(i for i in row.issues if i.level == "error")
    assert (e.row, e.column) == (4, "统一社会信用代码") and "#N/A" in e.message
    # one error on the cell: the code check takes #N/A for no code, not for a code "实为 4 位" (found by review)
    assert [i.column for i in row.issues if i.level == "error"] == ["统一社会信用代码"], row.issues


def test_a_formula_error_in_the_date_column_is_not_an_empty_cell_for_the_date_option(ledger, tmp_path):
    """--date fills only an empty date cell; #N/A is not empty (it was: the row got 2024-01-05 with the
    warning "“认定日期”为空")."""
    plan = build_plan(ledger, _error_cells_xlsx(tmp_path), kind="designation", stage="gaoqi",
                      on_date=dt.date(2024, 1, 5))
    row = next(r for r in plan.rows if r.excel_row == 3)
    assert row.status == "error" and not row.designations
    e = next(i for i in row.issues if i.level == "error")
    assert (e.row, e.column) == (3, "认定日期") and "#N/A" in e.message


# ---------------------------------------------------------------- streets
def test_a_street_cell_that_only_mentions_a_street_is_not_taken_silently():
    """match_street found any catalog street inside the cell's text: "已迁出杨园" (moved out of 杨园) became 杨园,
    "紫阳湖社区" 紫阳, with no warning on the row. (A district before the street, "武昌区杨园街道" or "洪山区南湖", is
    read as that street still: the form official lists write a street in.)"""
    for text in ("已迁出杨园", "非杨园辖区", "紫阳湖社区", "水果湖街道、洪山"):
        assert match_street(text, STREETS) is None, text


def test_a_street_read_out_of_other_words_is_warned_on_the_row(ledger, tmp_path):
    rows = [["企业名称", "统一社会信用代码", "所在街道"], ["武汉迁出科技有限公司", R.CODES[0], "已迁出杨园"]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "迁出.xlsx", rows))
    row = plan.rows[0]
    assert row.values.get("street") is None or any(i.column == "所在街道" for i in row.issues)


# ---------------------------------------------------------------- names that are no names
def test_a_logical_value_in_the_name_column_is_no_firm_name(ledger, tmp_path):
    """A TRUE left in the name column (a filter's helper column pasted over it) created a firm named "True"."""
    rows = [["企业名称", "统一社会信用代码"], [True, R.CODES[0]], ["武汉真名科技有限公司", R.CODES[1]]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "逻辑值.xlsx", rows))
    assert [(r.excel_row, r.status) for r in plan.rows] == [(2, "error"), (3, "new")]
    assert plan.rows[0].issues[0].column == "企业名称"


# ---------------------------------------------------------------- what is not read is named
def test_a_hidden_sheet_holding_a_list_is_named(ledger, tmp_path):
    """A visible sheet is named when it also holds a list (other_sheet); a hidden sheet holding one (二批, hidden
    by the sender) was left out without a word."""
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.title = "一批"
    ws.append(["企业名称", "统一社会信用代码"])
    ws.append(["武汉一批科技有限公司", R.CODES[0]])
    hidden = wb.create_sheet("二批")
    hidden.sheet_state = "hidden"
    hidden.append(["企业名称", "统一社会信用代码"])
    hidden.append(["武汉二批科技有限公司", R.CODES[1]])
    wb.save(tmp_path / "隐藏表.xlsx")
    plan = build_plan(ledger, tmp_path / "隐藏表.xlsx")
    assert plan.sheet == "一批"
    assert any("二批" in i.message for i in plan.file_issues)


def test_a_row_of_zero_height_is_named_as_hidden(ledger, tmp_path):
    """A row shrunk to height 0 is as invisible in Excel as a hidden one; it is imported, but without the
    warning a hidden row gets."""
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.append(["企业名称", "统一社会信用代码"])
    ws.append(["武汉可见科技有限公司", R.CODES[0]])
    ws.append(["武汉零高科技有限公司", R.CODES[1]])
    ws.row_dimensions[3].height = 1
    wb.save(tmp_path / "行高.xlsx")
    _sheet_xml_replaced(tmp_path / "行高.xlsx", tmp_path / "零行高.xlsx", b'ht="1"', b'ht="0"')
    plan = build_plan(ledger, tmp_path / "零行高.xlsx")
    assert [(r.excel_row, [i.code for i in r.issues]) for r in plan.rows] == [(2, []), (3, ["hidden_row"])]


# ---------------------------------------------------------------- kind
def test_a_file_named_after_a_stage_with_a_certificate_column_needs_no_stage_option(ledger, tmp_path):
    """2023年高新技术企业名单.xlsx without a title: recognised as a 高企 list from its file name, until a 证书编号
    column is added; then the stage from the file name was ignored and --stage was asked for."""
    rows = [["企业名称", "统一社会信用代码", "证书编号", "发证日期"],
            ["武汉证书科技有限公司", R.CODES[0], "GR202342000001", "2023-12-08"]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "2023年高新技术企业名单.xlsx", rows))
    assert (plan.kind, plan.stage) == ("designation", "gaoqi")


def test_a_serial_number_typed_into_the_name_is_not_stored_silently(ledger, tmp_path):
    """Lists converted from Word carry the number in the name cell (1.武汉…, 2、武汉…, （3）武汉…): the ledger stored
    "1.武汉前缀一科技有限公司" as the firm's name without a word (it ends in 有限公司, so no not_full_name warning)."""
    rows = [["企业名称", "统一社会信用代码"], ["1.武汉前缀一科技有限公司", R.CODES[0]],
            ["2、武汉前缀二科技有限公司", R.CODES[1]], ["（3）武汉前缀三科技有限公司", R.CODES[2]]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "名称带序号.xlsx", rows))
    for r in plan.rows:
        assert r.name.startswith("武汉") or any(i.column == "企业名称" for i in r.issues), r.name


def test_two_full_names_in_one_name_cell_are_not_one_firm_silently(ledger, tmp_path):
    """"武汉甲…有限公司；武汉乙…有限公司" over one code was stored as one firm's name, no warning."""
    rows = [["企业名称", "统一社会信用代码"], ["武汉双名甲科技有限公司；武汉双名乙科技有限公司", R.CODES[0]],
            ["武汉双名丙科技有限公司、武汉双名丁科技有限公司", R.CODES[1]]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "两个名称.xlsx", rows))
    for r in plan.rows:
        assert any(i.column == "企业名称" for i in r.issues), r.name


# ---------------------------------------------------------------- CSV text in two encodings
def _mixed_csv(tmp_path, gbk_first: bool):
    head = "企业名称,统一社会信用代码,所在街道\r\n"
    gbk = "".join(f"武汉国标{i}科技有限公司,{R.CODES[10 + i]},粮道\r\n" for i in range(5))
    utf8 = "".join(f"武汉统一{i}科技有限公司,{R.CODES[i]},杨园\r\n" for i in range(5))
    path = tmp_path / ("混合编码一.csv" if gbk_first else "混合编码二.csv")
    if gbk_first:
        path.write_bytes(head.encode("gbk") + gbk.encode("gbk") + utf8.encode("utf-8"))
    else:
        path.write_bytes(head.encode("utf-8") + utf8.encode("utf-8") + gbk.encode("gbk"))
    return path


def test_utf8_rows_appended_to_a_gbk_csv_are_not_firms_with_garbled_names(ledger, tmp_path):
    """A GBK export with rows appended by a UTF-8 tool decodes without an error as GB18030, and the UTF-8 rows
    became five new firms named 姝《眽缁熶竴0绉戞妧鏈夐檺鍏徃… (warned only as "not a full name"). The file is
    refused naming the line where the encoding changes, or those rows are errors: no firm gets a garbled name."""
    import pytest

    from importers.errors import InputError
    path = _mixed_csv(tmp_path, gbk_first=True)
    try:
        plan = build_plan(ledger, path)
    except InputError as e:
        assert "第 7 行" in str(e)         # the first UTF-8 line
        return
    real = {f"武汉国标{i}科技有限公司" for i in range(5)} | {f"武汉统一{i}科技有限公司" for i in range(5)}
    created = {r.name for r in plan.rows if r.status == "new"}
    if not created <= real:
        pytest.fail(f"firms with names not in the file: {sorted(created - real)}")


def test_gbk_rows_appended_to_a_utf8_csv_name_the_line(ledger, tmp_path):
    """The other order is refused, but with "无法识别文本编码" and no line: the message names the first line that
    is not UTF-8 (the reader already has such a message, MSG_CSV_DECODE, for a bad line further down)."""
    import pytest

    from importers.errors import InputError
    with pytest.raises(InputError) as e:
        build_plan(ledger, _mixed_csv(tmp_path, gbk_first=False))
    assert "第 7 行" in str(e.value)


# ---------------------------------------------------------------- nothing lands
def test_a_list_whose_rows_are_all_errors_writes_no_batch(ledger, tmp_path):
    """Every row an error: the commit said 已导入, recorded an empty batch (and on the command line exited 0). Now
    it is refused, nothing written."""
    import pytest

    from importers.errors import InputError
    rows = [["企业名称", "统一社会信用代码", "认定日期"], ["武汉全错甲科技有限公司", R.CODES[0], "2023-13-45"],
            ["武汉全错乙科技有限公司", R.CODES[1], "abc"]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "全错.xlsx", rows), kind="designation", stage="gaoqi")
    assert not plan.lands()
    with pytest.raises(InputError, match="没有可导入的行"):
        commit_plan(ledger, plan)
    assert ledger.conn.execute("SELECT count(*) FROM batches").fetchone()[0] == 0


def test_a_column_of_zero_width_is_named_as_hidden(ledger, tmp_path):
    """A column shrunk to width 0 is as invisible in Excel as a hidden one: its values are imported, with the
    hidden-column warning (it had none)."""
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.append(["企业名称", "统一社会信用代码", "备注"])
    ws.append(["武汉窄列科技有限公司", R.CODES[0], "看不见"])
    ws.column_dimensions["C"].width = 3
    wb.save(tmp_path / "列宽.xlsx")
    _sheet_xml_replaced(tmp_path / "列宽.xlsx", tmp_path / "零列宽.xlsx", b'width="3"', b'width="0"')
    plan = build_plan(ledger, tmp_path / "零列宽.xlsx")
    assert any(i.code == "hidden_column" and i.column == "备注" for i in plan.file_issues)
