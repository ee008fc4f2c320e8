"""``report`` as of a day after today says its 完成值 are projected from what the ledger holds now."""
from pipeline.dates import PROJECTED
from tests.cli.helpers import run


def test_a_report_as_of_a_future_day_says_it_is_projected(db, capsys):
    capsys.readouterr()
    code, out, _ = run(capsys, "report", "--year", "2099", "--as-of", "2099-06-30", "--db", db)
    assert code == 0 and PROJECTED in out
    code, out, _ = run(capsys, "report", "--year", "2023", "--as-of", "2023-06-30", "--db", db)
    assert code == 0 and PROJECTED not in out


def test_the_json_and_the_xlsx_of_a_future_day_say_they_are_projected(db, tmp_path, capsys):
    """report --json and --out FILE.xlsx as of a day after today gave the 完成值 with nothing saying they were
    projected (the printed table, the PDF and the 看板 said so): a script or the filed table read them as done."""
    import json

    import openpyxl
    capsys.readouterr()
    for as_of, projected in (("2099-06-30", PROJECTED), ("2023-06-30", None)):
        out = tmp_path / f"{as_of}.xlsx"
        code, text, _ = run(capsys, "report", "--year", as_of[:4], "--as-of", as_of, "--db", db, "--json",
                            "--out", out)
        assert code == 0 and json.loads(text[text.index("{"):])["projected"] == projected
        cells = [c.value for row in openpyxl.load_workbook(out).active.iter_rows(max_row=3) for c in row]
        assert (PROJECTED in cells) == bool(projected)
