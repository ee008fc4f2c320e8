"""A sixth outside attack on the importer, with lists shaped like Hubei/Wuhan government attachments: every input
row lands or is reported with its Excel row, column and a Chinese reason; nothing is invented. Each test writes its
own file into tmp_path. Every test here failed when it was written (the guards excepted, as marked)."""
from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Font

from importers.plan import build_plan
from tests.importers import real_lists as R
from tests.importers.fixtures import write_simple_xlsx

HEAD = ["序号", "企业名称", "统一社会信用代码", "所在街道"]


def _issues(row, code):
    return [i for i in row.issues if i.code == code]


# ---------------------------------------------------------------- marks typed around a firm's name
def test_a_mark_before_or_after_a_name_is_not_stored_in_the_name(ledger, tmp_path):
    """★ / ※ / * / ▲ put before or after a name to mark a firm (重点, 新增, 备注 below the table): "★武汉…有限公司" was
    created with the ★ in its name without a word (its name key drops the ★, so it even matched); "…有限公司*" only
    said 不像企业全称. No registered name holds such a sign: the name is taken without it, and the row says which
    mark was there (it means something in the sender's table). Judgement: stripping a sign no legal name can hold
    invents nothing, and the warning keeps it visible; a footnote digit ("有限公司1") could be part of a name and
    stays as it is, with the 不像企业全称 warning it already had."""
    rows = [HEAD, [1, "★武汉星标科技有限公司", R.CODES[0], "杨园"],
            [2, "武汉星号科技有限公司*", R.CODES[1], "杨园"],
            [3, "※武汉米号科技有限公司※", R.CODES[2], "杨园"],
            [4, "▲ 武汉三角科技有限公司", R.CODES[3], "杨园"],
            [5, "武汉平常科技有限公司", R.CODES[4], "杨园"]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "名单.xlsx", rows))
    assert [r.name for r in plan.rows] == ["武汉星标科技有限公司", "武汉星号科技有限公司", "武汉米号科技有限公司",
                                           "武汉三角科技有限公司", "武汉平常科技有限公司"]
    assert [r.status for r in plan.rows] == ["new"] * 5
    marks = [[(i.row, i.column, i.level) for i in _issues(r, "name_mark")] for r in plan.rows]
    assert marks == [[(2, "企业名称", "warning")], [(3, "企业名称", "warning")], [(4, "企业名称", "warning")],
                     [(5, "企业名称", "warning")], []]
    assert "“★”" in _issues(plan.rows[0], "name_mark")[0].message
    assert "武汉星标科技有限公司" in _issues(plan.rows[0], "name_mark")[0].message
    assert not any(_issues(r, "not_full_name") for r in plan.rows)


def test_a_status_noted_after_a_name_is_not_stored_in_the_name(ledger, tmp_path):
    """A roster marks firms gone with a bracket after the name: "…有限公司（注销）", "…(已迁出)". The bracket was stored
    as part of a new firm's name (only 不像企业全称 was said), and a firm already in the ledger, listed without its
    code, was not found by its name and was created a second time. Now the name is taken without the bracket and
    the row is warned that the firm may be gone, as a registry's 登记状态 of 注销 is (imported, never silently).
    Judgement: import with a warning rather than untick: the list's sender put the firm on the list, a person
    decides."""
    with ledger.write() as w:
        w.insert_firm("武汉在册科技有限公司", None)
    rows = [HEAD, [1, "武汉注销科技有限公司（注销）", R.CODES[5], "杨园"],
            [2, "武汉迁出科技有限公司(已迁出)", R.CODES[6], "杨园"],
            [3, "武汉在册科技有限公司（已吊销）", None, "杨园"],
            [4, "武汉括号（中国）科技有限公司", R.CODES[7], "杨园"]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "名单.xlsx", rows))
    assert [r.name for r in plan.rows] == ["武汉注销科技有限公司", "武汉迁出科技有限公司", "武汉在册科技有限公司",
                                           "武汉括号（中国）科技有限公司"]
    assert [r.status for r in plan.rows][:2] == ["new", "new"]
    assert plan.rows[2].firm_id is not None               # the firm in the ledger, found by its name
    gone = [[i.message for i in _issues(r, "name_status")] for r in plan.rows]
    assert [len(g) for g in gone] == [1, 1, 1, 0]
    assert "“注销”" in gone[0][0] and "可能已不存在" in gone[0][0]
    assert "“已迁出”" in gone[1][0]
    assert not any(_issues(r, "not_full_name") for r in plan.rows)


def test_a_former_name_after_a_colon_without_brackets_is_a_former_name(ledger, tmp_path):
    """"现名 原名：旧名" with no bracket (the bracketed form was fixed by an earlier attack): the whole cell was a new
    firm's name, with only 不像企业全称. Now read as the bracketed form is: the name, and the former name kept."""
    rows = [HEAD, [1, "武汉新名科技有限公司 原名：武汉旧名科技有限公司", R.CODES[8], "杨园"],
            [2, "武汉新名二科技有限公司，曾用名:武汉旧名二科技有限公司", R.CODES[9], "杨园"]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "名单.xlsx", rows))
    assert [r.name for r in plan.rows] == ["武汉新名科技有限公司", "武汉新名二科技有限公司"]
    assert [r.values.get("former_name") for r in plan.rows] == ["武汉旧名科技有限公司", "武汉旧名二科技有限公司"]
    assert all(_issues(r, "former_name_note") for r in plan.rows)
    assert not any(_issues(r, "not_full_name") for r in plan.rows)


# ---------------------------------------------------------------- rows struck through in Excel
def _struck(tmp_path, rows, struck: dict[int, range]):
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    for er, cols in struck.items():
        for c in cols:
            ws.cell(er, c).font = Font(strike=True)
    path = tmp_path / "名单.xlsx"
    wb.save(path)
    return path


def test_a_firm_struck_through_in_excel_is_warned(ledger, tmp_path):
    """An officer strikes a firm through to take it off the list (撤回, 不再推荐) and forwards the file: the row
    was imported as any other, the strike invisible to the import. Now the row whose name cell is struck through
    is warned (imported, a person can untick it, as a hidden row is). Judgement: warn, not refuse or untick: a
    strike is a format, the row is in the file. A strike on another cell only (an old telephone number) says
    nothing of the firm."""
    rows = [HEAD + ["联系电话"]] + [[i + 1, f"武汉删除{i}科技有限公司", R.CODES[10 + i], "杨园", "13800000000"]
                                   for i in range(4)]
    plan = build_plan(ledger, _struck(tmp_path, rows, {3: range(1, 6), 4: range(2, 3), 5: range(5, 6)}))
    assert [r.status for r in plan.rows] == ["new"] * 4
    struck = [[(i.row, i.column, i.level) for i in _issues(r, "struck_row")] for r in plan.rows]
    assert struck == [[], [(3, "企业名称", "warning")], [(4, "企业名称", "warning")], []]
    assert "删除线" in _issues(plan.rows[1], "struck_row")[0].message


def test_a_list_without_struck_cells_says_nothing_of_strikes(ledger, tmp_path):
    """Guard: a font with a strike defined in the styles but used by no cell of the list marks no row."""
    rows = [HEAD] + [[i + 1, f"武汉无删{i}科技有限公司", R.CODES[20 + i], "杨园"] for i in range(2)]
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    ws["H20"] = "旧"
    ws["H20"].font = Font(strike=True)
    path = tmp_path / "名单.xlsx"
    wb.save(path)
    plan = build_plan(ledger, path)
    assert not any(_issues(r, "struck_row") for r in plan.rows)


# ---------------------------------------------------------------- a street column left blank under street sections
def test_a_blank_street_column_under_street_sections_takes_the_section_street(ledger, tmp_path):
    """A roster with a 所在街道 column left blank because the rows stand under "一、杨园街道" / "二、粮道街道": the
    firms were created with no street and no word (the section's street was only read when the list had no street
    column). Now as then: each row takes its section's street with a warning; a street written in the cell wins."""
    rows = [HEAD, ["一、杨园街道"], [1, "武汉分段甲科技有限公司", R.CODES[30], None],
            [2, "武汉分段乙科技有限公司", R.CODES[31], "徐家棚"],
            ["二、粮道街道"], [1, "武汉分段丙科技有限公司", R.CODES[32], None]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "名单.xlsx", rows), kind="roster")
    assert [r.values.get("street") for r in plan.rows] == ["杨园", "徐家棚", "粮道"]
    assert [[i.code for i in _issues(r, "street_from_group")] for r in plan.rows] == [
        ["street_from_group"], [], ["street_from_group"]]


# ---------------------------------------------------------------- a remark that takes the firm off the list
def test_a_remark_saying_the_firm_is_gone_or_withdrawn_is_warned(ledger, tmp_path):
    """A 高企 list whose 备注 says of some firms "已注销", "已迁出我区", "取消认定资格", "删除": each was imported
    with a new 高新技术企业 designation as any other row, the remark only stored. Now such a row is warned, naming
    the remark. Judgement: a warning, not an error or an unticked row: the list's sender kept the firm on the list
    and a remark is free text (one row says 新增, which says nothing of the kind); a person unticks what is gone."""
    rows = [["2023年高新技术企业名单"], ["序号", "企业名称", "统一社会信用代码", "证书编号", "发证日期", "备注"]]
    remarks = ["已注销", "已迁出我区", "取消认定资格", "新增", None, "删除", "撤回申报"]
    rows += [[i + 1, f"武汉备注{i}科技有限公司", R.CODES[40 + i], f"GR2023420{i:05d}", "2023-12-08", v]
             for i, v in enumerate(remarks)]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "高企名单.xlsx", rows))
    assert [r.status for r in plan.rows] == ["new"] * 7
    assert all(r.designation for r in plan.rows)
    warned = [[(i.row, i.column, i.level) for i in _issues(r, "remark_gone")] for r in plan.rows]
    assert warned == [[(3, "备注", "warning")], [(4, "备注", "warning")], [(5, "备注", "warning")], [], [],
                      [(8, "备注", "warning")], [(9, "备注", "warning")]]
    assert "“取消认定资格”" in _issues(plan.rows[2], "remark_gone")[0].message


def test_a_mark_or_a_status_on_a_second_line_of_the_name_is_no_former_name(ledger, tmp_path):
    """"武汉…有限公司⏎（注销）", "…有限公司⏎★", "★⏎武汉…", "…⏎已迁出": the second line was kept as the firm's former
    name (an alias "（注销）" or "★" the ledger would search by). Now such a line is read as the one-line forms are:
    the name alone, and a warning naming the mark or the status; a line that may be a short name ("新增") is still
    kept, as before, with its warning."""
    names = ["武汉两行甲科技有限公司\n（注销）", "武汉两行乙科技有限公司\n★", "★\n武汉两行丙科技有限公司",
             "武汉两行丁科技有限公司\n已迁出", "武汉两行戊科技有限公司\n新增"]
    rows = [HEAD] + [[i + 1, v, R.CODES[50 + i], "杨园"] for i, v in enumerate(names)]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "名单.xlsx", rows))
    assert [r.name for r in plan.rows] == ["武汉两行甲科技有限公司", "武汉两行乙科技有限公司", "武汉两行丙科技有限公司",
                                           "武汉两行丁科技有限公司", "武汉两行戊科技有限公司"]
    assert [r.values.get("former_name") for r in plan.rows] == [None, None, None, None, "新增"]
    assert [[i.code for i in r.issues] for r in plan.rows] == [
        ["name_status"], ["name_mark"], ["name_mark"], ["name_status"], ["multi_line_name"]]
    assert "“已迁出”" in plan.rows[3].issues[0].message


# ---------------------------------------------------------------- a template's example row sent back filled in
def test_a_template_example_row_is_reported_not_created(ledger, tmp_path):
    """A street's 申报汇总表 made from the bureau's template keeps the template's example row under the header:
    序号 "示例" and an invented firm ("武汉示例科技有限公司", a code of the right form). It was created as a firm
    like the others. Now the row is an error naming the 序号 cell: never created, never dropped without a word.
    Judgement: an error row, not a skipped row: it holds a full name and a code, so a person must see it."""
    rows = [HEAD, ["示例", "武汉示例科技有限公司", R.CODES[55], "杨园"],
            ["例：", "武汉例子科技有限公司", R.CODES[56], "杨园"]]
    rows += [[i + 1, f"武汉申报{i}科技有限公司", R.CODES[57 + i], "杨园"] for i in range(2)]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "申报汇总表.xlsx", rows))
    assert [(r.excel_row, r.status) for r in plan.rows] == [(2, "error"), (3, "error"), (4, "new"), (5, "new")]
    e = _issues(plan.rows[0], "example_row")[0]
    assert (e.row, e.column, e.level) == (2, "序号", "error")
    assert "“示例”" in e.message and "示例" in e.message


# ---------------------------------------------------------------- a list of firms that lost a designation
def _revoked(tmp_path, title, name="名单.xlsx", sheet="Sheet1"):
    rows = [[title], ["序号", "企业名称", "统一社会信用代码", "证书编号", "发证日期"]]
    rows += [[i + 1, f"武汉取消{i}科技有限公司", R.CODES[i], f"GR20204200{i:04d}", "2020-12-01"] for i in range(2)]
    return write_simple_xlsx(tmp_path, name, rows, sheet=sheet)


def test_a_list_of_firms_whose_designation_was_revoked_is_not_imported_as_recognitions(ledger, tmp_path):
    """"2023年取消高新技术企业资格名单", "…复核未通过名单", "拟不予认定…名单", or a file or sheet so named: the list was
    read as a recognition list of the stage its title names, and every firm on it was given the designation it had
    just lost (the headline count of 高企 went up by the list). Now refused, naming the word and where it stands,
    nothing written. Judgement: refuse, not warn: every row would be wrong, and the ledger has no import that ends
    designations; the message says how to import the firms' own data (as a roster)."""
    import pytest

    from importers.errors import InputError
    cases = [(_revoked(tmp_path, "2023年取消高新技术企业资格名单"), "取消", "标题"),
             (_revoked(tmp_path, "2023年专精特新中小企业复核未通过名单", "b.xlsx"), "未通过", "标题"),
             (_revoked(tmp_path, "拟不予认定高新技术企业名单", "c.xlsx"), "不予", "标题"),
             (_revoked(tmp_path, "2023年高新技术企业名单", "撤销资格企业.xlsx"), "撤销", "文件名"),
             (_revoked(tmp_path, "2023年高新技术企业名单", "d.xlsx", sheet="移出名单"), "移出", "工作表名")]
    for path, word, where in cases:
        with pytest.raises(InputError) as e:
            build_plan(ledger, path)
        assert f"“{word}”" in str(e.value) and where in str(e.value) and "roster" in str(e.value), str(e.value)
    assert ledger.conn.execute("SELECT COUNT(*) FROM firms").fetchone()[0] == 0
    roster = build_plan(ledger, cases[0][0], kind="roster")          # the firms' own data, no designation
    assert [r.designation for r in roster.rows] == [None, None]
    assert [i.code for i in roster.file_issues if i.code == "revoked_list"] == ["revoked_list"]   # still said


def test_a_roster_of_deregistered_firms_is_warned(ledger, tmp_path):
    """"2023年注销企业名单" with name, code and street only: read as a roster, its firms were created as firms of the
    district without a word. Now a warning for the file says what the title says and that new firms would be made."""
    rows = [["2023年注销企业名单"], HEAD]
    rows += [[i + 1, f"武汉注销{i}商贸有限公司", R.CODES[20 + i], "杨园"] for i in range(2)]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "名单.xlsx", rows))
    assert plan.kind == "roster"
    (w,) = [i for i in plan.file_issues if i.code == "revoked_list"]
    assert "“注销”" in w.message and "新建" in w.message


def test_a_revoked_list_imported_as_recognitions_on_purpose_is_warned(ledger, tmp_path):
    """Guard for the judgement above: a person who chose the stage and kind (--kind designation --stage) gets the
    import, with a warning for the file; a plain recognition list gets neither."""
    plan = build_plan(ledger, _revoked(tmp_path, "2023年取消高新技术企业资格名单"), kind="designation",
                      stage="gaoqi")
    assert [i.code for i in plan.file_issues if i.code == "revoked_list"] == ["revoked_list"]
    plain = build_plan(ledger, _revoked(tmp_path, "2023年高新技术企业认定名单", "e.xlsx"))
    assert not [i for i in plain.file_issues if i.code == "revoked_list"]


def test_rows_under_a_section_of_revoked_firms_are_not_given_the_designation(ledger, tmp_path):
    """A 认定结果 list in two sections: "一、通过认定企业（2家）" and "二、取消高新技术企业资格（2家）". The rows of the
    second section were given the 高企 designation they had lost, as the first. Now each is an error naming its
    section (never created with the designation, never dropped without a word); with the kind chosen by a person
    (--as designation), a warning, as for a title (one rule, guess.revoked_in)."""
    rows = [["2023年高新技术企业认定结果"], ["序号", "企业名称", "统一社会信用代码", "证书编号", "发证日期"],
            ["一、通过认定企业（2家）"]]
    rows += [[i + 1, f"武汉通过{i}科技有限公司", R.CODES[i], f"GR20234200{i:04d}", "2023-12-08"] for i in range(2)]
    rows += [["二、取消高新技术企业资格（2家）"]]
    rows += [[i + 1, f"武汉取消{i}科技有限公司", R.CODES[10 + i], f"GR20204200{i:04d}", "2020-12-01"] for i in range(2)]
    path = write_simple_xlsx(tmp_path, "认定结果.xlsx", rows)
    plan = build_plan(ledger, path)
    assert [(r.excel_row, r.status) for r in plan.rows] == [(4, "new"), (5, "new"), (7, "error"), (8, "error")]
    e = _issues(plan.rows[2], "revoked_group")[0]
    assert e.level == "error" and "“二、取消高新技术企业资格（2家）”" in e.message and "“取消”" in e.message
    chosen = build_plan(ledger, path, kind="designation", stage="gaoqi")
    assert [r.status for r in chosen.rows] == ["new"] * 4
    assert [i.level for i in _issues(chosen.rows[3], "revoked_group")] == ["warning"]
