"""Opening a file safely: format by content, refusal of bad input, and row sources.

``open_source`` decides the format from the bytes (never the extension alone)
and refuses, with an ``InputError``, anything that would crash or exhaust
memory *before* a parser touches it:

- size: 0 bytes, more than ``max_bytes``;
- .xlsx/.xlsm: a zip whose declared uncompressed total exceeds 1 GiB (or 50x
  ``max_bytes``); each sheet's XML is checked by ``guards.scan_sheet_xml``
  before calamine loads it;
- OLE2 files: encrypted .xlsx (EncryptionInfo stream), Word/PowerPoint files,
  and a legacy .xls whose structure ``guards.check_cfb``/``check_biff`` reject;
- images, PDF, archives, HTML or XML 2003 pretending to be .xls.

A ``Grid`` is one sheet as a stream of ``(excel_row, cells)`` pairs, cells
indexed from ``col_offset`` and empty cells as "".  Calamine keeps the
loaded sheet in compact native memory; Python holds one row at a time.
"""
from __future__ import annotations

import codecs
import csv
import re
import zipfile
from itertools import islice
from pathlib import Path
from typing import Iterator
from xml.etree import ElementTree

from importers import csv_text
from importers import errors as E
from importers.errors import InputError
from importers.guards import (
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_UNZIPPED,
    BiffInfo,
    check_biff,
    check_cfb,
    hidden_columns,
    ole_stream_names,
    scan_sheet_xml,
)
from importers.struck import struck_cells, struck_styles
from pipeline.names import prepared_alongside

PREPARE_BYTES = 4 << 20         # a file from which its sheet's parse outlasts loading pinyin (about 40k rows)
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAGIC = [
    (b"\x89PNG", "image", "PNG"), (b"\xff\xd8\xff", "image", "JPEG"), (b"GIF8", "image", "GIF"),
    (b"%PDF", "other", " PDF 文件"), (b"Rar!", "other", " RAR 压缩包"),
    (b"7z\xbc\xaf", "other", " 7z 压缩包"), (b"\x1f\x8b", "other", " gzip 压缩包"),
]


def human_size(n: float) -> str:
    for unit in ("字节", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "字节" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


# ------------------------------------------------------------------ grids
class Grid:
    """One sheet: ``rows()`` yields (excel_row, cells) from the top, re-iterable."""
    name: str = ""
    col_offset: int = 0
    merges: list[tuple[int, int, int, int]] = []     # (r0, c0, r1, c1), 0-based absolute, inclusive
    hidden: frozenset[int] = frozenset()              # Excel row numbers
    hidden_cols: frozenset[int] = frozenset()         # 0-based absolute columns hidden in Excel
    struck: frozenset[tuple[int, int]] = frozenset()  # (Excel row, 0-based absolute column) struck through (.xlsx)
    date1904: bool = False
    empty: bool = False

    def rows(self) -> Iterator[tuple[int, list]]:
        raise NotImplementedError

    def head(self, n: int) -> list[tuple[int, list]]:
        """The first ``n`` rows from Excel row 1."""
        return list(islice(self.rows(), n))

    def top(self, n: int) -> tuple[int, list[tuple[int, list]]]:
        """(ordinal of the first returned row, ``n`` rows from the first non-empty one)."""
        return 0, self.head(n)


class CalamineGrid(Grid):
    def __init__(self, sheet, name: str, hidden: frozenset[int], date1904: bool,
                 errors: dict[tuple[int, int], str] | None = None) -> None:
        self._sheet = sheet
        self.name = name
        start = sheet.start
        self.empty = start is None
        self.col_offset = start[1] if start else 0
        self.width = sheet.width
        self.last_row = sheet.end[0] + 1 if sheet.end else 0
        ranges = sheet.merged_cell_ranges or []
        self.merges = [(a[0], a[1], b[0], b[1]) for a, b in ranges]
        self.hidden = hidden
        self.date1904 = date1904
        self.errors: dict[int, list[tuple[int, str]]] = {}      # Excel row -> [(list index, shown error value)]
        for (row, col), text in (errors or {}).items():
            self.errors.setdefault(row, []).append((col - self.col_offset, text))

    def rows(self) -> Iterator[tuple[int, list]]:
        if self.empty:
            return iter(())
        rows = enumerate(self._sheet.iter_rows(), 1)
        return self._with_errors(rows) if self.errors else rows

    def _with_errors(self, rows: Iterator[tuple[int, list]]) -> Iterator[tuple[int, list]]:
        """The rows with each formula error cell as Excel shows it ("#N/A"), not the empty cell calamine reads: a
        failed VLOOKUP of a code or a date was taken for an empty cell (a firm without a code, the --date date)."""
        errors = self.errors
        for n, row in rows:
            for i, text in errors.get(n, ()):
                if 0 <= i < len(row) and row[i] == "":
                    row[i] = text
            yield n, row

    def top(self, n: int) -> tuple[int, list[tuple[int, list]]]:
        first = self._sheet.start[0] if not self.empty else 0
        return first, list(islice(self.rows(), first, first + n))


class CsvGrid(Grid):
    def __init__(self, path: Path, file: str, encoding: str, delimiter: str, width: int, lines: int) -> None:
        self.path, self.file, self.encoding, self.delimiter = path, file, encoding, delimiter
        self.width = width
        self.last_row = lines
        self.empty = width == 0

    def _lines(self, f) -> Iterator[str]:
        d = self.delimiter
        for n, line in enumerate(f, 1):
            if len(line) > MAX_COLUMNS and line.count(d) >= MAX_COLUMNS:
                raise InputError(E.MSG_LINE_TOO_WIDE.format(n=line.count(d) + 1, limit=MAX_COLUMNS),
                                 file=self.file, row=n)
            yield line

    def rows(self) -> Iterator[tuple[int, list]]:
        width = self.width
        pad = [""] * width
        with open(self.path, encoding=self.encoding, newline="") as f:
            # 8-bit-compatible encodings had their line widths checked when the file was opened
            lines = self._lines(f) if self.encoding == "utf-16" else f
            marked = [False]
            reader = csv.reader(_watch(lines, marked), delimiter=self.delimiter)
            prev = 0
            try:
                for rec in reader:
                    start = prev + 1
                    prev = reader.line_num
                    if marked[0]:
                        marked[0] = False
                        rec = [_formula_text(v) for v in rec]
                    if len(rec) < width:
                        rec.extend(pad[len(rec):])
                    yield start, rec
            except csv.Error as exc:
                raise InputError(E.MSG_CSV_BAD.format(reason=exc), file=self.file, row=prev + 1) from None
            except UnicodeDecodeError:
                # the encoding was detected on the start of the file; a later part is not text in it
                raise InputError(E.MSG_CSV_DECODE.format(encoding=self.encoding), file=self.file,
                                 row=prev + 1) from None


def _watch(lines, marked: list) -> Iterator[str]:
    """The lines, with ``marked[0]`` set when one holds ="… (checked per line in C, not per cell)."""
    for line in lines:
        if '="' in line:
            marked[0] = True
        yield line


_FORMULA_TEXT = re.compile(r'="((?:[^"]|"")*)"')


def _formula_text(v: str) -> str:
    """A CSV cell written as ="91420106…" (web systems' exports keep codes and dates as text for Excel that way)
    is the text Excel shows: 91420106…. Found by an outside attack: every such row was an error."""
    m = _FORMULA_TEXT.fullmatch(v) if v[:2] == '="' else None
    return m.group(1).replace('""', '"') if m else v


# ------------------------------------------------------------------ sources
class Source:
    kind = ""
    sheets: list[str] = []

    def __init__(self, path: Path, file: str) -> None:
        self.path, self.file = path, file

    def candidate_sheets(self) -> list[str]:
        return list(self.sheets)

    def grid(self, sheet: str | None) -> Grid:
        raise NotImplementedError

    def error(self, msg: str, **kw) -> InputError:
        return InputError(msg, file=self.file, **kw)

    def close(self) -> None:
        """Release the file (loaded sheets stay readable): on Windows an open handle blocks moving it."""

    def __enter__(self) -> "Source":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class CsvSource(Source):
    kind = "csv"
    sheets: list[str] = []

    def __init__(self, path: Path, file: str) -> None:
        super().__init__(path, file)
        self.encoding = csv_text.detect_encoding(path, file)
        self.delimiter, width = csv_text.sniff(path, self.encoding)
        lines = 0 if self.encoding == "utf-16" else csv_text.count_lines(path, file, self.delimiter)
        if lines > MAX_ROWS:
            raise self.error(E.MSG_TOO_MANY_ROWS.format(n=lines, limit=MAX_ROWS))
        self._grid = CsvGrid(path, file, self.encoding, self.delimiter, width, lines)

    def candidate_sheets(self) -> list[str]:
        return [""]

    def grid(self, sheet: str | None) -> Grid:
        return self._grid


# extensions calamine reads as the other format than the content's
_OTHER_SUFFIXES = {"xls": (".xlsx", ".xlsm", ".xlsb", ".xlam", ".ods"), "xlsx": (".xls", ".xla", ".xlsb", ".ods")}


class CalamineSource(Source):
    def __init__(self, path: Path, file: str, kind: str, zf: zipfile.ZipFile | None, max_bytes: int,
                 date1904: bool = False, biff: BiffInfo | None = None) -> None:
        super().__init__(path, file)
        self.kind, self._zip, self._max_bytes, self._biff = kind, zf, max_bytes, biff
        self._sheet_xml: dict[str, str] = {}
        self._struck_styles: frozenset[int] | None = None     # read from xl/styles.xml when a sheet is first read
        self.date1904 = date1904
        if zf is not None:
            self._read_workbook_xml(zf)
        import python_calamine as pc
        try:
            if path.suffix.lower() in _OTHER_SUFFIXES[kind]:
                # the content was sniffed, but calamine goes by a known extension: an .xls named .xlsx (or the
                # reverse) was refused as corrupt. Found by an outside attack.
                with open(path, "rb") as f:
                    self._wb = pc.CalamineWorkbook.from_filelike(f)
            else:
                self._wb = pc.CalamineWorkbook.from_path(str(path))
            meta = self._wb.sheets_metadata
        except BaseException as exc:  # noqa: BLE001  calamine's errors and pyo3's PanicException (a BaseException)
            raise _calamine_error(exc, self) from None
        self.sheets = [m.name for m in meta]
        worksheets = [m for m in meta if m.typ == pc.SheetTypeEnum.WorkSheet]
        self.visible = [m.name for m in worksheets if m.visible == pc.SheetVisibleEnum.Visible]
        self._candidates = self.visible + [m.name for m in worksheets if m.name not in self.visible]

    def candidate_sheets(self) -> list[str]:
        return self._candidates

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
            self._zip = None
        import python_calamine as pc
        try:
            self._wb.close()
        except pc.CalamineError:  # WorkbookClosed: already closed
            pass

    def _read_workbook_xml(self, zf: zipfile.ZipFile) -> None:
        try:
            wb = ElementTree.fromstring(_small_member(zf, "xl/workbook.xml", self))
            rels = ElementTree.fromstring(_small_member(zf, "xl/_rels/workbook.xml.rels", self))
        except ElementTree.ParseError as exc:
            raise self.error(E.MSG_CORRUPT.format(reason=exc)) from None
        targets = {r.get("Id"): r.get("Target", "") for r in rels}
        for el in wb.iter():
            tag = el.tag.rsplit("}", 1)[-1]
            if tag == "workbookPr":
                self.date1904 = el.get("date1904", "").lower() in ("1", "true")
            elif tag == "sheet":
                rid = next((v for k, v in el.attrib.items() if k.endswith("}id")), None)
                target = targets.get(rid, "")
                target = target.lstrip("/") if target.startswith("/") else "xl/" + target
                self._sheet_xml[el.get("name", "")] = _normpath(target)

    def _large(self) -> bool:
        """A file whose sheet's parse outlasts loading pinyin's dictionaries (4 MB: about 40k rows)."""
        try:
            return self.path.stat().st_size >= PREPARE_BYTES
        except OSError:
            return False

    def grid(self, sheet: str | None) -> Grid:
        name = sheet if sheet is not None else (self._candidates[0] if self._candidates else None)
        if name is None:
            raise self.error(E.MSG_NO_SHEETS)
        if name not in self.sheets:
            raise self.error(E.MSG_SHEET_NOT_FOUND.format(name=name, names="、".join(self.sheets)))
        hidden: frozenset[int] = frozenset()
        hidden_cols: frozenset[int] = frozenset()
        struck: frozenset[tuple[int, int]] = frozenset()
        errors: dict[tuple[int, int], str] = {}
        if self._zip is not None:
            member = self._sheet_xml.get(name)
            if member is None or member not in self._zip.NameToInfo:
                raise self.error(E.MSG_CORRUPT.format(reason=f"找不到工作表“{name}”的数据"), sheet=name)
            hidden = scan_sheet_xml(self._zip, member, self.file, name, errors)
            hidden_cols = hidden_columns(self._zip, member)
            if self._struck_styles is None:
                self._struck_styles = struck_styles(self._zip)
            struck = struck_cells(self._zip, member, self._struck_styles)
        elif self._biff is not None and (seen := self._biff.sheet(name, self.sheets.index(name))) is not None:
            hidden, hidden_cols, errors = seen.hidden, seen.hidden_cols, seen.errors
        try:
            # calamine lets other threads run while it parses: a large sheet's parse hides loading what reading
            # the firms' names will need (100k rows: the parse 1.2 s, that 0.3 s of the import's first pinyin)
            with prepared_alongside(self._large()):
                sh = self._wb.get_sheet_by_name(name)
        except BaseException as exc:  # noqa: BLE001  as above; _calamine_error re-raises KeyboardInterrupt & co.
            raise _calamine_error(exc, self, sheet=name) from None
        grid = CalamineGrid(sh, name, hidden, self.date1904, errors)
        grid.hidden_cols = hidden_cols
        grid.struck = struck
        return grid


def _normpath(p: str) -> str:
    out: list[str] = []
    for part in p.split("/"):
        if part == "..":
            if out:
                out.pop()
        elif part and part != ".":
            out.append(part)
    return "/".join(out)


def _calamine_error(exc: BaseException, src: Source, sheet: str | None = None) -> InputError:
    if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
        raise exc
    name = type(exc).__name__
    if name == "PasswordError":
        return src.error(E.MSG_ENCRYPTED, sheet=sheet)
    if name == "ZipError" or "EOF" in str(exc) or "eof" in str(exc):
        return src.error(E.MSG_TRUNCATED, sheet=sheet)
    if name == "PanicException":   # calamine hit something it did not expect (a damaged record)
        return src.error(E.MSG_CORRUPT.format(reason="内部结构异常"), sheet=sheet)
    return src.error(E.MSG_CORRUPT.format(reason=str(exc)[:200] or name), sheet=sheet)


def _small_member(zf: zipfile.ZipFile, member: str, src: Source, limit: int = 20 << 20) -> bytes:
    info = zf.NameToInfo.get(member)
    if info is None:
        raise src.error(E.MSG_CORRUPT.format(reason=f"缺少 {member}"))
    if info.file_size > limit:
        raise src.error(E.MSG_ZIP_BOMB.format(size=human_size(info.file_size)))
    try:
        return zf.read(member)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise src.error(E.MSG_TRUNCATED) from exc
    except Exception as exc:  # noqa: BLE001  a damaged member: zlib, lzma, encryption… errors all mean the same
        raise src.error(E.MSG_CORRUPT.format(reason=exc)) from None


# ------------------------------------------------------------------ text files
def _looks_binary(head: bytes) -> bool:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or csv_text.utf16_without_bom(head[:4096]):
        return False
    sample = head[:65536]
    if b"\x00" in sample:
        return True
    ctrl = sum(sample.count(bytes([c])) for c in range(1, 32) if c not in (9, 10, 12, 13, 27))
    return ctrl > len(sample) // 50


# ------------------------------------------------------------------ entry point
def open_source(path, max_bytes: int = 200 * 1024 * 1024) -> Source:
    p = Path(path)
    file = p.name
    try:
        if not p.exists():
            raise InputError(E.MSG_NOT_FOUND, file=str(path))
        if not p.is_file():
            raise InputError(E.MSG_NOT_A_FILE, file=file)
        size = p.stat().st_size
        if size == 0:
            raise InputError(E.MSG_EMPTY_FILE, file=file)
        if size > max_bytes:
            raise InputError(E.MSG_TOO_LARGE.format(size=human_size(size), limit=human_size(max_bytes)), file=file)
        with open(p, "rb") as f:
            head = f.read(65536)
    except OSError as exc:
        raise InputError(E.MSG_UNREADABLE.format(reason=exc.strerror or exc), file=file) from None

    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return _open_zip(p, file, max_bytes)
    if head.startswith(_OLE):
        names = ole_stream_names(p)
        if {"EncryptionInfo", "EncryptedPackage"} & names:
            raise InputError(E.MSG_ENCRYPTED, file=file)
        if "WordDocument" in names:
            raise InputError(E.MSG_OTHER_KIND.format(kind=" Word 文档"), file=file)
        if "PowerPoint Document" in names:
            raise InputError(E.MSG_OTHER_KIND.format(kind=" PowerPoint 演示文稿"), file=file)
        biff = check_biff(check_cfb(p, size, file), file)
        return CalamineSource(p, file, "xls", None, max_bytes, biff.date1904, biff)
    for magic, what, kind in _MAGIC:
        if what and head.startswith(magic):
            msg = E.MSG_IMAGE if what == "image" else E.MSG_OTHER_KIND
            raise InputError(msg.format(kind=kind), file=file)
    lead = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:512].lower()
    if lead.startswith(b"<?xml"):   # before the web page's tags: SpreadsheetML holds a <Table> too
        low = head.lower()
        if b"urn:schemas-microsoft-com:office:spreadsheet" in low or b"<workbook" in low:
            raise InputError(E.MSG_XML2003, file=file)
    # a web page saved as .xls may start with any of its tags (found by an outside attack: <div>, <style>)
    if lead.startswith((b"<html", b"<!doctype html", b"<table", b"<meta", b"<head", b"<body", b"<div", b"<style",
                        b"<tr", b"<!--")) or b"<html" in lead or b"<table" in lead:
        raise InputError(E.MSG_HTML, file=file)
    if lead.startswith(b"<?xml"):
        raise InputError(E.MSG_UNKNOWN_FORMAT, file=file)
    if _looks_binary(head):
        raise InputError(E.MSG_UNKNOWN_FORMAT, file=file)
    return CsvSource(p, file)


def _open_zip(p: Path, file: str, max_bytes: int) -> Source:
    try:
        zf = zipfile.ZipFile(p)
        infos = zf.infolist()
    except (zipfile.BadZipFile, EOFError, OSError, ValueError):
        raise InputError(E.MSG_TRUNCATED, file=file) from None
    total = sum(i.file_size for i in infos)
    if total > MAX_UNZIPPED or total > 50 * max_bytes:
        zf.close()
        raise InputError(E.MSG_ZIP_BOMB.format(size=human_size(total)), file=file)
    names = set(zf.NameToInfo)
    if any(i.flag_bits & 0x1 for i in infos):
        zf.close()
        raise InputError(E.MSG_ENCRYPTED, file=file)
    if "xl/workbook.xml" in names:
        try:
            return CalamineSource(p, file, "xlsx", zf, max_bytes)
        except BaseException:
            zf.close()
            raise
    zf.close()
    if "mimetype" in names and "content.xml" in names:
        raise InputError(E.MSG_ODS, file=file)
    if "word/document.xml" in names:
        raise InputError(E.MSG_OTHER_KIND.format(kind=" Word 文档（.docx）"), file=file)
    if "ppt/presentation.xml" in names:
        raise InputError(E.MSG_OTHER_KIND.format(kind=" PowerPoint 演示文稿（.pptx）"), file=file)
    if "xl/workbook.bin" in names:
        raise InputError(E.MSG_XLSB, file=file)
    raise InputError(E.MSG_ZIP_NOT_EXCEL, file=file)
