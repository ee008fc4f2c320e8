"""The plan's column store: rows read as before, ticks and new firm ids write through, raw cells kept only
where they are needed."""
from datetime import date

from importers.plan import RAW_HEAD, build_plan, commit_plan
from pipeline.uscc import make_code
from tests.importers.helpers import C, seed, xlsx

CODES = [make_code("9", "1", "420106", f"MC7Q{i:04d}") for i in range(40)]
HEAD = ["企业名称", "统一社会信用代码", "所属行业", "注册资本", "证书编号", "发证日期"]


def _rows(n):
    # full names: a name without an organisational form would be a warning (issue 11, point 7)
    return [HEAD] + [[f"企业{i}有限公司", CODES[i], "软件", 100 + i, f"GR{i}", "2023-12-28"] for i in range(n)]


def test_row_view_values_designation_and_raw(ledger, tmp_path):
    rows = _rows(RAW_HEAD + 5)
    rows[RAW_HEAD + 4][3] = "很多"                     # a bad number: a warning, so its raw cells are kept
    plan = build_plan(ledger, xlsx(tmp_path, rows, title="高新技术企业认定名单"))
    assert plan.kind == "designation" and len(plan.rows) == RAW_HEAD + 5
    first = plan.rows[0]
    assert first.values == {"industry": "软件", "reg_capital": 100.0, "cert_no": "GR0", "date": date(2023, 12, 28),
                            "name": "企业0有限公司", "code": CODES[0]}
    assert first.designation == {"stage": "gaoqi", "start": date(2023, 12, 28), "end": None, "evidence": "GR0",
                                 "list_name": "高新技术企业认定名单", "stage_name": "高新技术企业"}
    assert first.designations == [first.designation]
    assert first.raw == ["企业0有限公司", CODES[0], "软件", 100, "GR0", "2023-12-28"]
    assert plan.rows[RAW_HEAD + 1].raw is None                # a clean row past the head: not kept
    bad = plan.rows[RAW_HEAD + 3]
    assert bad.raw[3] == "很多" and [i.code for i in bad.issues] == ["bad_number"]
    assert plan.rows[-1].excel_row == RAW_HEAD + 7
    assert [r.excel_row for r in plan.rows[1:3]] == [4, 5]


def test_include_and_new_firm_ids_write_through(ledger, tmp_path):
    (fid,) = seed(ledger, ("企业1", C[0], {}))
    plan = build_plan(ledger, xlsx(tmp_path, [["企业名称", "统一社会信用代码"], ["企业0", C[1]], ["企业1", C[0]],
                                              ["企业2", C[2]]]))
    assert [(r.status, r.firm_id) for r in plan.rows] == [("new", None), ("unchanged", fid), ("new", None)]
    plan.rows[2].include = False
    assert plan.rows[2].include is False and plan.counts()["skipped"] == 1
    commit_plan(ledger, plan)
    ids = dict(ledger.conn.execute("SELECT code, id FROM firms"))
    assert [r.firm_id for r in plan.rows] == [ids[C[1]], fid, None]
    assert C[2] not in ids
