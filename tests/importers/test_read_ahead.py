"""The guard's scan of a large sheet reads the next chunk of XML on a helper thread (``guards.read_ahead``): the
same chunks, the same refusals and errors, and no thread left behind."""
from __future__ import annotations

import io
import threading
import zipfile
import zlib

import pytest

from importers import guards
from importers.errors import InputError


def _helpers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "xlsx-read-ahead"]


def test_chunks_are_those_of_a_plain_read():
    data = bytes(range(256)) * 40_000 + b"end"
    plain = list(guards.read_ahead(io.BytesIO(data), 4096, ahead=False))
    assert list(guards.read_ahead(io.BytesIO(data), 4096)) == plain and b"".join(plain) == data
    assert list(guards.read_ahead(io.BytesIO(b""), 4096)) == [] and not _helpers()


class _Breaks(io.BytesIO):
    def __init__(self, data: bytes, after: int) -> None:
        super().__init__(data)
        self.after = after

    def read(self, size=-1):
        if self.tell() >= self.after:
            raise zlib.error("Error -3 while decompressing data: invalid block type")
        return super().read(size)


def test_the_helpers_error_is_raised_to_the_reader():
    got = []
    with pytest.raises(zlib.error, match="invalid block type"):
        for chunk in guards.read_ahead(_Breaks(b"x" * 100_000, 50_000), 10_000):
            got.append(chunk)
    assert len(got) == 5 and not _helpers()


def test_a_reader_that_stops_early_stops_the_helper():
    reads = []

    class Counting(io.BytesIO):
        def read(self, size=-1):
            reads.append(size)
            return super().read(size)

    chunks = guards.read_ahead(Counting(b"y" * 10_000_000), 1000)
    next(chunks)
    chunks.close()
    assert not _helpers() and len(reads) < 10    # it read at most a few chunks ahead, not the whole file


def _sheet(rows: int, hidden: int, stray: str | None = None) -> bytes:
    out = io.BytesIO()
    xml = [b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>']
    for r in range(1, rows + 1):
        attr = b' hidden="1"' if r == hidden else b""
        xml.append(b'<row r="%d"%s><c r="A%d" t="inlineStr"><is><t>name %d</t></is></c></row>' % (r, attr, r, r))
    if stray:
        xml.append(b'<row r="%d"><c r="%s"><v>1</v></c></row>' % (rows + 1, stray.encode()))
    xml.append(b"</sheetData></worksheet>")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b"".join(xml))
    return out.getvalue()


def test_a_large_sheet_is_scanned_to_its_end():
    """More than two chunks of XML (the helper reads ahead): a hidden row at the end is found, and a stray cell
    far to the right after it is refused, as on the plain read."""
    rows = 2 * guards.CHUNK // 60 + 1000
    zf = zipfile.ZipFile(io.BytesIO(_sheet(rows, hidden=rows - 1)))
    assert zf.getinfo("xl/worksheets/sheet1.xml").file_size > 2 * guards.CHUNK
    assert guards.scan_sheet_xml(zf, "xl/worksheets/sheet1.xml", "名单.xlsx", "Sheet1") == frozenset({rows - 1})
    zf = zipfile.ZipFile(io.BytesIO(_sheet(rows, hidden=0, stray="XFD1")))
    with pytest.raises(InputError):
        guards.scan_sheet_xml(zf, "xl/worksheets/sheet1.xml", "名单.xlsx", "Sheet1")
    assert not _helpers()


def test_a_damaged_large_sheet_is_refused_in_chinese():
    data = bytearray(_sheet(2 * guards.CHUNK // 60 + 1000, hidden=0))
    at = data.find(b"sheet1.xml") + 400_000              # inside the member's deflate stream
    data[at:at + 64] = bytes(64)
    zf = zipfile.ZipFile(io.BytesIO(bytes(data)))
    with pytest.raises(InputError) as err:
        guards.scan_sheet_xml(zf, "xl/worksheets/sheet1.xml", "名单.xlsx", "Sheet1")
    assert "名单.xlsx" in str(err.value) and not _helpers()


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
