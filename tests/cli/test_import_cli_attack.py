"""import on the command line, attacked (engineer G): text summary, --json and --errors-out tell the same
story for a messy list; a header row that cannot be is refused."""
from __future__ import annotations

import json

from openpyxl import load_workbook

from tests.cli.helpers import run
from tests.importers import real_lists as R
from tests.importers.fixtures import write_simple_xlsx


def test_header_row_zero_is_refused(db, tmp_path, capsys):
    path = write_simple_xlsx(tmp_path, "名单.xlsx",
                             [["企业名称", "统一社会信用代码"], ["武汉甲科技有限公司", R.CODES[0]]])
    code, out, err = run(capsys, "import", path, "--db", db, "--header-row", "0")
    assert code == 2 and out == "" and "表头行号 0 不在工作表范围内" in err


def _messy(tmp_path):
    rows = [["2024年武昌区企业名单"], ["序号", "企业名称", "统一社会信用代码", "所在街道"],
            [1, "武汉甲科技有限公司", R.CODES[0], "杨园"],                    # 3
            [None, "注：以下为补充企业", None, None],                         # 4: a note in the middle, reported
            [2, "合计科技（武汉）有限公司", R.CODES[1], "粮道"],              # 5: a firm named like a totals row
            [3, "武汉乙科技有限公司", "123", "粮道"],                         # 6: an invalid code, an error
            [4, "武汉甲科技有限公司", R.CODES[0], "杨园"],                    # 7: the same firm again
            [None, None, None, None],                                         # 8: blank
            ["合计", "4家", None, None],                                      # 9: totals
            ["填报单位（盖章）：", None, "填报人：", "李四"],                  # 10: signature, a note
            [None, None, None, "武汉市武昌区科学技术和经济信息化局"]]           # 11: sign-off, a note
    return write_simple_xlsx(tmp_path, "杂乱名单.xlsx", rows)


def test_summary_json_and_errors_out_agree_on_a_messy_list(db, tmp_path, capsys):
    path = _messy(tmp_path)
    code, out, _ = run(capsys, "import", path, "--db", db, "--dry-run", "--json")
    s = json.loads(out)
    assert (s["rows"], s["created"], s["unchanged"], s["skipped"]) == (5, 2, 1, 4)
    assert sorted(e["row"] for e in s["errors"]) == [4, 6]
    assert [r["row"] for r in s["skipped_rows"]] == [8, 9, 10, 11]
    assert s["skipped_by"] == {"空行": 1, "合计行": 1, "表格下方的说明": 2}
    code, text, _ = run(capsys, "import", path, "--db", db, "--dry-run")
    assert "数据 5 行：新建 2，更新 0，无变化 1，跳过 4（空行 1，合计行 1，表格下方的说明 2），错误 2，提醒 1" in text
    report = tmp_path / "问题.xlsx"
    code, out, _ = run(capsys, "import", path, "--db", db, "--json", "--errors-out", report)
    real = json.loads(out)
    assert code == 0 and {k: real[k] for k in ("rows", "created", "unchanged", "skipped")} == \
        {k: s[k] for k in ("rows", "created", "unchanged", "skipped")}
    wb = load_workbook(report)
    problems = [(r[-1], r[-2]) for r in wb["问题行"].iter_rows(min_row=2, values_only=True)]
    assert sorted(row for row, _ in problems) == [4, 6, 7]
    for issue in s["errors"] + s["warnings"]:
        assert issue["message"] in dict(problems)[issue["row"]]
    assert [r[-1] for r in wb["跳过的行"].iter_rows(min_row=2, values_only=True)] == [8, 9, 10, 11]
