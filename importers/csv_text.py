"""A CSV file's text: its encoding (UTF-16 by its BOM, UTF-8, GB18030, else charset-normalizer; a file whose lines
are of two encodings refused, naming the line), its delimiter and width, and its line count (each line's width
checked on the way). Used by importers/formats.py's CsvSource."""
from __future__ import annotations

import codecs
import csv
import io
import re
from pathlib import Path

from importers import errors as E
from importers.errors import InputError
from importers.guards import CHUNK, MAX_COLUMNS


def detect_encoding(path: Path, file: str) -> str:
    with open(path, "rb") as f:
        head = f.read(4096)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    bare = utf16_without_bom(head)
    if bare is not None:
        return bare
    utf8_failed = None                      # the byte UTF-8 failed on
    for enc in ("utf-8-sig", "gb18030"):
        dec = codecs.getincrementaldecoder(enc)("strict")
        done = 0
        try:
            with open(path, "rb") as f:
                while chunk := f.read(CHUNK):
                    dec.decode(chunk)
                    done += len(chunk)
            dec.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            if enc == "utf-8-sig":
                utf8_failed = done + max(exc.start, 0)
            continue
        if enc == "gb18030":
            _one_encoding(path, file)
            _not_big5(path, file)
        return enc
    # neither decodes it: a file that starts as UTF-8 text is named at the line where it stops being so
    utf8_until = _failed_line(path, utf8_failed) if utf8_failed is not None else None
    if utf8_until is not None and utf8_until > 1:
        raise InputError(E.MSG_CSV_MIXED.format(first="UTF-8", then="另一种编码"), file=file, row=utf8_until)
    from charset_normalizer import from_path
    best = from_path(str(path)).best()
    if best is None or not best.encoding:
        raise InputError(E.MSG_ENCODING, file=file)
    return best.encoding


def utf16_without_bom(head: bytes) -> str | None:
    """"utf-16-le" or "utf-16-be" for a file whose head is UTF-16 text without a byte-order mark (some exports
    write none); such a file was refused as of no known encoding. UTF-8 and GB text never hold a NUL byte, while
    UTF-16 text of a list holds one in every ASCII character (digits of codes, delimiters, line ends), at odd
    offsets (little-endian) or at even ones, and few on the other side (a Chinese character U+xx00): a fifth of
    the head's characters so, eight times as many as on the other side, and the head decoding strictly, is taken
    as UTF-16."""
    pairs = len(head) // 2
    even, odd = head[0:pairs * 2:2].count(0), head[1:pairs * 2:2].count(0)
    if pairs < 8:
        return None
    if odd >= pairs // 5 and even * 8 <= odd:            # 一 (U+4E00) and its kind put a NUL on the other side
        enc = "utf-16-le"
    elif even >= pairs // 5 and odd * 8 <= even:
        enc = "utf-16-be"
    else:
        return None
    try:
        codecs.getincrementaldecoder(enc)("strict").decode(head[:pairs * 2])   # a pair cut at the end waits
    except UnicodeDecodeError:
        return None
    return enc


# header words of a list as Big5 text holds them, and as simplified text does: a file whose head decodes as Big5 to the
# first and holds none of the second decoded as GB18030 (which decodes nearly any bytes, to nonsense here) is Big5
_BIG5_WORDS = ("企業", "名稱", "統一", "信用代碼", "街道", "認定", "證書", "序號", "單位")
_GB_WORDS = ("企业", "名称", "统一", "信用代码", "街道", "认定", "证书", "序号", "单位")


def _not_big5(path: Path, file: str) -> None:
    """Refuse, naming it, a traditional-Chinese (Big5) CSV: decoded as GB18030 its header was garbled, and the
    message said only that no name column was found, quoting the garbage (found by an outside attack)."""
    with open(path, "rb") as f:
        head = f.read(8192)
    gb = head.decode("gb18030", "ignore")
    if any(w in gb for w in _GB_WORDS):
        return
    try:
        big5 = head.decode("big5")
    except UnicodeDecodeError as exc:       # a cut at the end of the head is no evidence against Big5
        if exc.start < len(head) - 1:
            return
        big5 = head[:exc.start].decode("big5")
    word = next((w for w in _BIG5_WORDS if w in big5), None)
    if word is not None:
        raise InputError(E.MSG_BIG5.format(word=word), file=file)


def _failed_line(path: Path, offset: int) -> int | None:
    """The line (from 1) holding byte *offset* of the file, when the lines before it hold UTF-8 text beyond ASCII
    (a file that starts as UTF-8 text), else None."""
    with open(path, "rb") as f:
        before = f.read(offset)
    return None if before.isascii() else before.count(b"\n") + 1


_UTF8_CJK = re.compile("[\u4e00-\u9fff]{3}")
_UTF8_CJK_BYTES = re.compile(rb"(?:[\xe4-\xe9][\x80-\xbf]{2}){3}")


def _one_encoding(path: Path, file: str) -> None:
    """A file that decodes as GB18030 (it decodes nearly any bytes) whose lines are not all of one encoding: lines of
    Chinese text that are valid UTF-8 beside lines of text that are not (rows pasted in by a UTF-8 tool after a GBK
    export) became firms with garbled names (found by an outside attack). Refused, naming the first line of the
    encoding the file does not start in; three CJK characters in a row make a UTF-8 line (one or two may occur in
    GBK text by chance)."""
    with open(path, "rb") as f:             # a quick look first: no UTF-8 ideographs anywhere, nothing to tell apart
        tail = b""
        while chunk := f.read(CHUNK):
            if _UTF8_CJK_BYTES.search(tail + chunk):
                break
            tail = chunk[-16:]
        else:
            return
    first = {}                              # "utf-8" / "other" -> first line of text in it
    with open(path, "rb") as f:
        for n, line in enumerate(f, 1):
            if line.isascii():
                continue
            try:
                kind = "utf-8" if _UTF8_CJK.search(line.decode("utf-8")) else None
            except UnicodeDecodeError:
                kind = "other"
            if kind and kind not in first:
                first[kind] = n
                if len(first) == 2:
                    raise InputError(E.MSG_CSV_MIXED.format(first="GBK" if kind == "utf-8" else "UTF-8",
                                                            then="UTF-8" if kind == "utf-8" else "GBK"),
                                     file=file, row=n)


def sniff(path: Path, encoding: str) -> tuple[str, int]:
    with open(path, "rb") as f:
        raw = f.read(1 << 16)
    text = raw.decode(encoding, errors="ignore")
    lines = [ln for ln in text.splitlines()[:200] if ln.strip()]
    if len(raw) == 1 << 16 and len(lines) > 1:
        lines = lines[:-1]  # probably cut in the middle
    best, best_key, width = ",", (-1, -1), 0
    for d in (",", "\t", ";"):
        counts = [len(r) for r in csv.reader(io.StringIO("\n".join(lines)), delimiter=d)]
        multi = [c for c in counts if c > 1]
        if not multi:
            continue
        mode = max(set(multi), key=multi.count)
        key = (multi.count(mode), mode)
        if key > best_key:
            best, best_key, width = d, key, max(counts)
    if best_key[0] < 0:
        width = 1 if lines else 0
    return best, width


def count_lines(path: Path, file: str, delimiter: str) -> int:
    """Lines in an 8-bit-compatible text file; refuses a line with more than MAX_COLUMNS fields on the way
    (so the CSV reader never builds a list of millions of fields)."""
    d = delimiter.encode("ascii")
    n = 0
    tail = b""
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            buf = tail + chunk
            cut = buf.rfind(b"\n") + 1
            whole, tail = buf[:cut], buf[cut:]
            if whole.count(d) > MAX_COLUMNS:
                for k, line in enumerate(whole.split(b"\n")):
                    if line.count(d) >= MAX_COLUMNS:
                        raise InputError(E.MSG_LINE_TOO_WIDE.format(n=line.count(d) + 1, limit=MAX_COLUMNS),
                                         file=file, row=n + k + 1)
            n += whole.count(b"\n")
            if len(tail) > 1 << 24 and tail.count(d) >= MAX_COLUMNS:
                raise InputError(E.MSG_LINE_TOO_WIDE.format(n=tail.count(d) + 1, limit=MAX_COLUMNS),
                                 file=file, row=n + 1)
    if tail.count(d) >= MAX_COLUMNS:
        raise InputError(E.MSG_LINE_TOO_WIDE.format(n=tail.count(d) + 1, limit=MAX_COLUMNS), file=file, row=n + 1)
    return n + (tail != b"")
