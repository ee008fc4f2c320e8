"""Checks that run before calamine parses a file, so a damaged or hostile file cannot crash, hang or
exhaust memory (calamine allocates a sheet's full rectangle, and follows legacy .xls sector chains
without cycle checks; an allocation failure aborts the whole process, it cannot be caught).

- ``scan_sheet_xml``: one streamed pass over an .xlsx sheet's XML: an absurd ``<dimension>``, the
  largest column and row really used (one stray cell at XFD1048576 means 17 billion cells), and
  the hidden rows (returned, for ``RawRow.hidden``).
- ``check_cfb`` / ``check_biff``: a legacy .xls container's FAT/DIFAT/directory/mini-stream chains
  (bounds and cycles), then the Workbook stream's records: DIMENSIONS, cell positions and the
  shared-string count calamine would allocate from; on the same pass, each sheet's hidden rows and
  columns and its error cells (calamine reads neither).
"""
from __future__ import annotations

import re
import struct
import zipfile
import zlib
from array import array
from dataclasses import dataclass, field
from pathlib import Path

from importers import errors as E
from importers.errors import InputError

MAX_COLUMNS = 16384
MAX_ROWS = 2_000_000
MAX_CELLS = 60_000_000          # rows x columns calamine would allocate (~2 GB)
MAX_UNZIPPED = 1 << 30          # 1 GiB declared in the zip directory
CHUNK = 1 << 22


# OLE2 stream names (UTF-16) that tell an encrypted .xlsx or an Office file other than a workbook
_OLE_NAMES = {k: k.encode("utf-16-le") for k in ("EncryptionInfo", "EncryptedPackage", "WordDocument",
                                                 "PowerPoint Document")}


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?"')
_REF = re.compile(rb'r="([A-Z]{2,}[0-9]+|[A-Z]{0,3}[0-9]{7,})"')    # columns >= AA, or rows >= 1,000,000
_ROW_R = re.compile(rb'<(?:\w+:)?row\b[^>]*?\sr="(\d+)"')
# hidden, or shrunk to no height (as invisible in Excel: found by an outside attack)
_HIDDEN_ROW = re.compile(rb'<(?:\w+:)?row\b[^>]*?\s(?:hidden="(?:1|true)"|ht="0(?:\.0*)?")[^>]*>')
# Cheap first filter: a cell reference with a column of two letters or more, or a 7-digit row.
_WIDE_OR_DEEP = re.compile(rb'r="[A-Z](?:[A-Z]|[0-9]{7})')


_ERROR_CELL = re.compile(rb'<(?:\w+:)?c\b([^>]*\st="e"[^>]*)>(.*?)</(?:\w+:)?c>', re.S)
_CELL_REF = re.compile(rb'\sr="([A-Z]{1,3})(\d+)"')
_CELL_VALUE = re.compile(rb'<(?:\w+:)?v>([^<]{1,32})</(?:\w+:)?v>')


def _error_cells(buf: bytes, out: dict[tuple[int, int], str]) -> None:
    """Cells holding a formula's error value (t="e": #N/A, #REF! …), which calamine reads as empty: (Excel row,
    0-based column) -> the value Excel shows. A cell without its reference is left as calamine reads it."""
    for m in _ERROR_CELL.finditer(buf):
        ref, value = _CELL_REF.search(m[1]), _CELL_VALUE.search(m[2])
        if ref and value:
            out[(int(ref[2]), _col_number(ref[1]) - 1)] = value[1].decode("utf-8", "replace")


_FORMULA_CELL = re.compile(rb'<(?:\w+:)?c\b([^>]*?)(?<!/)>((?:(?!</(?:\w+:)?c>).)*?<(?:\w+:)?f\b.*?)</(?:\w+:)?c>',
                           re.S)
_ANY_VALUE = re.compile(rb'<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>')
_STR_TYPE = re.compile(rb'\st="str"')


def _uncomputed_cells(buf: bytes, out: dict[tuple[int, int], str]) -> None:
    """Formula cells without a saved result (no <v>, or an empty one that is not a text result), which calamine
    reads as empty: (Excel row, 0-based column) -> ``E.UNCOMPUTED``. Excel writes every result it calculated."""
    for m in _FORMULA_CELL.finditer(buf):
        value = _ANY_VALUE.search(m[2])
        if value and (value[1] or _STR_TYPE.search(m[1])):
            continue
        ref = _CELL_REF.search(m[1])
        if ref:
            out.setdefault((int(ref[2]), _col_number(ref[1]) - 1), E.UNCOMPUTED)


def scan_sheet_xml(zf: zipfile.ZipFile, member: str, file: str, sheet: str,
                   errors: dict[tuple[int, int], str] | None = None) -> frozenset[int]:
    """Stream a sheet's XML once: refuse oversize declarations or real extents; return hidden rows. With *errors*,
    the cells holding a formula's error value are put in it (``_error_cells``)."""
    info = zf.NameToInfo[member]
    max_row = max_col = 0
    hidden: set[int] = set()
    tail = b""
    first = True

    def check() -> None:
        if max_col > MAX_COLUMNS:
            raise InputError(E.MSG_TOO_MANY_COLUMNS.format(n=max_col, limit=MAX_COLUMNS), file=file, sheet=sheet)
        if max_row > MAX_ROWS:
            raise InputError(E.MSG_TOO_MANY_ROWS.format(n=max_row, limit=MAX_ROWS), file=file, sheet=sheet)
        if max_row * max(max_col, 26) > MAX_CELLS:
            raise InputError(E.MSG_TOO_MANY_CELLS.format(n=max_row * max(max_col, 26)), file=file, sheet=sheet)

    try:
        with zf.open(info) as f:
            while chunk := f.read(CHUNK):
                buf = tail + chunk
                if first:
                    first = False
                    m = _DIMENSION.search(buf, 0, 8192)
                    if m:  # only an absurd declaration is refused; the real extent is measured below
                        cols = max(_col_number(m[1]), _col_number(m[3] or m[1]))
                        rows = max(int(m[2]), int(m[4] or m[2]))
                        if cols > MAX_COLUMNS:
                            raise InputError(
                                E.MSG_TOO_MANY_COLUMNS.format(n=cols, limit=MAX_COLUMNS), file=file, sheet=sheet
                            )
                        if rows > MAX_ROWS:
                            raise InputError(E.MSG_TOO_MANY_ROWS.format(n=rows, limit=MAX_ROWS), file=file, sheet=sheet)
                if _WIDE_OR_DEEP.search(buf):
                    for ref in set(_REF.findall(buf)):
                        letters = ref.rstrip(b"0123456789")          # _REF matched [A-Z]*[0-9]+
                        digits = ref[len(letters):]
                        max_col = max(max_col, _col_number(letters))
                        max_row = max(max_row, int(digits))
                at = buf.rfind(b"row ")
                while at > 0:
                    m = _ROW_R.match(buf, buf.rfind(b"<", 0, at))
                    if m:
                        max_row = max(max_row, int(m[1]))
                        break
                    at = buf.rfind(b"row ", 0, at)
                if errors is not None and b't="e"' in buf:
                    _error_cells(buf, errors)
                if errors is not None and b"<f" in buf:
                    _uncomputed_cells(buf, errors)
                if b'hidden="' in buf or b'ht="0' in buf:
                    for m in _HIDDEN_ROW.finditer(buf):
                        r = _ROW_R.match(m[0])
                        if r:
                            hidden.add(int(r[1]))
                check()
                tail = buf[-2048:]
    except InputError:
        raise
    except (zipfile.BadZipFile, EOFError) as exc:
        raise InputError(E.MSG_TRUNCATED, file=file, sheet=sheet) from exc
    # a damaged stream: zlib.error; an unsupported compression method: NotImplementedError; an encrypted entry:
    # RuntimeError; a truncated member: OSError/ValueError
    except (zlib.error, OSError, ValueError, NotImplementedError, RuntimeError) as exc:
        raise InputError(E.MSG_CORRUPT.format(reason=exc), file=file, sheet=sheet) from None
    return frozenset(hidden)


_COL = re.compile(rb'<(?:\w+:)?col\b[^>]*>')
_COL_ATTR = re.compile(rb'\s(min|max|hidden|width)="([^"]*)"')


def hidden_columns(zf: zipfile.ZipFile, member: str) -> frozenset[int]:
    """0-based columns declared hidden in the sheet's <cols> (which stands before the cells), or of width 0 (as
    invisible in Excel: found by an outside attack)."""
    try:
        with zf.open(member) as f:
            head = f.read(1 << 16)
    except Exception:  # noqa: BLE001  (the sheet was checked by scan_sheet_xml: a damaged head hides nothing)
        return frozenset()
    end = head.find(b"sheetData")
    out: set[int] = set()
    for m in _COL.finditer(head, 0, end if end >= 0 else len(head)):
        attrs = {k: v for k, v in _COL_ATTR.findall(m[0])}
        narrow = attrs.get(b"width", b"").strip(b"0.") == b"" and b"width" in attrs   # width 0: as hidden
        if (attrs.get(b"hidden") in (b"1", b"true") or narrow) and attrs.get(b"min", b"").isdigit():
            lo = int(attrs[b"min"])
            hi = int(attrs[b"max"]) if attrs.get(b"max", b"").isdigit() else lo
            out.update(range(lo - 1, min(hi, lo + MAX_COLUMNS)))
    return frozenset(out)


def ole_stream_names(path: Path) -> set[str]:
    found: set[str] = set()
    tail = b""
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            buf = tail + chunk
            for k, v in _OLE_NAMES.items():
                if v in buf:
                    found.add(k)
            tail = buf[-64:]
    return found


_ENDOFCHAIN, _FREESECT = 0xFFFFFFFE, 0xFFFFFFFF


def check_cfb(path: Path, size: int, file: str) -> bytes:
    """Validate an OLE2 container's sector chains before calamine walks them; return the Workbook stream.

    calamine follows FAT chains without cycle or bounds checks: a damaged .xls can make it loop forever or
    abort the process.  Every chain here is followed once, with bounds and a visited set.
    """

    def bad() -> InputError:
        return InputError(E.MSG_CORRUPT.format(reason="OLE2 结构损坏"), file=file)

    with open(path, "rb") as f:
        head = f.read(512)
        if len(head) < 512:
            raise InputError(E.MSG_TRUNCATED, file=file)
        order, shift, mini_shift = struct.unpack_from("<HHH", head, 28)
        if order != 0xFFFE or shift not in (9, 12) or mini_shift != 6:
            raise bad()
        ss = 1 << shift
        nsect = (size - ss) // ss
        if nsect <= 0:
            raise InputError(E.MSG_TRUNCATED, file=file)
        dir_start, = struct.unpack_from("<I", head, 48)
        minifat_start, = struct.unpack_from("<I", head, 60)
        difat_start, = struct.unpack_from("<I", head, 68)

        def sector(i: int) -> bytes:
            if i >= nsect:
                raise bad()
            f.seek(ss + i * ss)
            data = f.read(ss)
            if len(data) < ss:
                raise InputError(E.MSG_TRUNCATED, file=file)
            return data

        def ints(data: bytes) -> array:
            a = array("I")
            a.frombytes(data)
            if a.itemsize == 4 and struct.pack("=I", 1) != struct.pack("<I", 1):
                a.byteswap()
            return a

        difat = list(ints(head[76:512]))
        s, seen = difat_start, set[int]()
        while s not in (_ENDOFCHAIN, _FREESECT):
            if s in seen or len(seen) > nsect:
                raise bad()
            seen.add(s)
            links = ints(sector(s))
            difat.extend(links[:-1])
            s = links[-1]
        fat = array("I")
        for i in difat:
            if i < 0xFFFFFFFA:
                fat.extend(ints(sector(i)))

        def chain(start: int, table: array, limit: int) -> list[int]:
            out: list[int] = []
            seen: set[int] = set()
            s = start
            while s != _ENDOFCHAIN:
                if s >= len(table) or s >= limit or s in seen:
                    raise bad()
                seen.add(s)
                out.append(s)
                s = table[s]
            return out

        entries = []
        for d in chain(dir_start, fat, nsect):
            data = sector(d)
            for k in range(0, ss, 128):
                name_len, kind = struct.unpack_from("<HB", data, k + 64)
                name = data[k:k + min(name_len, 64)].decode("utf-16-le", "ignore").split("\x00")[0]
                start, low, high = struct.unpack_from("<III", data, k + 116)
                entries.append((name, kind, start, low if ss == 512 else low | high << 32))
        if not entries or entries[0][1] != 5:
            raise bad()
        root_start, root_len = entries[0][2], entries[0][3]
        mini_sectors = chain(root_start, fat, nsect) if root_len else []
        minifat = array("I")
        for m in chain(minifat_start, fat, nsect) if minifat_start != _ENDOFCHAIN else []:
            minifat.extend(ints(sector(m)))
        mini_limit = len(mini_sectors) * ss // 64
        chains: dict[str, tuple[list[int], bool, int]] = {}
        for name, kind, start, length in entries[1:]:
            if kind != 2 or length == 0:
                continue
            if length < 4096:
                chains.setdefault(name, (chain(start, minifat, mini_limit), True, length))
            else:
                sectors = chain(start, fat, nsect)
                if len(sectors) * ss < length:
                    raise InputError(E.MSG_TRUNCATED, file=file)
                chains.setdefault(name, (sectors, False, length))
        found = chains.get("Workbook") or chains.get("Book")
        if found is None:
            raise InputError(E.MSG_CORRUPT.format(reason="没有 Workbook 数据流"), file=file)
        sectors, mini, length = found
        if mini:
            ministream = b"".join(sector(m) for m in mini_sectors)
            return b"".join(ministream[m * 64:(m + 1) * 64] for m in sectors)[:length]
        out = bytearray()
        i = 0
        while i < len(sectors):          # read runs of consecutive sectors at once
            j = i
            while j + 1 < len(sectors) and sectors[j + 1] == sectors[j] + 1:
                j += 1
            f.seek(ss + sectors[i] * ss)
            out += f.read((j - i + 1) * ss)
            i = j + 1
        return bytes(out[:length])


# BIFF records calamine turns into cells, with their (row, col) at the start of the record data
_CELL_RECORDS = frozenset({0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x0006})
_ERROR_RECORDS = frozenset({0x0205, 0x0006})     # BOOLERR, FORMULA: may hold an error value (#N/A …)


@dataclass
class BiffSheet:
    """What the guard's walk saw of one sheet of a legacy .xls: its name (BOUNDSHEET), the Excel row numbers
    of the rows hidden in Excel (ROW records), the 0-based columns hidden (COLINFO records) and the cells
    holding an error value, (Excel row, 0-based column) -> "#N/A" as for .xlsx (``_biff_error``)."""
    name: str
    hidden: frozenset[int] = frozenset()
    hidden_cols: frozenset[int] = frozenset()
    errors: dict[tuple[int, int], str] = field(default_factory=dict)


@dataclass
class BiffInfo:
    date1904: bool = False
    sheets: list[BiffSheet] = field(default_factory=list)

    def sheet(self, name: str, index: int | None = None) -> BiffSheet | None:
        """The sheet called *name*, else the one at *index* in BOUNDSHEET order (a BIFF5 name in a code page
        not decoded alike), else None."""
        found = next((b for b in self.sheets if b.name == name), None)
        if found is None and index is not None and 0 <= index < len(self.sheets):
            found = self.sheets[index]
        return found


def _sheet_name(stream: bytes, data: int, length: int, biff8: bool, codepage: str) -> str:
    """The name in a BOUNDSHEET record (after the 4-byte position and 2 bytes of state and type)."""
    if length < 7:
        return ""
    cch = stream[data + 6]
    if biff8 and length >= 8:
        wide = stream[data + 7] & 1
        raw = stream[data + 8:data + 8 + cch * (2 if wide else 1)]
        return raw.decode("utf-16-le" if wide else "latin-1", "replace")
    return stream[data + 7:data + 7 + cch].decode(codepage, "replace")


def _visibility(stream: bytes, typ: int, data: int, length: int, hidden: set[int], hidden_cols: set[int]) -> None:
    """A ROW record hidden in Excel (fDyZero, 0x20): its Excel row number into *hidden*; a COLINFO record
    hidden (fHidden, bit 0): its 0-based columns into *hidden_cols*."""
    if typ == 0x0208 and length >= 16:
        if struct.unpack_from("<H", stream, data + 12)[0] & 0x20:
            hidden.add(struct.unpack_from("<H", stream, data)[0] + 1)
    elif typ == 0x007D and length >= 10:
        first, last = struct.unpack_from("<HH", stream, data)
        if struct.unpack_from("<H", stream, data + 8)[0] & 1 and first <= last:
            hidden_cols.update(range(first, min(last, first + MAX_COLUMNS) + 1))


# BErr codes of BIFF5/8 and the text Excel shows for them
_BIFF_ERRORS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?", 0x24: "#NUM!",
                0x2A: "#N/A"}


def _biff_error(stream: bytes, typ: int, data: int, length: int) -> str | None:
    """The error value a cell record holds, which calamine reads as an empty cell: a BOOLERR with fError set
    (bBoolErr at +6, fError at +7), or a FORMULA whose cached result is an error (the 8 result bytes at +6:
    0x02, 0, BErr, 0, 0, 0, 0xFF, 0xFF). None for any other cell or an unknown code."""
    if typ == 0x0205:
        if length >= 8 and stream[data + 7] == 1:
            return _BIFF_ERRORS.get(stream[data + 6])
    elif typ == 0x0006 and length >= 14 and stream[data + 6] == 2 and stream[data + 12:data + 14] == b"\xff\xff":
        return _BIFF_ERRORS.get(stream[data + 8])
    return None


def _global_record(stream: bytes, typ: int, data: int, length: int, info: BiffInfo, sheets: list[tuple[int, str]],
                   names: tuple[bool, str], file: str) -> str:
    """One record of the workbook globals: DATEMODE, BOUNDSHEET (into *sheets*), the string table's count (refused
    when absurd). *names* is (BIFF8, the code page so far); returns the code page (CODEPAGE sets it)."""
    biff8, codepage = names
    if typ == 0x0022 and length >= 2:
        info.date1904 = struct.unpack_from("<H", stream, data)[0] == 1
    elif typ == 0x0042 and length >= 2:
        codepage = {936: "gbk", 950: "big5", 65001: "utf-8"}.get(struct.unpack_from("<H", stream, data)[0], "cp1252")
    elif typ == 0x0085 and length >= 4:
        sheets.append((struct.unpack_from("<I", stream, data)[0], _sheet_name(stream, data, length, biff8, codepage)))
    elif typ == 0x00FC and length >= 8:
        if struct.unpack_from("<i", stream, data + 4)[0] > len(stream) // 3:
            raise InputError(E.MSG_CORRUPT.format(reason="共享字符串表的条目数不合理"), file=file)
    return codepage


def check_biff(stream: bytes, file: str) -> BiffInfo:
    """Refuse a Workbook stream whose declared or real sheet extent would make calamine allocate
    gigabytes (it reserves rows x columns from DIMENSIONS and builds the bounding rectangle of all
    cells), or whose string table claims more strings than the stream could hold. Returns whether the
    workbook uses the 1904 date system (DATEMODE record) and each sheet's hidden rows and columns and its
    error cells (calamine does not report them: a row hidden in Excel is imported with a warning and a #N/A in
    a code or date column is reported on its row, as from .xlsx)."""
    unpack = struct.unpack_from
    n = len(stream)

    def refuse(rows: int, cols: int) -> InputError:
        if cols > MAX_COLUMNS:
            return InputError(E.MSG_TOO_MANY_COLUMNS.format(n=cols, limit=MAX_COLUMNS), file=file)
        if rows > MAX_ROWS:
            return InputError(E.MSG_TOO_MANY_ROWS.format(n=rows, limit=MAX_ROWS), file=file)
        return InputError(E.MSG_TOO_MANY_CELLS.format(n=rows * cols), file=file)

    info = BiffInfo()
    biff8, codepage = n >= 8 and unpack("<HHH", stream, 0)[0] == 0x0809 and unpack("<H", stream, 4)[0] == 0x0600, \
        "cp1252"

    def walk(pos: int, globals_: bool, sheet: BiffSheet | None = None) -> list[tuple[int, str]]:
        nonlocal codepage
        sheets: list[tuple[int, str]] = []
        max_row = max_col = -1
        hidden: set[int] = set()
        hidden_cols: set[int] = set()
        errors: dict[tuple[int, int], str] = {}
        while pos + 4 <= n:
            typ, length = unpack("<HH", stream, pos)
            data = pos + 4
            pos = data + length
            if pos > n:
                break
            if typ == 0x000A:      # EOF
                break
            if globals_:
                codepage = _global_record(stream, typ, data, length, info, sheets, (biff8, codepage), file)
                continue
            if typ in _CELL_RECORDS and length >= 4:
                row, col = unpack("<HH", stream, data)
                if typ in _ERROR_RECORDS and (text := _biff_error(stream, typ, data, length)) is not None:
                    errors[(row + 1, col)] = text
            elif typ == 0x00BD and length >= 6:
                row, = unpack("<H", stream, data)
                col, = unpack("<H", stream, pos - 2)
            elif typ in (0x0208, 0x007D):
                _visibility(stream, typ, data, length, hidden, hidden_cols)
                continue
            elif typ == 0x0200 and length in (10, 14):
                if length == 10:
                    rf, rl, cf, cl = unpack("<HHHH", stream, data)
                else:
                    rf, rl, cf, cl = unpack("<IIHH", stream, data)
                if rl >= 1 and cl >= 1:
                    rows, cols = rl - rf, cl - cf
                    if rows <= 0 or cols <= 0 or rows * cols > MAX_CELLS:
                        raise refuse(max(rows, 0), max(cols, 0)) if rows > 0 and cols > 0 else \
                            InputError(E.MSG_CORRUPT.format(reason="工作表尺寸记录不合理"), file=file)
                continue
            else:
                continue
            if row > max_row:
                max_row = row
            if col > max_col:
                max_col = col
        if max_col + 1 > MAX_COLUMNS or (max_row + 1) * (max_col + 1) > MAX_CELLS:
            raise refuse(max_row + 1, max_col + 1)
        if sheet is not None:
            sheet.hidden, sheet.hidden_cols, sheet.errors = frozenset(hidden), frozenset(hidden_cols), errors
        return sheets

    for pos, name in walk(0, True):
        sheet = BiffSheet(name)
        info.sheets.append(sheet)
        if pos < n:
            walk(pos, False, sheet)
    return info
