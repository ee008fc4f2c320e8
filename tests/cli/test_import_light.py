"""`main.py import` of a small list into a file ledger starts light: no Qt, pandas, pyarrow, openpyxl,
sqlite-utils, psycopg or db.pg (a shared ledger's code), and no pypinyin when no name needs a phrase reading
(the precomputed table, pipeline/names.py). Issue 17: a 2,000-row list imported as a whole process in ≤ 1 s."""
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from desktop.cli import main
from tests.importers.fixtures import write_big_xlsx

ROOT = Path(__file__).resolve().parents[2]
NEVER = ("PySide6", "pandas", "pyarrow", "openpyxl", "sqlite_utils", "psycopg", "db.pg", "xlsxwriter", "pyqtgraph")

SCRIPT = """
import json, sys
from desktop.cli import main
code = main(sys.argv[1:])
sys.stderr.write("MODULES " + json.dumps(sorted(m for m in sys.modules if "." not in m or m.startswith("db.pg"))))
sys.exit(code)
"""


def _import_modules(tmp_path, list_path) -> tuple[dict, set]:
    db = tmp_path / "light.db"
    assert main(["init", "--db", str(db)]) == 0
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XINGTU_DATA_DIR": str(tmp_path / "data"),
           "XDG_CONFIG_HOME": str(tmp_path / "config")}
    out = subprocess.run([sys.executable, "-c", SCRIPT, "import", str(list_path), "--db", str(db), "--json"],
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout), set(json.loads(out.stderr.split("MODULES ", 1)[1]))


def test_small_list_import_loads_no_heavy_module(tmp_path):
    summary, modules = _import_modules(tmp_path, write_big_xlsx(tmp_path, 200))
    assert summary["batch"] == 1 and summary["rows"] == 200 and summary["created"] == 7   # 7 codes, repeated
    assert sorted(m for m in modules if m.split(".")[0] in NEVER or m.startswith(NEVER)) == []
    assert "pypinyin" not in modules                    # 武汉第N号科技有限公司: read from the table alone
    assert "python_calamine" in modules                 # the list was read (the test would pass vacuously else)


def test_a_name_needing_phrases_still_reads_with_pypinyin(tmp_path):
    """重庆银行 needs pypinyin's phrase-aware reading: loaded then, and the pinyin is the phrase-aware one."""
    import xlsxwriter
    path = tmp_path / "银行.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("名单")
    ws.write_row(0, 0, ["序号", "企业名称", "统一社会信用代码", "所在街道"])
    ws.write_row(1, 0, [1, "重庆银行武汉分行", "91420106MA4KX0L11T", "杨园"])
    wb.close()
    summary, modules = _import_modules(tmp_path, path)
    assert summary["created"] == 1 and "pypinyin" in modules
    conn = sqlite3.connect(tmp_path / "light.db")
    try:
        assert conn.execute("SELECT pinyin, name_sort FROM firms").fetchall() == [
            ("cqyhwhfh chongqingyinhangwuhanfenhang", "chong qing yin hang wu han fen hang\t重庆银行武汉分行")]
    finally:
        conn.close()
