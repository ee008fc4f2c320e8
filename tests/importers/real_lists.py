"""Lists shaped like the public ones no one here made (issue 11), written in code: a registry export as
UTF-8 CSV, an exchange's A-share list, a ministry list with English headers, a 小巨人 list saved as legacy
.xls, a data-vendor export of short names, and a street ledger with an unmerged group column.

Each writer returns the path it wrote (into the folder given, a tmp_path)."""
from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from pipeline.uscc import make_code

CODES = [make_code("9", "1", "420106", f"MR1L{i:04d}") for i in range(1, 60)]
FULL_WIDTH = str.maketrans(
    "0123456789ABCDEFGHJKLMNPQRTUWXY", "０１２３４５６７８９ＡＢＣＤＥＦＧＨＪＫＬＭＮＰＱＲＴＵＷＸＹ"
)

# firms whose names begin like notes, standing in the middle of a list
NOTE_LIKE = ["以上科技（武汉）有限公司", "注册宝（武汉）网络科技有限公司", "备注云（武汉）信息技术有限公司",
             "说明书印务（武汉）有限公司"]


def _registry_rows() -> list[list]:
    """Header + 24 firms; the note-like firms stand at Excel rows 6, 11, 16 and 21."""
    rows = [["企业名称", "统一社会信用代码", "企业类型", "注册地址", "成立日期"]]
    forms = ["有限责任公司", "个体工商户", "N/A", "股份有限公司"]
    for i in range(24):
        name = NOTE_LIKE[i // 5] if i % 5 == 4 else f"武汉登记{i:02d}科技有限公司"
        code = CODES[i].translate(FULL_WIDTH) if i % 7 == 3 else CODES[i]      # some codes in full width
        address = "湖北省武汉市武昌区水果湖街东湖路10号" if i % 6 == 0 else f"武汉市武昌区某路{i}号"
        rows.append([name, code, forms[i % 4], address, f"2015-0{i % 9 + 1}-1{i % 9}"])
    return rows


def write_registry_csv(folder: Path, name: str = "企业登记信息.csv") -> Path:
    """The registry export: UTF-8 CSV, 以上科技(武汉)有限公司 and other note-like names in the middle."""
    path = folder / name
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(_registry_rows())
    return path


def write_exchange_xlsx(folder: Path, name: str = "A股上市公司.xlsx", name_header: str = "公司全称") -> Path:
    """An exchange's list: a title row, 证券代码 and A股简称 before the full name, English name after."""
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.title = "A股列表"
    ws.append(["上市公司信息一览"])
    ws.merge_cells("A1:F1")
    ws.append(["证券代码", "A股简称", name_header, "英文名称", "统一社会信用代码", "注册地址"])
    firms = [("600001", "星图股份", "武汉星图股份有限公司", "Xingtu Co., Ltd."),
             ("600002", "长江智能", "长江智能装备股份有限公司", "Changjiang Intelligent Co., Ltd."),
             ("600003", "楚天光电", "楚天光电科技股份有限公司", "Chutian Optics Co., Ltd.")]
    for i, (sec, short, full, english) in enumerate(firms):
        ws.append([sec, short, full, english, CODES[30 + i], "武汉市武昌区中南路街道中南二路8号"])
    path = folder / name
    wb.save(path)
    return path


def write_english_csv(folder: Path, name: str = "leading_firms.csv", encoding: str = "gbk") -> Path:
    """A ministry list re-keyed with English headers."""
    rows = [["No.", "Company Name", "Credit Code", "Address", "Industry"],
            ["1", "武汉英文表头一号科技有限公司", CODES[40], "武昌区中南路街道", "软件"],
            ["2", "武汉英文表头二号科技有限公司", CODES[41], "武昌区杨园街道", "新材料"]]
    path = folder / name
    with open(path, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def write_xiaojuren_xls(folder: Path, name: str = "2024年专精特新小巨人企业.xls") -> Path:
    """A 小巨人 list saved by WPS as legacy .xls: no title, no date column; the file name says what it is."""
    import xlwt
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Sheet1")
    for r, row in enumerate([["序号", "企业名称", "统一社会信用代码"], [1, "武汉小巨人一号科技有限公司", CODES[45]],
                             [2, "武汉小巨人二号科技有限公司", CODES[46]]]):
        for c, v in enumerate(row):
            sheet.write(r, c, v)
    path = folder / name
    book.save(str(path))
    return path


def write_short_names_xlsx(folder: Path, name: str = "企业简称导出.xlsx") -> Path:
    """A data-vendor export: short names in the name column, one multi-line "short⏎full" cell."""
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.append(["企业名称", "所属行业"])
    ws.append(["阿房宫", "文旅"])
    ws.append(["黄鹤楼", "文旅"])
    ws.append(["楚天光电\n楚天光电科技股份有限公司", "光电"])
    path = folder / name
    wb.save(path)
    return path


def write_unmerged_street_xlsx(folder: Path, names: list[str], codes: list[str], *, merged: bool = False,
                               name: str = "街道更新.xlsx") -> Path:
    """A 10-row update list where only the first two rows carry 所在街道=杨园 (merged down when *merged*)."""
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.append(["企业名称", "统一社会信用代码", "所在街道"])
    for i, (n, c) in enumerate(zip(names, codes, strict=True)):
        ws.append([n, c, "杨园" if (i == 0 or (i == 1 and not merged)) else None])
    if merged:
        ws.merge_cells(f"C2:C{len(names) + 1}")
    path = folder / name
    wb.save(path)
    return path


def write_dates_xlsx(folder: Path, rows: list[list], name: str = "日期.xlsx",
                     header=("企业名称", "统一社会信用代码", "认定日期", "有效期至")) -> Path:
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for r in rows:
        ws.append(r)
    path = folder / name
    wb.save(path)
    return path


def write_note_in_middle_xlsx(folder: Path, name: str = "中间有说明.xlsx") -> Path:
    """A list with a note row in the name column in the middle, and a merged note row without a name."""
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.append(["序号", "企业名称", "统一社会信用代码"])
    ws.append([1, "武汉中间一号科技有限公司", CODES[50]])
    ws.append([None, "注：以下企业为第二批补充名单", None])          # row 3: a note in the name column
    ws.append([2, "武汉中间二号科技有限公司", CODES[51]])
    ws.append(["说明：第三批", None, None])                         # row 5: a note with no name and no code
    ws.merge_cells("A5:C5")
    ws.append([3, "武汉中间三号科技有限公司", CODES[52]])
    ws.append([None, None, None])
    ws.append(["注：以上企业排名不分先后", None, None])               # row 8: the trailing note
    path = folder / name
    wb.save(path)
    return path


TODAY = dt.date.today()
