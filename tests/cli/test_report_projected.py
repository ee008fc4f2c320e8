"""``report`` as of a day after today says its 完成值 are projected from what the ledger holds now."""
from pipeline.dates import PROJECTED
from tests.cli.helpers import run


def test_a_report_as_of_a_future_day_says_it_is_projected(db, capsys):
    capsys.readouterr()
    code, out, _ = run(capsys, "report", "--year", "2099", "--as-of", "2099-06-30", "--db", db)
    assert code == 0 and PROJECTED in out
    code, out, _ = run(capsys, "report", "--year", "2023", "--as-of", "2023-06-30", "--db", db)
    assert code == 0 and PROJECTED not in out
