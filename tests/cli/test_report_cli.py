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
