"""Formula error cells in a legacy .xls (BIFF8). python-calamine 0.9 reads both a FORMULA record whose cached result
is an error and a BOOLERR record holding an error as an empty cell (measured), as it does for .xlsx: a VLOOKUP's
#N/A in the code column made a firm without a code, in the date column the --date date. The guard's walk of the
sheet's records finds them (``guards._biff_error``), and the rows are reported exactly as from .xlsx."""
from __future__ import annotations

import datetime as dt

import pytest

from importers.errors import InputError
from importers.formats import open_source
from importers.plan import build_plan
from tests.importers.fixtures import CODES, XLS_ERROR_CODES, ErrorCell, write_bytes, write_errors_xls, write_errors_xlsx

HEAD = ["企业名称", "统一社会信用代码", "认定日期"]
ROWS = [HEAD,
        ["武汉正常科技有限公司", CODES[0], "2023-12-08"],
        ["武汉查日期科技有限公司", CODES[1], ErrorCell()],                 # the date lookup failed
        ["武汉查代码科技有限公司", ErrorCell(), "2023-12-08"],              # the code lookup failed
        [ErrorCell(), CODES[3], "2023-12-08"],                              # the name lookup failed
        ["武汉粘贴科技有限公司", ErrorCell("#REF!", formula=False), "2023-12-08"]]   # pasted as a value (BOOLERR)


def _issues(plan) -> list:
    return [(r.excel_row, r.status, [(i.row, i.column, i.level, i.code, i.message) for i in r.issues])
            for r in plan.rows]


def test_every_error_value_of_an_xls_is_read_as_excel_shows_it(tmp_path):
    """Each of the seven BIFF error codes, as a formula's cached result and as a BOOLERR value: the cell reads as
    Excel shows it, not as the empty cell calamine gives; a cell beside it keeps its value."""
    texts = list(XLS_ERROR_CODES)
    rows = [["公式", "值", "旁边"]] + [[ErrorCell(t), ErrorCell(t, formula=False), f"第{n}行"]
                                     for n, t in enumerate(texts, 2)]
    with open_source(write_errors_xls(tmp_path, "错误值.xls", rows)) as src:
        got = list(src.grid("名单").rows())
    assert got == [(1, ["公式", "值", "旁边"])] + [(n, [t, t, f"第{n}行"]) for n, t in enumerate(texts, 2)]


@pytest.mark.parametrize("on_date", [None, dt.date(2024, 1, 5)])
def test_error_cells_in_the_code_date_and_name_columns_of_an_xls_are_reported_as_from_xlsx(ledger, tmp_path,
                                                                                          on_date):
    """#N/A in the date column (--date given or not), the code column and the name column, #REF! pasted into the
    code column: each row is an error naming the column and the value, the same issues as from the .xlsx of the
    same rows; the good row lands."""
    plans = [build_plan(ledger, write(tmp_path, name, ROWS), kind="designation", stage="gaoqi", on_date=on_date)
             for write, name in ((write_errors_xlsx, "公式错误.xlsx"), (write_errors_xls, "公式错误.xls"))]
    got = _issues(plans[1])
    assert got == _issues(plans[0])
    assert [(er, status) for er, status, _ in got] == [(2, "new"), (3, "error"), (4, "error"), (5, "error"),
                                                       (6, "error")]
    first = {er: issues[0] for er, _, issues in got if issues}
    assert first[3][:4] == (3, "认定日期", "error", "formula_error") and "#N/A" in first[3][4]
    assert first[4][:4] == (4, "统一社会信用代码", "error", "formula_error") and "#N/A" in first[4][4]
    assert first[5][:4] == (5, "企业名称", "error", "formula_error") and "#N/A" in first[5][4]
    assert first[6][:4] == (6, "统一社会信用代码", "error", "formula_error") and "#REF!" in first[6][4]
    assert not plans[1].rows[1].designations


def test_a_boolean_boolerr_cell_of_an_xls_stays_a_logical_value(ledger, tmp_path):
    """BOOLERR holds TRUE/FALSE as well as errors: a logical value is still one (TRUE in the name column is the
    bad_name error, as from .xlsx), while the error in the row below is read as #N/A."""
    rows = [HEAD, [True, CODES[0], "2023-12-08"], [False, CODES[1], "2023-12-08"],
            ["武汉查代码科技有限公司", ErrorCell(formula=False), "2023-12-08"]]
    with open_source(write_errors_xls(tmp_path, "逻辑值.xls", rows)) as src:
        assert [row for _, row in src.grid("名单").rows()][1:] == [
            [True, CODES[0], "2023-12-08"], [False, CODES[1], "2023-12-08"], ["武汉查代码科技有限公司", "#N/A",
                                                                             "2023-12-08"]]
    plan = build_plan(ledger, tmp_path / "逻辑值.xls")
    assert _issues(plan) == _issues(build_plan(ledger, write_errors_xlsx(tmp_path, "逻辑值.xlsx", rows)))
    assert [(r.excel_row, r.issues[0].code) for r in plan.rows] == [(2, "bad_name"), (3, "bad_name"),
                                                                     (4, "formula_error")]


def _error_of(path) -> InputError:
    with pytest.raises(InputError) as info:
        with open_source(path) as src:
            list(src.grid(None).rows())
    return info.value


def test_a_damaged_xls_with_error_cells_gives_the_clear_error_it_gave_before(tmp_path):
    """The walk that finds error cells never turns a damaged file into a crash or a silent read: an unknown error
    code (calamine refuses it) and a file cut short give the messages they gave before."""
    data = write_errors_xls(tmp_path, "原表.xls", ROWS).read_bytes()
    odd = bytearray(data)
    at = odd.find(bytes([0x02, 0, 0x2A, 0, 0, 0, 0xFF, 0xFF]))       # the first FORMULA's cached #N/A
    odd[at + 2] = 0x63
    e = _error_of(write_bytes(tmp_path, "错误码.xls", bytes(odd)))
    assert str(e).startswith("错误码.xls：文件已损坏，无法读取：")       # calamine's reason follows
    e = _error_of(write_bytes(tmp_path, "截断.xls", data[:len(data) // 2]))
    assert str(e) == "截断.xls：文件已损坏，无法读取：OLE2 结构损坏"
    e = _error_of(write_bytes(tmp_path, "半页.xls", data[:600]))
    assert str(e) == "半页.xls：文件不完整或已损坏（可能下载或复制时中断），请重新获取原文件"
