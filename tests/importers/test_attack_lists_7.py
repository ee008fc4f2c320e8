"""A seventh outside attack on the importer, with lists shaped like Chinese public lists (provincial 高企 lists,
科小 入库 lists, English headers, GBK CSV): every input row lands or is reported with its Excel row, column and a
Chinese reason; nothing is invented, and no choice the person made is silently ignored. Each test writes its own
file into tmp_path. Every test here failed when it was written."""
from __future__ import annotations

from importers.plan import build_plan
from tests.importers import real_lists as R


def _csv(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# ---------------------------------------------------------------- --stage without --as
def _english_list(tmp_path):
    """A ministry list re-keyed in English: nothing in its title or headers names a stage or a list."""
    text = "No.,Company Name,Credit Code,Remark\n" + "".join(
        f"{i + 1},武汉英文{i}科技有限公司,{R.CODES[i]},\n" for i in range(3))
    return _csv(tmp_path, "list.csv", text)


def test_a_stage_given_without_a_kind_makes_a_recognition_list(ledger, tmp_path):
    """`import list.csv --stage 高企 --date 2024-05-06` (no --as): the kind was guessed from the headers alone
    (企业台账), the stage the person named was dropped without a word, and the summary still said
    "认定类别：高新技术企业" while no firm got the designation. Naming a stage is saying the list is one of it."""
    from datetime import date
    plan = build_plan(ledger, _english_list(tmp_path), stage="gaoqi", on_date=date(2024, 5, 6))
    assert plan.kind == "designation" and plan.stage == "gaoqi"
    assert "高新技术企业" in plan.kind_reason
    assert [(r.designation or {}).get("stage") for r in plan.rows] == ["gaoqi"] * 3
    assert [(r.designation or {}).get("start") for r in plan.rows] == [date(2024, 5, 6)] * 3


def test_a_stage_given_with_a_roster_kind_is_said_to_be_unused(ledger, tmp_path):
    """`--as roster --stage 高企`: a roster takes its stages from its own columns; the named stage was ignored
    without a word. Now the file is warned that the stage was not used."""
    plan = build_plan(ledger, _english_list(tmp_path), kind="roster", stage="gaoqi")
    assert plan.kind == "roster"
    said = [i for i in plan.file_issues if i.code == "stage_unused"]
    assert len(said) == 1 and "高新技术企业" in said[0].message and said[0].level == "warning"
    assert all(r.designation is None for r in plan.rows)


# ---------------------------------------------------------------- a code Excel rounded, written back out as text
def test_a_code_rounded_by_excel_and_saved_as_text_is_not_usable(ledger, tmp_path):
    """An all-digit code typed into a number cell keeps 15 significant digits; a CSV saved from that sheet (or a
    cell pasted back as text) then holds "914201060010001000": the real code's last three digits became 000. The
    number cell and "9.14201E+17" were already refused, but this text only warned 校验位不符…代码仍可使用, and a
    person who accepted the warning put another firm's code into the ledger. Now it is an error naming the
    rounding; a valid code that ends in 000, and a pilot code failing its check, are as before."""
    from pipeline.uscc import make_code
    digits = [c for c in (make_code("9", "1", "420106", f"{i:08d}") for i in range(100000, 100400)) if c.isdigit()]
    rounded = digits[0][:15] + "000"
    valid_000 = next((c for c in (make_code("9", "1", "420106", f"{i:08d}") for i in range(10000, 90000))
                      if c.endswith("000")), None)
    assert valid_000 is not None and rounded != digits[0]
    text = ("序号,企业名称,统一社会信用代码,所在街道\n"
            f"1,武汉舍入科技有限公司,{rounded},杨园\n"
            f"2,武汉整千科技有限公司,{valid_000},杨园\n"
            "3,武汉试点科技有限公司,91350100M0001TGQXM,杨园\n")
    plan = build_plan(ledger, _csv(tmp_path, "名单.csv", text, "gbk"))
    first = plan.rows[0]
    assert first.status == "error" and first.code_status == "invalid"
    said = [i for i in first.issues if i.level == "error" and i.column == "统一社会信用代码"]
    assert len(said) == 1 and "15 位有效数字" in said[0].message and rounded in said[0].message
    assert said[0].row == 2
    assert plan.rows[1].status == "new" and plan.rows[1].code == valid_000
    assert plan.rows[2].status == "new" and plan.rows[2].code_status == "bad_check"


# ---------------------------------------------------------------- district sub-headers numbered "（一）"
def test_a_district_sub_header_numbered_in_brackets_names_its_district(ledger, tmp_path):
    """A provincial list in sections "一、武汉市（2家）" / "（一）武昌区（1家）" / "二、黄石市（1家）": the bracketed
    ordinal "（一）" (the second level of Chinese official numbering) was kept in the district's name, so
    `--district 武昌区` was refused ("名单中没有武昌区；名单中的地区有：…（一）武昌区…") and the row was listed as
    under "（一）武昌区". The ordinal is numbering, not a place: the section names 武昌区."""
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.append(["2024年湖北省第一批高新技术企业认定名单"])
    ws.append(["序号", "企业名称", "统一社会信用代码", "证书编号", "发证日期"])
    ws.append(["一、武汉市（2家）"])
    ws.append([1, "武汉一科技有限公司", R.CODES[0], "GR202442000001", "2024-05-06"])
    ws.append(["（一）武昌区（1家）"])
    ws.append([2, "武汉二科技有限公司", R.CODES[1], "GR202442000002", "2024-05-06"])
    ws.append(["(2) 洪山区"])
    ws.append([3, "武汉三科技有限公司", R.CODES[2], "GR202442000003", "2024-05-06"])
    ws.append(["二、黄石市（1家）"])
    ws.append([4, "黄石四科技有限公司", R.CODES[3], "GR202442000004", "2024-05-06"])
    path = tmp_path / "名单.xlsx"
    wb.save(path)
    plan = build_plan(ledger, path)
    assert {k: list(v) for k, v in plan.districts.items()} == {"武汉市": [4], "武昌区": [6], "洪山区": [8],
                                                                "黄石市": [10]}


# ---------------------------------------------------------------- a two-level header with sub-columns under 企业名称
def test_sub_columns_under_the_name_header_are_header_not_a_firm(ledger, tmp_path):
    """企业名称 spanning two sub-columns 中文 / 英文 on the row below (merged, and in a CSV without merges): the
    sub-header row was not taken into the header because its name cell was filled, so "中文" became a new firm
    (with a 科小 designation on an 入库名单), warned only as 不像企业全称. The row is header: no firm is made of it."""
    from datetime import date

    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.append(["2024年科技型中小企业入库名单"])
    ws.merge_cells("A1:E1")
    ws.append(["序号", "企业名称", None, "统一社会信用代码", "入库编号"])
    ws.append([None, "中文", "英文", None, None])
    for rng in ("B2:C2", "A2:A3", "D2:D3", "E2:E3"):
        ws.merge_cells(rng)
    ws.append([1, "武汉一科技有限公司", "Wuhan One Tech", R.CODES[0], "202442010600001"])
    ws.append([2, "武汉二科技有限公司", "Wuhan Two Tech", R.CODES[1], "202442010600002"])
    path = tmp_path / "入库名单.xlsx"
    wb.save(path)
    plan = build_plan(ledger, path, on_date=date(2024, 5, 6))
    assert plan.header_row == 3
    assert [(r.excel_row, r.name) for r in plan.rows] == [(4, "武汉一科技有限公司"), (5, "武汉二科技有限公司")]
    text = ("序号,企业名称,,统一社会信用代码,所在街道\n,中文,英文,,\n"
            f"1,武汉三科技有限公司,Wuhan Three,{R.CODES[2]},杨园\n")
    plan = build_plan(ledger, _csv(tmp_path, "台账.csv", text, "gbk"))
    assert [(r.excel_row, r.name, r.values.get("street")) for r in plan.rows] == [(3, "武汉三科技有限公司", "杨园")]


# ---------------------------------------------------------------- a two-level header repeated inside the data
def test_a_repeated_two_level_header_is_skipped_whole(ledger, tmp_path):
    """A list pasted together from printed pages repeats its two header rows (企业基本情况 / 联系方式 over 企业名称 /
    统一社会信用代码 / 联系人 / 联系电话) above each page's rows. The lower row was skipped as a repeated header, but
    the group row above it was read as a firm: "企业基本情况" was created (warned only as 不像企业全称). Both rows are
    skipped as 重复的表头行 now."""
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    group = ["序号", "企业基本情况", None, "联系方式", None]
    head = [None, "企业名称", "统一社会信用代码", "联系人", "联系电话"]
    ws.append(group)
    ws.append(head)
    for rng in ("B1:C1", "D1:E1", "A1:A2"):
        ws.merge_cells(rng)
    ws.append([1, "武汉一科技有限公司", R.CODES[0], "张三", "027-1"])
    ws.append(group)
    ws.append(head)
    ws.append([2, "武汉二科技有限公司", R.CODES[1], "李四", "027-2"])
    path = tmp_path / "台账.xlsx"
    wb.save(path)
    plan = build_plan(ledger, path)
    assert [(r.excel_row, r.name) for r in plan.rows] == [(3, "武汉一科技有限公司"), (6, "武汉二科技有限公司")]
    assert plan.skipped == [(4, "重复的表头行"), (5, "重复的表头行")]


def test_a_repeated_header_typed_with_spaces_is_skipped_not_an_error(ledger, tmp_path):
    """A header repeated mid-list as typed on another page, "序 号 / 企 业 名 称" or "统一社会 信用代码" (spaces to
    spread it over a wide cell): it was read as a data row, an error row "企业名称" with an invalid code, listed
    among the list's errors (and in --errors-out as a row to fix). It is a repeated header, skipped as such."""
    text = ("序号,企业名称,统一社会信用代码,所在街道\n"
            f"1,武汉一科技有限公司,{R.CODES[0]},杨园\n"
            "序 号,企 业 名 称,统一社会信用代码,所在街道\n"
            f"2,武汉二科技有限公司,{R.CODES[1]},杨园\n"
            "序号,企业名称　,统一社会 信用代码,所在 街道\n")
    plan = build_plan(ledger, _csv(tmp_path, "台账.csv", text, "gbk"))
    assert [(r.excel_row, r.status) for r in plan.rows] == [(2, "new"), (4, "new")]
    assert plan.skipped == [(3, "重复的表头行"), (5, "重复的表头行")]


# ---------------------------------------------------------------- one certificate number on two firms
def test_one_certificate_number_on_two_firms_is_warned(ledger, tmp_path):
    """A certificate number belongs to one firm; a list re-keyed by hand gives two firms the same 证书编号 (a copied
    cell), and both were imported with it without a word, so the ledger held one certificate for two firms. Now the
    later row is warned, naming the first; the same firm listed twice (same code) is the duplicate warning alone."""
    rows = [["序号", "企业名称", "统一社会信用代码", "证书编号", "发证日期"],
            [1, "武汉甲科技有限公司", R.CODES[0], "GR202442000001", "2024-05-06"],
            [2, "武汉乙科技有限公司", R.CODES[1], "GR202442000002", "2024-05-06"],
            [3, "武汉丙科技有限公司", R.CODES[2], "GR202442000002", "2024-05-06"],
            [4, "武汉甲科技有限公司", R.CODES[0], "GR202442000001", "2024-05-06"],
            [5, "武汉丁科技有限公司", None, "GR202442000001", "2024-05-06"]]
    from tests.importers.fixtures import write_simple_xlsx
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "2024年高新技术企业认定名单.xlsx", rows))
    shared = {r.excel_row: [i for i in r.issues if i.code == "shared_cert"] for r in plan.rows}
    assert [len(shared[n]) for n in (2, 3, 4, 5, 6)] == [0, 0, 1, 0, 1]
    said = shared[4][0]
    assert (said.row, said.column, said.level) == (4, "证书编号", "warning")
    assert "GR202442000002" in said.message and "第 3 行" in said.message and "武汉乙科技有限公司" in said.message
    assert "第 2 行" in shared[6][0].message
    assert [r.status for r in plan.rows] == ["new", "new", "new", "unchanged", "new"]


# ---------------------------------------------------------------- a registration number Excel rounded
def test_a_certificate_number_stored_as_a_long_number_is_not_kept(ledger, tmp_path):
    """A 科小 入库登记编号 of 16 digits typed into a number cell keeps 15 significant digits: the number read back
    (2024420106000050) is not the firm's, and it was stored as the designation's evidence without a word (a code
    so rounded was already refused). Now it is not filled and the row is warned with its row and column; the
    designation still lands, and a number of 15 digits or fewer, or text, is kept as it is."""
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.append(["2024年科技型中小企业入库名单"])
    ws.append(["序号", "企业名称", "统一社会信用代码", "入库登记编号", "入库时间"])
    ws.append([1, "武汉一科技有限公司", R.CODES[0], 202442010600001, "2024-05-06"])
    ws.append([2, "武汉二科技有限公司", R.CODES[1], 2.02442010600005e15, "2024-05-06"])
    ws.append([3, "武汉三科技有限公司", R.CODES[2], "2024420106000003", "2024-05-06"])
    path = tmp_path / "入库名单.xlsx"
    wb.save(path)
    plan = build_plan(ledger, path)
    assert [[d["evidence"] for d in r.designations] for r in plan.rows] == [
        ["202442010600001"], [None], ["2024420106000003"]]
    assert [r.status for r in plan.rows] == ["new"] * 3
    said = [i for i in plan.rows[1].issues if i.code == "cert_number"]
    assert len(said) == 1 and (said[0].row, said[0].column, said[0].level) == (4, "入库登记编号", "warning")
    assert "15 位有效数字" in said[0].message
    csv_text = ("企业名称,统一社会信用代码,入库登记编号,入库时间\n"
                f"武汉四科技有限公司,{R.CODES[3]},2.02442E+15,2024-05-06\n")
    plan = build_plan(ledger, _csv(tmp_path, "科技型中小企业入库名单.csv", csv_text, "gbk"))
    assert [d["evidence"] for d in plan.rows[0].designations] == [None]
    assert [i.code for i in plan.rows[0].issues] == ["cert_number"]


# ---------------------------------------------------------------- English headers beyond the name and the code
def test_an_english_recognition_list_reads_its_certificate_and_dates(ledger, tmp_path):
    """A list re-keyed in English (Company Name, Credit Code, Certificate No., Issue Date, Valid Until): only the
    name and the code were read. The list was refused for want of a date column, and with --date the firms got
    that one date while each row's own Issue Date, certificate and expiry were left unread without a word."""
    from datetime import date
    text = ("No.,Company Name,Credit Code,Certificate No.,Issue Date,Valid Until\n"
            f"1,武汉英文甲科技有限公司,{R.CODES[0]},GR202442000001,2024-05-06,2027-05-05\n"
            f"2,武汉英文乙科技有限公司,{R.CODES[1]},GR202442000002,2024-06-07,2027-06-06\n")
    plan = build_plan(ledger, _csv(tmp_path, "High-tech enterprises 2024.csv", text), stage="gaoqi")
    assert sorted(plan.mapping.values()) == ["cert_no", "code", "date", "expires", "name"]
    assert [[(d["start"], d["end"], d["evidence"]) for d in r.designations] for r in plan.rows] == [
        [(date(2024, 5, 6), date(2027, 5, 6), "GR202442000001")],
        [(date(2024, 6, 7), date(2027, 6, 7), "GR202442000002")]]


# ---------------------------------------------------------------- a code cell saying there is none
def test_a_code_cell_saying_none_is_a_firm_without_a_code(ledger, tmp_path):
    """An old list marks a firm without a code "无", "/" or "—" in the code column. It was read as a code of one
    character: an error "应为 18 位，实为 1 位…无法导入", so the firm could not land the way a blank cell lets it (by
    its name, flagged for a person to confirm). Now such a cell is no code, as a blank one is."""
    with ledger.write() as w:
        w.insert_firm("武汉在册科技有限公司", None)
    rows = [["序号", "企业名称", "统一社会信用代码", "所在街道"],
            [1, "武汉无码科技有限公司", "无", "杨园"],
            [2, "武汉斜杠科技有限公司", "/", "杨园"],
            [3, "武汉在册科技有限公司", "—", "杨园"],
            [4, "武汉空白科技有限公司", None, "杨园"]]
    from tests.importers.fixtures import write_simple_xlsx
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "台账.xlsx", rows))
    assert [r.status for r in plan.rows] == ["new", "new", "update", "new"]
    assert [r.code for r in plan.rows] == [None, None, None, None]
    assert plan.rows[2].firm_id is not None
    assert [[i.code for i in r.issues if i.level == "error"] for r in plan.rows] == [[], [], [], []]
    assert all(any(i.code == "no_code" for i in plan.rows[k].issues) for k in (0, 1, 3))


# ---------------------------------------------------------------- a value beside the table, in a column without header
def test_a_value_in_a_column_without_header_is_said_with_its_row(ledger, tmp_path):
    """A remark typed beside one firm in a column the header does not reach ("已注销" two columns right of the
    table, or far down a long list) was dropped without a word: a headerless column was said only when it held two
    values or more within the first 50 rows. Now every such value is said, with its column and Excel row."""
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.append(["序号", "企业名称", "统一社会信用代码"])
    for i in range(80):
        ws.append([i + 1, f"武汉旁注{i:02d}科技有限公司", R.CODES[i % 50] if i < 50 else None])
    ws["E3"] = "已注销"
    ws["F70"] = "迁出"
    path = tmp_path / "台账.xlsx"
    wb.save(path)
    plan = build_plan(ledger, path)
    assert len(plan.rows) == 80
    said = [i for i in plan.file_issues if i.code == "headerless_values"]
    assert len(said) == 2
    assert "第 E 列" in said[0].message and "第 3 行" in said[0].message and "已注销" in said[0].message
    assert "第 F 列" in said[1].message and "第 70 行" in said[1].message and "迁出" in said[1].message
    assert said[0].level == "warning"


# ---------------------------------------------------------------- a 所属地区 column holding the district's streets
def test_a_place_column_holding_the_districts_streets_is_the_street(ledger, tmp_path):
    """A street office's list headed 所属地区 (or 区域) whose cells are the district's streets (水果湖街道, 杨园街): the
    column was taken for a district column, the streets were not filled, and the file was warned of "3 个不同的
    地区" as if the list mixed districts. Now a place column whose values are mostly the catalog's streets is read
    as 所在街道, with a warning saying so; a cell naming no street is warned as any street cell is."""
    text = ("序号,企业名称,统一社会信用代码,所属地区\n"
            f"1,武汉一科技有限公司,{R.CODES[0]},水果湖街道\n"
            f"2,武汉二科技有限公司,{R.CODES[1]},杨园街\n"
            f"3,武汉三科技有限公司,{R.CODES[2]},中南路街道\n"
            f"4,武汉四科技有限公司,{R.CODES[3]},关山街道\n")
    plan = build_plan(ledger, _csv(tmp_path, "名单.csv", text, "gbk"))
    assert [r.values.get("street") for r in plan.rows] == ["水果湖", "杨园", "中南路", None]
    said = [i for i in plan.file_issues if i.code == "place_as_street"]
    assert len(said) == 1 and "所属地区" in said[0].message and said[0].level == "warning"
    assert not any("不同的地区" in i.message for i in plan.file_issues)
    assert [i.code for i in plan.rows[3].issues] == ["unknown_street"]
    districts = ("序号,企业名称,统一社会信用代码,所在区\n"
                 f"1,武汉五科技有限公司,{R.CODES[4]},武昌区\n2,武汉六科技有限公司,{R.CODES[5]},洪山区\n")
    plan = build_plan(ledger, _csv(tmp_path, "市名单.csv", districts, "gbk"))
    assert [r.values.get("street") for r in plan.rows] == [None, None]
    assert any("不同的地区" in i.message for i in plan.file_issues)


# ---------------------------------------------------------------- --district and the ways a list writes a district
def test_a_district_written_short_spaced_or_with_its_city_is_kept(ledger, tmp_path):
    """`--district 武昌区` on a city's list left out the district's own rows written 武昌, 武 昌 区 or
    湖北省武汉市武昌区, each listed as "为“武昌”，不是武昌区" (a false reason: a person trusting it loses the firms).
    The same place however written is kept now; another district's rows are left out as before."""
    text = ("序号,企业名称,统一社会信用代码,所在区,发证日期\n"
            f"1,武汉一科技有限公司,{R.CODES[0]},武昌,2024-05-06\n"
            f"2,武汉二科技有限公司,{R.CODES[1]},武昌区,2024-05-06\n"
            f"3,武汉三科技有限公司,{R.CODES[2]},湖北省武汉市武昌区,2024-05-06\n"
            f"4,武汉四科技有限公司,{R.CODES[3]},洪山区,2024-05-06\n"
            f"5,武汉五科技有限公司,{R.CODES[4]},武 昌 区,2024-05-06\n"
            f"6,武汉六科技有限公司,{R.CODES[5]},武昌路区,2024-05-06\n")
    plan = build_plan(ledger, _csv(tmp_path, "名单.csv", text, "gbk"), stage="gaoqi")
    plan.keep_district("武昌区")
    assert [er for er, _ in plan.left_out_rows()] == [5, 7]
    assert "为“洪山区”，不是武昌区" in plan.left_out[5]


def test_a_place_with_another_ending_is_another_place():
    """Review of the above: with the 区/县/市 ending optional, 长沙县 was taken for 长沙市 (and 湖南省长沙市 for
    长沙县): a county and the city around it, or two places sharing a name, are different places; only a cell written
    without an ending, or with a province or city before the same name, is the place kept."""
    from importers.plan import same_place
    for written, keep in (("武昌", "武昌区"), ("武 昌 区", "武昌区"), ("湖北省武汉市武昌区", "武昌区"),
                          ("湖北省武汉市武昌", "武昌区"), ("长沙县", "长沙县"), ("湖南省长沙县", "长沙县")):
        assert same_place(written, keep) and same_place(keep, written), (written, keep)
    for written, keep in (("长沙市", "长沙县"), ("湖南省长沙市", "长沙县"), ("南昌县", "南昌市"),
                          ("武昌路区", "武昌区"), ("洪山区", "武昌区"), ("江夏县", "江夏区")):
        assert not same_place(written, keep) and not same_place(keep, written), (written, keep)
