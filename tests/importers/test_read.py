"""Reading Excel workbooks: the quirky high-tech list (.xlsx and legacy .xls), several sheets, picking by hand."""
from __future__ import annotations

import datetime as dt

import pytest

from importers.clean import parse_date, parse_number
from importers.errors import InputError
from importers.mapping import guess_mapping
from importers.read import RawRow, list_sheets, open_table, open_table_at, read_preview
from pipeline.uscc import normalize, validate
from tests.importers import fixtures as F

HT_HEADERS = ["序号", "企业名称", "统一社会信用代码", "所在街道", "证书编号", "发证日期", "联系人", "联系电话",
              "注册资本", "备注", "营业收入（万元）/2021年", "营业收入（万元）/2022年"]
HT_SKIPPED = [(5, "分组标题行“武昌区（4家）”"), (9, "空行"), (11, "分组标题行“二、其他（1家）”"),
              (13, "重复的表头行"), (14, "重复的表头行"), (16, "空行"), (17, "表格下方的说明文字"),
              (18, "表格下方的说明文字"), (19, "表格下方的说明文字")]
HT_NOTES = ["注：1. 排名不分先后", "2. 有效期三年", "制表：武昌区科学技术和经济信息化局"]
HT_TITLE = "2023年湖北省第二批拟认定高新技术企业名单 （武汉市武昌区）"


def expected_rows(number=float) -> list[RawRow]:
    """The data rows as read: numbers as ``number`` (calamine gives float for .xlsx, int for .xls integers)."""
    out = []
    group = ""
    for row, kind, *rest in F._ht_rows():
        if kind == "GROUP":
            group = rest[0]
        if not isinstance(kind, list):
            continue
        values = [number(v) if type(v) is int else v for v in kind]
        if row in (7, 8):
            values[3] = "杨园"        # merged downward from D6
        out.append(RawRow(row, values, hidden=False, group=group))
    return out


def all_rows(table, chunk_size=5000) -> list[RawRow]:
    return [r for chunk in table.iter_rows(chunk_size) for r in chunk]


def test_hightech_xlsx_layout(hightech_xlsx):
    t = open_table(hightech_xlsx)
    assert (t.file, t.sheet, t.sheets, t.kind) == ("拟认定名单.xlsx", "公示名单", ["公示名单"], "xlsx")
    assert t.title == HT_TITLE
    assert t.header_row == 4
    assert t.headers == HT_HEADERS
    assert t.columns == list(range(12))
    assert t.skipped == HT_SKIPPED
    assert t.notes == HT_NOTES
    assert t.row_count_hint == 6
    assert t.date1904 is False


def test_hightech_xlsx_rows(hightech_xlsx):
    t = open_table(hightech_xlsx)
    want = expected_rows(float)
    want[3].hidden = True          # Excel row 10 is hidden
    assert all_rows(t) == want


def test_hightech_values_clean_up(hightech_xlsx):
    rows = all_rows(open_table(hightech_xlsx))
    codes = [normalize(r.values[2]) for r in rows]
    assert codes == F.CODES[:6]
    assert all(validate(r.values[2]).ok for r in rows)
    assert {parse_date(r.values[5]) for r in rows} == {dt.date(2023, 12, 28)}
    assert [parse_number(r.values[8]) for r in rows] == [6400.0, 500.0, 12000.0, None, 123.0, 6400.0]


def test_iter_rows_is_reiterable_and_chunked(hightech_xlsx):
    t = open_table(hightech_xlsx)
    chunks = list(t.iter_rows(chunk_size=4))
    assert [len(c) for c in chunks] == [4, 2]
    assert all_rows(t, 2) == [r for c in chunks for r in c]
    assert [r.excel_row for r in all_rows(t)] == [6, 7, 8, 10, 12, 15]


def test_mapping_of_the_found_header(hightech_xlsx):
    t = open_table(hightech_xlsx)
    assert guess_mapping(t.headers) == {1: "name", 2: "code", 3: "street", 4: "cert_no", 5: "date",
                                        6: "contact_person", 7: "contact_phone", 8: "reg_capital", 9: "remark",
                                        10: "revenue"}


def test_hightech_xls(hightech_xls):
    t = open_table(hightech_xls)
    assert (t.file, t.sheet, t.kind) == ("拟认定名单.xls", "公示名单", "xls")
    assert t.title == HT_TITLE
    assert (t.header_row, t.headers, t.columns) == (4, HT_HEADERS, list(range(12)))
    assert t.skipped == HT_SKIPPED
    assert t.notes == HT_NOTES
    rows = all_rows(t)
    want = expected_rows(int)
    want[0].values[10] = 1200.5
    want[3].hidden = True          # Excel row 10 is hidden: read from the sheet's ROW records (calamine does not)
    assert rows == want


def test_multisheet_picks_the_list_on_sheet_two(folder):
    path = F.write_multisheet_xlsx(folder)
    t = open_table(path)
    assert t.sheet == "企业名单"       # the hidden 旧名单 scores higher but is only a fall-back
    assert t.sheets == ["填表说明", "企业名单", "旧名单", "空表"]
    assert (t.header_row, t.headers) == (1, ["序号", "单位名称", "社会信用代码", "所属街道"])
    assert all_rows(t) == [RawRow(2, [1.0, "武汉一号科技有限公司", F.CODES[0], "杨园"]),
                           RawRow(3, [2.0, "武汉二号科技有限公司", F.CODES[1], "粮道"])]
    assert list_sheets(path) == ["填表说明", "企业名单", "旧名单", "空表"]
    hidden = open_table(path, sheet="旧名单")
    assert hidden.sheet == "旧名单" and hidden.row_count_hint == 1


def test_sheet_errors(folder):
    path = F.write_multisheet_xlsx(folder)
    with pytest.raises(InputError) as e:
        open_table(path, sheet="不存在")
    assert str(e.value) == "多工作表.xlsx：找不到工作表“不存在”，文件中的工作表有：填表说明、企业名单、旧名单、空表"
    with pytest.raises(InputError) as e:
        open_table(path, sheet="空表")
    assert str(e.value) == "多工作表.xlsx，工作表“空表”：工作表是空的"
    with pytest.raises(InputError) as e:
        open_table(path, sheet="填表说明")
    assert e.value.sheet == "填表说明" and "找不到企业名称列" in e.value.message


def test_read_preview(hightech_xlsx):
    grid = read_preview(hightech_xlsx, nrows=5)
    assert len(grid) == 5
    assert grid[0] == [F.TITLE] + [None] * 11
    assert grid[2] == [h for h in F.HT_TOP]
    assert grid[3] == [h for h in F.HT_SUB]
    assert grid[4] == ["武昌区（4家）"] + [None] * 11


def test_open_table_at_two_header_rows(hightech_xlsx):
    t = open_table_at(hightech_xlsx, sheet="公示名单", header_row=4, header_rows=2)
    assert (t.header_row, t.headers, t.title) == (4, HT_HEADERS, HT_TITLE)
    assert [r.excel_row for r in all_rows(t)] == [6, 7, 8, 10, 12, 15]


def test_open_table_at_one_row_uses_merged_group_text(hightech_xlsx):
    t = open_table_at(hightech_xlsx, sheet="公示名单", header_row=3)
    assert t.headers == ["序号", "企业名称", "统一社会信用代码", "所在街道", "高企认定", "高企认定（第 F 列）",
                         "联系方式",
                         "联系方式（第 H 列）", "注册资本", "备注", "营业收入（万元）", "营业收入（万元）（第 L 列）"]
    rows = all_rows(t)
    assert rows[0].excel_row == 4 and rows[0].values[1] is None   # the sub-header row is now data, as asked
    assert (13, "重复的表头行") in t.skipped


def test_open_table_at_out_of_range(hightech_xlsx):
    with pytest.raises(InputError) as e:
        open_table_at(hightech_xlsx, sheet="公示名单", header_row=40)
    assert "表头行号 40 不在工作表范围内（1-19）" in str(e.value)


def test_offset_table_and_hidden_sheet_order(folder):
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws["C5"], ws["D5"] = "企业名称", "统一社会信用代码"
    ws["C6"], ws["D6"] = "甲公司", F.CODES[0]
    path = folder / "偏移.xlsx"
    wb.save(path)
    t = open_table(path)
    assert (t.header_row, t.headers, t.columns) == (5, ["企业名称", "统一社会信用代码"], [2, 3])
    assert all_rows(t) == [RawRow(6, ["甲公司", F.CODES[0]])]
    assert read_preview(path, nrows=6)[5] == [None, None, "甲公司", F.CODES[0]]


def test_header_repeated_on_each_page_and_totals(folder):
    rows = [["企业名称", "统一社会信用代码", "所在街道"], ["甲公司", F.CODES[0], "杨园"],
            ["企业名称", "统一社会信用代码", "所在街道"], ["乙公司", F.CODES[1], "粮道"],
            ["合计", "2家", None]]
    t = open_table(F.write_simple_xlsx(folder, "分页.xlsx", rows))
    assert t.skipped == [(3, "重复的表头行"), (5, "合计行")]
    assert [r.values[0] for r in all_rows(t)] == ["甲公司", "乙公司"]


def test_group_label_in_name_column_and_serial_only_rows(folder):
    rows = [["企业名称", "统一社会信用代码", "所在街道", "备注"],
            ["一、高新技术企业", None, None, None],
            ["甲公司", F.CODES[0], "杨园", None],
            ["武昌区（12家）", None, None, None],
            ["乙公司", None, "粮道", "无代码"],
            [None, None, None, None]]
    path = F.write_simple_xlsx(folder, "分组.xlsx", rows)
    from openpyxl import load_workbook
    wb = load_workbook(path)
    for cell in ("E7", "F7", "G7"):
        wb.active[cell] = "x"  # something outside the header's columns only
    wb.active["D8"] = 8        # a pre-numbered template row: a number and nothing else
    wb.save(path)
    t = open_table(path)
    assert t.skipped == [(2, "分组标题行“一、高新技术企业”"), (4, "分组标题行“武昌区（12家）”"), (6, "空行"),
                         (7, "内容都在表头以外的列"), (8, "只有序号、没有企业信息的行")]
    assert all_rows(t) == [RawRow(3, ["甲公司", F.CODES[0], "杨园", None], group="一、高新技术企业"),
                           RawRow(5, ["乙公司", None, "粮道", "无代码"], group="武昌区（12家）")]


def test_big_xlsx_streams_in_chunks(folder):
    path = F.write_big_xlsx(folder, 3000)
    t = open_table(path)
    assert t.row_count_hint == 3000
    sizes = [len(c) for c in t.iter_rows(chunk_size=1000)]
    assert sizes == [1000, 1000, 1000]
    last = list(t.iter_rows(chunk_size=1000))[-1][-1]
    assert last == RawRow(3001, [3000.0, "武汉第3000号科技有限公司", F.CODES[3000 % 7], "杨园", "2023.12.28"])


def test_long_list_is_classified_during_the_first_pass(folder, monkeypatch):
    import importers.read as read_mod
    monkeypatch.setattr(read_mod, "_EAGER_ROWS", 100)
    rows = [["企业名称", "统一社会信用代码"]] + [[f"第{i}号公司", F.CODES[i % 7]] for i in range(1, 301)]
    rows[150] = ["武昌区（12家）", None]
    rows += [[None, None], ["注：以上排名不分先后", None]]
    t = open_table(F.write_simple_xlsx(folder, "长名单.xlsx", rows))
    assert t.row_count_hint == 302          # before the first pass: rows below the header, an upper bound
    assert t.skipped == []                  # nothing skipped among the first 100 rows
    chunks = t.iter_rows(chunk_size=120)
    first = next(chunks)
    assert len(first) == 120
    chunks.close()                          # an abandoned pass resumes where classification stopped
    got = all_rows(t)
    assert len(got) == 299 and got[-1].excel_row == 301 and got[149].group == "武昌区（12家）"
    assert t.row_count_hint == 299
    assert t.skipped == [(151, "分组标题行“武昌区（12家）”"), (302, "空行"), (303, "表格下方的说明文字")]
    assert t.notes == ["注：以上排名不分先后"]
    assert all_rows(t) == got


def test_1904_date_system_is_reported(folder):
    import xlwt
    from openpyxl import Workbook
    from openpyxl.utils.datetime import CALENDAR_MAC_1904
    wb = Workbook()
    wb.epoch = CALENDAR_MAC_1904
    wb.active.append(["企业名称", "认定日期"])
    wb.active.append(["甲公司", 43826])
    path = folder / "1904.xlsx"
    wb.save(path)
    t = open_table(path)
    assert t.date1904 is True
    assert parse_date(all_rows(t)[0].values[1], datemode_1904=t.date1904) == dt.date(2023, 12, 28)
    book = xlwt.Workbook()
    book.set_dates_1904(True)
    sheet = book.add_sheet("名单")
    for r, row in enumerate([["企业名称", "认定日期"], ["甲公司", 43826]]):
        for c, v in enumerate(row):
            sheet.write(r, c, v)
    book.save(str(folder / "1904.xls"))
    assert open_table(folder / "1904.xls").date1904 is True
    assert open_table(F.write_hightech_xls(folder, "1900.xls")).date1904 is False


def test_shop_names_are_not_group_labels_and_closing_sentences_are_notes(folder):
    rows = [["序号", "企业名称", "统一社会信用代码"], [1, "武汉中百超市", None], [2, "乙公司", F.CODES[1]],
            ["以上企业排名不分先后", None, None], [None, "特此公示", None]]
    t = open_table(F.write_simple_xlsx(folder, "超市.xlsx", rows))
    assert [r.values[1] for r in all_rows(t)] == ["武汉中百超市", "乙公司"]
    assert t.notes == ["以上企业排名不分先后", "特此公示"]
    assert t.skipped == [(4, "表格下方的说明文字"), (5, "表格下方的说明文字")]


def test_two_interleaved_passes_agree(folder, monkeypatch):
    import importers.read as read_mod
    monkeypatch.setattr(read_mod, "_EAGER_ROWS", 10)
    rows = [["企业名称", "统一社会信用代码"]] + [[f"第{i}号公司", F.CODES[i % 7]] for i in range(1, 101)]
    rows += [[None, None], ["注：完", None]]
    t = open_table(F.write_simple_xlsx(folder, "交错.xlsx", rows))
    a, b = t.iter_rows(chunk_size=7), t.iter_rows(chunk_size=30)
    got_a, got_b = list(next(a)), list(next(b))
    got_b += [r for c in b for r in c]
    got_a += [r for c in a for r in c]
    assert got_a == got_b and len(got_a) == 100
    assert t.skipped == [(102, "空行"), (103, "表格下方的说明文字")] and t.notes == ["注：完"]
