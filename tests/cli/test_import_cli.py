"""The import and undo sub-commands: the --json contract, dry run writes nothing, exit 2 in Chinese on bad input."""
import json

import pytest

from tests.backends import contents
from tests.cli.helpers import run
from tests.importers import fixtures as fx
from tests.importers.helpers import HEAD, C


def test_import_json_contract_and_undo(db, tmp_path, capsys):
    capsys.readouterr()
    path = fx.write_hightech_xlsx(tmp_path)
    code, out, _ = run(capsys, "import", path, "--db", db, "--json")
    assert code == 0
    data = json.loads(out)
    # skipped rows carry their reasons (issue 11, point 1): skipped_by and skipped_rows follow the old keys
    assert list(data) == ["batch", "kind", "stage", "rows", "created", "updated", "unchanged", "skipped", "errors",
                          "warnings", "skipped_by", "skipped_rows", "left_out"]
    assert data["skipped_by"] == {"分组标题行": 2, "空行": 2, "重复的表头行": 2, "表格下方的说明": 3}
    assert data["skipped_rows"][0] == {"row": 5, "reason": "分组标题行“武昌区（4家）”"}
    assert (data["batch"], data["kind"], data["stage"], data["rows"], data["created"], data["skipped"]) == (
        1, "designation", "gaoqi", 6, 6, 9)
    # the file is a 拟认定 list (importers/planner.py W_PROVISIONAL); 发证日期 of row 12 is the number 45288
    provisional, serial, hidden = data["warnings"]
    assert provisional["row"] is None and "拟认定" in provisional["message"]
    assert serial["row"] is None and "第 12 行的 45288 读作 2023-12-28" in serial["message"]
    assert hidden == {"row": 10, "column": None, "message": "该行在 Excel 中被隐藏，仍按数据导入，请核对"}
    code, out, _ = run(capsys, "undo", "1", "--db", db, "--json")
    assert code == 0 and json.loads(out)["firms_removed"] == 6
    code, _, err = run(capsys, "undo", "1", "--db", db)
    assert code == 2 and "不能重复撤销" in err


def test_dry_run_writes_nothing_and_matches_the_real_run(db, tmp_path, capsys):
    capsys.readouterr()
    path = fx.write_simple_xlsx(tmp_path, "台账.xlsx", [HEAD, [1, "甲公司", C[0], "杨园", "软件"],
                                                       [2, "乙公司", "12", "粮道", None]])
    before = contents(db)
    code, out, _ = run(capsys, "import", path, "--db", db, "--dry-run", "--json")
    assert code == 0
    dry = json.loads(out)
    assert contents(db) == before
    assert dry["batch"] is None and dry["created"] == 1 and len(dry["errors"]) == 1
    code, out, _ = run(capsys, "import", path, "--db", db, "--json", "--errors-out", tmp_path / "问题.xlsx")
    real = json.loads(out)
    assert code == 0 and {**dry, "batch": real["batch"]} == real
    assert (tmp_path / "问题.xlsx").exists()


def test_options_as_stage_date_map(db, tmp_path, capsys):
    capsys.readouterr()
    path = fx.write_simple_xlsx(tmp_path, "a.xlsx", [["单位", "代码"], ["甲公司", C[0]]])
    code, out, _ = run(capsys, "import", path, "--db", db, "--as", "designation", "--stage", "科小", "--date",
                       "2024-03-01", "--map", "单位=name", "代码=统一社会信用代码", "--json")
    assert code == 0
    data = json.loads(out)
    assert (data["kind"], data["stage"], data["created"]) == ("designation", "kexiao", 1)
    code, out, _ = run(capsys, "import", path, "--db", db, "--map", "单位=name", "代码=code")
    assert code == 0 and "企业台账" in out and "无变化 1" in out


@pytest.mark.parametrize("make, needle", [
    (lambda d: d / "不存在.xlsx", "找不到"),
    (fx.png_as_xlsx, "图片"),
    (fx.random_bytes, ""),
    (lambda d: fx.write_bytes(d, "空.xlsx", b""), "空"),
    (lambda d: fx.write_simple_xlsx(d, "表头.xlsx", [HEAD]), "没有数据行"),
    (lambda d: fx.write_simple_xlsx(d, "无名称.xlsx", [["甲", "乙"], [1, 2]]), "企业名称"),
])
def test_bad_files_exit_2_in_chinese_and_write_nothing(db, tmp_path, capsys, make, needle):
    capsys.readouterr()
    path = make(tmp_path)
    before = contents(db)
    code, out, err = run(capsys, "import", path, "--db", db)
    assert code == 2 and out == ""
    assert err.startswith("错误：") and needle in err and "Traceback" not in err
    assert contents(db) == before


@pytest.mark.parametrize("extra, needle", [
    (["--as", "list"], "--as"),
    (["--date", "2024/13/01"], "--date"),
    (["--stage", "没有这个"], "未知的认定类别"),
    (["--map", "企业名称"], "表头=字段"),
    (["--errors-out", "x.csv"], ".xlsx"),
])
def test_bad_arguments_exit_2(db, tmp_path, capsys, extra, needle):
    capsys.readouterr()
    path = fx.write_simple_xlsx(tmp_path, "a.xlsx", [HEAD, [1, "甲公司", C[0], None, None]])
    code, _, err = run(capsys, "import", path, "--db", db, *extra)
    assert code == 2 and needle in err
    assert json.loads(json.dumps(err))  # one line of text
    assert err.count("\n") == 1


def test_undo_conflict_needs_force(db, tmp_path, capsys):
    capsys.readouterr()
    for name, industry in (("a.xlsx", "软件"), ("b.xlsx", "电子")):
        path = fx.write_simple_xlsx(tmp_path, name, [HEAD, [1, "甲公司", C[0], None, industry]])
        run(capsys, "import", path, "--db", db)
    code, _, err = run(capsys, "undo", "1", "--db", db)
    assert code == 2 and "甲公司" in err and "--force" in err
    code, out, _ = run(capsys, "undo", "1", "--db", db, "--force")
    assert code == 0 and "已撤销批次 1" in out


def test_undo_conflict_messages_say_the_later_changes_are_kept(db, tmp_path, capsys):
    """A forced undo keeps what a later list changed (README, Undo): the refusal, the forced run's summary and
    --help say so; they said the later changes would be overwritten (覆盖)."""
    capsys.readouterr()
    for name, industry in (("a.xlsx", "软件"), ("b.xlsx", "电子")):
        path = fx.write_simple_xlsx(tmp_path, name, [HEAD, [1, "甲公司", C[0], None, industry]])
        run(capsys, "import", path, "--db", db)
    code, _, err = run(capsys, "undo", "1", "--db", db)
    assert code == 2 and "保留这些修改" in err and "覆盖" not in err
    code, out, _ = run(capsys, "undo", "1", "--db", db, "--force")
    assert code == 0 and "保留了 1 家企业之后的修改" in out and "覆盖" not in out
    with pytest.raises(SystemExit):
        run(capsys, "undo", "--help")
    assert "覆盖" not in capsys.readouterr().out


def test_a_list_whose_rows_are_all_errors_exits_1_and_writes_nothing(db, tmp_path, capsys):
    """Every row an error: the summary a person reads says nothing was written, the row errors are listed, the exit
    status is 1, and the ledger holds no batch (it said 已导入 and recorded an empty batch, exit 0)."""
    capsys.readouterr()
    path = tmp_path / "全错.csv"
    path.write_text("企业名称,统一社会信用代码,认定日期\n武汉全错甲科技有限公司,91420106MA4K000001,2023-13-45\n"
                    "武汉全错乙科技有限公司,91420106MA4K000002,abc\n", encoding="utf-8")
    before = contents(db)
    code, out, _ = run(capsys, "import", path, "--db", db, "--stage", "gaoqi")
    assert code == 1
    assert "没有可导入的行（2 行都有错误或已取消勾选），台账未改动" in out and "第 2 行" in out and "第 3 行" in out
    assert contents(db) == before
