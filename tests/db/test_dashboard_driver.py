"""A missing or broken ADBC driver never breaks the dashboard: it reads through the ledger's connection
(the frozen app once shipped the driver without a file it reads at import: FileNotFoundError, not ImportError)."""
import sys

import pytest

from db import dashboard_queries
from pipeline.uscc import make_code


@pytest.mark.file_only("the file's ADBC driver")
@pytest.mark.parametrize("failure", ["raise FileNotFoundError('_static_version.py')", "raise ImportError('x')",
                                     "raise OSError('libadbc_driver_sqlite.so: cannot open shared object')"])
def test_a_broken_driver_falls_back_to_the_connection(ledger, tmp_path, monkeypatch, caplog, failure):
    with ledger.write() as w:
        fid = w.insert_firm("甲公司", make_code("9", "1", "420106", "MA4K0001"), street_id=ledger.street_id("杨园"))
        w.add_designation(fid, "gaoqi", "2022-06-01")
    fake = tmp_path / "fake" / "adbc_driver_sqlite"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(failure + "\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path / "fake"))
    monkeypatch.delitem(sys.modules, "adbc_driver_sqlite", raising=False)
    monkeypatch.setattr(dashboard_queries, "ADBC_IN_PROCESS", True)      # tried as on Windows, where it is safe
    cols = dashboard_queries.fact_columns(ledger.conn, ledger.path, ledger.file_id)
    assert [c.tolist() for c in cols] == [c.tolist() for c in dashboard_queries._sqlite_columns(ledger.conn)]
    assert cols[0].tolist() == [fid]
    assert "看板按列读取不可用" in caplog.text
