"""Firm names: the matching key, the pinyin index used by search and the pinyin sort key."""
from __future__ import annotations

import re
import sys
import threading
import unicodedata
from bisect import bisect_right
from contextlib import contextmanager
from functools import lru_cache

_NON_WORD = re.compile(r"[\W_]+")


def _nfkc(s: str) -> str:
    return s if unicodedata.is_normalized("NFKC", s) else unicodedata.normalize("NFKC", s)


def name_key(name: object) -> str:
    """Matching key: width and case folded, spaces, brackets and all punctuation removed.

    The one key for matching names (imports, aliases, search): 武汉甲乙（中国）信息有限公司 and
    武汉甲乙(中国)信息有限公司 and ＡＢＣ科技 / abc科技 each share a key. Idempotent."""
    if name is None:
        return ""
    if isinstance(name, float) and name.is_integer():
        name = int(name)
    s = str(name)
    if s.isascii():
        return _NON_WORD.sub("", s.lower())
    key = _NON_WORD.sub("", _nfkc(_nfkc(s).casefold()))
    # removing characters can leave a string that folds further (rare scripts): iterate to a fixed point
    for _ in range(4):
        if key.casefold() == key and unicodedata.is_normalized("NFKC", key):
            break
        again = _NON_WORD.sub("", _nfkc(key.casefold()))
        if again == key:
            break
        key = again
    return key


# pinyin --------------------------------------------------------------------------------------------------------
# The one reading of a name is pypinyin's phrase-aware one (lazy_pinyin: 重庆 -> chong qing, 银行 -> yin hang).
# Calling it costs ~100 µs a name, too slow for a 100k-row import, so names are read in two ways that give the
# same result: a name that contains no phrase of pypinyin's dictionary reading one of its characters otherwise
# than that character's default is read character by character with str.translate (each character's default
# reading, learnt once); any other name (银行, 重庆, 董事长…) goes through lazy_pinyin itself. ``_phrase_rules``
# is computed from the dictionaries, so the shortcut is exact by construction (tests/pipeline/test_names.py
# compares both ways on many names). A name that needs phrases is read run by run (``_slow``), each run of
# Chinese characters cached. Measured on bench.generate's 100k names (shared CPU, same process): 4.5-6.7 µs a
# name, against 2.3-3.3 µs for the old character-by-character reading; 0.3% of them need phrases; 100k names
# that all do (武汉长江发展N科技有限公司) ~9 µs a name. The rules take 0.08 s to derive, once per process.
# Deriving them (and the characters' readings) needs pypinyin's dictionaries, ~0.3 s at a process's start: a
# command that imports a small list pays it every time. So both are also shipped precomputed in
# resources/pinyin_table.json (written by ``python -m pipeline.names``), used only when the installed pypinyin's
# two dictionary files hash to what the table was made from and PYPINYIN_NO_PHRASES is unset; otherwise they
# are derived as before. tests/pipeline/test_pinyin_table.py checks that the table equals the derivation here
# (the rules) and lazy_pinyin over every code point (the readings). pypinyin itself is then loaded only for a
# name that needs phrases.

_INI: dict[int, str] = {}        # code point -> initial of its reading ("" for none)
_FULL: dict[int, str] = {}       # code point -> its reading
_SORT: dict[int, str] = {}       # code point -> its sort token and a space ("" for punctuation)
_KNOWN: set[str] = set()


@lru_cache(maxsize=1)
def _pypinyin():
    from pypinyin import lazy_pinyin  # a large dictionary: load on first use
    from pypinyin.phrases_dict import phrases_dict
    from pypinyin.pinyin_dict import pinyin_dict
    from pypinyin.style._utils import replace_symbol_to_no_symbol
    return lazy_pinyin, phrases_dict, pinyin_dict, replace_symbol_to_no_symbol


TABLE = "pinyin_table.json"      # in the resources package: see above


def _dictionary_files() -> list[str]:
    """pypinyin's two dictionary files, found without importing pypinyin (as pypinyin opens them)."""
    import importlib.util
    import os
    spec = importlib.util.find_spec("pypinyin")
    where = list(spec.submodule_search_locations or ()) if spec else []
    if not where:
        raise FileNotFoundError("pypinyin")
    return [os.path.join(where[0], name) for name in ("pinyin_dict.json", "phrases_dict.json")]


def dictionaries_hash() -> str:
    """SHA-256 of the installed pypinyin's version and dictionaries: the table's readings and rules are derived
    from them (a release that changes its reading code but not its dictionaries has another version)."""
    import hashlib
    from importlib.metadata import version
    h = hashlib.sha256(version("pypinyin").encode())
    for path in _dictionary_files():
        with open(path, "rb") as fh:
            h.update(fh.read())
    return h.hexdigest()


@lru_cache(maxsize=1)
def _table() -> dict | None:
    """The precomputed readings and rules, or None when they may not match the installed pypinyin."""
    import json
    import os
    from importlib import resources
    if os.environ.get("PYPINYIN_NO_PHRASES"):
        return None
    try:
        table = json.loads(resources.files("resources").joinpath(TABLE).read_text(encoding="utf-8"))
        if table.get("pypinyin_dicts") != dictionaries_hash():
            return None
        table["readings"] = {ch: r for r, chars in table["readings"].items() for ch in chars}
    except (OSError, ImportError, ValueError, KeyError, TypeError, AttributeError):   # none, unreadable, malformed
        return None
    return table


def _reading(ch: str) -> str:
    """pypinyin's reading of one character, its tokens joined (lazy_pinyin(ch, errors=_other))."""
    table = _table()
    if table is None:
        return "".join(_pypinyin()[0](ch, errors=_other))
    got = table["readings"].get(ch)          # the table holds every character read otherwise than by _other
    return "".join(_other(ch)) if got is None else got


@lru_cache(maxsize=1)
def _phrase_rules() -> tuple[frozenset[str], frozenset[str], dict[str, tuple[str, ...]]]:
    """The rules of ``_derive_phrase_rules``, from the table when it matches the installed pypinyin."""
    table = _table()
    if table is None:
        return _derive_phrase_rules()
    return (frozenset(table["deviating_chars"]), frozenset(table["single"]),
            {w: tuple(p) for w, p in table["windows"].items()})


def _derive_phrase_rules() -> tuple[frozenset[str], frozenset[str], dict[str, tuple[str, ...]]]:
    """What decides whether a name needs the phrase-aware reading.

    A phrase of pypinyin's dictionary *deviates* when it reads one of its characters otherwise than that
    character's first (default) reading (银行: 行 háng, not xíng). Segmentation only ever picks phrases that
    are substrings of the name, so a name containing no deviating phrase reads exactly like its characters'
    defaults. Returns (characters at a deviating position, one-character deviating phrases, deviating phrases
    by each two-character window around a deviating position)."""
    _, phrases, singles, strip_tone = _pypinyin()
    plain: dict[str, str] = {}                      # a toned syllable -> toneless (a few thousand distinct)
    default: dict[str, str | None] = {}             # a character -> its default reading, toneless

    def toneless(r: str) -> str:
        got = plain.get(r)
        if got is None:
            got = plain[r] = strip_tone(r)
        return got

    def first(ch: str) -> str | None:
        if ch not in default:
            d = singles.get(ord(ch))
            default[ch] = toneless(d.split(",", 1)[0]) if d else None
        return default[ch]

    chars: set[str] = set()
    single: set[str] = set()
    windows: dict[str, set[str]] = {}
    for phrase, readings in phrases.items():
        if len(phrase) != len(readings):
            at = list(range(len(phrase)))
        else:
            at = [k for k, (ch, r) in enumerate(zip(phrase, readings, strict=False)) if toneless(r[0]) != first(ch)]
        if not at:
            continue
        chars.update(phrase[k] for k in at)
        if len(phrase) == 1:
            single.add(phrase)
            continue
        for k in at:
            for w in (phrase[k - 1:k + 1] if k else "", phrase[k:k + 2]):
                if len(w) == 2:
                    windows.setdefault(w, set()).add(phrase)
    return frozenset(chars), frozenset(single), {w: tuple(p) for w, p in windows.items()}


@lru_cache(maxsize=1)
def _deviating_re() -> re.Pattern:
    return re.compile("[" + "".join(re.escape(c) for c in sorted(_phrase_rules()[0])) + "]")


def _needs_phrases(text: str, chars, single, windows) -> bool:
    if single and not single.isdisjoint(text):
        return True
    for m in _deviating_re().finditer(text):         # only the positions of deviating characters
        i = m.start()
        for w in (text[i - 1:i + 1] if i else "", text[i:i + 2]):
            for phrase in windows.get(w, ()):
                if phrase in text:
                    return True
    return False


def _other(chars: str) -> list[str]:
    """lazy_pinyin's callback for characters without a reading: ASCII letters and digits as upper-case tokens
    (a reading is always lower case), anything else dropped."""
    return [c.upper() if c.isascii() and c.isalnum() else "" for c in chars]


def _learn(chars) -> None:
    for ch in chars:
        r = _reading(ch)
        cp = ord(ch)
        if r.islower():                       # a reading
            _INI[cp], _FULL[cp], _SORT[cp] = r[0], r, r + " "
        else:
            _INI[cp] = _FULL[cp] = ""
            _SORT[cp] = r.lower() + " " if r else ""
        _KNOWN.add(ch)


@contextmanager
def prepared_alongside(wanted: bool = True):
    """Load, on a helper thread while the block runs, what a process's first reading of names waits for: the
    shipped table and its rules, pypinyin's dictionaries and segmenter (~0.35 s, once a process; a name that
    needs phrases needs pypinyin). For a block that lets other threads run (calamine parsing a large sheet: the
    importer's read), so the import's first names do not wait for it. The thread is joined when the block ends:
    none outlives it. A failure here is left for the reading itself to raise."""
    if not wanted or _pypinyin.cache_info().currsize:
        yield
        return
    helper = threading.Thread(target=_prepare, name="pinyin-prepare", daemon=True)
    helper.start()
    try:
        yield
    finally:
        helper.join()


def _prepare() -> None:
    try:
        _deviating_re()
        _runs()
        _pypinyin()
    except Exception:  # noqa: BLE001,S110  (raised again, in Chinese where it matters, by the reading that needs it)
        pass


_PARTS: dict[str, tuple[str, ...]] = {}     # a run of characters -> its tokens (runs recur: 科技有限公司, 长江)


@lru_cache(maxsize=1)
def _runs() -> re.Pattern:
    """Runs of Chinese characters and runs of anything else, cut as pypinyin.seg.simpleseg.simple_seg cuts them
    (with its own character class, RE_HANS)."""
    from pypinyin.seg.simpleseg import RE_HANS  # type: ignore[attr-defined]  # present, but not in pypinyin's stubs
    head, tail = "^(?:[", "])+$"
    pattern = RE_HANS.pattern
    if not (pattern.startswith(head) and pattern.endswith(tail)):
        raise RuntimeError("pypinyin 的汉字字符类格式已变化，请更新 pipeline/names.py")
    cls = pattern[len(head):-len(tail)]
    return re.compile(f"([{cls}]+)|([^{cls}]+)")


def _reference(text: str) -> list[str]:
    """pypinyin's phrase-aware reading of the whole text: the definition the faster ways must equal."""
    return _pypinyin()[0](text, errors=_other)


def _slow(text: str) -> tuple[str, str]:
    """The phrase-aware reading, run by run: pypinyin itself cuts a text into runs of Chinese characters and
    the rest (pypinyin.seg.simpleseg.simple_seg) and segments each run on its own, so reading the runs
    separately gives the same tokens; a run's tokens are cached, as the same runs recur across a list."""
    lazy_pinyin = _pypinyin()[0]
    if len(_PARTS) > 200_000:
        _PARTS.clear()
    tokens: list[str] = []
    for hans, other in _runs().findall(text):
        if other:                                # pypinyin hands such a run to the errors callback
            tokens.extend(_other(other))
            continue
        got = _PARTS.get(hans)
        if got is None:
            got = _PARTS[hans] = tuple(lazy_pinyin(hans, errors=_other))
        tokens.extend(got)
    readings = [t for t in tokens if t and t.islower()]
    index = "".join(t[0] for t in readings) + " " + "".join(readings)
    return index, " ".join(t.lower() for t in tokens if t)


def pinyin_keys(names, *, batch: int = 0) -> list[tuple[str, str]]:
    """(pinyin index, sort key) of each name; the one reading of every write path (see above).

    A list is read at once: the names joined by a separator no name holds, each table applied to the whole
    text (``_translated``) and split again (a translation is character by character, so each part is the
    translation of its name), the names needing phrases found by one regex pass. 100k names: ~1.5 µs a name
    against ~7 µs one by one. Names not all NFKC-normalised are read one by one. *batch*: how many names the
    caller reads in all, chunk after chunk (from ``MANY_NAMES`` on worth loading numpy for, 0.08 s)."""
    raw = [n if n else "" for n in names]
    joined, sep = _joined(raw)
    if sep is None or not unicodedata.is_normalized("NFKC", joined):
        return _keys_each(names)
    present = set(joined)
    new = present - _KNOWN
    new.discard(sep)
    if new:
        _learn(new)
    chars, single, windows = _phrase_rules()
    starts, at = [], 0
    for n in raw:
        starts.append(at)
        at += len(n) + 1
    slow: set[int] = set()
    for m in _deviating_re().finditer(joined):
        k = bisect_right(starts, m.start()) - 1
        if k not in slow and _deviates_at(raw[k], m.start() - starts[k], single, windows):
            slow.add(k)
    ini, full, srt = _translated(joined, present, batch >= MANY_NAMES or "numpy" in sys.modules)
    out = [(i + " " + f, s.rstrip() + "\t" + n) if n else ("", "") for i, f, s, n in
           zip(ini.split(sep), full.split(sep), srt.split(sep), raw, strict=True)]
    for k in slow:
        index, sort = _slow(raw[k])
        out[k] = (index, sort + "\t" + raw[k])
    return out


_VECTOR_MIN = 20_000        # characters from which the tables are applied with numpy (a 5,000-name chunk: ~65k)
MANY_NAMES = 20_000         # names read in all from which numpy is loaded for it (a 2,000-row list does without)


def _translated(joined: str, present: set[str], vector: bool = True) -> tuple[str, str, str]:
    """*joined* through ``_INI``, ``_FULL`` and ``_SORT`` as ``str.translate`` applies them (a character the
    table lacks stays as it is). ``str.translate`` looks each character up in the dict (~100 ns a character);
    a long text is instead cut into code points with numpy, each distinct character (*present*: a few
    thousand) looked up once, and the readings gathered in one indexing pass (~3x faster on 5,000 names).
    Only with *vector* (numpy loaded already, or worth loading). tests/pipeline/test_names.py requires both
    ways to agree."""
    if not vector or len(joined) < _VECTOR_MIN or not joined:
        return joined.translate(_INI), joined.translate(_FULL), joined.translate(_SORT)
    import numpy as np  # a large list only (the import has loaded numpy by then)
    chars = sorted(present)
    codes = np.fromiter(map(ord, chars), dtype=np.int64, count=len(chars))
    slot = np.zeros(int(codes[-1]) + 1, dtype=np.int32)
    slot[codes] = np.arange(len(chars), dtype=np.int32)
    at = slot[np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)]     # each character's place in chars
    ini, full, srt = (_gathered(np, at, [table.get(ord(c), c) for c in chars]) for table in (_INI, _FULL, _SORT))
    return ini, full, srt


def _gathered(np, at, outs: list[str]) -> str:
    """The text whose k-th character is replaced by ``outs[at[k]]`` (which may be empty or longer)."""
    flat = np.frombuffer("".join(outs).encode("utf-32-le"), dtype=np.uint32)
    width = np.fromiter(map(len, outs), dtype=np.int64, count=len(outs))
    lens = width[at]
    ends = np.cumsum(lens)
    total = int(ends[-1]) if len(ends) else 0
    # the position in flat of each output character: its offset in the output, moved by where its part starts
    shift = np.repeat(ends - lens - (np.cumsum(width) - width)[at], lens)
    return flat[np.arange(total, dtype=np.int64) - shift].tobytes().decode("utf-32-le")


def _joined(raw: list[str]) -> tuple[str, str | None]:
    """The names joined by a separator that no name holds and no table maps (None: no such separator)."""
    for sep in "\x00\x01\x02\x03\x1e\x1f":
        if ord(sep) in _INI:
            continue
        joined = sep.join(raw)
        if joined.count(sep) == len(raw) - 1:
            return joined, sep
    return "", None


def _deviates_at(text: str, i: int, single, windows) -> bool:
    """``_needs_phrases`` at one position of a deviating character of *text*."""
    if text[i] in single:
        return True
    for w in (text[i - 1:i + 1] if i else "", text[i:i + 2]):
        for phrase in windows.get(w, ()):
            if phrase in text:
                return True
    return False


def _keys_each(names) -> list[tuple[str, str]]:
    """``pinyin_keys`` name by name (names not all NFKC-normalised)."""
    texts = [_nfkc(n) if n else "" for n in names]
    new = set().union(*texts) - _KNOWN if texts else set()
    if new:
        _learn(new)
    chars, single, windows = _phrase_rules() if texts else (frozenset(), frozenset(), {})
    ini, full, srt = _INI, _FULL, _SORT
    out = []
    for name, t in zip(names, texts, strict=False):
        if not t:
            out.append(("", ""))
        elif not _needs_phrases(t, chars, single, windows):
            out.append((t.translate(ini) + " " + t.translate(full), t.translate(srt).rstrip() + "\t" + name))
        else:
            index, sort = _slow(t)
            out.append((index, sort + "\t" + name))
    return out


def pinyin_index(name: str) -> str:
    """'重庆银行' -> 'cqyh chongqingyinhang': initials, then full pinyin, lower case (phrase-aware)."""
    return pinyin_keys((name,))[0][0]


def name_sort(name: str) -> str:
    """The key that orders names in pinyin order: toneless readings one per character, separated by a space
    (ASCII letters and digits as themselves, lower case; punctuation dropped), a tab, then the name itself as
    the tie-break. 西安 'xi an' sorts before 先 'xian'."""
    return pinyin_keys((name,))[0][1]



def build_table() -> dict:
    """The table shipped in resources (see ``_table``): every code point's reading where it is not ``_other``'s,
    grouped by reading, and the rules of ``_derive_phrase_rules``, all from the installed pypinyin."""
    lazy_pinyin = _pypinyin()[0]
    readings: dict[str, str] = {}
    for cp in range(0x110000):
        ch = chr(cp)
        r = "".join(lazy_pinyin(ch, errors=_other))
        if r != "".join(_other(ch)):
            readings[r] = readings.get(r, "") + ch
    chars, single, windows = _derive_phrase_rules()
    return {"pypinyin_dicts": dictionaries_hash(), "readings": dict(sorted(readings.items())),
            "deviating_chars": "".join(sorted(chars)), "single": sorted(single),
            "windows": {w: sorted(p) for w, p in sorted(windows.items())}}


if __name__ == "__main__":          # python -m pipeline.names: rewrite resources/pinyin_table.json
    import json
    from importlib import resources
    out = resources.files("resources").joinpath(TABLE)
    with open(str(out), "w", encoding="utf-8") as fh:
        json.dump(build_table(), fh, ensure_ascii=False, separators=(",", ":"))
        fh.write("\n")
    print(f"已写入 {out}")
