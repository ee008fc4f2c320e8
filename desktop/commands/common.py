"""Argument helpers shared by the sub-commands."""
from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

from importers.errors import InputError
from pipeline.dates import parse_typed

DB_HELP = "台账文件，或共享台账地址 postgresql://…"


def date_arg(text: str | None, option: str) -> date | None:
    """A date option: 2023-06-30, 2023/6/30, 2023.6.30 or 20230630 (the app's one parser, pipeline.dates)."""
    if text is None:
        return None
    try:
        return parse_typed(text)
    except ValueError:
        raise InputError(f"{option} 的日期“{text}”无法识别，请写成 2023-06-30、2023/6/30 或 20230630") from None


def existing_ledger(path: str | None) -> Path:
    if not path:
        raise InputError("请用 --db 指定台账文件")
    p = Path(path)
    if not p.exists():
        raise InputError(f"台账文件不存在：{p}（新建请用 init 命令）")
    return p


def open_ledger(path: str | None, *, readonly: bool = False):
    """The ledger file at *path*, or the shared ledger at a postgresql:// address (as its login)."""
    from db.engine import is_url
    from db.ledger import Ledger
    if is_url(path):
        return Ledger(str(path), readonly=readonly)
    return Ledger(existing_ledger(path), readonly=readonly, create=False)


def print_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=1, default=str) + "\n")


def damaged_backups(items) -> int:
    """`backups --check`: 1 (and a line on stderr) when a listed backup failed its check (a script sees it), else 0."""
    bad = sum(1 for b in items if b.ok is False)
    if bad:
        print(f"有 {bad} 个备份已损坏，不能用于恢复", file=sys.stderr)
    return 1 if bad else 0
