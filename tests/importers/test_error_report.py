"""The error report: the problem rows as they were, plus 问题说明 and 原行号; it re-imports."""
from importers.error_report import write_error_report
from importers.plan import build_plan
from tests.importers import fixtures as fx
from tests.importers.helpers import HEAD, C, xlsx


def test_error_report_rows_as_they_were(ledger, tmp_path):
    code = C[0][:9] + "\n" + C[0][9:]
    path = xlsx(tmp_path, [HEAD, [1, "甲公司", code, "杨园", "软件"], [2, "乙公司", "123", "粮道", None],
                           [3, "丙公司", C[2], "火星", "电子"]])
    plan = build_plan(ledger, path)
    out = tmp_path / "问题.xlsx"
    assert write_error_report(plan, out) == 2
    from python_calamine import CalamineWorkbook
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    assert rows[0] == HEAD + ["问题说明", "原行号"]
    assert rows[1][:5] == ["2", "乙公司", "123", "粮道", ""]
    assert rows[1][5].startswith("错误：“统一社会信用代码”列：统一社会信用代码无效") and rows[1][5].endswith(
        "本行未导入"
    )
    assert rows[1][6] == 3
    assert rows[2][:5] == ["3", "丙公司", C[2], "火星", "电子"]
    assert rows[2][5] == "提醒：“所在街道”列：街道“火星”不在街道目录中，未填入" and rows[2][6] == 4
    # an officer fixes the cell and imports the report itself
    again = build_plan(ledger, out)
    assert [r.excel_row for r in again.rows] == [2, 3] and again.rows[1].status == "new"


def test_error_report_of_a_quirky_list_keeps_original_cells(ledger, tmp_path):
    plan = build_plan(ledger, fx.write_hightech_xlsx(tmp_path))
    out = tmp_path / "问题.xlsx"
    assert write_error_report(plan, out) == 3   # the file's warnings (a 拟认定 list, a serial date), then the row's
    from python_calamine import CalamineWorkbook
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    assert "拟认定" in rows[1][-2] and rows[1][-1] == "" and "45288" in rows[2][-2]
    assert rows[3][1] == "武汉戊己科技有限公司" and rows[3][-1] == 10 and "隐藏" in rows[3][-2]
