"""A messy official list, as they arrive by e-mail: used by ``snapshot`` and the wizard tests.

A merged title row, header synonyms (单位名称 / 社会信用代码 / 所属街道 / 认定时间), street names without
the 街道 suffix, dates in four spellings, a group sub-header row, a code in lower case with spaces,
a code whose check character is wrong (a warning), the same firm twice (a warning), a row whose
code is too short (an error), a firm renamed since the ledger last saw it, and a note below the data.
"""
from __future__ import annotations

from pathlib import Path

from pipeline.uscc import make_code

TITLE = "2023年湖北省第二批拟认定高新技术企业名单"
HEADER = ["序号", "单位名称", "社会信用代码", "所属街道", "证书编号", "认定时间"]
NEW_FIRMS = [("武汉星辰智算科技有限公司", "积玉桥", "2023.12.8"), ("湖北云帆数据服务有限公司", "杨园", "2023年12月8日"),
             ("武汉锐思光电有限公司", "中南", 45268), ("武汉楚天芯片设计有限公司", "水果湖", "20231208")]


def existing_firms(ledger, n: int = 3) -> list[tuple[str, str, str]]:
    """(name, code, street) of the first *n* ledger firms with a valid code, by id."""
    from db import firm_file
    out = []
    for fid in range(1, 2000):
        f = firm_file.firm(ledger.conn, fid)
        if f and f["code"] and f["code_status"] == "ok" and not f["deleted_at"]:
            out.append((f["name"], f["code"], f["street"] or ""))
        if len(out) >= n:
            break
    return out


def write_sample_list(path: str | Path, existing: list[tuple[str, str, str]]) -> Path:
    """Write the messy list to *path* (.xlsx); *existing* firms (name, code, street) appear in it too."""
    import xlsxwriter
    path = Path(path)
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("拟认定名单")
    bold = wb.add_format({"bold": True, "align": "center", "font_size": 14})
    ws.merge_range(0, 0, 0, len(HEADER) - 1, TITLE, bold)
    ws.write_row(1, 0, HEADER)
    rows = []
    codes = [make_code("9", "1", "420106", f"{70000000 + i:08d}") for i in range(len(NEW_FIRMS))]
    for i, (name, street, day) in enumerate(NEW_FIRMS):
        rows.append([name, codes[i] if i != 1 else " " + codes[i].lower()[:9] + " " + codes[i].lower()[9:],
                     street, f"GR20234200{1000 + i}", day])
    bad = make_code("9", "1", "420106", "70000099")
    bad = bad[:-1] + ("0" if bad[-1] != "0" else "1")
    rows.append(["武汉旧码试点科技有限公司", bad, "粮道", "GR202342001099", "2023-12-08"])
    for k, (name, code, street) in enumerate(existing):
        if k == 0:   # renamed since the ledger last saw it: the code stays, the name changes
            name = name.replace("有限公司", "股份有限公司") if "股份" not in name else name.replace("股份", "")
        rows.append([name, code, street.removesuffix("街道"), f"GR20234200{2000 + k}", "2023-12-08"])
    if existing:
        rows.append([existing[-1][0], existing[-1][1], existing[-1][2], f"GR20234200{2000 + len(existing) - 1}",
                     "2023-12-08"])
    rows.append(["武汉短码科技有限公司", "91420106123", "石洞", "GR202342003001", "2023-12-08"])
    r = 2
    ws.write(r, 0, "武昌区（{}家）".format(len(rows)))
    r += 1
    for i, row in enumerate(rows, start=1):
        ws.write_number(r, 0, i)
        for c, v in enumerate(row, start=1):
            if isinstance(v, (int, float)):
                ws.write_number(r, c, v)
            else:
                ws.write_string(r, c, v)
        r += 1
    ws.write(r + 1, 0, "注：以上企业为拟认定名单，公示期 10 个工作日。")
    ws.set_column(1, 1, 34)
    ws.set_column(2, 2, 24)
    wb.close()
    return path
