"""Shared by the hostile-file tests (test_fuzz, test_bombs): small real lists in each format, and the check
that a message is Chinese."""
from __future__ import annotations

import io
import re

CJK = re.compile(r"[\u4e00-\u9fff]")


# seeds: small real lists in each format -------------------------------------------------------
HEADER = ["序号", "企业名称", "统一社会信用代码", "所在街道", "认定时间", "注册资本"]
ROWS = [[1, "武汉星图科技有限公司", "91420106MA4K000001", "积玉桥", "2023.12.28", "6,400(万元人民币)"],
        [2, "湖北黄鹤楼数据服务有限公司", "91420106000000051T", "黄鹤楼", "2023年12月8日", "500"],
        [3, "=cmd|'/c calc'!A1", "", "粮道", "20231228", ""]]


def seed_xlsx() -> bytes:
    import xlsxwriter
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("名单")
    ws.merge_range(0, 0, 0, 5, "2023年湖北省第二批拟认定高新技术企业名单")
    for c, h in enumerate(HEADER):
        ws.write(1, c, h)
    for r, row in enumerate(ROWS, start=2):
        for c, v in enumerate(row):
            ws.write(r, c, v)
    ws.write(6, 0, "注：以上企业排名不分先后")
    wb.close()
    return buf.getvalue()


def seed_xls() -> bytes:
    import xlwt
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("名单")
    for c, h in enumerate(HEADER):
        ws.write(0, c, h)
    for r, row in enumerate(ROWS, start=1):
        for c, v in enumerate(row):
            ws.write(r, c, v)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def seed_csv(encoding: str) -> bytes:
    lines = [",".join(HEADER)] + [",".join(f'"{v}"' for v in row) for row in ROWS]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


SEEDS = {"xlsx": seed_xlsx(), "xls": seed_xls(), "csv": seed_csv("utf-8-sig"), "gbk.csv": seed_csv("gbk")}
