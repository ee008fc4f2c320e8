"""Guessing what kind of list a file is, and which stage it confers, from its title, headers, file and sheet names.

A recognition list (``designation``) names a stage in its title ("2023年湖北省第二批拟认定高新技术企业名单")
or carries a certificate-number column; a file or sheet named after a stage
("2024年专精特新小巨人企业.xls") with no title naming one is a recognition list
of that stage too (it still needs a date from the file or ``--date``), unless
the name says it is a ledger (台账, 花名册 …) or the file has star or stage
columns. Anything else is a ``roster`` (firm attributes, plus star-tier or
stage columns when present). The reason is given in Chinese so the wizard and
the command line can show it.

A column is read as stages (``stage_columns``) only when most of its values
are stages of the catalog (``stage_share``): a 类型 column holding 有限责任公司,
个体工商户 is a legal form, not a designation.
"""
from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from importers.clean import clean_text
from importers.errors import InputError
from importers.plan import Issue

if TYPE_CHECKING:
    from pipeline.catalog import Stage

LIST_WORDS = ("名单", "认定", "入库", "公示", "备案", "公布", "评价", "拟", "复核", "遴选", "推荐")
ROSTER_WORDS = ("台账", "花名册", "企业库", "明细", "汇总", "信息表", "统计表")
ROSTER_FIELDS = ("industry", "officer", "contact_person", "contact_phone", "reg_capital", "revenue", "rd_spend",
                 "employees", "founded")

# a list of firms that lost a designation or were refused one: its title, file or sheet name says so
REVOKED_WORDS = ("取消", "撤销", "撤回", "注销", "吊销", "不予", "未通过", "不通过", "不合格", "移出", "调出", "摘牌",
                 "除名", "剔除", "终止", "失效")
MSG_REVOKED = ("这是一份取消或不予认定的名单（{where}“{text}”含“{word}”），不是认定名单：按认定名单导入会给名单上的"
               "企业记上它们失去或未获得的认定，未导入。认定的结束请在台账中逐家处理；如只需更新这些企业的基本信息，"
               "请按企业名单导入（名单类型选“企业名单”，命令行：--as roster）；若这确是认定名单，请在名单类型中选"
               "“认定名单”（命令行：--as designation）")
W_PROVISIONAL = ("名单是“{word}”名单（{where}）：公示期内尚未认定或备案，导入后名单上的企业自认定日期起按“{stage}”计入"
                 "各项指标（如高企总量、净增）；若只想记录正式名单，请取消，待正式名单发布后再导入")
_PROVISIONAL = ("拟认定", "拟入库", "拟备案", "拟命名", "拟推荐", "拟公布", "公示名单", "公示")
E_REVOKED_GROUP = ("这一行在分组标题“{label}”之下，该组是取消或不予认定的企业（含“{word}”），未按认定导入；如需更新"
                   "这些企业的基本信息，请把该组单独按企业名单导入")
W_REVOKED_GROUP = "这一行在分组标题“{label}”之下，该组像是取消或不予认定的企业（含“{word}”），却按认定导入，请核对"
W_REVOKED_ROSTER = ("名单（{where}“{text}”含“{word}”）像是注销、迁出或取消资格的企业名单：按企业名单导入只更新"
                    "企业信息，名单上台账中没有的企业将新建为在册企业，请核对")
W_REVOKED = ("名单（{where}“{text}”含“{word}”）像是取消或不予认定的名单，却按认定名单导入：名单上的企业都将记上"
             "“{stage}”，请核对")

_FOLD = re.compile(r"[\s\"'“”‘’「」()（）]")


def fold(text) -> str:
    return _FOLD.sub("", unicodedata.normalize("NFKC", str(text or "")))


def stage_in_text(catalog, text: str) -> Stage | None:
    """The stage whose name or alias appears in *text* (the longest mention wins), or None."""
    t = fold(text)
    if not t:
        return None
    best: Stage | None = None
    best_len = 0
    for s in catalog.stages:
        for name in (s.name, *s.aliases):
            n = fold(name)
            if len(n) >= 2 and n in t and len(n) > best_len:
                best, best_len = s, len(n)
    return best


def _named(catalog, names) -> tuple[Stage, str] | None:
    """(stage, name) for the first of the file stem / sheet name that names a stage and is not a ledger."""
    for name in names:
        if not name:
            continue
        stage = stage_in_text(catalog, name)
        if stage is not None and not any(w in fold(name) for w in ROSTER_WORDS):
            return stage, name
    return None


def guess_kind(catalog, title: str, headers: list, mapping: dict, names: tuple = ()) -> tuple[str, Stage | None, str]:
    """(kind, stage or None, reason in Chinese); *names*: the file name and the sheet name."""
    fields = set(mapping.values())
    stage = stage_in_text(catalog, title)
    t = fold(title)
    cert_col = next((headers[i] for i, f in mapping.items() if f == "cert_no" and i < len(headers)), None)
    if stage is not None and cert_col:
        return "designation", stage, f"标题“{title}”含“{stage.name}”，且有“{cert_col}”列，判断为认定名单"
    if cert_col and not stage:
        named = _named(catalog, names) if not ({"star", "stage"} & fields) else None
        if named is not None and not any(w in t for w in ROSTER_WORDS):     # 2023年高新技术企业名单.xlsx, no title
            return "designation", named[0], (f"有“{cert_col}”列，文件或工作表名“{named[1]}”含“{named[0].name}”，"
                                             "判断为认定名单")
        return "designation", None, f"有“{cert_col}”列，判断为认定名单"
    if stage is not None and any(w in t for w in LIST_WORDS) and not any(w in t for w in ROSTER_WORDS):
        word = next(w for w in LIST_WORDS if w in t)
        return "designation", stage, f"标题“{title}”含“{stage.name}”和“{word}”，判断为认定名单"
    named = _named(catalog, names) if stage is None and not ({"star", "stage"} & fields) else None
    if named is not None and not any(w in t for w in ROSTER_WORDS):
        return "designation", named[0], f"文件或工作表名“{named[1]}”含“{named[0].name}”，判断为认定名单"
    roster_cols = [headers[i] for i, f in mapping.items() if f in ROSTER_FIELDS and i < len(headers)]
    if roster_cols:
        return "roster", None, f"有企业信息列（{'、'.join(roster_cols[:3])}），判断为企业台账"
    if "star" in fields or "stage" in fields:
        return "roster", None, "有星级或层级列，判断为企业台账"
    return "roster", None, "标题和表头中没有认定类别，按企业台账导入"


W_STAGE_UNUSED = ("按企业台账导入，指定的认定类别“{stage}”未使用（企业台账的认定只取自它的层级、星级等列）；"
                  "若这是{stage}的认定名单，请在名单类型中选“认定名单”（命令行：--as designation）")


def choose_kind(catalog, kind_arg, stage, title: str, headers: list, mapping: dict, names: tuple,
                notes: list) -> tuple[str, Stage | None, str, bool]:
    """(kind, the title's stage, reason, guessed) for the kind the person chose (``--as``) or none. A stage named
    without a kind (``--stage`` alone, the wizard's 认定类别 with 自动判断) makes a recognition list of it: guessed
    from the headers alone it was read as a roster and the stage dropped without a word (an outside attack). A
    roster chosen with a stage says, in *notes*, that the stage is not used."""
    if kind_arg:
        if kind_arg == "roster" and stage is not None:
            notes.append(Issue(None, None, W_STAGE_UNUSED.format(stage=stage.name), "warning", "stage_unused"))
        title_stage = stage_in_text(catalog, title) if kind_arg == "designation" else None
        return kind_arg, title_stage, f"按 --as {kind_arg} 导入", False
    kind, title_stage, reason = guess_kind(catalog, title, headers, mapping, names)
    if stage is not None and kind != "designation":
        return "designation", None, f"指定了认定类别“{stage.name}”，按认定名单导入", True
    return kind, title_stage, reason, True


def _short(name: str) -> str:
    return name.split("（")[0].split("(")[0]


def stage_columns(catalog, headers: list, mapping: dict) -> list[dict]:
    """Columns that name stages, as groups {col, date_col, expires_col, track}.

    The ledger's own export has one column per track ("星级（黄鹤楼星空）", "高新技术企业") with
    "<track>认定日期" and "<track>有效期至" beside it; those columns are taken out of *mapping*.
    A "星级"/"层级" column of any other list forms one group with the list's date columns."""
    folded = [fold(h) for h in headers]
    groups = []
    for track in catalog.tracks:
        names = {fold(track.name), fold(_short(track.name))}
        col = next((i for i, h in enumerate(folded) if h in names), None)
        if col is None:
            continue
        short = fold(_short(track.name))
        date_col = next((i for i, h in enumerate(folded) if h == short + "认定日期"), None)
        exp_col = next((i for i, h in enumerate(folded) if h == short + "有效期至"), None)
        for i in (col, date_col, exp_col):
            if i is not None:
                mapping.pop(i, None)
        groups.append({"col": col, "date_col": date_col, "expires_col": exp_col, "track": track.key})
    by_field = {f: i for i, f in mapping.items()}
    if len(groups) == 1 and groups[0]["date_col"] is None and "star" not in by_field and "stage" not in by_field:
        groups[0]["date_col"], groups[0]["expires_col"] = by_field.get("date"), by_field.get("expires")
    for f in ("star", "stage"):
        if f in by_field:
            groups.append({"col": by_field[f], "date_col": by_field.get("date"), "expires_col": by_field.get("expires"),
                           "track": "star" if f == "star" and any(t.key == "star" for t in catalog.tracks) else None})
    return groups


def stage_share(catalog, values) -> float:
    """The share of non-blank *values* that name only stages of the catalog (split at 、,; /)."""
    n = hits = 0
    for v in values:
        text = clean_text(v)
        if not text:
            continue
        n += 1
        parts = [p.strip() for p in re.split(r"[、,，;；/\n]+", text) if p.strip()]
        if parts and all(catalog.find(p) is not None for p in parts):
            hits += 1
    return hits / n if n else 1.0


def revoked_in(named) -> tuple[str, str, str] | None:
    """(where, text, word) of the first of *named* ((where, text): the title, the file name, the sheet name) that
    says the list takes designations away or refuses them (取消…资格名单, 复核未通过名单, 不予认定名单 …): such a
    list was imported as recognitions of its stage (found by an outside attack)."""
    for where, text in named:
        word = next((w for w in REVOKED_WORDS if w in (text or "")), None)
        if word:
            return where, text, word
    return None


def list_words(plan, stem: str) -> None:
    """What a recognition list's title, file name or sheet name says of the whole list. A list still under publicity
    (拟认定, 公示) is imported as the recognition it announces: said once for the file, so nobody counts a publicised
    firm as recognised without knowing it. A list of firms that lost or were refused the designation
    (``revoked_in``) is refused when its kind was guessed; a person who chose it gets a warning."""
    named = (("标题", plan.title), ("文件名", stem), ("工作表名", plan.sheet))
    revoked = revoked_in(named)
    if plan.kind != "designation":
        if revoked is not None:             # a roster of firms gone (注销企业名单): they would be firms in the ledger
            message = W_REVOKED_ROSTER.format(where=revoked[0], text=revoked[1], word=revoked[2])
            plan.file_issues.append(Issue(None, None, message, "warning", "revoked_list"))
        return
    stage = plan.stage_name or "所认定的类别"
    if revoked is not None:
        where, text, word = revoked
        if plan.kind_guessed:
            raise InputError(MSG_REVOKED.format(where=where, text=text, word=word), file=plan.file)
        plan.file_issues.append(Issue(None, None, W_REVOKED.format(where=where, text=text, word=word, stage=stage),
                                      "warning", "revoked_list"))
    for place, text in named:
        said = next((w for w in _PROVISIONAL if w in (text or "")), None)
        if said:
            message = W_PROVISIONAL.format(word=said, where=f"{place}“{text}”", stage=stage)
            plan.file_issues.append(Issue(None, None, message, "warning", "provisional_list"))
            return


def revoked_groups(plan, chunk, errs) -> None:
    """A recognition list's rows under a section of firms that lost or were refused it ("二、取消高新技术企业资格
    （2家）"): an error on each row when the kind was guessed, a warning when a person chose it (the rows were given
    the designation they had lost: found by an outside attack)."""
    seen: dict[str, tuple | None] = {}
    for j, raw in enumerate(chunk):
        label = raw.group
        if not label:
            continue
        if label not in seen:
            seen[label] = revoked_in((("分组标题", label),))
        hit = seen[label]
        if hit is not None:
            guessed = plan.kind_guessed
            errs.setdefault(j, []).append(Issue(None, None, (E_REVOKED_GROUP if guessed else W_REVOKED_GROUP).format(
                label=label, word=hit[2]), "error" if guessed else "warning", "revoked_group"))
