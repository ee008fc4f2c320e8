"""Lists shaped the way an outside tester would bring them (engineer G's attack on the importer): every data
row lands or is reported with its Excel row, column and a Chinese reason; nothing is invented.
Each fixture is written here, in code."""
from __future__ import annotations

import csv

from importers.plan import build_plan, commit_plan
from tests.importers import real_lists as R


def write_csv(path, rows, encoding="utf-8-sig"):
    with open(path, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def test_reimport_updates_legal_form_and_address_of_known_firms(ledger, tmp_path):
    """A registry list re-imported (or a later list with 企业类型/注册地址) matches firms already in the ledger:
    their legal form and address are compared and updated, never a crash."""
    first = write_csv(tmp_path / "登记1.csv", [["企业名称", "统一社会信用代码", "企业类型", "注册地址"],
                                             ["武汉甲科技有限公司", R.CODES[0], "有限责任公司", "武汉市武昌区某路1号"],
                                             ["武汉乙科技有限公司", R.CODES[1], "股份有限公司", "武汉市武昌区某路2号"]])
    commit_plan(ledger, build_plan(ledger, first))
    second = write_csv(tmp_path / "登记2.csv", [["企业名称", "统一社会信用代码", "企业类型", "注册地址"],
                                              ["武汉甲科技有限公司", R.CODES[0], "有限责任公司", "武汉市武昌区某路1号"],
                                              ["武汉乙科技有限公司", R.CODES[1], "有限责任公司",
                                               "武汉市武昌区新路9号"]])
    plan = build_plan(ledger, second)
    assert [(r.status, r.changes) for r in plan.rows] == [
        ("unchanged", {}),
        ("update",
         {"legal_form": ("股份有限公司", "有限责任公司"), "address": ("武汉市武昌区某路2号", "武汉市武昌区新路9号")})]
    commit_plan(ledger, plan)
    assert ledger.conn.execute("SELECT legal_form, address FROM firms WHERE code = ?", (R.CODES[1],)).fetchone() == \
        ("有限责任公司", "武汉市武昌区新路9号")


def test_a_long_code_stored_as_a_number_is_not_trusted(ledger, tmp_path):
    """Excel keeps 15 significant digits: an 18-digit code typed as a number comes back with its last digits
    changed. Such a cell is an invalid code named with its value, never a firm created under a made-up code."""
    from openpyxl import Workbook

    from pipeline.uscc import make_code
    digits = next(c for c in (make_code("9", "1", "420106", f"{i:08d}") for i in range(10000, 10100)) if c.isdigit())
    wb = Workbook()
    ws = wb.active
    ws.append(["企业名称", "统一社会信用代码"])
    ws.append(["武汉数字码科技有限公司", float(digits)])            # as Excel stores a number: a double
    ws.append(["武汉文本码科技有限公司", digits])                   # the same code as text is fine
    wb.save(tmp_path / "数字代码.xlsx")
    plan = build_plan(ledger, tmp_path / "数字代码.xlsx")
    bad, good = plan.rows
    assert (bad.status, good.status) == ("error", "new") and good.code == digits
    issue = bad.issues[0]
    assert (issue.row, issue.column, issue.code) == (2, "统一社会信用代码", "invalid_code")
    assert "存成了数字" in issue.message and "15 位" in issue.message
    commit_plan(ledger, plan)
    assert ledger.conn.execute("SELECT code FROM firms").fetchall() == [(digits,)]


def test_firms_named_like_totals_or_groups_are_data(ledger, tmp_path):
    """A row with a valid code, or a name that reads as a firm's full name, is data even when the name begins
    with 合计/小计/总计 or ends like a group label: only rows that are provably not data are skipped."""
    from tests.importers.fixtures import write_simple_xlsx
    rows = [["序号", "企业名称", "统一社会信用代码"], [1, "合计科技（武汉）有限公司", R.CODES[30]],
            [2, "小计信息技术（武汉）有限公司", None], [3, "总计宝（武汉）网络有限公司", R.CODES[32]],
            [4, "武汉光谷创意产业园区", R.CODES[33]], [5, "武汉正常科技有限公司", R.CODES[34]], ["合计", "5家", None]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "像合计的企业.xlsx", rows))
    assert [(r.excel_row, r.status) for r in plan.rows] == [(2, "new"), (3, "new"), (4, "new"), (5, "new"), (6, "new")]
    assert plan.skipped == [(7, "合计行")]


def test_another_sheet_that_holds_a_list_is_named(ledger, tmp_path):
    """A workbook with 第一批 and 第二批 on two sheets: the sheet not imported is named in a warning, so its rows
    are not lost without a word; choosing a sheet by name says nothing of the others."""
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.title = "第一批"
    ws.append(["序号", "企业名称", "统一社会信用代码"])
    ws.append([1, "武汉第一批科技有限公司", R.CODES[0]])
    ws2 = wb.create_sheet("第二批")
    ws2.append(["二批名单"])
    ws2.append(["序号", "企业名称", "统一社会信用代码"])
    ws2.append([1, "武汉第二批科技有限公司", R.CODES[1]])
    wb.create_sheet("说明").append(["本表由区科经局整理"])
    wb.save(tmp_path / "两批.xlsx")
    plan = build_plan(ledger, tmp_path / "两批.xlsx")
    assert plan.sheet == "第一批"
    [w] = [i for i in plan.file_issues if i.code == "other_sheet"]
    assert "工作表“第二批”也像一份名单（表头在第 2 行）" in w.message and "--sheet 第二批" in w.message
    assert w in [x for x in plan.issues()] and w.level == "warning"
    chosen = build_plan(ledger, tmp_path / "两批.xlsx", sheet="第二批")
    assert [r.name for r in chosen.rows] == ["武汉第二批科技有限公司"]
    assert not [i for i in chosen.file_issues if i.code == "other_sheet"]


def test_a_duplicate_of_a_row_with_an_error_is_imported(ledger, tmp_path):
    """The same firm twice, the first row with an unreadable date: the second row is not dropped as a duplicate
    of a row that was never imported."""
    path = R.write_dates_xlsx(tmp_path, [["武汉重复科技有限公司", R.CODES[5], "2023", None],
                                       ["武汉重复科技有限公司", R.CODES[5], "2023-12-08", None]],
                            name="2023年高新技术企业名单.xlsx")
    plan = build_plan(ledger, path)
    assert [(r.excel_row, r.status) for r in plan.rows] == [(2, "error"), (3, "new")]
    assert not [i for r in plan.rows for i in r.issues if i.code == "dup_in_file"]
    commit_plan(ledger, plan)
    assert ledger.conn.execute("SELECT start_date FROM designations").fetchall() == [("2023-12-08",)]


def test_a_date_given_for_the_list_fills_an_empty_cell_with_a_warning(ledger, tmp_path):
    """--date with a list that has a date column: an empty cell takes the date given, and the row says so;
    an unreadable cell stays an error; a list without a date column takes it silently (it is the list's date)."""
    import datetime as dt
    path = R.write_dates_xlsx(tmp_path, [["武汉空日期科技有限公司", R.CODES[7], None, None],
                                         ["武汉坏日期科技有限公司", R.CODES[8], "2023.13.45", None],
                                         ["武汉有日期科技有限公司", R.CODES[9], "2023-12-08", None]],
                              name="2023年高新技术企业名单.xlsx")
    plan = build_plan(ledger, path, on_date=dt.date(2023, 12, 1))
    assert [(r.excel_row, r.status) for r in plan.rows] == [(2, "new"), (3, "error"), (4, "new")]
    [w] = plan.rows[0].issues
    assert (w.row, w.column, w.level, w.code) == (2, "认定日期", "warning", "date_given") and "2023-12-01" in w.message
    assert not plan.rows[2].issues


def _tail_list(tmp_path, name, tail):
    from tests.importers.fixtures import write_simple_xlsx
    rows = [["序号", "企业名称", "统一社会信用代码", "所在街道", "联系人", "联系电话"]]
    rows += [[i + 1, f"武汉尾部{i}科技有限公司", R.CODES[i], "杨园", "张三", "13800000000"] for i in range(3)]
    return write_simple_xlsx(tmp_path, name, rows + tail)


def test_a_signature_block_below_the_list_is_notes_not_firms(ledger, tmp_path):
    """填报单位（盖章）：/ 填报人：/ 审核人：/ 单位负责人：赵六 below the list, spread over several cells (one in the
    code column): notes, never a firm named 王五 or 单位负责人：赵六, never an error row."""
    path = _tail_list(tmp_path, "落款.xlsx", [
        [None] * 6,
        ["填报单位（盖章）：", None, "填报人：", "李四", "联系电话：", "027-88888888"],
        ["审核人：", "王五", None, None, "填报日期：", "2024年1月5日"],
        [None, "单位负责人：赵六", None, "审核：王五", None, "2024年1月5日"]])
    plan = build_plan(ledger, path)
    assert [(r.excel_row, r.status) for r in plan.rows] == [(2, "new"), (3, "new"), (4, "new")]
    assert [r for r, _ in plan.skipped] == [5, 6, 7, 8]
    assert plan.skip_counts() == {"空行": 1, "表格下方的说明": 3}


def test_a_signature_line_first_in_the_name_column_is_a_note(ledger, tmp_path):
    """A line "单位负责人：赵六" that no note word announces: a name with a colon is no firm's name."""
    path = _tail_list(tmp_path, "落款2.xlsx", [[None, "单位负责人：赵六", None, "审核：王五", None, "2024年1月5日"]])
    plan = build_plan(ledger, path)
    assert [r.excel_row for r in plan.rows] == [2, 3, 4] and plan.skipped == [(5, "表格下方的说明文字")]


def test_a_line_with_a_colon_in_the_middle_is_reported_not_created(ledger, tmp_path):
    from tests.importers.fixtures import write_simple_xlsx
    rows = [["序号", "企业名称", "统一社会信用代码", "所在街道"], [1, "武汉甲科技有限公司", R.CODES[0], "杨园"],
            [None, "联系人：张三", None, "杨园"], [2, "武汉乙科技有限公司", R.CODES[1], "杨园"]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "中间冒号.xlsx", rows))
    assert [(r.excel_row, r.status) for r in plan.rows] == [(2, "new"), (3, "error"), (4, "new")]
    assert plan.rows[1].issues[0].code == "note_in_list"


def test_attachment_and_copy_lines_below_the_list_are_notes(ledger, tmp_path):
    path = _tail_list(tmp_path, "附件.xlsx", [["附件：1.申报材料"], ["抄送：区政府办"],
                                              ["武汉市武昌区科学技术和经济信息化局"], ["2024年1月5日"]])
    plan = build_plan(ledger, path)
    assert len(plan.rows) == 3 and plan.skip_counts() == {"表格下方的说明": 4}


def test_a_numbered_row_is_never_a_group_label(ledger, tmp_path):
    """In a list with a 序号 column, a row carrying the next serial number is a data row even when its name
    ends like a group label (黄鹤楼景区) or is missing (only 序号 and 所在街道): it is reported or imported,
    never skipped as a group label; an unnumbered label row still is one."""
    from tests.importers.fixtures import write_simple_xlsx
    rows = [["序号", "企业名称", "统一社会信用代码", "所在街道"], [None, "武昌区（3家）", None, None],
            [1, "武汉甲科技有限公司", R.CODES[0], "杨园"], [2, "黄鹤楼景区", None, None], [3, None, None, "杨园"]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "编号.xlsx", rows))
    assert [(r.excel_row, r.status) for r in plan.rows] == [(3, "new"), (4, "new"), (5, "error")]
    assert plan.skipped == [(2, "分组标题行“武昌区（3家）”")]
    assert {i.code for i in plan.rows[1].issues} >= {"not_full_name", "no_code"}
    assert plan.rows[2].issues[0].code == "no_name"


def _two_tables(tmp_path, second_header, swap=True):
    from tests.importers.fixtures import write_simple_xlsx
    rows = [["一、高新技术企业"], ["序号", "企业名称", "统一社会信用代码", "所在街道"]]
    rows += [[i + 1, f"武汉表一{i}科技有限公司", R.CODES[i], "杨园"] for i in range(2)]
    rows += [["二、科技型中小企业"], second_header]
    rows += [[i + 1, R.CODES[20 + i], f"武汉表二{i}科技有限公司", "无"] if swap else
             [i + 1, f"武汉表二{i}科技有限公司", R.CODES[20 + i], "杨园"] for i in range(2)]
    return write_simple_xlsx(tmp_path, "两张表.xlsx", rows)


def test_a_second_table_with_other_columns_is_reported_not_misread(ledger, tmp_path):
    """A sheet holding two tables whose headers differ (code and name swapped): the second header row is
    skipped as such, and each row under it is an error naming that header, never read under the first
    header's columns (a name as a code, 无 as a street)."""
    plan = build_plan(ledger, _two_tables(tmp_path, ["序号", "统一社会信用代码", "单位名称", "备注"]))
    assert [(r.excel_row, r.status) for r in plan.rows] == [(3, "new"), (4, "new"), (7, "error"), (8, "error")]
    assert (6, "另一张表的表头行（与第 2 行的表头不同）") in plan.skipped
    for r in plan.rows[2:]:
        assert [i.code for i in r.issues] == ["other_table"]
        assert "第 6 行" in r.issues[0].message


def test_a_second_table_with_the_same_columns_is_read(ledger, tmp_path):
    plan = build_plan(ledger, _two_tables(tmp_path, ["序号", "单位名称", "信用代码", "街道"], swap=False))
    assert len(plan.rows) == 4 and (6, "重复的表头行") in plan.skipped


def test_a_header_word_alone_in_a_row_starts_no_other_table(ledger, tmp_path):
    from tests.importers.fixtures import write_simple_xlsx
    rows = [["序号", "企业名称", "统一社会信用代码"], [1, "武汉甲科技有限公司", R.CODES[0]], [None, "企业名称", None],
            [2, "武汉乙科技有限公司", R.CODES[1]]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "表头词.xlsx", rows))
    assert [(r.excel_row, r.status) for r in plan.rows] == [(2, "new"), (3, "new"), (4, "new")]
    assert {i.code for i in plan.rows[1].issues} >= {"not_full_name"}


def test_values_in_a_column_without_a_header_are_said(ledger, tmp_path):
    """The street column's header cell was left blank: its values are not imported, and a warning says which
    column holds values and how to map it. A column with one stray value said nothing (judged noise), but the same
    silence dropped a remark typed beside one firm ("已注销"), and any values below the first 50 rows: it is said
    too now, with its Excel row (test_attack_lists_7)."""
    from tests.importers.fixtures import write_simple_xlsx
    rows = [["序号", "企业名称", "统一社会信用代码", None, "备注"],
            [1, "武汉甲科技有限公司", R.CODES[0], "杨园", None], [2, "武汉乙科技有限公司", R.CODES[1], "粮道", "新"],
            [3, "武汉丙科技有限公司", R.CODES[2], "粮道", None, "x"]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "无表头列.xlsx", rows))
    warned = [i.message for i in plan.file_issues]
    assert any("第 D 列没有表头，其下有 3 个值（如“杨园”）" in m for m in warned)
    assert any("第 F 列没有表头，第 4 行在该列有值（如“x”）" in m for m in warned)


def test_a_numbered_list_goes_on_after_a_note_in_the_middle(ledger, tmp_path):
    """Short names with a 序号 after a mid-list note: the serial number going on (3, 4 after 2) is data."""
    from tests.importers.fixtures import write_simple_xlsx
    rows = [["序号", "企业名称"], [1, "阿房宫"], [2, "黄鹤楼"], [None, "注：以下为补充企业"], [3, "古琴台"],
            [4, "晴川阁"]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "补充.xlsx", rows))
    assert [(r.excel_row, r.status) for r in plan.rows] == [(2, "new"), (3, "new"), (4, "error"), (5, "new"),
                                                            (6, "new")]
    assert plan.skipped == []


def test_numbered_note_lines_below_a_list_stay_notes(ledger, tmp_path):
    from tests.importers.fixtures import write_simple_xlsx
    rows = [["序号", "企业名称"], [1, "阿房宫"], [2, "黄鹤楼"], [None, "注："], [1, "排名不分先后"],
            [2, "公示期十个工作日"]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "编号说明.xlsx", rows))
    assert [r.excel_row for r in plan.rows] == [2, 3]
    assert [r for r, _ in plan.skipped] == [4, 5, 6]


def test_short_names_after_a_trailing_note_are_reported_not_swallowed(ledger, tmp_path):
    """Rows without a code whose name cell reads as a short name (武汉乙科技) after a note: nothing proves
    them data, nothing proves them notes; each is an error row with its Excel row, never a silent note."""
    from tests.importers.fixtures import write_simple_xlsx
    rows = [["企业名称", "统一社会信用代码"], ["武汉甲科技有限公司", R.CODES[0]], ["注：以下为补充企业", None],
            ["武汉乙科技", None], ["武汉丙科技", None], ["以上企业排名不分先后。", None]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "补充2.xlsx", rows))
    assert [(r.excel_row, r.status) for r in plan.rows] == [(2, "new"), (4, "error"), (5, "error")]
    assert [r for r, _ in plan.skipped] == [3, 6]
    issue = plan.rows[1].issues[0]
    assert (issue.row, issue.column, issue.code) == (4, "企业名称", "after_note")
    assert "第 3 行的说明文字之后" in issue.message and "武汉乙科技" in issue.message


def test_short_names_after_a_trailing_note_streamed_in_chunks(tmp_path, monkeypatch):
    """The same on a long list classified during the first pass: the lines after the note come out once the
    sheet has ended, in the first pass and in every later one."""
    import importers.read as read_mod
    from importers.read import open_table
    from tests.importers.fixtures import write_simple_xlsx
    monkeypatch.setattr(read_mod, "_EAGER_ROWS", 10)
    rows = [["企业名称", "统一社会信用代码"]] + [[f"武汉长单{i}号科技有限公司", R.CODES[i % 50]] for i in range(1, 21)]
    rows += [["注：以下为补充企业", None], ["武汉乙科技", None], ["以上排名不分先后。", None]]     # Excel rows 22-24
    t = open_table(write_simple_xlsx(tmp_path, "长单尾.xlsx", rows))
    first = [(r.excel_row, r.after_note) for c in t.iter_rows(chunk_size=7) for r in c]
    assert len(first) == 21 and first[-1] == (23, 22)
    assert t.skipped == [(22, "表格下方的说明文字"), (24, "表格下方的说明文字")] and t.row_count_hint == 21
    assert [(r.excel_row, r.after_note) for c in t.iter_rows() for r in c] == first


def test_a_code_marked_as_text_with_an_apostrophe_or_a_tab_is_read(ledger, tmp_path):
    rows = [["企业名称", "统一社会信用代码"], ["武汉撇号科技有限公司", "'" + R.CODES[1]],
            ["武汉制表符科技有限公司", "\t" + R.CODES[2]]]
    plan = build_plan(ledger, write_csv(tmp_path / "撇号.csv", rows))
    assert [(r.status, r.code) for r in plan.rows] == [("new", R.CODES[1]), ("new", R.CODES[2])]


def test_a_sign_off_below_the_list_is_a_note_not_a_group_label(ledger, tmp_path):
    """The issuing office and the date, right-aligned under the list: trailing notes, not group labels (a group
    label heads rows; nothing follows these)."""
    from tests.importers.fixtures import write_simple_xlsx
    rows = [["序号", "企业名称", "统一社会信用代码", "所在街道"], [1, "武汉甲科技有限公司", R.CODES[0], "杨园"],
            [None, None, None, "武汉市武昌区科学技术和经济信息化局"], [None, None, None, "2024年1月5日"]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "落款3.xlsx", rows))
    assert len(plan.rows) == 1
    assert plan.skipped == [(3, "表格下方的说明文字"), (4, "表格下方的说明文字")]
    assert plan.notes == ["武汉市武昌区科学技术和经济信息化局", "2024年1月5日"]


def test_a_registry_row_of_a_deregistered_firm_is_warned(ledger, tmp_path):
    """A registry export's 登记状态 column: a firm 注销/吊销 is not silently imported as a live firm."""
    rows = [["企业名称", "统一社会信用代码", "登记状态"],
            ["武汉存续科技有限公司", R.CODES[0], "存续（在营、开业、在册）"],
            ["武汉注销科技有限公司", R.CODES[1], "注销"], ["武汉吊销科技有限公司", R.CODES[2], "吊销，未注销"]]
    plan = build_plan(ledger, write_csv(tmp_path / "登记状态.csv", rows))
    warned = [(i.row, i.column, i.code) for r in plan.rows for i in r.issues]
    assert warned == [(3, "登记状态", "deregistered"), (4, "登记状态", "deregistered")]
    assert "“注销”" in plan.rows[1].issues[0].message


def test_former_name_headers(ledger, tmp_path):
    from importers.mapping import guess_mapping
    assert guess_mapping(["变更前企业名称", "企业名称", "统一社会信用代码"]) == {0: "former_name", 1: "name", 2: "code"}


def test_a_mapping_given_for_one_of_two_like_headers_lands_on_that_column(ledger, tmp_path):
    """Two columns headed alike (电话, 电话; 注册资本, 注册资本（万元）): each has its own header, and a mapping
    named by one header lands on that column, never on its look-alike."""
    from tests.importers.fixtures import write_simple_xlsx
    rows = [["企业名称", "电话", "电话", "注册资本", "注册资本（万元）"],
            ["武汉甲科技有限公司", "旧号码", "13800000000", "五百", "500"]]
    path = write_simple_xlsx(tmp_path, "同名列.xlsx", rows)
    plan = build_plan(ledger, path)
    assert plan.headers == ["企业名称", "电话", "电话（第 C 列）", "注册资本", "注册资本（万元）"]
    plan = build_plan(ledger, path, overrides={"电话": "", "电话（第 C 列）": "contact_phone", "注册资本": "",
                                               "注册资本（万元）": "reg_capital"})
    assert plan.mapping == {0: "name", 2: "contact_phone", 4: "reg_capital"}
    assert (plan.rows[0].values["contact_phone"], plan.rows[0].values["reg_capital"]) == ("13800000000", 500.0)


def test_rows_above_a_chosen_header_that_look_like_data_are_named(ledger, tmp_path):
    """A header row chosen too low (--header-row, or the wizard's row picker on a second header): the firms
    above it are not imported, and a warning says so with their rows; title rows above a header say nothing."""
    from tests.importers.fixtures import write_simple_xlsx
    rows = [["2024年名单"], ["企业名称", "统一社会信用代码"], ["武汉上面一号科技有限公司", R.CODES[0]],
            ["武汉上面二号科技有限公司", R.CODES[1]], ["企业名称", "统一社会信用代码"],
            ["武汉下面科技有限公司", R.CODES[2]]]
    path = write_simple_xlsx(tmp_path, "表头选低.xlsx", rows)
    plan = build_plan(ledger, path, header_row=5)
    assert [r.excel_row for r in plan.rows] == [6]
    [w] = [i for i in plan.file_issues if i.code == "data_above_header"]
    assert "表头（第 5 行）以上有 2 行像是企业数据（第 3、4 行）" in w.message
    assert not [i for i in build_plan(ledger, path).file_issues if i.code == "data_above_header"]


def test_a_csv_row_wider_than_its_header_is_reported(ledger, tmp_path):
    """A CSV written without quotes around "Xingtu Co., Ltd.": the row has one value more than the header, its
    cells are shifted; it is an error naming the extra value, never imported with a cut name."""
    path = tmp_path / "未加引号.csv"
    path.write_text("企业名称,所属行业,所在街道\n武汉甲科技有限公司,软件,杨园\nXingtu Co., Ltd.,软件,粮道\n",
                    encoding="utf-8")
    plan = build_plan(ledger, path)
    assert [(r.excel_row, r.status) for r in plan.rows] == [(2, "new"), (3, "error")]
    [e] = plan.rows[1].issues
    assert (e.row, e.code) == (3, "wider_than_header") and "“粮道”" in e.message


def test_a_csv_column_without_a_header_is_said_once_not_per_row(ledger, tmp_path):
    path = tmp_path / "无表头列.csv"
    path.write_text("企业名称,所属行业,\n武汉甲科技有限公司,软件,甲\n武汉乙科技有限公司,软件,乙\n", encoding="utf-8")
    plan = build_plan(ledger, path)
    assert [r.status for r in plan.rows] == ["new", "new"]
    assert any("第 C 列没有表头" in i.message for i in plan.file_issues)


def test_the_error_report_re_imported_does_not_name_its_skipped_sheet(ledger, tmp_path):
    """The --errors-out workbook, fixed and imported again: its second sheet (跳过的行, no firm in it) is not
    named as another list; its first sheet's rows are read."""
    from importers.error_report import write_error_report
    from tests.importers.fixtures import write_simple_xlsx
    rows = [["企业名称", "统一社会信用代码"], ["武汉甲科技有限公司", R.CODES[0]], ["武汉乙科技有限公司", "123"],
            [None, None], ["注：以上排名不分先后", None]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "原表.xlsx", rows))
    write_error_report(plan, tmp_path / "问题.xlsx")
    again = build_plan(ledger, tmp_path / "问题.xlsx")
    assert again.sheet == "问题行" and [r.excel_row for r in again.rows] == [2]
    assert not [i for i in again.file_issues if i.code == "other_sheet"]


def test_a_code_and_a_name_of_two_different_firms_is_an_error(ledger, tmp_path):
    """Codes pasted into the wrong rows: the row's code is firm 甲's, its name firm 乙's current name. Renaming
    甲 to 乙's name (and 乙 to 甲's) would leave the ledger silently wrong: each such row is an error."""
    from tests.importers.fixtures import write_simple_xlsx
    head = ["企业名称", "统一社会信用代码"]
    commit_plan(ledger, build_plan(ledger, write_simple_xlsx(tmp_path, "原.xlsx", [
        head, ["武汉甲科技有限公司", R.CODES[0]], ["武汉乙科技有限公司", R.CODES[1]]])))
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "错位.xlsx", [
        head, ["武汉乙科技有限公司", R.CODES[0]], ["武汉甲科技有限公司", R.CODES[1]],
        ["武汉甲新名科技有限公司", R.CODES[0]]]))
    assert [(r.excel_row, r.status) for r in plan.rows] == [(2, "error"), (3, "error"), (4, "update")]
    e = plan.rows[0].issues[0]
    assert (e.row, e.column, e.code) == (2, "企业名称", "name_of_other_firm")
    assert "武汉乙科技有限公司" in e.message and R.CODES[1] in e.message and "武汉甲科技有限公司" in e.message


def test_one_name_with_two_codes_in_one_list_is_warned(ledger, tmp_path):
    from tests.importers.fixtures import write_simple_xlsx
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "同名两码.xlsx", [
        ["企业名称", "统一社会信用代码"], ["武汉甲科技有限公司", R.CODES[0]], ["武汉乙科技有限公司", R.CODES[1]],
        ["武汉甲科技有限公司", R.CODES[2]]]))
    assert [r.status for r in plan.rows] == ["new", "new", "new"]
    [w] = plan.rows[2].issues
    assert (w.row, w.column, w.level, w.code) == (4, "企业名称", "warning", "same_name_in_file")
    assert "第 2 行" in w.message and R.CODES[0] in w.message


def test_a_firm_listed_once_per_designation_keeps_every_designation(ledger, tmp_path):
    """A roster in long form: one row per designation of a firm (高企 2022, then 科小 2023). The second row is the
    same firm, but its designation is not dropped: it joins the first row's, and the row says so."""
    from tests.importers.fixtures import write_simple_xlsx
    rows = [["企业名称", "统一社会信用代码", "资质类别", "认定时间"],
            ["武汉长表科技有限公司", R.CODES[0], "高新技术企业", "2022-12-01"],
            ["武汉长表科技有限公司", R.CODES[0], "科技型中小企业", "2023-05-01"],
            ["武汉长表科技有限公司", R.CODES[0], "高新技术企业", "2022-12-01"]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "长表.xlsx", rows), kind="roster")
    assert [r.status for r in plan.rows] == ["new", "unchanged", "unchanged"]
    assert sorted((d["stage_name"], d["start"].isoformat()) for d in plan.rows[0].designations) == [
        ("科技型中小企业", "2023-05-01"), ("高新技术企业", "2022-12-01")]
    assert "并入第 2 行" in plan.rows[1].issues[0].message and "科技型中小企业" in plan.rows[1].issues[0].message
    assert "并入" not in plan.rows[2].issues[0].message
    commit_plan(ledger, plan)
    got = ledger.conn.execute("SELECT s.name, d.start_date FROM designations d JOIN stages s ON s.id = d.stage_id "
                              "ORDER BY d.start_date").fetchall()
    assert got == [("高新技术企业", "2022-12-01"), ("科技型中小企业", "2023-05-01")]


def test_a_short_name_like_a_note_at_the_end_with_a_full_row_is_reported(ledger, tmp_path):
    """以上科技 | 软件 | 杨园 as the last row: a short name that begins like a note, but a whole row of values.
    Nothing proves it a firm (no code, no full name): it is an error row, never a silent note."""
    from tests.importers.fixtures import write_simple_xlsx
    rows = [["企业名称", "所属行业", "所在街道"], ["武汉甲科技有限公司", "软件", "杨园"], ["以上科技", "软件", "杨园"],
            ["以上企业排名不分先后", None, None]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "以上.xlsx", rows))
    assert [(r.excel_row, r.status) for r in plan.rows] == [(2, "new"), (3, "error")]
    assert plan.rows[1].issues[0].code == "after_note" and "以上科技" in plan.rows[1].issues[0].message
    assert plan.skipped == [(4, "表格下方的说明文字")]


def test_a_second_table_beyond_the_eager_rows_is_reported_when_streamed(ledger, tmp_path, monkeypatch):
    import importers.read as read_mod
    from tests.importers.fixtures import write_simple_xlsx
    monkeypatch.setattr(read_mod, "_EAGER_ROWS", 5)
    rows = [["序号", "企业名称", "统一社会信用代码"]]
    rows += [[i, f"武汉流{i}号科技有限公司", R.CODES[i]] for i in range(1, 11)]
    rows += [["序号", "统一社会信用代码", "单位名称"],
             [1, R.CODES[20], "武汉流表二科技有限公司"]]     # Excel rows 12-13
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "流两表.xlsx", rows))
    assert [(r.excel_row, r.status) for r in plan.rows][-1] == (13, "error") and len(plan.rows) == 11
    assert plan.rows[-1].issues[0].code == "other_table"
    assert (12, "另一张表的表头行（与第 1 行的表头不同）") in plan.skipped


def test_the_chinese_name_column_wins_over_an_english_one():
    """A ministry list with English headers and both an English and a Chinese name column: the ledger keeps
    Chinese names, so 中文名称 / 企业名称 is the name column, whatever its place."""
    from importers.mapping import guess_mapping
    assert guess_mapping(["No.", "Company Name", "中文名称", "Credit Code"]) == {2: "name", 3: "code"}
    assert guess_mapping(["Company (English)", "企业名称"]) == {1: "name"}
    assert guess_mapping(["company", "credit code"]) == {0: "name", 1: "code"}


def test_a_code_in_scientific_notation_says_why_it_is_unusable(ledger, tmp_path):
    plan = build_plan(ledger, write_csv(tmp_path / "科学计数.csv", [["企业名称", "统一社会信用代码"],
                                                                  ["武汉科学计数科技有限公司", "9.14201E+17"]]))
    [e] = plan.rows[0].issues
    assert (e.level, e.code) == ("error", "invalid_code") and "存成了数字（9.14201E+17）" in e.message


def test_a_hidden_column_that_is_imported_is_named(ledger, tmp_path):
    """A column hidden in Excel (the sender's working notes) is still read when its header names a field: a
    warning names it, as hidden rows are named."""
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.append(["企业名称", "统一社会信用代码", "所在街道", "备注"])
    ws.append(["武汉隐藏列科技有限公司", R.CODES[0], "杨园", "内部：暂缓"])
    ws.column_dimensions["D"].hidden = True
    wb.save(tmp_path / "隐藏列.xlsx")
    plan = build_plan(ledger, tmp_path / "隐藏列.xlsx")
    [w] = [i for i in plan.file_issues if i.code == "hidden_column"]
    assert (w.column, w.level) == ("备注", "warning") and "隐藏" in w.message


def test_invisible_characters_are_not_stored_in_a_name(ledger, tmp_path):
    """A name copied from a web page carries zero-width spaces: stored as shown, it would not be found by
    typing 武汉隐形; the invisible characters are dropped."""
    rows = [["企业名称", "统一社会信用代码"], ["武汉\u200b隐形\ufeff科技有限公司\u200d", R.CODES[0]]]
    commit_plan(ledger, build_plan(ledger, write_csv(tmp_path / "零宽.csv", rows)))
    assert ledger.conn.execute("SELECT name FROM firms").fetchall() == [("武汉隐形科技有限公司",)]


def test_a_long_name_wrapped_onto_two_lines_is_one_name(ledger, tmp_path):
    """A long name broken with Alt+Enter to fit a narrow column (武汉引号⏎科技有限公司) is one name, read as such
    with a warning: not a firm named 科技有限公司 with 武汉引号 as its former name. A short name over the full
    name (楚天光电⏎楚天光电科技股份有限公司, 中石化⏎中国石油化工股份有限公司) keeps the full name."""
    rows = [["企业名称", "统一社会信用代码"], ["武汉引号\n科技有限公司", R.CODES[0]],
            ["武汉长江\n光电有限公司", R.CODES[1]],
            ["楚天光电\n楚天光电科技股份有限公司", R.CODES[2]], ["中石化\n中国石油化工股份有限公司", R.CODES[3]]]
    plan = build_plan(ledger, write_csv(tmp_path / "换行.csv", rows))
    assert [r.name for r in plan.rows] == ["武汉引号科技有限公司", "武汉长江光电有限公司", "楚天光电科技股份有限公司",
                                           "中国石油化工股份有限公司"]
    assert [i.code for r in plan.rows for i in r.issues] == ["multi_line_name"] * 4
    assert "按一个名称读作“武汉引号科技有限公司”" in plan.rows[0].issues[0].message
    assert [r.values.get("former_name") for r in plan.rows] == [None, None, "楚天光电", "中石化"]


def test_a_street_named_by_a_group_label_is_inferred_with_a_warning(ledger, tmp_path):
    """A list grouped under sub-headers "杨园街道（2家）" / "二、粮道街" and no street column: the rows take the
    street the label names, each with a warning; a label naming no street infers nothing; a written street wins."""
    from tests.importers.fixtures import write_simple_xlsx
    rows = [["序号", "企业名称", "统一社会信用代码"], ["一、杨园街道（2家）"], [1, "武汉组一科技有限公司", R.CODES[0]],
            [2, "武汉组二科技有限公司", R.CODES[1]], ["二、粮道街"], [3, "武汉组三科技有限公司", R.CODES[2]],
            ["三、其他"], [4, "武汉组四科技有限公司", R.CODES[3]]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "分组街道.xlsx", rows))
    assert [r.values.get("street") for r in plan.rows] == ["杨园", "杨园", "粮道", None]
    w = plan.rows[0].issues[0]
    assert (w.row, w.level, w.code) == (3, "warning", "street_from_group")
    assert "按分组标题“一、杨园街道（2家）”推断为“杨园”" in w.message
    assert not plan.rows[3].issues


def test_a_vertical_form_is_refused_not_read_as_firms_named_after_fields(ledger, tmp_path):
    """One firm's 申报表 laid out vertically (企业名称 | 武汉竖排…, 统一社会信用代码 | 9142…): not a list. It was
    read with 武汉竖排… as a header and five firms named 统一社会信用代码, 注册地址, 联系人 …; now refused."""
    import pytest

    from importers.errors import InputError
    from tests.importers.fixtures import write_simple_xlsx
    rows = [["企业名称", "武汉竖排科技有限公司"], ["统一社会信用代码", R.CODES[0]],
            ["注册地址", "武汉市武昌区中南路街道1号"],
            ["联系人", "张三"], ["联系电话", "13800000000"]]
    with pytest.raises(InputError) as e:
        build_plan(ledger, write_simple_xlsx(tmp_path, "申报表.xlsx", rows))
    assert "竖排" in str(e.value)


def test_a_vertical_form_beside_a_list_does_not_stop_the_list(ledger, tmp_path):
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.title = "填报说明"
    for r in [["企业名称", "填写全称"], ["统一社会信用代码", "18 位"], ["所在街道", "所属街道"]]:
        ws.append(r)
    ws2 = wb.create_sheet("名单")
    ws2.append(["企业名称", "统一社会信用代码"])
    ws2.append(["武汉表单旁科技有限公司", R.CODES[0]])
    wb.save(tmp_path / "表单旁.xlsx")
    assert [r.name for r in build_plan(ledger, tmp_path / "表单旁.xlsx").rows] == ["武汉表单旁科技有限公司"]


def test_an_old_list_with_organisation_codes(ledger, tmp_path):
    """An old list keyed by 组织机构代码 (9 characters, GB 11714): a code that is inside a ledger firm's credit code
    matches that firm; another is a new firm flagged for review, the old code kept as written; no row is
    refused only because the list predates credit codes. A code that is neither stays an error."""
    from tests.importers.fixtures import write_simple_xlsx
    commit_plan(ledger, build_plan(ledger, write_simple_xlsx(tmp_path, "现有.xlsx", [
        ["企业名称", "统一社会信用代码"], ["武汉旧码科技有限公司", R.CODES[0]]])))
    def org(c):                                 # as old lists write it
        return f"{c[8:16]}-{c[16]}"
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "旧名单.xlsx", [
        ["单位名称", "组织机构代码", "所属行业"], ["武汉旧码科技股份有限公司", org(R.CODES[0]), "软件"],
        ["武汉旧码新科技有限公司", org(R.CODES[1]), "软件"], ["武汉坏码科技有限公司", "123", "软件"]]))
    assert [(r.excel_row, r.status) for r in plan.rows] == [(2, "update"), (3, "new"), (4, "error")]
    assert [i.code for i in plan.rows[0].issues] == ["org_code"]
    assert "武汉旧码科技有限公司" in plan.rows[0].issues[0].message
    assert [i.code for i in plan.rows[1].issues] == ["org_code"] and plan.rows[1].review
    commit_plan(ledger, plan)
    assert ledger.conn.execute("SELECT code, code_raw, needs_review FROM firms WHERE name = '武汉旧码新科技有限公司'"
                               ).fetchone() == (None, R.CODES[1][8:17], 1)


def test_a_stage_without_its_own_date_says_which_date_it_got(ledger, tmp_path):
    """A roster's 资质类别 cell naming two stages of two tracks over one 认定时间: both take that date, with a
    warning (one of them was dated today, which one depending on the run); a blank 认定时间: the stage is dated
    --date (or today) with a warning on the row, never silently; a ladder's lower tiers too."""
    import datetime as dt

    from tests.importers.fixtures import write_simple_xlsx
    rows = [["企业名称", "统一社会信用代码", "资质类别", "认定时间"],
            ["武汉多资质科技有限公司", R.CODES[0], "高新技术企业、科技型中小企业", "2022-12-01"],
            ["武汉无日期科技有限公司", R.CODES[1], "科技型中小企业", None],
            ["武汉有日期科技有限公司", R.CODES[2], "科技型中小企业", "2023-05-01"],
            ["武汉两级科技有限公司", R.CODES[3], "创新型中小企业、省级专精特新中小企业", "2023-05-01"]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "多资质.xlsx", rows), on_date=dt.date(2024, 1, 1))
    warned = [(i.row, i.column, i.code) for r in plan.rows for i in r.issues]
    assert warned == [(2, "资质类别", "one_date_many_stages"), (3, "资质类别", "stage_default_date"),
                      (5, "资质类别", "stage_default_date")]
    assert sorted((d["stage_name"], d["start"].isoformat()) for d in plan.rows[0].designations) == [
        ("科技型中小企业", "2022-12-01"), ("高新技术企业", "2022-12-01")]
    assert "“科技型中小企业”没有读到认定日期，按 2024-01-01 记" in plan.rows[1].issues[0].message
    assert "“创新型中小企业”没有读到认定日期" in plan.rows[3].issues[0].message


def test_a_new_firm_listed_with_and_without_its_code_is_one_firm(ledger, tmp_path):
    """A new firm on two rows, the second without a code: one firm, the second row reported as the same firm
    (it was created twice, once without a code); the other order is warned."""
    from tests.importers.fixtures import write_simple_xlsx
    head = ["企业名称", "统一社会信用代码"]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "有码无码.xlsx", [
        head, ["武汉两行科技有限公司", R.CODES[0]], ["武汉两行科技有限公司", None]]))
    assert [r.status for r in plan.rows] == ["new", "unchanged"]
    assert [i.code for i in plan.rows[1].issues] == ["dup_in_file"]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "无码有码.xlsx", [
        head, ["武汉两行科技有限公司", None], ["武汉两行科技有限公司", R.CODES[0]]]))
    assert [i.code for i in plan.rows[1].issues] == ["same_name_in_file"]


def test_rows_and_columns_hidden_in_a_legacy_xls_are_named_as_in_xlsx(ledger, tmp_path):
    """calamine reports no row or column visibility for .xls: the guard's walk of the sheet's BIFF records does
    (ROW fDyZero, COLINFO fHidden), so a hidden row of an .xls list is imported with the same warning as from
    .xlsx, never silently; on a second sheet too (BOUNDSHEET order and names)."""
    import xlwt
    wb = xlwt.Workbook(encoding="utf-8")
    wb.add_sheet("说明").write(0, 0, "本表为公示名单")
    ws = wb.add_sheet("名单")
    for r, row in enumerate([["企业名称", "统一社会信用代码", "所在街道", "备注"],
                             ["武汉显示一号科技有限公司", R.CODES[0], "杨园", ""],
                             ["武汉隐藏二号科技有限公司", R.CODES[1], "杨园", "已撤回"],
                             ["武汉显示三号科技有限公司", R.CODES[2], "杨园", ""]]):
        for c, v in enumerate(row):
            ws.write(r, c, v)
    ws.row(2).hidden = True
    ws.col(3).hidden = True
    wb.save(str(tmp_path / "隐藏.xls"))
    plan = build_plan(ledger, tmp_path / "隐藏.xls", sheet="名单")
    assert [(r.excel_row, r.status) for r in plan.rows] == [(2, "new"), (3, "new"), (4, "new")]
    assert [(r.excel_row, i.message) for r in plan.rows for i in r.issues if "隐藏" in i.message] == [
        (3, "该行在 Excel 中被隐藏，仍按数据导入，请核对")]
    [w] = [i for i in plan.file_issues if i.code == "hidden_column"]
    assert (w.column, w.level) == ("备注", "warning")
