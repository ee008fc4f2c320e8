"""任务分解表: export, import back, apply through the audited writer; errors name the cell."""
import pytest

from db import dashboard_queries as dq
from importers.errors import InputError
from importers.targets_io import TargetRow, apply, export_decomposition, read_decomposition, rows_of


def streets(ledger):
    return [n for _, n in ledger.streets()]


def test_round_trip_through_excel(ledger, tmp_path):
    cat = ledger.catalog()
    rows = [TargetRow("高新技术企业总量", "stock", ["gaoqi"], district=800, shares={"积玉桥": 500, "杨园": 300}),
            TargetRow("规模以上高新技术企业", "new", ["gaoqi"], ["guishang"], district=15, shares={"杨园": 15}),
            TargetRow("累计培育", "cumulative", ["kexiao", "gaoqi"], base_year=2019, district=8000)]
    path = export_decomposition(tmp_path / "分解.xlsx", 2025, rows, cat, streets(ledger))
    back = read_decomposition(path, cat, streets(ledger))
    assert [(r.indicator, r.kind, r.stages, r.require, r.base_year, r.district, r.shares) for r in back] == [
        ("高新技术企业总量", "stock", ["gaoqi"], [], None, 800, {"积玉桥": 500, "杨园": 300}),
        ("规模以上高新技术企业", "new", ["gaoqi"], ["guishang"], None, 15, {"杨园": 15}),
        ("累计培育", "cumulative", ["kexiao", "gaoqi"], [], 2019, 8000, {})]
    assert apply(ledger, 2025, back) == 6
    written = dq.target_rows(ledger.conn, 2025)
    assert [(t["indicator"], t["street"], t["target"]) for t in written][:3] == [
        ("高新技术企业总量", None, 800), ("高新技术企业总量", "积玉桥", 500), ("高新技术企业总量", "杨园", 300)]
    assert rows_of(written, streets(ledger))[0].shares == {"积玉桥": 500, "杨园": 300}
    audit = ledger.conn.execute("SELECT COUNT(*) FROM audit WHERE entity = 'target' AND source = 'import'").fetchone()[
        0
    ]
    assert audit == 6


def write_sheet(path, rows):
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "分解"
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_a_hand_made_table_with_title_aliases_and_street_suffixes(ledger, tmp_path):
    path = write_sheet(tmp_path / "t.xlsx", [
        ["2025年目标任务分解表"],
        ["指标", "类型", "统计阶段", "全区", "杨园街道", "积玉桥街"],
        ["净增高企", "净增", "高企", 80, 30, "50"],
        ["种子和专精特新", "新增", "金种子、银种子、专精特新", 60, None, 60]])
    rows = read_decomposition(path, ledger.catalog(), streets(ledger))
    assert [(r.kind, r.stages, r.district, r.shares) for r in rows] == [
        ("net", ["gaoqi"], 80, {"杨园": 30, "积玉桥": 50}),
        ("new", ["jinzhongzi", "yinzhongzi", "shengji"], 60, {"积玉桥": 60})]


@pytest.mark.parametrize("bad, where", [
    (["净增高企", "增量", "高企", 80], ("类型", 3)),
    (["净增高企", "净增", "高铁企业", 80], ("统计阶段", 3)),
    (["净增高企", "净增", "高企", "八十"], ("全区", 3)),
])
def test_errors_name_the_row_and_column(ledger, tmp_path, bad, where):
    path = write_sheet(
        tmp_path / "bad.xlsx", [["指标", "类型", "统计阶段", "全区"], ["高企总量", "存量", "高企", 800], bad]
    )
    with pytest.raises(InputError) as exc:
        read_decomposition(path, ledger.catalog(), streets(ledger))
    assert (exc.value.column, exc.value.row) == (where[0], where[1] + 0) and "bad.xlsx" in str(exc.value)
    assert dq.target_rows(ledger.conn, 2025) == []


def test_unknown_street_column(ledger, tmp_path):
    path = write_sheet(
        tmp_path / "s.xlsx", [["指标", "类型", "统计阶段", "全区", "火星"], ["高企总量", "存量", "高企", 800, 1]]
    )
    with pytest.raises(InputError, match="火星"):
        read_decomposition(path, ledger.catalog(), streets(ledger))


def test_targets_are_counts_of_firms(ledger, tmp_path):
    """A target read as money (the importer's 万元 rule) was 0.8 for 0.8万 and 1.2 for 1.2万家: a 目标值 ten
    thousand times too small, every 完成率 huge and 'ahead'. A target counts firms; money is refused."""
    path = write_sheet(tmp_path / "t.xlsx", [
        ["指标", "类型", "统计阶段", "全区", "杨园", "积玉桥"],
        ["累计培育", "累计", "高企", "0.8万", "1.2千家", "80家以上"]])
    (row,) = read_decomposition(path, ledger.catalog(), streets(ledger))
    assert (row.district, row.shares) == (8000, {"杨园": 1200, "积玉桥": 80})
    path = write_sheet(tmp_path / "m.xlsx", [["指标", "类型", "统计阶段", "全区"],
                                             ["高企总量", "存量", "高企", "86亿元"]])
    with pytest.raises(InputError, match="金额") as exc:
        read_decomposition(path, ledger.catalog(), streets(ledger))
    assert exc.value.column == "全区"
