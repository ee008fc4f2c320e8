"""Real lists without losing or inventing anything (issue 11): every row lands or is reported, columns are
found under any usual header or by content, legal form and address are attributes, multi-line and short
names are warned, the kind is guessed from the file name too."""
from __future__ import annotations

import datetime as dt

import pytest

from importers import errors as E
from importers.errors import InputError
from importers.plan import build_plan, commit_plan
from importers.read import open_table
from tests.importers import real_lists as R
from tests.importers.fixtures import write_simple_xlsx
from tests.importers.helpers import seed


def firm_rows(ledger, cols="name, code, legal_form, address, (SELECT name FROM streets WHERE id = street_id)"):
    return ledger.conn.execute(f"SELECT {cols} FROM firms ORDER BY id").fetchall()


def codes(plan, code):
    return [(r.excel_row, i.level) for r in plan.rows for i in r.issues if i.code == code]


# ---------------------------------------------------------------- point 1: no silent loss
def test_firms_named_like_notes_in_the_middle_all_land(ledger, tmp_path):
    plan = build_plan(ledger, R.write_registry_csv(tmp_path))
    c = plan.counts()
    assert (c["rows"], c["created"], c["errors"], c["skipped"]) == (24, 24, 0, 0)
    assert [r.name for r in plan.rows if r.excel_row in (6, 11, 16, 21)] == R.NOTE_LIKE
    commit_plan(ledger, plan)
    names = [n for n, *_ in firm_rows(ledger)]
    assert set(R.NOTE_LIKE) <= set(names) and len(names) == 24
    assert names[-1] == "武汉登记23科技有限公司"           # nothing after 以上科技… was swallowed


def test_note_rows_in_the_middle_are_reported_and_swallow_nothing(ledger, tmp_path):
    path = R.write_note_in_middle_xlsx(tmp_path)
    t = open_table(path)
    assert t.skipped == [(5, E.SKIP_NOTE_MID), (7, E.SKIP_BLANK), (8, E.SKIP_NOTE)]
    assert t.notes == ["说明：第三批", "注：以上企业排名不分先后"]
    plan = build_plan(ledger, path)
    assert [(r.excel_row, r.status) for r in plan.rows] == [(2, "new"), (3, "error"), (4, "new"), (6, "new")]
    note = plan.rows[1].issues[0]
    assert (note.row, note.column, note.code) == (3, "企业名称", "note_in_list")
    assert "注：以下企业为第二批补充名单" in note.message
    assert plan.skip_counts() == {"数据中间的说明": 1, "空行": 1, "表格下方的说明": 1}
    s = plan.summary()
    assert s["skipped"] == 3 and s["skipped_rows"][0] == {"row": 5, "reason": E.SKIP_NOTE_MID}
    assert s["errors"][0]["row"] == 3


def test_trailing_notes_after_a_firm_named_like_a_note_stay_notes(tmp_path):
    rows = [["企业名称", "统一社会信用代码"], ["以上科技（武汉）有限公司", R.CODES[0]], ["以上企业排名不分先后", None],
            ["特此公示", None]]
    t = open_table(write_simple_xlsx(tmp_path, "末尾说明.xlsx", rows))
    assert [r.values[0] for c in t.iter_rows() for r in c] == ["以上科技（武汉）有限公司"]
    assert t.skipped == [(3, E.SKIP_NOTE), (4, E.SKIP_NOTE)]


def test_a_short_name_list_with_a_note_in_the_middle_keeps_its_rows(ledger, tmp_path):
    rows = [["序号", "企业名称", "所属行业"], [1, "阿房宫", "文旅"], [None, "注：以下为补报", None],
            [2, "黄鹤楼", "文旅"], [3, "古琴台", "文旅"]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "简称.xlsx", rows))
    assert [(r.excel_row, r.status) for r in plan.rows] == [(2, "new"), (3, "error"), (4, "new"), (5, "new")]


# ---------------------------------------------------------------- point 2: finding the columns
def test_full_name_column_wins_over_the_short_name(ledger, tmp_path):
    plan = build_plan(ledger, R.write_exchange_xlsx(tmp_path))
    assert plan.header_row == 2 and plan.headers[2] == "公司全称"
    assert {plan.headers[i]: f for i, f in plan.mapping.items()} == {"公司全称": "name", "统一社会信用代码": "code",
                                                                      "注册地址": "address"}
    assert [r.name for r in plan.rows] == [
        "武汉星图股份有限公司",
        "长江智能装备股份有限公司",
        "楚天光电科技股份有限公司",
    ]


@pytest.mark.parametrize("header", ["企业全称", "单位全称", "企业（单位）名称", "纳税人名称", "申报单位", "申报企业",
                                    "机构名称", "名称", "name", "Company", "company_name", "Enterprise"])
def test_usual_name_headers(ledger, tmp_path, header):
    plan = build_plan(ledger, R.write_exchange_xlsx(tmp_path, name_header=header))
    assert plan.headers[next(i for i, f in plan.mapping.items() if f == "name")] == header


def test_english_headers_in_gbk_csv(ledger, tmp_path):
    plan = build_plan(ledger, R.write_english_csv(tmp_path))
    assert {plan.headers[i]: f for i, f in plan.mapping.items()} == {
        "Company Name": "name", "Credit Code": "code", "Address": "address", "Industry": "industry"}
    assert plan.counts()["created"] == 2


def test_name_and_code_columns_by_content_with_a_warning(ledger, tmp_path):
    rows = [["序号", "主体", "标识", "备用"]] + [
        [i, f"武汉内容{i}号科技有限公司", R.CODES[i], "x"] for i in range(1, 6)
    ]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "无表头名.xlsx", rows))
    assert {plan.headers[i]: f for i, f in plan.mapping.items()} == {"主体": "name", "标识": "code"}
    notes = [i.message for i in plan.file_issues if i.code == "by_content"]
    assert len(notes) == 2 and "按内容判断“主体”列为企业名称（5/5 个值像企业全称）" in notes[0]
    assert "“标识”列为统一社会信用代码" in notes[1]


# ---------------------------------------------------------------- point 3: --map alone
def test_map_alone_locates_the_header_row(ledger, tmp_path):
    rows = [["2024年文旅企业名单"], ["代号", "主体", "所属行业"], ["A1", "阿房宫", "文旅"], ["A2", "黄鹤楼", "文旅"]]
    path = write_simple_xlsx(tmp_path, "文旅.xlsx", rows)
    with pytest.raises(InputError, match="找不到企业名称列"):
        build_plan(ledger, path)
    plan = build_plan(ledger, path, overrides={"主体": "name"})
    assert plan.header_row == 2 and plan.mapping == {1: "name", 2: "industry"}
    assert [r.name for r in plan.rows] == ["阿房宫", "黄鹤楼"]


# ---------------------------------------------------------------- point 5: legal form is not a designation
def test_legal_form_column_is_an_attribute_not_stages(ledger, tmp_path):
    rows = [["企业名称", "统一社会信用代码", "类型"], ["武汉类型一号科技有限公司", R.CODES[1], "有限责任公司"],
            ["武汉类型二号商店", R.CODES[2], "个体工商户"], ["武汉类型三号科技有限公司", R.CODES[3], "N/A"]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "类型.xlsx", rows))
    assert plan.mapping[2] == "legal_form"
    assert [i.code for i in plan.file_issues] == ["not_stages"]
    assert all(not r.issues and not r.designations for r in plan.rows)
    commit_plan(ledger, plan)
    assert [r[0] for r in firm_rows(ledger, "legal_form")] == ["有限责任公司", "个体工商户", None]


def test_a_stage_column_is_read_when_its_values_are_stages(ledger, tmp_path):
    rows = [["企业名称", "统一社会信用代码", "类别", "认定日期"],
            ["武汉类别一号科技有限公司", R.CODES[4], "高新技术企业", "2023-12-28"],
            ["武汉类别二号科技有限公司", R.CODES[5], "科技型中小企业", "2023-06-30"]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "类别.xlsx", rows))
    assert [d["stage"] for r in plan.rows for d in r.designations] == ["gaoqi", "kexiao"]
    assert not plan.file_issues


def test_registry_stores_legal_form_and_address_and_infers_the_street(ledger, tmp_path):
    plan = build_plan(ledger, R.write_registry_csv(tmp_path))
    inferred = [r for r in plan.rows if any(i.code == "street_from_address" for i in r.issues)]
    assert [r.excel_row for r in inferred] == [2, 8, 14, 20]
    msg = inferred[0].issues[0]
    assert msg.column == "注册地址" and "推断为“水果湖”" in msg.message
    commit_plan(ledger, plan)
    got = firm_rows(ledger)
    assert got[0] == ("武汉登记00科技有限公司", R.CODES[0], "有限责任公司", "湖北省武汉市武昌区水果湖街东湖路10号",
                      "水果湖")
    assert got[1][2:] == ("个体工商户", "武汉市武昌区某路1号", None)
    assert got[2][2] is None                                     # N/A is no legal form
    assert got[3][1] == R.CODES[3]                               # full-width code read as the code


def test_a_written_street_is_never_replaced_from_the_address(ledger, tmp_path):
    rows = [["企业名称", "所在街道", "注册地址"], ["武汉街道一号科技有限公司", "杨园", "武昌区水果湖街1号"]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "街道.xlsx", rows))
    assert plan.rows[0].values["street"] == "杨园"
    assert not [i for i in plan.rows[0].issues if i.code == "street_from_address"]


# ---------------------------------------------------------------- points 6, 7: multi-line and short names
def test_short_names_are_warned_and_a_two_line_cell_keeps_the_full_name(ledger, tmp_path):
    plan = build_plan(ledger, R.write_short_names_xlsx(tmp_path))
    assert codes(plan, "not_full_name") == [(2, "warning"), (3, "warning")]
    row = plan.rows[2]
    assert row.name == "楚天光电科技股份有限公司" and row.values["former_name"] == "楚天光电"
    split = next(i for i in row.issues if i.code == "multi_line_name")
    assert "“楚天光电”“楚天光电科技股份有限公司”" in split.message
    assert plan.rows[0].values["former_name"] is None


def test_a_short_name_never_renames_a_firm_with_a_full_name(ledger, tmp_path):
    seed(ledger, ("楚天光电科技股份有限公司", R.CODES[9], {}))
    rows = [["企业名称", "统一社会信用代码"], ["楚天光电", R.CODES[9]]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "简称更新.xlsx", rows))
    assert plan.rows[0].status == "unchanged" and "name" not in plan.rows[0].changes
    assert "台账中的名称“楚天光电科技股份有限公司”保持不变" in plan.rows[0].issues[0].message


# ---------------------------------------------------------------- point 9: file and sheet names
def test_kind_from_the_file_name_still_needs_a_date(ledger, tmp_path):
    path = R.write_xiaojuren_xls(tmp_path)
    with pytest.raises(InputError, match="--date"):
        build_plan(ledger, path)
    plan = build_plan(ledger, path, on_date=dt.date(2024, 7, 1))
    assert (plan.kind, plan.stage) == ("designation", "xiaojuren")
    assert "2024年专精特新小巨人企业" in plan.kind_reason


def test_kind_from_the_sheet_name(ledger, tmp_path):
    rows = [["企业名称", "统一社会信用代码", "认定日期"], ["武汉表名一号科技有限公司", R.CODES[20], "2024-01-05"]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "附件2.xlsx", rows, sheet="高新技术企业"))
    assert (plan.kind, plan.stage) == ("designation", "gaoqi")
    roster = build_plan(ledger, write_simple_xlsx(tmp_path, "高企台账.xlsx", rows))
    assert roster.kind == "roster"


def test_a_note_in_the_middle_of_a_long_list_streamed_in_chunks(tmp_path, monkeypatch):
    import importers.read as read_mod
    monkeypatch.setattr(read_mod, "_EAGER_ROWS", 10)     # classification finishes during the first pass
    rows = [["企业名称", "统一社会信用代码"]] + [[f"武汉长单{i}号科技有限公司", R.CODES[i % 50]] for i in range(1, 41)]
    rows[10:10] = [["注：以下为补充名单", None], ["补充说明第二行", None]]   # Excel rows 11-12, across the eager limit
    rows += [[None, None], ["注：以上排名不分先后", None]]
    t = open_table(write_simple_xlsx(tmp_path, "长单.xlsx", rows))
    got = [(r.excel_row, r.values[0], r.note) for c in t.iter_rows(chunk_size=7) for r in c]
    assert len(got) == 42 and got[9:12] == [(11, "注：以下为补充名单", "注：以下为补充名单"),
                                            (12, "补充说明第二行", "补充说明第二行"),
                                            (13, "武汉长单10号科技有限公司", "")]
    assert t.skipped == [(44, E.SKIP_BLANK), (45, E.SKIP_NOTE)]
    assert [(r.excel_row, r.note) for c in t.iter_rows() for r in c] == [(e, n) for e, _, n in got]   # again
