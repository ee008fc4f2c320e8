"""report --json / --out FILE.xlsx / --out FILE.pdf through desktop.cli.main."""
import json

import openpyxl
import pytest

from tests.cli.helpers import run


def test_report_out_xlsx_matches_json(demo_db, tmp_path, capsys):
    out = tmp_path / "指标.xlsx"
    code, text, _ = run(capsys, "report", "--db", str(demo_db), "--year", "2024", "--as-of", "2024-10-31",
                        "--out", str(out), "--json")
    assert code == 0
    data = json.loads(text[text.index("{"):])
    ws = openpyxl.load_workbook(out).active
    cells = [[c.value for c in row] for row in ws.iter_rows()]
    assert cells[0][0] == "2024年指标完成情况（截至 2024-10-31）" and cells[2][0] == "全区"
    district = cells[4:4 + len(data["indicators"])]
    assert [(r[0], r[2], r[3]) for r in district] == [(i["name"], i["target"], i["actual"]) for i in data["indicators"]]
    blocks = [r[0] for r in cells if r[0] and str(r[0]).endswith("街道")]
    assert len(blocks) == 14


def test_report_out_pdf_pages_have_the_title(demo_db, tmp_path, capsys):
    pdfium = pytest.importorskip("pypdfium2")
    out = tmp_path / "报告.pdf"
    code, text, _ = run(capsys, "report", "--db", str(demo_db), "--year", "2024", "--as-of", "2024-10-31",
                        "--out", str(out))
    assert code == 0 and "已导出" in text
    pdf = pdfium.PdfDocument(str(out))
    assert len(pdf) >= 2
    first = pdf[0].get_textpage().get_text_range()
    assert "2024年企业梯度培育指标完成情况（全区）" in first and "统计截至 2024-10-31" in first
    pixels = pdf[0].render(scale=1).to_numpy()           # rendered to an image: A4 at 72 dpi
    assert pixels.shape[0] > pixels.shape[1] > 590 and len(set(pixels[:, :, 0].ravel().tolist())) > 2
    last = pdf[len(pdf) - 1].get_textpage().get_text_range()
    assert "到期" in "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert last


def test_report_out_rejects_other_formats(demo_db, tmp_path, capsys):
    code, _, err = run(capsys, "report", "--db", str(demo_db), "--year", "2024", "--out", str(tmp_path / "a.docx"))
    assert code == 2 and ".xlsx 或 .pdf" in err


def test_report_refuses_an_as_of_date_outside_the_year(demo_db, capsys):
    """2023's figures as of 2024-06-30 were 2024's stock and 净增 under 2023's name (pipeline.dates.check_as_of)."""
    code, _, err = run(capsys, "report", "--db", str(demo_db), "--year", "2023", "--as-of", "2024-06-30")
    assert code == 2 and "2024-06-30 不在 2023 年内" in err


def test_report_of_a_year_not_begun_is_as_of_its_first_day(demo_db, capsys):
    code, text, _ = run(capsys, "report", "--db", str(demo_db), "--year", "2100", "--json")
    assert code == 0 and json.loads(text[text.index("{"):])["as_of"] == "2100-01-01"


def test_a_street_report_shows_the_rows_it_has_no_share_of(tmp_path, capsys):
    """report --street listed only the indicators decomposed to the street (none on a new ledger: an empty table)
    while --out and the 看板 showed every district row, the street's figures without a target."""
    db = str(tmp_path / "t.db")
    assert run(capsys, "init", "--db", db)[0] == 0
    code, text, _ = run(capsys, "report", "--db", db, "--year", "2023", "--as-of", "2023-06-30", "--street", "杨园")
    assert code == 0 and "高新技术企业总量 | 0 | — | 0 | — | 49.6%" in text


def test_the_report_files_of_a_deactivated_street_name_it(tmp_path, capsys):
    """report --street of a deactivated street (its firms still on it) printed its figures, but --out .xlsx wrote
    no block for it (the title alone) and the PDF titled its figures 全区."""
    from db.ledger import Ledger
    db = tmp_path / "t.db"
    assert run(capsys, "init", "--db", db)[0] == 0
    with Ledger(db) as led, led.write() as w:
        a = w.insert_firm("甲公司", street_id=led.street_id("积玉桥"))
        w.add_designation(a, "gaoqi", "2023-03-01")
    assert run(capsys, "catalog", "--db", db, "street", "积玉桥", "--deactivate")[0] == 0
    out = tmp_path / "积玉桥.xlsx"
    code, text, _ = run(capsys, "report", "--db", db, "--year", "2023", "--as-of", "2023-12-31", "--street", "积玉桥",
                        "--json", "--out", out)
    assert code == 0 and json.loads(text[text.index("{"):])["indicators"][0]["actual"] == 1
    cells = [[c.value for c in row] for row in openpyxl.load_workbook(out).active.iter_rows()]
    assert cells[2][0] == "积玉桥街道" and (cells[4][0], cells[4][3]) == ("高新技术企业总量", 1)
    pdfium = pytest.importorskip("pypdfium2")
    pdf = tmp_path / "积玉桥.pdf"
    assert run(capsys, "report", "--db", db, "--year", "2023", "--as-of", "2023-12-31", "--street", "积玉桥",
               "--out", pdf)[0] == 0
    assert "完成情况（积玉桥街道）" in pdfium.PdfDocument(str(pdf))[0].get_textpage().get_text_range()


def test_the_district_report_files_say_what_the_streets_leave_out(tmp_path, capsys):
    """The .xlsx's street blocks and the PDF's streets table left out the firms without a street (counted in 全区),
    so they summed short of the district with nothing saying why."""
    from db.ledger import Ledger
    db = tmp_path / "t.db"
    assert run(capsys, "init", "--db", db)[0] == 0
    with Ledger(db) as led, led.write() as w:
        w.add_designation(w.insert_firm("甲公司"), "gaoqi", "2023-03-01")
    out = tmp_path / "全区.xlsx"
    assert run(capsys, "report", "--db", db, "--year", "2023", "--as-of", "2023-12-31", "--out", out)[0] == 0
    cells = [row[0].value for row in openpyxl.load_workbook(out).active.iter_rows()]
    assert cells[-1].startswith("各街道合计不含未分街道或所在街道已停用的企业（高新技术企业总量 1、"
                                "净增高新技术企业 1、")
    pdfium = pytest.importorskip("pypdfium2")
    pdf = tmp_path / "全区.pdf"
    assert run(capsys, "report", "--db", db, "--year", "2023", "--as-of", "2023-12-31", "--out", pdf)[0] == 0
    doc = pdfium.PdfDocument(str(pdf))
    text = "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc))).replace("\r\n", "")
    assert "各街道合计不含未分街道" in text


def test_a_stated_base_that_differs_from_the_ledgers_is_marked_in_every_report(tmp_path, capsys):
    """The 看板 said so in a tooltip, but the printed table, the PDF, the .xlsx and --json showed the stated 基期值
    (the official 880) as if the ledger held it, beside a 净增 counted against the ledger's own base (1 firm)."""
    pdfium = pytest.importorskip("pypdfium2")
    from db.ledger import Ledger
    db = tmp_path / "t.db"
    assert run(capsys, "init", "--db", db)[0] == 0
    with Ledger(db) as led, led.write() as w:
        a = w.insert_firm("甲公司", street_id=led.street_id("积玉桥"))
        w.add_designation(a, "gaoqi", "2022-03-01")
        w.set_target(2023, "净增高企", "net", ["gaoqi"], 80, base=880)
        w.set_target(2023, "高企总量", "stock", ["gaoqi"], 900)
    argv = ["report", "--db", db, "--year", "2023", "--as-of", "2023-06-30"]
    code, text, _ = run(capsys, *argv)
    said = "基期值为目标中设定的 880；台账上年末在册 1 家；净增按台账计算"
    assert code == 0 and "净增高企 | 880* |" in text and f"* 净增高企：{said}" in text, text
    assert "高企总量 | 1 |" in text and text.count("基期值为目标中设定的") == 1
    data = json.loads(run(capsys, *argv, "--json")[1])
    rows = {i["name"]: (i["ledger_base"], bool(i["base_note"])) for i in data["indicators"]}
    assert rows["净增高企"] == (1, True) and rows["高企总量"] == (None, False)
    assert run(capsys, *argv, "--out", tmp_path / "r.xlsx")[0] == 0
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx").active
    noted = [(c.value, c.comment.text) for row in ws.iter_rows() for c in row if c.comment]
    assert noted and all(v == 880 and said in text for v, text in noted)
    assert run(capsys, *argv, "--out", tmp_path / "r.pdf")[0] == 0
    pdf = pdfium.PdfDocument(str(tmp_path / "r.pdf"))
    first = pdf[0].get_textpage().get_text_range().replace("\r\n", "").replace("\n", "")
    assert "880*" in first and "基期值为目标中设定的 880" in first


def test_a_year_without_targets_says_so(demo_db, tmp_path, capsys):
    """A year nobody set targets for printed the table's header and no row; its PDF had empty tables and every
    street "0" behind. Both now say the year has no targets yet."""
    code, text, _ = run(capsys, "report", "--db", str(demo_db), "--year", "2030")
    assert code == 0 and "2030 年还没有指标" in text and "指标 | 基期值" not in text
    pdfium = pytest.importorskip("pypdfium2")
    out = tmp_path / "报告.pdf"
    code, _, _ = run(capsys, "report", "--db", str(demo_db), "--year", "2030", "--out", str(out))
    assert code == 0
    pdf = pdfium.PdfDocument(str(out))
    words = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert words.count("2030 年还没有指标") == 3 and "落后项数" not in words and "预计能否完成" not in words
    out = tmp_path / "指标.xlsx"
    code, _, _ = run(capsys, "report", "--db", str(demo_db), "--year", "2030", "--out", str(out))
    cells = [c for row in openpyxl.load_workbook(out).active.iter_rows(values_only=True) for c in row if c]
    assert code == 0 and any(str(c).startswith("2030 年还没有指标") for c in cells) and "积玉桥街道" not in cells
