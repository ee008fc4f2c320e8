"""Cells struck through in an .xlsx sheet (calamine reads values, not formats).

An officer strikes a firm through to take it off a list (撤回, 不再推荐) and forwards the file: the row is still
in it, and was imported as any other (found by an outside attack). ``struck_styles`` reads the workbook's
``xl/styles.xml`` once: the cell formats (``cellXfs``) whose font is struck through. Most workbooks have none,
and then no sheet is read again. Otherwise ``struck_cells`` streams the sheet's XML once for the cells of those
formats. The planner warns on a row whose name cell is struck through (``importers.infer.struck_rows``).
"""
from __future__ import annotations

import re
import zipfile
from xml.etree import ElementTree

_CELL_REF = re.compile(rb'\sr="([A-Z]{1,3})(\d+)"')
_STYLES_LIMIT = 20 << 20
_CHUNK = 1 << 22


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _on(el) -> bool:
    """<strike/> or <strike val="1"/>; val="0"/"false" is a strike turned off."""
    return el.get("val", "1").lower() not in ("0", "false")


def struck_styles(zf: zipfile.ZipFile) -> frozenset[int]:
    """Indexes of the cell formats (``s=`` of a cell) whose font is struck through; empty when none is, or when the
    styles cannot be read (calamine read the workbook: a damaged styles part hides nothing else)."""
    info = zf.NameToInfo.get("xl/styles.xml")
    if info is None or info.file_size > _STYLES_LIMIT:
        return frozenset()
    try:
        data = zf.read(info)
        if b"strike" not in data:
            return frozenset()
        root = ElementTree.fromstring(data)
    except Exception:  # noqa: BLE001  zlib, zip and XML errors alike: no strike is known
        return frozenset()
    fonts: list[bool] = []
    xfs: list[int] = []
    for part in root:
        name = _local(part.tag)
        if name == "fonts":
            fonts = [any(_local(e.tag) == "strike" and _on(e) for e in font) for font in part]
        elif name == "cellXfs":
            xfs = [int(xf.get("fontId", "0")) if xf.get("fontId", "0").isdigit() else 0 for xf in part]
    struck = {i for i, on in enumerate(fonts) if on}
    return frozenset(n for n, font in enumerate(xfs) if font in struck)


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def struck_cells(zf: zipfile.ZipFile, member: str, styles: frozenset[int]) -> frozenset[tuple[int, int]]:
    """(Excel row, 0-based column) of the sheet's cells in one of *styles* (``struck_styles``)."""
    if not styles:
        return frozenset()
    alts = b"|".join(str(s).encode() for s in sorted(styles))
    cell = re.compile(rb'<(?:\w+:)?c\s[^>]*?\bs="(?:' + alts + rb')"[^>]*>')
    out: set[tuple[int, int]] = set()
    tail = b""
    try:
        with zf.open(member) as f:
            while chunk := f.read(_CHUNK):
                buf = tail + chunk
                for m in cell.finditer(buf):
                    ref = _CELL_REF.search(m[0])
                    if ref:
                        out.add((int(ref[2]), _col_number(ref[1]) - 1))
                tail = buf[-2048:]
    except Exception:  # noqa: BLE001  (the sheet was checked by guards.scan_sheet_xml: a damaged part strikes nothing)
        return frozenset(out)
    return frozenset(out)
