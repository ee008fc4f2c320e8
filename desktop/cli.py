"""The command line: the desktop app by default, sub-commands for headless work.

Every command module registers its own sub-parser; none imports Qt, pandas
or openpyxl at module level, so `--help` and headless jobs start quickly.
An unusable input or argument ends with exit status 2 and one Chinese line
on stderr; nothing is written.
"""
from __future__ import annotations

import argparse
import importlib
import sys

COMMAND_MODULES = ["desktop.commands.ledger", "desktop.commands.imports", "desktop.commands.export",
                   "desktop.commands.report", "desktop.commands.catalog", "desktop.commands.safety", "desktop.commands.snapshot",
                   "desktop.commands.mappings"]

EXIT_USAGE = 2


class ChineseArgumentParser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own messages are English; say it in Chinese too
        sys.stderr.write(f"参数错误：{message}（用 --help 查看用法）\n")
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = ChineseArgumentParser(prog="main.py", description="星图 企业梯度培育台账")
    sub = parser.add_subparsers(dest="command", metavar="命令", parser_class=ChineseArgumentParser)
    gui = sub.add_parser("gui", help="打开桌面程序（默认）")
    gui.add_argument("--db", help="台账文件；默认在用户数据文件夹")
    gui.set_defaults(func=_run_gui)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)
    return parser


def _run_gui(args) -> int:
    from desktop.app import run  # noqa: PLC0415
    return run(args.db)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("--db") and "-h" not in argv and "--help" not in argv):
        argv = ["gui", *argv]
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    from db.connection import LedgerError  # noqa: PLC0415
    from importers.errors import InputError  # noqa: PLC0415
    try:
        return int(args.func(args) or 0)
    except (InputError, LedgerError) as exc:
        sys.stderr.write(f"错误：{exc}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write("已取消，台账未改动\n")
        return 130
