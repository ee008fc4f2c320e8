"""A province's or a city's list in a district's ledger: `import --only-known` and `--district`.

Official lists arrive for the whole province (高企认定名单: thousands of firms, most of them other districts') or
the whole city (a 所在区 column). Imported as they are, every firm not in the ledger became one of the district's
firms; the only way out was filtering in Excel first. Now the rows a choice leaves out are unticked, each listed with
its Excel row and reason (summary, --json "left_out", the error report's 跳过的行 sheet), never dropped silently.
"""
import json

from openpyxl import load_workbook

from db.ledger import Ledger
from importers.plan import build_plan
from tests.backends import contents
from tests.cli.helpers import run
from tests.importers import fixtures as fx
from tests.importers.helpers import C

HEAD = ["序号", "企业名称", "统一社会信用代码", "所在区", "发证日期"]
CITY = [HEAD,
        [1, "武汉甲科技有限公司", C[0], "武昌区", "2024-11-05"],
        [2, "武汉乙科技有限公司", C[1], "洪山区", "2024-11-05"],
        [3, "武汉丙科技有限公司", C[2], "武昌区", "2024-11-05"],
        [4, "武汉丁科技有限公司", C[3], None, "2024-11-05"],
        [5, "武汉戊科技有限公司", C[4], "江汉区", "2024-11-05"]]


def city_list(tmp_path):
    return fx.write_simple_xlsx(tmp_path, "2024年武汉市高新技术企业名单.xlsx", CITY)


def test_district_keeps_its_rows_and_lists_every_other_one(db, tmp_path, capsys):
    capsys.readouterr()
    code, out, _ = run(capsys, "import", city_list(tmp_path), "--db", db, "--as", "designation", "--stage",
                       "高新技术企业", "--district", "武昌区", "--json")
    assert code == 0
    data = json.loads(out)
    assert (data["created"], data["skipped"]) == (2, 3)
    assert data["left_out"] == [
        {"row": 3, "reason": "“所在区”为“洪山区”，不是武昌区；按“只导入武昌区的企业”未导入"},
        {"row": 5, "reason": "“所在区”为空，不知是否武昌区的企业；按“只导入武昌区的企业”未导入"},
        {"row": 6, "reason": "“所在区”为“江汉区”，不是武昌区；按“只导入武昌区的企业”未导入"}]
    with Ledger(db) as led:
        names = [r[0] for r in led.conn.execute("SELECT name FROM firms ORDER BY id")]
    assert names == ["武汉甲科技有限公司", "武汉丙科技有限公司"]


def test_a_district_the_list_does_not_name_is_refused_and_nothing_is_written(db, tmp_path, capsys):
    capsys.readouterr()
    before = contents(db)
    code, _, err = run(capsys, "import", city_list(tmp_path), "--db", db, "--district", "青山区")
    assert code == 2
    assert "没有“青山区”" in err and "武昌区、洪山区、江汉区" in err
    no_column = fx.write_simple_xlsx(tmp_path, "无区.xlsx", [["企业名称", "统一社会信用代码"], ["甲公司", C[0]]])
    code, _, err = run(capsys, "import", no_column, "--db", db, "--district", "武昌区")
    assert code == 2 and "无法按地区筛选" in err
    assert contents(db) == before


def test_only_known_imports_the_ledgers_firms_and_lists_the_rest(db, tmp_path, capsys):
    capsys.readouterr()
    roster = fx.write_simple_xlsx(tmp_path, "台账.xlsx", [["企业名称", "统一社会信用代码"],
                                                          ["武汉丙科技有限公司", C[2]]])
    assert run(capsys, "import", roster, "--db", db)[0] == 0
    report = tmp_path / "问题.xlsx"
    code, out, _ = run(capsys, "import", city_list(tmp_path), "--db", db, "--as", "designation", "--stage",
                       "高新技术企业", "--only-known", "--errors-out", report)
    assert code == 0
    assert "按选择未导入 4 行" in out and "未导入：第 2 行：台账中没有这家企业" in out
    with Ledger(db) as led:
        got = led.conn.execute("SELECT f.name FROM designations d JOIN firms f ON f.id = d.firm_id").fetchall()
        firms = led.conn.execute("SELECT count(*) FROM firms").fetchone()[0]
    assert (got, firms) == ([("武汉丙科技有限公司",)], 1)
    sheet = load_workbook(report)["跳过的行"]
    left = [(r[-1], r[-2]) for r in sheet.iter_rows(min_row=2, values_only=True) if str(r[-2]).startswith("未导入")]
    assert [row for row, _ in left] == [2, 3, 5, 6]


def test_a_row_ticked_again_is_imported_and_no_longer_listed(ledger, tmp_path):
    plan = build_plan(ledger, city_list(tmp_path), kind="designation", stage="gaoqi")
    assert plan.district_column == "所在区"
    assert plan.leave_out(plan.other_district_rows("武昌区"), plan.district_of("武昌区")) == 3
    assert plan.leave_out(plan.new_firm_rows(), "x") == 2           # the rows already left out stay as they were
    assert [r for r, _ in plan.left_out_rows()] == [2, 3, 4, 5, 6]
    plan.rows[1].include = True
    assert [r for r, _ in plan.left_out_rows()] == [2, 4, 5, 6]
    assert plan.counts()["created"] == 1


def test_a_list_in_district_sections_is_filtered_by_its_sections(db, tmp_path, capsys):
    """No 所在区 column, but sections under district sub-headers (武昌区（2家）), as provincial lists come."""
    capsys.readouterr()
    rows = [["序号", "企业名称", "统一社会信用代码"], ["武昌区（2家）", None, None],
            [1, "武汉甲科技有限公司", C[0]], [2, "武汉乙科技有限公司", C[1]],
            ["二、洪山区（1家）", None, None], [3, "武汉丙科技有限公司", C[2]]]
    path = fx.write_simple_xlsx(tmp_path, "分区名单.xlsx", rows)
    code, out, _ = run(capsys, "import", path, "--db", db, "--district", "武昌区", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["created"] == 2
    assert sum(data["skipped_by"].values()) == data["skipped"]          # the categories add up to the total
    assert data["skipped_by"]["按选择未导入"] == len(data["left_out"]) == 1
    assert not any("--district" in w["message"] for w in data["warnings"])    # the choice it asks for is made
    assert data["left_out"] == [
        {"row": 6, "reason": "“所在区（分组标题行）”为“洪山区”，不是武昌区；按“只导入武昌区的企业”未导入"}]


def test_only_known_leaves_out_a_new_firm_listed_twice_whole(ledger, tmp_path):
    """A firm not in the ledger listed twice: its second row (matched to no firm, created from the first) is left
    out too, not counted as 不变."""
    path = tmp_path / "两行.csv"
    row = f"武汉甲科技有限公司,{C[0]}\n"
    path.write_text("企业名称,统一社会信用代码\n" + row + row, encoding="utf-8")
    plan = build_plan(ledger, path)
    assert plan.leave_out(plan.new_firm_rows(), "x") == 2
    assert (plan.counts()["created"], plan.counts()["unchanged"], plan.lands()) == (0, 0, False)
