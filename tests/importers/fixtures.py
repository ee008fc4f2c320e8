"""Quirky input files, written in code into a folder (tmp_path).

Each writer returns the path it wrote.  The files imitate what officers
receive: titles merged across, two-level headers, streets merged downward,
"武昌区（4家）" sub-headers, notes below the data, blank and hidden rows, codes
with lower case / full width / line breaks, dates in every form, amounts with
units; and every kind of unusable input.
"""
from __future__ import annotations

import datetime as dt
import random
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

from pipeline.uscc import make_code

CODES = [make_code("9", "1", "420106", f"MA4K{i:04d}") for i in range(1, 8)]
FULL_WIDTH = str.maketrans(
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ"
)
TITLE = "2023年湖北省第二批拟认定高新技术企业名单"
SUBTITLE = "（武汉市武昌区）"

# Header rows 3-4 of the high-tech list: (row 3 text, row 4 text) per column A..L; None = merged from above/left.
HT_TOP = ["序号", "企业名称", "统一社会信用代码", "所在街道", "高企认定", None, "联系方式", None, "注册资本",
          "备注", "营业收入（万元）", None]
HT_SUB = [None, None, None, None, "证书编号", "发证日期", "联系人", "联系电话", None, None, "2021年", "2022年"]
HT_HEADERS = ["序号", "企业名称", "统一社会信用代码", "所在街道", "证书编号", "发证日期", "联系人", "联系电话",
              "注册资本", "备注", "营业收入(万元)/2021年", "营业收入(万元)/2022年"]


def _ht_rows():
    """Data area of the high-tech list from Excel row 5: (row, values or a marker)."""
    c = CODES
    return [
        (5, "GROUP", "武昌区（4家）"),
        (6, [1, "武汉星图科技有限公司", c[0].lower(), "杨园", "GR202342000101", dt.date(2023, 12, 28), "张三",
             "13800000001", "6,400(万元人民币)", None, 1200.5, 1500]),
        (7, [2, "武汉甲乙(中国)信息有限公司", c[1].translate(FULL_WIDTH), None, "GR202342000102", "2023.12.28",
             "李四", "13800000002", "500万元", "曾用名：武汉甲乙", 80, 95]),
        (8, [3, "武汉 丙丁 软件有限公司", c[2][:9] + "\n" + c[2][9:], None, "GR202342000103", "2023年12月28日",
             "王五", "13800000003", "1.2亿", None, None, None]),
        (9, "BLANK", None),
        (10, [4, "武汉戊己科技有限公司", c[3], "徐家棚", "GR202342000104", "20231228", "赵六", "13800000004",
              "—", None, 1, 2]),
        (11, "GROUP", "二、其他（1家）"),
        (12, [5, "武汉庚辛科技有限公司", c[4], "积玉桥", "GR202342000105", 45288, "钱七", "13800000005",
              "１２３", None, None, None]),
        (13, "HEADER1", None),
        (14, "HEADER2", None),
        (15, [6, "武汉壬癸科技有限公司", " " + c[5] + " ", "积玉桥", "GR202342000106", "2023-12-28 00:00:00",
              "孙八", "13800000006", "6400", None, None, None]),
        (16, "BLANK", None),
        (17, "NOTE", "注：1. 排名不分先后"),
        (18, "NOTE", "2. 有效期三年"),
        (19, "NOTE", "制表：武昌区科学技术和经济信息化局"),
    ]


HT_MERGED_STREET = ("D6", "D8")   # 杨园 merged downward over rows 6-8
HT_HIDDEN = 10


def write_hightech_xlsx(folder: Path, name: str = "拟认定名单.xlsx") -> Path:
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.title = "公示名单"
    ws["A1"] = TITLE
    ws.merge_cells("A1:L1")
    ws["A2"] = SUBTITLE
    ws.merge_cells("A2:L2")
    for col, (top, sub) in enumerate(zip(HT_TOP, HT_SUB, strict=True), start=1):
        if top is not None:
            ws.cell(3, col, top)
        if sub is not None:
            ws.cell(4, col, sub)
    for col in ("A", "B", "C", "D", "I", "J"):
        ws.merge_cells(f"{col}3:{col}4")
    for a, b in (("E", "F"), ("G", "H"), ("K", "L")):
        ws.merge_cells(f"{a}3:{b}3")
    for row, kind, *rest in _ht_rows():
        if isinstance(kind, list):
            for col, v in enumerate(kind, start=1):
                if v is not None:
                    ws.cell(row, col, v)
        elif kind == "GROUP":
            ws.cell(row, 1, rest[0])
            ws.merge_cells(f"A{row}:L{row}")
        elif kind == "HEADER1":
            for col, v in enumerate(HT_TOP, start=1):
                if v is not None:
                    ws.cell(row, col, v)
        elif kind == "HEADER2":
            for col, v in enumerate(HT_SUB, start=1):
                if v is not None:
                    ws.cell(row, col, v)
        elif kind == "NOTE":
            ws.cell(row, 1, rest[0])
    ws.merge_cells(f"{HT_MERGED_STREET[0]}:{HT_MERGED_STREET[1]}")
    ws.row_dimensions[HT_HIDDEN].hidden = True
    path = folder / name
    wb.save(path)
    return path


def write_hightech_xls(folder: Path, name: str = "拟认定名单.xls") -> Path:
    import xlwt
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("公示名单")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    ws.write_merge(0, 0, 0, 11, TITLE)
    ws.write_merge(1, 1, 0, 11, SUBTITLE)
    for col, (top, sub) in enumerate(zip(HT_TOP, HT_SUB, strict=True)):
        if top is not None and sub is None and col not in (4, 6, 10):
            ws.write_merge(2, 3, col, col, top)
    for col in (4, 6, 10):
        ws.write_merge(2, 2, col, col + 1, HT_TOP[col])
    for col, sub in enumerate(HT_SUB):
        if sub is not None:
            ws.write(3, col, sub)
    for row, kind, *rest in _ht_rows():
        r = row - 1
        if isinstance(kind, list):
            for col, v in enumerate(kind):
                if v is None or (col == 3 and row in (6, 7, 8)):
                    continue
                ws.write(r, col, v, date_style) if isinstance(v, dt.date) else ws.write(r, col, v)
        elif kind == "GROUP":
            ws.write_merge(r, r, 0, 11, rest[0])
        elif kind in ("HEADER1", "HEADER2"):
            for col, v in enumerate(HT_TOP if kind == "HEADER1" else HT_SUB):
                if v is not None:
                    ws.write(r, col, v)
        elif kind == "NOTE":
            ws.write(r, 0, rest[0])
    ws.write_merge(5, 7, 3, 3, "杨园")
    ws.row(HT_HIDDEN - 1).hidden = True          # a ROW record with fDyZero, as Excel writes a hidden row
    path = folder / name
    wb.save(str(path))
    return path


# ---------------------------------------------------------------- CSV
CSV_ROWS = [
    ["2023年武昌区科技型中小企业入库名单", "", "", "", ""],
    ["序号", "企业名称", "统一社会信用代码", "所在街道", "入库日期"],
    ["1", "武汉一号科技有限公司", CODES[0], "杨园街道", "2023/12/28"],
    ["2", "武汉二号科技有限公司", CODES[1], "", "2023-12-28"],
    ["3", "武汉三号科技有限公司", CODES[2], "", "20231228"],
    ["4", "武汉四号科技有限公司", CODES[3], "徐家棚街道", "2023年12月28日"],
    ["5", "武汉五号科技有限公司", CODES[4], "", "2023.1.5"],
    ["", "", "", "", ""],
    ["注：以上企业排名不分先后", "", "", "", ""],
]


def _csv_text(rows, sep=",") -> str:
    def cell(v: str) -> str:
        return f'"{v}"' if (sep in v or '"' in v or "\n" in v) else v
    return "\r\n".join(sep.join(cell(v) for v in r) for r in rows) + "\r\n"


def write_csv(folder: Path, name: str, rows=CSV_ROWS, *, encoding: str = "gbk", sep: str = ",",
              bom: bool = False) -> Path:
    data = _csv_text(rows, sep).encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    path = folder / name
    path.write_bytes(data)
    return path


RARE_NAME = "武汉刘䶮科技有限公司"   # 䶮 (U+4DAE) is in GB18030 but not in GBK


def write_gb18030_csv(folder: Path) -> Path:
    rows = [["企业名称", "统一社会信用代码", "备注"],
            [RARE_NAME, CODES[5], "含生僻字"],
            ["武汉多行科技有限公司", CODES[6], "第一行\n第二行"]]
    return write_csv(folder, "生僻字.csv", rows, encoding="gb18030")


# ---------------------------------------------------------------- several sheets
def write_multisheet_xlsx(folder: Path) -> Path:
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.title = "填表说明"
    ws["A1"] = "填表说明"
    ws["A2"] = "1. 请按模板填写，不要修改表头。"
    lst = wb.create_sheet("企业名单")
    lst.append(["序号", "单位名称", "社会信用代码", "所属街道"])
    lst.append([1, "武汉一号科技有限公司", CODES[0], "杨园"])
    lst.append([2, "武汉二号科技有限公司", CODES[1], "粮道"])
    old = wb.create_sheet("旧名单")
    old.append(["序号", "企业名称", "统一社会信用代码", "所在街道", "证书编号", "发证日期", "联系人"])
    old.append([1, "旧企业有限公司", CODES[2], "紫阳", "GR1", "2020-01-01", "某"])
    old.sheet_state = "hidden"
    wb.create_sheet("空表")
    path = folder / "多工作表.xlsx"
    wb.save(path)
    return path


def write_simple_xlsx(folder: Path, name: str, rows: list[list], sheet: str = "Sheet1") -> Path:
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for r in rows:
        ws.append(r)
    path = folder / name
    wb.save(path)
    return path


def write_big_xlsx(folder: Path, n: int, name: str = "big.xlsx") -> Path:
    import xlsxwriter
    path = folder / name
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("名单")
    ws.write_row(0, 0, ["序号", "企业名称", "统一社会信用代码", "所在街道", "发证日期"])
    for i in range(1, n + 1):
        ws.write_row(i, 0, [i, f"武汉第{i}号科技有限公司", CODES[i % 7], "杨园", "2023.12.28"])
    wb.close()
    return path


# ---------------------------------------------------------------- bad input
def write_bytes(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def png_as_xlsx(folder: Path) -> Path:
    return write_bytes(folder, "名单.xlsx", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)


def random_bytes(folder: Path) -> Path:
    return write_bytes(folder, "名单.xlsx", random.Random(7).randbytes(8192) + b"\x00")


def zip_of_other(folder: Path) -> Path:
    path = folder / "名单.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "这不是表格")
    return path


def docx_as_xls(folder: Path) -> Path:
    path = folder / "名单.xls"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return path


def truncated_xlsx(folder: Path, src: Path) -> Path:
    data = src.read_bytes()
    return write_bytes(folder, "截断.xlsx", data[: len(data) // 2])


def html_as_xls(folder: Path) -> Path:
    return write_bytes(folder, "导出.xls", "<html><body><table><tr><td>企业名称</td></tr></table></body></html>"
                       .encode("utf-8"))


def encrypted_xlsx(folder: Path) -> Path:
    """An OLE2 compound file holding EncryptionInfo/EncryptedPackage, as Excel writes a password-protected .xlsx."""
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHH", header, 24, 0x3E, 3, 0xFFFE, 9)
    entries = b""
    for name in ("Root Entry", "EncryptionInfo", "EncryptedPackage", "\x06DataSpaces"):
        raw = name.encode("utf-16-le") + b"\x00\x00"
        entry = bytearray(128)
        entry[: len(raw)] = raw
        struct.pack_into("<H", entry, 64, len(raw))
        entries += bytes(entry)
    body = entries + random.Random(3).randbytes(4096)
    return write_bytes(folder, "加密.xlsx", bytes(header) + body)


def xlsx_with_sheet_xml(folder: Path, name: str, sheet_xml: str) -> Path:
    """A valid workbook whose only sheet has the given XML (for extent attacks)."""
    base = write_simple_xlsx(folder, "_base_" + name, [["企业名称"], ["甲公司"]])
    path = folder / name
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml.encode("utf-8")
            dst.writestr(info.filename, data)
    base.unlink()
    return path


SHEET_XML = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{dim}<sheetData>'
             '<row r="1"><c r="A1" t="inlineStr"><is><t>企业名称</t></is></c>'
             '<c r="B1" t="inlineStr"><is><t>统一社会信用代码</t></is></c></row>'
             '<row r="2"><c r="A2" t="inlineStr"><is><t>甲公司</t></is></c></row>{extra}</sheetData></worksheet>')


def declared_huge_xlsx(folder: Path) -> Path:
    return xlsx_with_sheet_xml(folder, "百万列.xlsx", SHEET_XML.format(dim='<dimension ref="A1:ZZZZ2"/>', extra=""))


def far_cell_xlsx(folder: Path) -> Path:
    """One cell at ZZ1000000: within Excel's limits, but a 700-million-cell rectangle for calamine."""
    extra = '<row r="1000000"><c r="ZZ1000000" t="inlineStr"><is><t>x</t></is></c></row>'
    return xlsx_with_sheet_xml(folder, "远单元格.xlsx", SHEET_XML.format(dim="", extra=extra))


def wide_cell_xlsx(folder: Path) -> Path:
    extra = '<row r="3"><c r="XFE3" t="inlineStr"><is><t>x</t></is></c></row>'
    return xlsx_with_sheet_xml(folder, "超宽.xlsx", SHEET_XML.format(dim="", extra=extra))


def declared_bomb_xlsx(folder: Path) -> Path:
    """A zip whose directory declares 2 GiB for one member (a zip bomb's signature)."""
    path = write_simple_xlsx(folder, "炸弹.xlsx", [["企业名称"], ["甲公司"]])
    data = bytearray(path.read_bytes())
    cd = data.rfind(b"PK\x05\x06")
    offset = struct.unpack_from("<I", data, cd + 16)[0]
    struct.pack_into("<I", data, offset + 24, 0x7FFFFFFF)     # uncompressed size of the first central entry
    path.write_bytes(bytes(data))
    return path


def high_ratio_xlsx(folder: Path) -> Path:
    """Genuinely compressible: 5 MB of text in a ~30 KB file."""
    return write_simple_xlsx(folder, "高压缩.xlsx", [["企业名称", "备注"]] + [["甲公司", "x" * 5000]] * 1000)


def wide_csv(folder: Path) -> Path:
    return write_bytes(folder, "宽.csv", ("企业名称," + "," * 20000 + "\r\n甲公司\r\n").encode("utf-8"))


def _small_xls() -> bytes:
    import io

    import xlwt
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("名单")
    ws.write(0, 0, "企业名称")
    ws.write(0, 1, "统一社会信用代码")
    ws.write(1, 0, "甲公司")
    ws.write(1, 1, CODES[0])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xls_huge_dimensions(folder: Path) -> Path:
    """A legacy .xls whose DIMENSIONS record claims 4 billion rows (calamine would reserve them)."""
    data = bytearray(_small_xls())
    at = data.find(b"\x00\x02\x0e\x00")           # DIMENSIONS, 14 bytes of data (BIFF8)
    struct.pack_into("<I", data, at + 8, 0xF0000000)  # rwMac
    return write_bytes(folder, "尺寸.xls", bytes(data))


def xls_far_cell(folder: Path) -> Path:
    """A legacy .xls with a cell at column 65535 (a 65536 x 65536 rectangle for calamine)."""
    data = bytearray(_small_xls())
    at = data.find(b"\xfd\x00\x0a\x00\x01\x00\x01\x00")   # LABELSST at row 1, column 1
    struct.pack_into("<H", data, at + 6, 0xFFFF)
    return write_bytes(folder, "远单元格.xls", bytes(data))


def xls_fat_cycle(folder: Path) -> Path:
    """A legacy .xls whose first sector chain points back to itself (calamine would loop forever)."""
    data = bytearray(_small_xls())
    fat_sector = struct.unpack_from("<I", data, 76)[0]
    workbook_start = None
    dir_sector = struct.unpack_from("<I", data, 48)[0]
    entries = data[512 + dir_sector * 512: 512 + dir_sector * 512 + 512]
    for k in range(0, 512, 128):
        if entries[k:k + 16] == "Workbook".encode("utf-16-le"):
            workbook_start = struct.unpack_from("<I", entries, k + 116)[0]
    struct.pack_into("<I", data, 512 + fat_sector * 512 + 4 * workbook_start, workbook_start)
    return write_bytes(folder, "环.xls", bytes(data))


# ---------------------------------------------------------------- formula error cells
XLS_ERROR_CODES = {"#NULL!": 0x00, "#DIV/0!": 0x07, "#VALUE!": 0x0F, "#REF!": 0x17, "#NAME?": 0x1D, "#NUM!": 0x24,
                   "#N/A": 0x2A}


@dataclass(frozen=True)
class ErrorCell:
    """A cell showing an Excel error value. In an .xlsx, a formula with that cached result; in an .xls, a FORMULA
    record whose cached result is the error (a VLOOKUP that found nothing), or with ``formula=False`` a BOOLERR
    record with fError set (the error pasted as a value)."""
    text: str = "#N/A"
    formula: bool = True


_LOOKUP = "VLOOKUP(A1,Z1:AA9,2,FALSE)"


def write_errors_xlsx(folder: Path, name: str, rows: list[list]) -> Path:
    """*rows* from Excel row 1 into an .xlsx (xlsxwriter); None is no cell, an ``ErrorCell`` a formula whose cached
    result is its error value."""
    import xlsxwriter
    path = folder / name
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("名单")
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if isinstance(v, ErrorCell):
                ws.write_formula(r, c, "=" + _LOOKUP, None, v.text)
            elif v is not None:
                ws.write(r, c, v)
    wb.close()
    return path


def write_errors_xls(folder: Path, name: str, rows: list[list]) -> Path:
    """The same rows into a legacy .xls (xlwt). xlwt writes a formula's cached result as an empty string: each
    FORMULA record of an ``ErrorCell`` gets the error as its cached result (0x02, 0, code, 0, 0, 0, 0xFF, 0xFF),
    as Excel saves a failed lookup."""
    import xlwt
    from xlwt.CompoundDoc import XlsDoc
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("名单")
    formulas: dict[tuple[int, int], int] = {}
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if isinstance(v, ErrorCell) and v.formula:
                ws.write(r, c, xlwt.Formula(_LOOKUP))
                formulas[(r, c)] = XLS_ERROR_CODES[v.text]
            elif isinstance(v, ErrorCell):
                ws.row(r).set_cell_error(c, XLS_ERROR_CODES[v.text])
            elif v is not None:
                ws.write(r, c, v)
    stream = bytearray(wb.get_biff_data())
    pos = 0
    while pos + 4 <= len(stream):
        typ, length = struct.unpack_from("<HH", stream, pos)
        if typ == 0x0006 and struct.unpack_from("<HH", stream, pos + 4) in formulas:
            code = formulas.pop(struct.unpack_from("<HH", stream, pos + 4))
            assert stream[pos + 10:pos + 18] == b"\x03\x00\x00\x00\x00\x00\xff\xff"    # xlwt's empty string
            stream[pos + 10:pos + 18] = bytes([0x02, 0, code, 0, 0, 0, 0xFF, 0xFF])
        pos += 4 + length
    assert not formulas, formulas
    path = folder / name
    XlsDoc().save(str(path), bytes(stream))
    return path
