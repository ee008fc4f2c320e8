"""Reading CSV/TXT lists: encodings, delimiters, line numbers, fill-down of group columns."""
from __future__ import annotations

import pytest

from importers.errors import InputError
from importers.read import RawRow, list_sheets, open_table, open_table_at, read_preview
from tests.importers import fixtures as F

HEADERS = ["序号", "企业名称", "统一社会信用代码", "所在街道", "入库日期"]
ROWS = [
    RawRow(3, ["1", "武汉一号科技有限公司", F.CODES[0], "杨园街道", "2023/12/28"]),
    RawRow(4, ["2", "武汉二号科技有限公司", F.CODES[1], "杨园街道", "2023-12-28"]),
    RawRow(5, ["3", "武汉三号科技有限公司", F.CODES[2], "杨园街道", "20231228"]),
    RawRow(6, ["4", "武汉四号科技有限公司", F.CODES[3], "徐家棚街道", "2023年12月28日"]),
    RawRow(7, ["5", "武汉五号科技有限公司", F.CODES[4], "徐家棚街道", "2023.1.5"]),
]


def rows_of(table):
    return [r for chunk in table.iter_rows() for r in chunk]


@pytest.mark.parametrize("name, kwargs, encoding", [
    ("gbk.csv", dict(encoding="gbk"), "gb18030"),
    ("utf8bom.csv", dict(encoding="utf-8", bom=True), "utf-8-sig"),
    ("utf8.txt", dict(encoding="utf-8", sep="\t"), "utf-8-sig"),
    ("semicolon.csv", dict(encoding="utf-8", sep=";", bom=True), "utf-8-sig"),
    ("utf16.txt", dict(encoding="utf-16", sep="\t"), "utf-16"),       # Excel's "Unicode text"
    ("utf16le.csv", dict(encoding="utf-16-le"), "utf-16-le"),          # no byte-order mark: was refused
    ("utf16be.txt", dict(encoding="utf-16-be", sep="\t"), "utf-16-be"),
])
def test_csv_encodings_and_delimiters(folder, name, kwargs, encoding):
    t = open_table(F.write_csv(folder, name, **kwargs))
    assert (t.file, t.sheet, t.sheets, t.kind, t.encoding) == (name, "", [], "csv", encoding)
    assert t.title == "2023年武昌区科技型中小企业入库名单"
    assert (t.header_row, t.headers, t.columns) == (2, HEADERS, [0, 1, 2, 3, 4])
    assert t.skipped == [(8, "空行"), (9, "表格下方的说明文字")]
    assert t.notes == ["注：以上企业排名不分先后"]
    assert t.row_count_hint == 5
    assert rows_of(t) == ROWS           # 所在街道 given on a group's first row only is filled down
    assert rows_of(t) == ROWS           # re-iterable


def test_gbk_csv_with_xlsx_extension_is_read_by_content(folder):
    path = F.write_csv(folder, "其实是文本.xlsx")
    assert rows_of(open_table(path)) == ROWS


def test_gb18030_rare_character_and_line_break_in_cell(folder):
    t = open_table(F.write_gb18030_csv(folder))
    assert t.encoding == "gb18030"
    assert (t.header_row, t.headers, t.title) == (1, ["企业名称", "统一社会信用代码", "备注"], "")
    assert rows_of(t) == [RawRow(2, [F.RARE_NAME, F.CODES[5], "含生僻字"]),
                          RawRow(3, ["武汉多行科技有限公司", F.CODES[6], "第一行\n第二行"])]


def test_line_numbers_follow_multiline_records(folder):
    rows = [["企业名称", "备注"], ["甲公司", "两行\n说明"], ["乙公司", "三行\n说\n明"], ["丙公司", ""]]
    t = open_table(F.write_csv(folder, "多行.csv", rows, encoding="utf-8"))
    assert [(r.excel_row, r.values[0]) for r in rows_of(t)] == [(2, "甲公司"), (4, "乙公司"), (7, "丙公司")]
    assert rows_of(t)[2].values == ["丙公司", None]


def test_street_blanks_that_are_not_groups_are_left_blank(folder):
    rows = [["企业名称", "统一社会信用代码", "所在街道"],
            ["甲公司", F.CODES[0], "杨园"], ["乙公司", F.CODES[1], "粮道"], ["丙公司", F.CODES[2], ""],
            ["丁公司", F.CODES[3], "杨园"], ["戊公司", F.CODES[4], "粮道"]]
    t = open_table(F.write_csv(folder, "不分组.csv", rows, encoding="utf-8"))
    assert [r.values[2] for r in rows_of(t)] == ["杨园", "粮道", None, "杨园", "粮道"]


def test_group_column_resets_at_sub_header(folder):
    rows = [["地区", "企业名称", "统一社会信用代码"],
            ["杨园", "甲公司", F.CODES[0]], ["", "乙公司", F.CODES[1]], ["", "丙公司", F.CODES[2]],
            ["二、其他", "", ""],
            ["", "丁公司", F.CODES[3]], ["粮道", "戊公司", F.CODES[4]], ["", "己公司", F.CODES[5]]]
    t = open_table(F.write_csv(folder, "地区.csv", rows, encoding="utf-8"))
    got = [(r.values[0], r.values[1], r.group) for r in rows_of(t)]
    assert got == [("杨园", "甲公司", ""), ("杨园", "乙公司", ""), ("杨园", "丙公司", ""),
                   (None, "丁公司", "二、其他"), ("粮道", "戊公司", "二、其他"), ("粮道", "己公司", "二、其他")]


def test_csv_preview_and_pick_by_hand(folder):
    path = F.write_csv(folder, "挑选.csv")
    assert list_sheets(path) == []
    grid = read_preview(path, nrows=3)
    assert grid[0] == ["2023年武昌区科技型中小企业入库名单", None, None, None, None]
    assert grid[1] == HEADERS
    t = open_table_at(path, sheet=None, header_row=2)
    assert (t.header_row, t.headers) == (2, HEADERS)
    assert rows_of(t) == ROWS


def test_a_big5_csv_is_named_as_such_and_a_gbk_one_with_english_headers_still_reads(tmp_path):
    """A traditional-Chinese (Big5) CSV decodes as GB18030 to garbage: it was refused for want of a name column,
    quoting garbled headers. It is named Big5 now, nothing read; a GBK file without Chinese header words (English
    headers) is still read as GBK."""
    from importers.errors import InputError
    big5 = tmp_path / "big5.csv"
    big5.write_bytes("序號,企業名稱,統一社會信用代碼,所在街道\n1,武漢凌源天電子科技有限公司,91420106MA4K00001X,楊園街道\n"
                     .encode("big5"))
    with pytest.raises(InputError, match="Big5") as got:
        open_table(big5)
    assert "企業" in str(got.value) or "序號" in str(got.value)
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("name,code,street\n武汉凌源天电子科技有限公司,91420106MA4K00001X,杨园街道\n".encode("gbk"))
    table = open_table(gbk)
    rows = [r for chunk in table.iter_rows() for r in chunk]
    assert rows[0].values[0] == "武汉凌源天电子科技有限公司"


def test_a_text_with_a_nul_byte_here_and_there_is_not_taken_for_utf16(folder):
    """The rule for UTF-16 without a byte-order mark asks for NULs in every ASCII character, all on one side."""
    path = folder / "杂.csv"
    path.write_bytes(F._csv_text(F.CSV_ROWS, ",").encode("gbk").replace(b",", b"\x00,", 3))
    with pytest.raises(InputError, match="无法识别的文件格式"):
        open_table(path)
