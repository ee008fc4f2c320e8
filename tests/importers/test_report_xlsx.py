"""The indicator table .xlsx: district block first, then one block per street, numbers of the model."""
from datetime import date

import openpyxl

from importers.report_xlsx import HEADERS, write_indicator_table
from pipeline.catalog import Catalog, Stage, Track
from pipeline.dashboard import Dashboard
from pipeline.facts import Facts
from pipeline.indicators import Indicator

CAT = Catalog([Track("gaoqi", "高新技术企业", False, (Stage(1, "gaoqi", "高新技术企业", "gaoqi", 1, "months", 36),))])


def test_blocks_and_values(tmp_path):
    # east (10): firms 1, 2 hold from 2023-02-01; west (20): firm 3 from 2022-05-01
    rows = [(1, 1, "2023-02-01", "2026-02-01"), (2, 1, "2023-02-01", "2026-02-01"), (3, 1, "2022-05-01", "2025-05-01")]
    facts = Facts.from_rows(rows, {1: 10, 2: 10, 3: 20}.items())
    targets = {2023: [Indicator("高企总量", "stock", ["gaoqi"], 4),
                      Indicator("高企总量", "stock", ["gaoqi"], 2, street="东", street_id=10),
                      Indicator("高企总量", "stock", ["gaoqi"], 2, street="西", street_id=20)]}
    dash = Dashboard(facts, CAT, targets, [(10, "东"), (20, "西")])
    path = write_indicator_table(tmp_path / "r.xlsx", dash, 2023, date(2023, 6, 30))
    ws = openpyxl.load_workbook(path).active
    cells = [[c.value for c in row] for row in ws.iter_rows()]
    assert cells[0][0] == "2023年指标完成情况（截至 2023-06-30）"
    assert cells[2][0] == "全区" and cells[3] == HEADERS
    assert cells[4][:5] == ["高企总量", 1, 4, 3, 0.75]
    assert cells[6][0] == "东街道" and cells[8][:5] == ["高企总量", 0, 2, 2, 1]
    assert cells[10][0] == "西街道" and cells[12][:5] == ["高企总量", 1, 2, 1, 0.5]
    assert round(cells[4][5], 4) == round((date(2023, 6, 30) - date(2023, 1, 1)).days / 365 + 1 / 365, 4)
