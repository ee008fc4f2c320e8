"""import on the command line with real lists: --map alone, --remember-map, skipped rows reported in every
output, --errors-out never overwrites the list or an existing file."""
from __future__ import annotations

import json
import os

from openpyxl import load_workbook

from tests.backends import contents
from tests.cli.helpers import run
from tests.importers import real_lists as R
from tests.importers.fixtures import write_hightech_xlsx, write_simple_xlsx

FILMS = [["2024年文旅企业名单"], ["代号", "主体", "所属行业"], ["A1", "阿房宫", "文旅"], ["A2", "黄鹤楼", "文旅"]]


def batches(db):  # noqa: F811
    from db.ledger import Ledger
    with Ledger(db, readonly=True) as led:
        return led.conn.execute("SELECT count(*) FROM batches").fetchone()[0]


def test_map_alone_and_remembering_only_on_request(db, tmp_path, capsys):  # noqa: F811
    path = write_simple_xlsx(tmp_path, "文旅.xlsx", FILMS)
    code, _, err = run(capsys, "import", path, "--db", db)
    assert code == 2 and "找不到企业名称列" in err
    code, out, _ = run(capsys, "import", path, "--db", db, "--map", "主体=企业名称", "--json")
    assert code == 0 and json.loads(out)["created"] == 2
    again = write_simple_xlsx(tmp_path, "文旅2.xlsx", FILMS[:2] + [["A3", "古琴台", "文旅"]])
    code, _, err = run(capsys, "import", again, "--db", db)                # the one-off --map was not remembered
    assert code == 2 and "找不到企业名称列" in err
    code, out, _ = run(capsys, "import", again, "--db", db, "--map", "主体=企业名称", "--remember-map")
    assert code == 0 and "已记住本次的列对应" in out
    third = write_simple_xlsx(tmp_path, "文旅3.xlsx", FILMS[:2] + [["A4", "晴川阁", "文旅"]])
    code, out, _ = run(capsys, "import", third, "--db", db, "--json")
    assert code == 0 and json.loads(out)["created"] == 1


def test_skipped_rows_are_counted_by_category_and_listed(db, tmp_path, capsys):  # noqa: F811
    path = R.write_note_in_middle_xlsx(tmp_path)
    report = tmp_path / "问题.xlsx"
    code, out, _ = run(capsys, "import", path, "--db", db, "--errors-out", report)
    assert code == 0
    assert "跳过 3（数据中间的说明 1，空行 1，表格下方的说明 1）" in out
    assert "跳过：第 5 行：数据中间的说明文字（没有企业名称和代码）" in out
    assert "错误：第 3 行，“企业名称”列：这一行像是说明文字" in out
    wb = load_workbook(report)
    assert wb.sheetnames == ["问题行", "跳过的行"]
    problems = [[c.value for c in r] for r in wb["问题行"].iter_rows(min_row=2)]
    assert problems[0][1] == "注：以下企业为第二批补充名单" and problems[0][-1] == 3
    skipped = [(r[-1].value, r[-2].value) for r in wb["跳过的行"].iter_rows(min_row=2)]
    assert skipped == [(5, "跳过：数据中间的说明文字（没有企业名称和代码）：说明：第三批"), (7, "跳过：空行"),
                       (8, "跳过：表格下方的说明文字：注：以上企业排名不分先后")]


def test_errors_out_never_overwrites_the_list_or_an_existing_file(db, tmp_path, capsys):  # noqa: F811
    path = write_hightech_xlsx(tmp_path)
    before, ledger_before = path.read_bytes(), contents(db)
    code, out, err = run(capsys, "import", path, "--db", db, "--errors-out", path)
    assert (code, out) == (2, "") and "不能是要导入的文件本身" in err and "Traceback" not in err
    link = tmp_path / "链接.xlsx"
    os.symlink(path, link)
    code, _, err = run(capsys, "import", path, "--db", db, "--errors-out", link)
    assert code == 2 and "不能是要导入的文件本身" in err
    existing = tmp_path / "已有.xlsx"
    existing.write_bytes(b"keep")
    code, _, err = run(capsys, "import", path, "--db", db, "--errors-out", existing)
    assert code == 2 and "已存在" in err and "--force" in err
    assert path.read_bytes() == before and existing.read_bytes() == b"keep"
    assert contents(db) == ledger_before and batches(db) == 0
    code, _, _ = run(capsys, "import", path, "--db", db, "--errors-out", existing, "--force")
    assert code == 0 and existing.read_bytes() != b"keep" and batches(db) == 1
