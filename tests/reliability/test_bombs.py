"""A zip bomb, a sheet declaring millions of columns or cells, a CSV line of millions of fields:
refused with a Chinese message before memory runs out. Each file is opened in a child process
capped at 3 GiB of address space, so a failure is a failed test, not a machine out of memory."""
from __future__ import annotations

import io
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest

from tests.reliability.helpers import CJK, SEEDS

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_AS is POSIX")

CHILD = """
import sys, resource
sys.path.insert(0, sys.argv[1])
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, resource.getrlimit(resource.RLIMIT_AS)[1]))
from importers.errors import InputError
from importers.read import open_table
try:
    t = open_table(sys.argv[2])
    n = sum(len(c) for c in t.iter_rows(1000))
    print("OPENED", n, len(t.headers))
except InputError as exc:
    print("REFUSED", exc)
"""


def open_isolated(path: Path) -> str:
    proc = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), str(path)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, f"exit {proc.returncode}: {proc.stderr[-1500:]}"
    return proc.stdout.strip()


def _zip(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip from pre-deflated members: (name, deflated, crc32, declared uncompressed size)."""
    out, central = io.BytesIO(), io.BytesIO()
    for name, data, crc, usize in members:
        offset = out.tell()
        raw = name.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), usize, len(raw), 0))
        out.write(raw + data)
        central.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(data), usize,
                                  len(raw), 0, 0, 0, 0, 0, offset) + raw)
    cd = central.getvalue()
    start = out.tell()
    out.write(cd + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(cd), start, 0))
    return out.getvalue()


def _deflate(data: bytes) -> tuple[bytes, int, int]:
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    return co.compress(data) + co.flush(), zlib.crc32(data), len(data)


def xlsx_with_sheet(sheet: tuple[bytes, int, int]) -> bytes:
    """The seed workbook with its first sheet's XML replaced."""
    src = zipfile.ZipFile(io.BytesIO(SEEDS["xlsx"]))
    members = []
    for name in src.namelist():
        if name == "xl/worksheets/sheet1.xml":
            members.append((name, *sheet))
        else:
            members.append((name, *_deflate(src.read(name))))
    return _zip(members)


SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats'
              b'.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>\xe4\xbc\x81\xe4\xb8'
              b'\x9a\xe5\x90\x8d\xe7\xa7\xb0</t></is></c></row>')
SHEET_TAIL = b"</sheetData></worksheet>"


def bomb_sheet(gib: float, *, declare: int | None = None) -> tuple[bytes, int, int]:
    """SHEET_HEAD + gib GiB of spaces + SHEET_TAIL, deflated in ~2 MB by repeating one flushed block."""
    block = b" " * (1 << 20)
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = co.compress(SHEET_HEAD) + co.flush(zlib.Z_FULL_FLUSH)
    one = co.compress(block) + co.flush(zlib.Z_FULL_FLUSH)
    assert co.compress(block) + co.flush(zlib.Z_FULL_FLUSH) == one  # a full flush makes blocks repeatable
    n = int(gib * 1024)
    tail = co.compress(SHEET_TAIL) + co.flush()
    crc = zlib.crc32(SHEET_HEAD)
    for _ in range(n):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(SHEET_TAIL, crc)
    size = len(SHEET_HEAD) + n * len(block) + len(SHEET_TAIL)
    return head + one * n + tail, crc, size if declare is None else declare


def _refused(outcome: str, *words: str) -> None:
    assert outcome.startswith("REFUSED"), outcome
    assert CJK.search(outcome)
    for w in words:
        assert w in outcome, outcome


def test_zip_bomb_declaring_its_size_is_refused(tmp_path):
    path = tmp_path / "名单.xlsx"
    path.write_bytes(xlsx_with_sheet(bomb_sheet(1.25)))
    assert path.stat().st_size < 3 << 20          # 1.25 GiB of XML in under 3 MB
    _refused(open_isolated(path), "名单.xlsx", "解压后")


def test_zip_bomb_lying_about_its_size_is_refused(tmp_path):
    path = tmp_path / "名单.xlsx"
    path.write_bytes(xlsx_with_sheet(bomb_sheet(1.25, declare=4000)))
    _refused(open_isolated(path), "名单.xlsx", "损坏")


def test_sheet_declaring_a_million_rows_by_16384_columns_is_refused(tmp_path):
    head = SHEET_HEAD.replace(b"<sheetData>", b'<dimension ref="A1:XFD1048576"/><sheetData>')
    xml = head + b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>' + SHEET_TAIL
    path = tmp_path / "名单.xlsx"
    path.write_bytes(xlsx_with_sheet(_deflate(xml)))
    _refused(open_isolated(path), "工作表“名单”", "17179869184")


def test_cell_beyond_the_last_excel_column_is_refused(tmp_path):
    xml = SHEET_HEAD + b'<row r="2"><c r="ZZZZZ2"><v>1</v></c></row>' + SHEET_TAIL   # column 12,356,630
    path = tmp_path / "名单.xlsx"
    path.write_bytes(xlsx_with_sheet(_deflate(xml)))
    _refused(open_isolated(path), "12356630", "16384")


def test_csv_line_with_millions_of_fields_is_refused(tmp_path):
    path = tmp_path / "名单.csv"
    path.write_bytes("企业名称,统一社会信用代码\n".encode() + b"," * 3_000_000 + b"\n")
    _refused(open_isolated(path), "第 2 行", "3000001", "16384")
