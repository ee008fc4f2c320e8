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


HEAD = ["指标", "类型", "统计阶段", "全区", "杨园", "积玉桥"]


@pytest.mark.parametrize("rows, where, words", [
    # 杨园 and 杨园街道: the second column's 50 silently replaced the first's 30
    ([["指标", "类型", "统计阶段", "全区", "杨园", "杨园街道"], ["净增高企", "净增", "高企", 80, 30, 50]],
     ("杨园街道", 1), "同一个街道"),
    # a 合计 column that disagrees with its row's street cells was ignored
    ([HEAD + ["合计"], ["净增高企", "净增", "高企", 80, 30, 50, 99]], ("合计", 2), "各街道之和为 80"),
    ([HEAD + ["街道合计", "差额（全区−合计）"], ["净增高企", "净增", "高企", 90, 30, 50, 80, 0]],
     ("差额（全区−合计）", 2), "10"),
    # 全区 and 全区目标 both filled: 全区目标 was ignored whatever it said
    ([["指标", "类型", "统计阶段", "全区", "全区目标"], ["高企总量", "存量", "高企", 800, 900]],
     ("全区目标", 2), "不一致"),
    # a 合计 row below the indicators that disagrees with their sum was skipped unseen
    ([HEAD, ["a", "存量", "高企", 5, 1, 1], ["b", "新增", "高企", 6, 1, 2], ["合计", None, None, 12, 2, 3]],
     ("全区", 4), "合计行"),
    ([HEAD, ["a", "存量", "高企", 5, 1, 1], ["小计", "存量", "高企", 9, 1, 1]], ("全区", 3), "上方各指标之和为 5"),
    # negative and fractional counts of firms were taken as targets
    ([HEAD, ["净增高企", "净增", "高企", -5, 30, 50]], ("全区", 2), "不是家数"),
    ([HEAD, ["净增高企", "净增", "高企", 80, 30.2, 50]], ("杨园", 2), "不是家数"),
    # an indicator row with no figure at all landed nowhere, unreported; so did a row without its name
    ([HEAD, ["净增高企", "净增", "高企", 80, 30, 50], [None, "存量", "高企", 800, 300, 500]],
     ("指标", 3), "“指标”为空"),
    ([HEAD, ["净增高企", "净增", "高企", None, None, None]], ("全区", 2), "没有填写"),
])
def test_a_table_that_contradicts_itself_is_refused_naming_the_cell(ledger, tmp_path, rows, where, words):
    path = write_sheet(tmp_path / "odd.xlsx", rows)
    with pytest.raises(InputError) as exc:
        read_decomposition(path, ledger.catalog(), streets(ledger))
    assert (exc.value.column, exc.value.row) == where and words in str(exc.value)


def test_a_total_row_or_column_that_agrees_is_read_past(ledger, tmp_path):
    path = write_sheet(tmp_path / "t.xlsx", [
        ["2025年目标任务分解表"], HEAD + ["街道合计"],
        ["a", "存量", "高企", 5, 1, "3家", 4], ["b", "新增", "高企", 6, 1, 2, 3], ["合计", None, None, 11, 2, 5, 7]])
    rows = read_decomposition(path, ledger.catalog(), streets(ledger))
    assert [(r.indicator, r.district, r.shares) for r in rows] == [
        ("a", 5, {"杨园": 1, "积玉桥": 3}), ("b", 6, {"杨园": 1, "积玉桥": 2})]


def test_a_table_titled_for_another_year_is_refused(ledger, tmp_path):
    """2024年目标任务分解表 imported while 2026 was chosen: written silently as 2026's targets."""
    path = write_sheet(tmp_path / "t.xlsx", [["2024年目标任务分解表"], HEAD, ["净增高企", "净增", "高企", 80, 30, 50]])
    with pytest.raises(InputError, match="2024 年，与所选的 2026 年不符") as exc:
        read_decomposition(path, ledger.catalog(), streets(ledger), year=2026)
    assert exc.value.row == 1
    assert read_decomposition(path, ledger.catalog(), streets(ledger), year=2024)[0].district == 80


def test_a_workbook_with_a_table_per_year_takes_the_chosen_years_sheet_or_is_refused(ledger, tmp_path):
    """One sheet a year: the first sheet's table was imported under the chosen year, the others unseen."""
    import openpyxl
    wb = openpyxl.Workbook()
    for i, (title, value) in enumerate([("2025年", 70), ("2026年", 90)]):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = title
        for r in ([f"{title}目标任务分解表"], HEAD, ["净增高企", "净增", "高企", value, None, None]):
            ws.append(r)
    path = tmp_path / "两年.xlsx"
    wb.save(path)
    assert read_decomposition(path, ledger.catalog(), streets(ledger), year=2026)[0].district == 90
    for year in (2027, None):
        with pytest.raises(InputError, match="2 张任务分解表"):
            read_decomposition(path, ledger.catalog(), streets(ledger), year=year)


def test_importing_a_table_again_writes_nothing_and_blank_shares_take_the_new_definition(ledger, tmp_path):
    """Re-importing a table (or the year's export) wrote an audit row for every target though nothing changed;
    a share the new table leaves blank kept the indicator's old 类型/统计阶段 while the district's changed."""
    first = write_sheet(tmp_path / "a.xlsx", [HEAD, ["高企目标", "存量", "高企", 80, 30, 50]])
    assert apply(ledger, 2025, read_decomposition(first, ledger.catalog(), streets(ledger))) == 3

    def audit():
        return ledger.conn.execute("SELECT COUNT(*) FROM audit WHERE entity = 'target'").fetchone()[0]
    n = audit()
    assert apply(ledger, 2025, read_decomposition(first, ledger.catalog(), streets(ledger))) == 0
    back = export_decomposition(tmp_path / "b.xlsx", 2025, rows_of(dq.target_rows(ledger.conn, 2025),
                                                                    streets(ledger)), ledger.catalog(), streets(ledger))
    assert apply(ledger, 2025, read_decomposition(back, ledger.catalog(), streets(ledger))) == 0
    assert audit() == n
    second = write_sheet(tmp_path / "c.xlsx", [HEAD, ["高企目标", "新增", "高企", 80, None, 50]])
    apply(ledger, 2025, read_decomposition(second, ledger.catalog(), streets(ledger)))
    got = {(t["street"], t["kind"], t["target"]) for t in dq.target_rows(ledger.conn, 2025)}
    assert got == {(None, "new", 80), ("杨园", "new", 30), ("积玉桥", "new", 50)}


@pytest.mark.parametrize("written, year", [(2019, 2019), ("2019", 2019), (2019.0, 2019), ("2019年", 2019),
                                           (2019.5, None), ("19", None), ("二〇一九", None)])
def test_a_base_year_is_a_whole_year_or_refused_never_cut(ledger, tmp_path, written, year):
    path = write_sheet(tmp_path / "y.xlsx", [["指标", "类型", "统计阶段", "起算年份", "全区"],
                                             ["累计培育", "累计", "高企", written, 800]])
    if year is None:
        with pytest.raises(InputError, match="不是年份") as exc:
            read_decomposition(path, ledger.catalog(), streets(ledger))
        assert (exc.value.column, exc.value.row) == ("起算年份", 2)
    else:
        assert read_decomposition(path, ledger.catalog(), streets(ledger))[0].base_year == year
