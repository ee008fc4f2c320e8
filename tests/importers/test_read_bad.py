"""Every unusable input gives one InputError with a Chinese message naming the file (and sheet/row) — never a
traceback, and never a parser let loose on something that could exhaust memory."""
from __future__ import annotations

import pytest

from importers.errors import InputError
from importers.read import list_sheets, open_table, read_preview
from tests.importers import fixtures as F


def error_of(path, **kw) -> InputError:
    with pytest.raises(InputError) as e:
        open_table(path, **kw)
    return e.value


@pytest.mark.parametrize("make, text", [
    (F.png_as_xlsx, "名单.xlsx：这是图片文件（PNG），不是 Excel 表格"),
    (F.random_bytes, "名单.xlsx：无法识别的文件格式：既不是 Excel 工作簿（.xlsx/.xls），也不是 CSV 文本"),
    (F.zip_of_other, "名单.xlsx：这是压缩包（zip），但里面没有 Excel 工作簿"),
    (F.docx_as_xls, "名单.xls：这是 Word 文档（.docx），不是 Excel 表格"),
    (F.html_as_xls, "导出.xls：这是网页（HTML）格式的伪 Excel 文件，请用 Excel 或 WPS 打开后另存为 .xlsx 再导入"),
    (F.encrypted_xlsx, "加密.xlsx：文件设有打开密码（已加密），请在 Excel 中取消密码后另存再导入"),
    (F.declared_huge_xlsx, "百万列.xlsx，工作表“Sheet1”：工作表有 475254 列，超过上限 16384 列，已拒绝读取"),
    (F.wide_cell_xlsx, "超宽.xlsx，工作表“Sheet1”：工作表有 16385 列，超过上限 16384 列，已拒绝读取"),
    (F.far_cell_xlsx, "远单元格.xlsx，工作表“Sheet1”：工作表范围过大（约 702000000 个单元格），超过上限，已拒绝读取"),
    (F.declared_bomb_xlsx, "炸弹.xlsx：文件解压后体积异常（声明 2.0 GB），可能是恶意文件，已拒绝读取"),
    (F.wide_csv, "宽.csv，第 1 行：这一行有 20002 列，超过上限 16384 列，已拒绝读取"),
    (F.xls_huge_dimensions, "尺寸.xls：工作表有 4026531840 行，超过上限 2000000 行，请拆分后再导入"),
    (F.xls_far_cell, "远单元格.xls：工作表有 65536 列，超过上限 16384 列，已拒绝读取"),
    (F.xls_fat_cycle, "环.xls：文件已损坏，无法读取：OLE2 结构损坏"),
])
def test_unusable_files(folder, make, text):
    e = error_of(make(folder))
    assert str(e) == text
    assert e.file == text.split("：")[0].split("，")[0]


def test_truncated_xlsx(folder, hightech_xlsx):
    e = error_of(F.truncated_xlsx(folder, hightech_xlsx))
    assert str(e) == "截断.xlsx：文件不完整或已损坏（可能下载或复制时中断），请重新获取原文件"


def test_truncated_xls(folder, hightech_xls):
    data = hightech_xls.read_bytes()
    e = error_of(F.write_bytes(folder, "截断.xls", data[:1200]))
    assert e.file == "截断.xls" and ("不完整" in e.message or "已损坏" in e.message)


def test_empty_file(folder):
    assert str(error_of(F.write_bytes(folder, "空.xlsx", b""))) == "空.xlsx：文件是空的（0 字节）"


def test_missing_path(folder):
    e = error_of(folder / "没有这个文件.xlsx")
    assert e.message == "找不到文件" and e.file.endswith("没有这个文件.xlsx")


def test_folder_instead_of_file(folder):
    assert error_of(folder).message == "这不是一个文件（可能是文件夹）"


def test_too_large(hightech_xlsx):
    e = error_of(hightech_xlsx, max_bytes=1000)
    assert e.message.startswith("文件太大（") and e.message.endswith("超过上限 1000 字节；请拆分后再导入")


def test_high_ratio_zip_is_refused_relative_to_max_bytes(folder):
    path = F.high_ratio_xlsx(folder)
    assert "文件解压后体积异常" in error_of(path, max_bytes=60_000).message
    assert open_table(path).row_count_hint == 1000     # fine with the default limit


def test_header_without_data(folder):
    path = F.write_simple_xlsx(folder, "只有表头.xlsx", [["2023年名单"], ["企业名称", "统一社会信用代码"], [],
                                                          ["注：无"]])
    assert str(error_of(path)) == "只有表头.xlsx，工作表“Sheet1”：只有表头（第 2 行），没有数据行"


def test_no_name_column_lists_the_headers_found(folder):
    path = F.write_simple_xlsx(folder, "无名称.xlsx", [["序号", "地址", "代码X"], [1, "某路", "x"]])
    assert str(error_of(path)) == ("无名称.xlsx，工作表“Sheet1”：找不到企业名称列（如“企业名称”“单位名称”“公司名称”）。"
                                   "第 1 行的表头为：序号、地址、代码X")


def test_no_header_like_row(folder):
    path = F.write_csv(folder, "长句.csv", [["这是一段很长很长很长很长很长很长很长很长很长很长的说明文字，没有表头"]],
                       encoding="utf-8")
    assert error_of(path).message.endswith("前 50 行中没有像表头的行")


def test_all_sheets_empty(folder):
    from openpyxl import Workbook
    path = folder / "全空.xlsx"
    Workbook().save(path)
    assert str(error_of(path)) == "全空.xlsx：文件中没有任何数据"
    assert read_preview(path) == []
    assert list_sheets(path) == ["Sheet"]


def test_rows_limit_declared(folder):
    path = F.xlsx_with_sheet_xml(folder, "三百万行.xlsx", F.SHEET_XML.format(dim='<dimension ref="A1:B3000000"/>',
                                                                          extra=""))
    assert error_of(path).message == "工作表有 3000000 行，超过上限 2000000 行，请拆分后再导入"


def test_input_error_location_format():
    e = InputError("无法识别的日期“2023.13.45”", file="名单.xlsx", sheet="Sheet1", row=5, column="发证日期")
    assert str(e) == "名单.xlsx，工作表“Sheet1”，第 5 行，“发证日期”列：无法识别的日期“2023.13.45”"
    assert (e.message, e.file, e.sheet, e.row, e.column) == ("无法识别的日期“2023.13.45”", "名单.xlsx", "Sheet1", 5,
                                                             "发证日期")
    assert str(InputError("x")) == "x"
