"""Understanding and matching: kinds, codes, names, renames, duplicates, updates — by hand-worked expectations."""
from datetime import date

import pytest

from importers.errors import InputError
from importers.plan import build_plan, commit_plan
from tests.importers import fixtures as fx
from tests.importers.helpers import HEAD, C, bad_check, designations, firms, seed, xlsx


def test_hightech_fixture_imports_to_exactly_the_expected_ledger(ledger, tmp_path):
    plan = build_plan(ledger, fx.write_hightech_xlsx(tmp_path))
    assert (plan.kind, plan.stage, plan.kind_guessed) == ("designation", "gaoqi", True)
    assert "高新技术企业" in plan.kind_reason and "证书编号" in plan.kind_reason
    assert [r.excel_row for r in plan.rows] == [6, 7, 8, 10, 12, 15]
    assert [i.code for r in plan.rows for i in r.issues] == ["hidden_row"]
    assert plan.rows[3].issues[0].row == 10
    commit_plan(ledger, plan)
    assert firms(ledger) == [
        (fx.CODES[0], "武汉星图科技有限公司", "杨园", None, "ok", 0),
        (fx.CODES[1], "武汉甲乙（中国）信息有限公司", "杨园", None, "ok", 0),
        (fx.CODES[2], "武汉丙丁软件有限公司", "杨园", None, "ok", 0),
        (fx.CODES[3], "武汉戊己科技有限公司", "徐家棚", None, "ok", 0),
        (fx.CODES[4], "武汉庚辛科技有限公司", "积玉桥", None, "ok", 0),
        (fx.CODES[5], "武汉壬癸科技有限公司", "积玉桥", None, "ok", 0)]
    assert designations(ledger) == [(fx.CODES[i], "gaoqi", "2023-12-28", "2026-12-28", f"GR20234200010{i + 1}")
                                    for i in range(6)]
    capital = [r[0] for r in ledger.conn.execute("SELECT reg_capital FROM firms ORDER BY id")]
    assert capital == [6400.0, 500.0, 12000.0, None, 123.0, 6400.0]


def test_csv_kexiao_list_is_guessed_from_its_title(ledger, tmp_path):
    plan = build_plan(ledger, fx.write_csv(tmp_path, "入库.csv"))
    assert (plan.kind, plan.stage) == ("designation", "kexiao")
    commit_plan(ledger, plan)
    got = designations(ledger)
    assert [g[2] for g in got] == ["2023-12-28"] * 4 + ["2023-01-05"]
    assert {g[3] for g in got} == {"2024-01-01"}           # valid to the end of the calendar year


def test_designation_without_date_needs_date_option(ledger, tmp_path):
    path = xlsx(tmp_path, [HEAD, [1, "甲公司", C[0], "杨园", "软件"]], title="2024年高新技术企业认定名单")
    with pytest.raises(InputError, match="--date"):
        build_plan(ledger, path, kind="designation")
    plan = build_plan(ledger, path, kind="designation", on_date=date(2024, 3, 1))
    assert plan.rows[0].designation["start"] == date(2024, 3, 1) and plan.stage == "gaoqi"
    with pytest.raises(InputError, match="认定类别"):
        build_plan(ledger, path, kind="designation", stage="不存在的类别", on_date=date(2024, 3, 1))


def test_rename_keeps_code_and_old_name_becomes_alias(ledger, tmp_path):
    (fid,) = seed(ledger, ("武汉旧名科技有限公司", C[0], {"industry": "软件"}))
    plan = build_plan(ledger, xlsx(tmp_path, [HEAD, [1, "武汉新名科技有限公司", C[0], "杨园", "软件"]]))
    row = plan.rows[0]
    assert (row.status, row.firm_id) == ("update", fid)
    assert row.changes == {"name": ("武汉旧名科技有限公司", "武汉新名科技有限公司"), "street": (None, "杨园")}
    commit_plan(ledger, plan)
    assert firms(ledger) == [(C[0], "武汉新名科技有限公司", "杨园", "软件", "ok", 0)]
    assert ledger.conn.execute("SELECT name FROM firm_aliases WHERE firm_id = ?", (fid,)).fetchall() == [
        ("武汉旧名科技有限公司",)]
    # a later list still using the old name does not rename the firm back
    plan = build_plan(ledger, xlsx(tmp_path, [HEAD, [1, "武汉旧名科技有限公司", C[0], "杨园", "软件"]], "旧.xlsx"))
    assert plan.rows[0].status == "unchanged" and [i.code for i in plan.rows[0].issues] == ["old_name"]


def test_same_firm_twice_is_one_firm_and_a_warning_naming_both_rows(ledger, tmp_path):
    rows = [HEAD, [1, "甲公司", C[0], "杨园", "软件"], [2, "乙公司", C[1], "粮道", None],
            [3, "甲公司", C[0].lower(), "粮道", "软件"]]
    plan = build_plan(ledger, xlsx(tmp_path, rows))
    dup = plan.rows[2]
    assert (dup.excel_row, dup.status) == (4, "unchanged")
    (issue,) = dup.issues
    assert issue.code == "dup_in_file" and "第 2 行" in issue.message and issue.row == 4 and "所在街道" in issue.message
    commit_plan(ledger, plan)
    assert firms(ledger) == [(C[0], "甲公司", "杨园", "软件", "ok", 0), (C[1], "乙公司", "粮道", None, "ok", 0)]


def test_updates_show_before_and_after_and_blank_cells_change_nothing(ledger, tmp_path):
    seed(ledger, ("甲公司", C[0], {"industry": "软件", "officer": "王芳", "employees": 10}))
    rows = [HEAD + ["服务专员", "从业人员"], [1, "甲公司", C[0], None, "电子信息", None, 12]]
    plan = build_plan(ledger, xlsx(tmp_path, rows))
    assert plan.rows[0].changes == {"industry": ("软件", "电子信息"), "employees": (10, 12)}
    assert plan.counts() == {"rows": 1, "created": 0, "updated": 1, "unchanged": 0, "skipped": 0, "errors": 0,
                             "warnings": 0}


def test_codes_bad_check_is_warning_invalid_is_error_unless_the_name_matches(ledger, tmp_path):
    seed(ledger, ("已有公司", C[5], {}))
    rows = [HEAD, [1, "甲公司", bad_check(C[0]), None, None], [2, "乙公司", "12345", None, None],
            [3, "已有公司", "ABC", None, None]]
    plan = build_plan(ledger, xlsx(tmp_path, rows))
    a, b, c = plan.rows
    assert (a.status, a.code_status, [i.code for i in a.issues], a.include) == ("new", "bad_check", ["bad_check"], True)
    assert (
        a.issues[0].level == "warning" and a.issues[0].column == "统一社会信用代码" and "校验位" in a.issues[0].message
    )
    assert (b.status, b.include, [(i.code, i.level) for i in b.issues]) == ("error", False, [("invalid_code", "error")])
    assert "18 位" in b.issues[0].message and b.issues[0].row == 3
    assert (c.status, [(i.code, i.level) for i in c.issues]) == ("update", [("invalid_code", "warning")])
    assert c.changes == {"needs_review": (0, 1)}
    commit_plan(ledger, plan)
    assert firms(ledger) == [
        (C[5], "已有公司", None, None, "ok", 1),
        (bad_check(C[0]), "甲公司", None, None, "bad_check", 0),
    ]


def test_rows_without_code_match_by_name_and_alias_and_are_flagged(ledger, tmp_path):
    fid, _ = seed(ledger, ("武汉甲科技有限公司", C[0], {}), ("武汉丙科技有限公司", C[2], {}))
    with ledger.write() as w:
        w.add_alias(fid, "武汉老甲科技有限公司")
    rows = [HEAD, [1, "武汉 甲科技(有限公司)", None, None, None], [2, "武汉老甲科技有限公司", None, None, None],
            [3, "武汉无码新企业有限公司", None, None, None]]
    plan = build_plan(ledger, xlsx(tmp_path, rows))
    a, b, c = plan.rows
    assert (a.firm_id, [i.code for i in a.issues], a.changes) == (fid, ["no_code_name_match"], {"needs_review": (0, 1)})
    assert (b.firm_id, [i.code for i in b.issues]) == (fid, ["no_code_name_match", "dup_in_file"])
    assert (c.status, c.review, [i.code for i in c.issues]) == ("new", True, ["no_code"])
    commit_plan(ledger, plan)
    assert firms(ledger)[2] == (None, "武汉无码新企业有限公司", None, None, "no_code", 1)


def test_near_match_is_only_a_warning(ledger, tmp_path):
    seed(ledger, ("武汉星辰光电科技有限公司", C[0], {}))
    plan = build_plan(ledger, xlsx(tmp_path, [HEAD, [1, "武汉星辰光电技术有限公司", C[1], None, None]]))
    (row,) = plan.rows
    assert row.status == "new" and [i.code for i in row.issues] == ["near_match"]
    assert "武汉星辰光电科技有限公司" in row.issues[0].message
    commit_plan(ledger, plan)
    assert len(firms(ledger)) == 2


def test_identical_designation_is_unchanged(ledger, tmp_path):
    path = xlsx(tmp_path, [["企业名称", "统一社会信用代码", "证书编号", "发证日期"],
                           ["甲公司", C[0], "GR1", "2023-12-28"]], title="高新技术企业认定名单")
    commit_plan(ledger, build_plan(ledger, path))
    again = build_plan(ledger, path)
    assert [r.status for r in again.rows] == ["unchanged"] and again.summary()["unchanged"] == 1


def test_roster_star_column_adds_and_moves_the_exclusive_tier(ledger, tmp_path):
    (fid,) = seed(ledger, ("甲公司", C[0], {}))
    with ledger.write() as w:
        w.add_designation(fid, "fanxing", "2022-01-01")
    rows = [["企业名称", "统一社会信用代码", "星级", "认定日期"], ["甲公司", C[0], "新星企业", "2024-05-01"],
            ["乙公司", C[1], "繁星", None]]
    plan = build_plan(ledger, xlsx(tmp_path, rows), on_date=date(2024, 6, 1))
    assert plan.kind == "roster"
    assert [(r.designation["stage"], r.designation["start"]) for r in plan.rows] == [
        ("xinxing", date(2024, 5, 1)), ("fanxing", date(2024, 6, 1))]
    commit_plan(ledger, plan)
    assert designations(ledger) == [(C[0], "fanxing", "2022-01-01", "2024-05-01", None),
                                    (C[0], "xinxing", "2024-05-01", None, None),
                                    (C[1], "fanxing", "2024-06-01", None, None)]


def test_map_overrides_and_remembered_mapping(ledger, tmp_path):
    rows = [["单位", "代码", "地址"], ["甲公司", C[0], "杨园"]]
    path = xlsx(tmp_path, rows)
    plan = build_plan(ledger, path, overrides={"单位": "name", "代码": "code", "地址": "street"})
    assert plan.mapping == {0: "name", 1: "code", 2: "street"}
    commit_plan(ledger, plan)
    other = xlsx(tmp_path, [["单位", "代码", "地址"], ["乙公司", C[1], "粮道"]], "b.xlsx")
    # a one-off --map is not remembered (issue 12 item 4): only on request
    assert build_plan(ledger, other).mapping != {0: "name", 1: "code", 2: "street"}
    again = build_plan(ledger, path, overrides={"单位": "name", "代码": "code", "地址": "street"})
    commit_plan(ledger, again, remember_mapping=True)      # remembered only because the person asked
    again = build_plan(ledger, other)
    assert again.mapping == {0: "name", 1: "code", 2: "street"}
    with pytest.raises(InputError, match="不在文件中"):
        build_plan(ledger, path, overrides={"没有这列": "name"})
