"""统一社会信用代码 (GB 32100-2015): normalisation and validation.

A failed check character is reported as a warning a person can accept; it is
never a reason to drop a row (early pilot codes such as Xiamen's
91350100M0001TGQXM fail the checksum yet are legal).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUES = {ch: i for i, ch in enumerate(ALPHABET)}
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

_SPACES = re.compile(r"[\s\u200b\u200c\u200d\ufeff\u3000]+")
_DASHES = str.maketrans({"－": "-", "—": "-", "–": "-"})

# Message strings (Chinese first; one place per module).
MSG_EMPTY = "统一社会信用代码为空"
MSG_LENGTH = "统一社会信用代码应为 18 位，实为 {n} 位"
MSG_ALPHABET = "统一社会信用代码含非法字符“{chars}”（不使用 I、O、S、V、Z）"
MSG_CHECK = "统一社会信用代码校验位不符：第 18 位应为“{expected}”，实为“{actual}”"
MSG_ORG_CHECK = "组织机构代码（第 9-17 位）校验位不符：应为“{expected}”，实为“{actual}”"


def normalize(raw: object) -> str:
    """Full-width to half-width, upper case, strip spaces, line breaks and dashes."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():  # a code read from Excel as a number
        raw = int(raw)
    text = unicodedata.normalize("NFKC", str(raw)).translate(_DASHES)
    text = _SPACES.sub("", text).replace("-", "")
    return unicodedata.normalize("NFKC", text.upper())


def check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters (all in ALPHABET)."""
    total = sum(VALUES[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def org_check_char(first8: str) -> str:
    """The GB 11714 organisation-code check character for 8 characters."""
    total = sum(ORG_ALPHABET.index(c) * w for c, w in zip(first8, ORG_WEIGHTS, strict=True))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


@dataclass(frozen=True)
class CodeCheck:
    code: str                 # normalised
    ok: bool                  # fully valid
    usable: bool              # 18 characters of the right alphabet: can key a firm
    problems: tuple[str, ...] = ()

    @property
    def status(self) -> str:
        if not self.code:
            return "no_code"
        if self.ok:
            return "ok"
        return "bad_check" if self.usable else "invalid"


def validate(raw: object) -> CodeCheck:
    code = normalize(raw)
    if not code:
        return CodeCheck(code, False, False, (MSG_EMPTY,))
    if len(code) != 18:
        return CodeCheck(code, False, False, (MSG_LENGTH.format(n=len(code)),))
    bad = sorted({c for c in code if c not in VALUES})
    if bad:
        return CodeCheck(code, False, False, (MSG_ALPHABET.format(chars="".join(bad)),))
    problems = []
    expected = check_char(code[:17])
    if code[17] != expected:
        problems.append(MSG_CHECK.format(expected=expected, actual=code[17]))
    org = code[8:17]
    if all(c in ORG_ALPHABET for c in org[:8]):
        org_expected = org_check_char(org[:8])
        if org[8] != org_expected:
            problems.append(MSG_ORG_CHECK.format(expected=org_expected, actual=org[8]))
    return CodeCheck(code, not problems, True, tuple(problems))


def make_code(authority: str, kind: str, region: str, org8: str) -> str:
    """Build a valid code from its parts (used by the demo generator and tests)."""
    org9 = org8 + org_check_char(org8)
    first17 = authority + kind + region + org9
    return first17 + check_char(first17)
