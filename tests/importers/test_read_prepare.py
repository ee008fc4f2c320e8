"""A large sheet's parse loads, on the side, what reading the firms' names will need (importers/formats.py)."""
from __future__ import annotations

import pytest

_PREPARED = """
import sys, threading
import importers.formats as formats
formats.PREPARE_BYTES = int(sys.argv[2])
from importers.read import open_table
open_table(sys.argv[1])
print("pypinyin" in sys.modules, [t.name for t in threading.enumerate() if t.name == "pinyin-prepare"])
"""


@pytest.mark.parametrize(("limit", "loaded"), [(0, True), (1 << 40, False)])
def test_a_large_sheet_loads_pinyin_while_calamine_parses_it(tmp_path, limit, loaded):
    """A large file (here: any, the size limit set to 0) loads pinyin's dictionaries on a helper thread while
    calamine parses its sheet (``pipeline.names.prepared_alongside``), joined before the sheet is returned; a small
    one leaves them to the first reading of a name. A fresh process: this one has loaded them long ago."""
    import subprocess
    import sys

    from openpyxl import Workbook
    wb = Workbook()
    wb.active.append(["企业名称", "统一社会信用代码"])
    wb.active.append(["武汉长江科技有限公司", "91420100MA4KXXXX0X"])
    wb.save(tmp_path / "名单.xlsx")
    out = subprocess.run([sys.executable, "-c", _PREPARED, str(tmp_path / "名单.xlsx"), str(limit)],
                         capture_output=True, text=True, check=True).stdout.strip().split(maxsplit=1)
    assert out == [str(loaded), "[]"]
