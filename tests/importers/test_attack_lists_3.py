"""A third outside attack on the importer (lists shaped like government attachments): every data row lands or is
reported with its Excel row, column and a Chinese reason; nothing is invented. Each test writes its own file into
tmp_path. Every test here failed when it was written."""
from __future__ import annotations

import datetime as dt

from importers.plan import build_plan, commit_plan
from tests.importers import real_lists as R
from tests.importers.fixtures import write_simple_xlsx


def _evidence(ledger):
    return [e for (e,) in ledger.conn.execute("SELECT evidence FROM designations ORDER BY id")]


# ---------------------------------------------------------------- a 编号 column of row numbers
def test_row_numbers_headed_bianhao_are_no_certificate_numbers(ledger, tmp_path):
    """"编号" (a synonym of 证书编号) heads the row numbers of many lists: the 1, 2 were stored as the firms'
    高企 certificate numbers, silently. The column is a 序号 column, said once."""
    rows = [["编号", "企业名称", "统一社会信用代码", "认定日期"],
            [1, "武汉编号一科技有限公司", R.CODES[0], "2023-12-08"],
            ["02", "武汉编号二科技有限公司", R.CODES[1], "2023-12-08"]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "2023年高新技术企业名单.xlsx", rows))
    assert [r.status for r in plan.rows] == ["new", "new"]
    assert any("序号" in i.message and i.level == "warning" for i in plan.file_issues)
    commit_plan(ledger, plan)
    assert _evidence(ledger) == [None, None]


def test_a_street_roster_numbered_under_bianhao_is_a_roster(ledger, tmp_path):
    """The same 编号 column made a street's roster a designation list ("请用 --stage 指定"): obeying would have
    given every firm a designation it does not hold."""
    rows = [["编号", "企业名称", "统一社会信用代码", "所在街道"], [1, "武汉台账一科技有限公司", R.CODES[2], "杨园"],
            [2, "武汉台账二科技有限公司", R.CODES[3], "粮道"]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "杨园街道企业台账.xlsx", rows))
    assert plan.kind == "roster" and [r.status for r in plan.rows] == ["new", "new"]
    assert all(not r.designations for r in plan.rows)


def test_certificate_numbers_headed_bianhao_are_still_read(ledger, tmp_path):
    """Guard: real numbers under 编号 stay certificate numbers."""
    rows = [["编号", "企业名称", "统一社会信用代码", "认定日期"],
            ["GR202342000101", "武汉证书一科技有限公司", R.CODES[4], "2023-12-08"],
            ["GR202342000102", "武汉证书二科技有限公司", R.CODES[5], "2023-12-08"]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "2023年高新技术企业名单.xlsx", rows))
    commit_plan(ledger, plan)
    assert _evidence(ledger) == ["GR202342000101", "GR202342000102"]


# ---------------------------------------------------------------- formulas without a saved result
def test_a_formula_without_a_saved_result_is_reported_not_read_as_empty(ledger, tmp_path):
    """A list written by a program (openpyxl, a web system's export) holds formulas Excel calculates on opening;
    the file has no result for them. The code cell was read as empty: a new firm without a code (flagged), while
    Excel shows the code. It is an error naming the cell as a formula without a result."""
    rows = [["企业名称", "统一社会信用代码", "简称"], ["武汉公式码科技有限公司", "=VLOOKUP(A2,底表!A:B,2,0)", "公式码"],
            ['=C4&"科技有限公司"', R.CODES[6], "公式名"], ["武汉普通科技有限公司", R.CODES[7], "普通"]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "公式未计算.xlsx", rows))
    assert [(r.excel_row, r.status) for r in plan.rows] == [(2, "error"), (3, "error"), (4, "new")]
    for row, column in ((2, "统一社会信用代码"), (3, "企业名称")):
        e = next(i for i in plan.rows[row - 2].issues if i.code == "formula_uncomputed")
        assert (e.row, e.column, e.level) == (row, column, "error") and "公式" in e.message


def test_a_formula_whose_result_is_empty_text_is_an_empty_cell(ledger, tmp_path):
    """Guard: Excel saves a formula that gave "" as t="str" with an empty value: an empty cell, no error."""
    import xlsxwriter
    path = tmp_path / "空文本公式.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["企业名称", "统一社会信用代码", "所属行业"])
    ws.write_row(1, 0, ["武汉空公式科技有限公司", R.CODES[8]])
    ws.write_formula(1, 2, '=IF(B2="","","")', None, "xyz")
    wb.close()
    import zipfile
    out = tmp_path / "空文本公式2.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert b't="str"' in data and b"<v>xyz</v>" in data
                data = data.replace(b"<v>xyz</v>", b"<v></v>")
            dst.writestr(item, data)
    plan = build_plan(ledger, out)
    assert [(r.status, r.issues) for r in plan.rows] == [("new", [])]


# ---------------------------------------------------------------- 有效期 split into 起 / 止
def test_a_validity_period_split_into_start_and_end_is_read(ledger, tmp_path):
    """"有效期" merged over "起" / "止" (a two-row header): neither column was read, the list was refused for
    want of a date column with "请用 --date"; obeyed, every firm got that one date and no expiry while the
    file gave each its own."""
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    for r in (["2023年高新技术企业名单"], ["序号", "企业名称", "统一社会信用代码", "有效期", None],
              [None, None, None, "起", "止"], [1, "武汉起止一科技有限公司", R.CODES[9], "2023-12-08", "2026-12-07"],
              [2, "武汉起止二科技有限公司", R.CODES[10], "2022-11-01", "2025-10-31"]):
        ws.append(r)
    for m in ("A1:E1", "D2:E2", "A2:A3", "B2:B3", "C2:C3"):
        ws.merge_cells(m)
    path = tmp_path / "有效期起止.xlsx"
    wb.save(path)
    plan = build_plan(ledger, path, on_date=dt.date(2024, 1, 1))
    got = [(r.excel_row, r.designation["start"], r.designation["end"]) for r in plan.rows]
    assert got == [(4, dt.date(2023, 12, 8), dt.date(2026, 12, 8)), (5, dt.date(2022, 11, 1), dt.date(2025, 11, 1))]
    assert not list(plan.issues())


# ---------------------------------------------------------------- web pages and pasted text
def test_a_web_page_saved_as_xls_that_starts_with_a_div_is_named_a_web_page(tmp_path):
    """A government site's "xls" that is an HTML fragment (<div><style>…<table>) was read as a CSV and refused
    with "找不到企业名称列": the person was sent looking for a header that is there."""
    import pytest

    from importers.errors import InputError
    from importers.read import open_table
    path = tmp_path / "公示名单.xls"
    path.write_text("<div><style>td{mso-number-format:'\\@';}</style><table border=1><tr><td>企业名称</td>"
                    f"<td>统一社会信用代码</td></tr><tr><td>武汉网页科技有限公司</td><td>{R.CODES[11]}</td></tr>"
                    "</table></div>", encoding="gbk")
    with pytest.raises(InputError) as e:
        open_table(path)
    assert "网页" in e.value.message


def test_a_zero_width_space_pasted_after_a_street_is_no_unknown_street(ledger, tmp_path):
    """"杨园街道\u200b" (pasted from a web page) was warned as a street not in the catalogue and left empty; the
    same character stayed, invisible, in other text fields (所属行业)."""
    rows = [["企业名称", "统一社会信用代码", "所在街道", "所属行业"],
            ["武汉零宽街道科技有限公司", R.CODES[12], "杨园街道\u200b", "软件\u200b和信息服务"]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "零宽.xlsx", rows))
    (row,) = plan.rows
    assert (row.values["street"], row.values["industry"], row.issues) == ("杨园", "软件和信息服务", [])


# ---------------------------------------------------------------- 现名（原名：旧名）
def test_a_former_name_noted_in_brackets_after_the_name_is_a_former_name(ledger, tmp_path):
    """"武汉新名科技有限公司（原名：武汉旧名科技有限公司）": the whole cell became the new firm's name (with only
    "名称不像企业全称"), and the old name was no alias. The name is the part before the bracket, the bracket a former
    name, with a warning on the row."""
    rows = [["企业名称", "统一社会信用代码"],
            ["武汉新名科技有限公司（原名：武汉旧名科技有限公司）", R.CODES[13]],
            ["武汉另名科技有限公司(曾用名：武汉另旧科技有限公司)", R.CODES[14]],
            ["武汉括号（原）科技有限公司", R.CODES[15]]]                  # guard: a bracket inside a name stays
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "原名.xlsx", rows))
    assert [(r.name, r.values.get("former_name")) for r in plan.rows] == [
        ("武汉新名科技有限公司", "武汉旧名科技有限公司"), ("武汉另名科技有限公司", "武汉另旧科技有限公司"),
        ("武汉括号（原）科技有限公司", None)]
    assert [i.code for i in plan.rows[0].issues] == ["former_name_note"]
    commit_plan(ledger, plan)
    aliases = [a for (a,) in ledger.conn.execute("SELECT name FROM firm_aliases ORDER BY id")]
    assert aliases == ["武汉旧名科技有限公司", "武汉另旧科技有限公司"]
