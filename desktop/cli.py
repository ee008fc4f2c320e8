"""The command line: the desktop app by default, sub-commands for headless work.

Every command module registers its own sub-parser; none imports Qt, pandas
or openpyxl at module level, so `--help` and headless jobs start quickly.
An unusable input or argument ends with exit status 2 and one Chinese line
on stderr; nothing is written.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

COMMAND_MODULES = ["desktop.commands.ledger", "desktop.commands.imports", "desktop.commands.export",
                   "desktop.commands.report", "desktop.commands.catalog", "desktop.commands.safety",
                   "desktop.commands.snapshot", "desktop.commands.mappings", "desktop.commands.shared"]
# each command's module (tests/cli/test_command_map.py checks it against what the modules register): a run of
# one command imports only its module, not the other eight (~10 ms of every start, the desktop's included)
COMMANDS = {"gui": None, "init": "desktop.commands.ledger", "demo": "desktop.commands.ledger",
            "import": "desktop.commands.imports", "undo": "desktop.commands.imports",
            "export": "desktop.commands.export", "report": "desktop.commands.report",
            "catalog": "desktop.commands.catalog", "backup": "desktop.commands.safety",
            "restore": "desktop.commands.safety", "backups": "desktop.commands.safety",
            "audit": "desktop.commands.safety", "unlock": "desktop.commands.safety",
            "snapshot": "desktop.commands.snapshot", "mappings": "desktop.commands.mappings",
            "users": "desktop.commands.shared", "push": "desktop.commands.shared", "pull": "desktop.commands.shared"}

EXIT_USAGE = 2
EXIT_FAILURE = 1         # a defect, not the person's input: one Chinese line, the traceback in the log
EXIT_BROKEN_PIPE = 141   # 128 + SIGPIPE: what a shell reports for `yes | head`; the reader left, nothing failed


ARGPARSE_WORDS = (      # argparse's own English phrases, as they appear in its error messages
    ("the following arguments are required: ", "缺少必需的参数："), ("unrecognized arguments: ", "无法识别的参数："),
    ("invalid choice: ", "无效的选项："), ("choose from ", "可选："), ("expected one argument", "需要一个值"),
    ("invalid int value: ", "不是整数："), ("invalid float value: ", "不是数字："), ("argument ", "参数 "),
    ("not allowed with argument ", "不能与此参数同时使用："), ("ambiguous option: ", "有歧义的选项："),
    ("could match ", "可能是 "), ("expected at least one argument", "至少需要一个值"),
)


class ChineseHelpFormatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)


class ChineseArgumentParser(argparse.ArgumentParser):
    """argparse speaking Chinese: 用法：, 位置参数, 选项, -h 显示帮助信息并退出, and its error messages."""

    def __init__(self, *args, **kwargs) -> None:
        add_help = kwargs.pop("add_help", True)
        kwargs.setdefault("formatter_class", ChineseHelpFormatter)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = "位置参数"
        self._optionals.title = "选项"
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示帮助信息并退出")

    def error(self, message: str):  # argparse's own messages are English; say them in Chinese
        for english, chinese in ARGPARSE_WORDS:
            message = message.replace(english, chinese)
        sys.stderr.write(f"参数错误：{message}（用 --help 查看用法）\n")
        raise SystemExit(EXIT_USAGE)


class VersionAction(argparse.Action):
    """``--version``: the version from pyproject.toml (read only when asked)."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help="显示版本号并退出")

    def __call__(self, parser, namespace, values, option_string=None):
        from desktop.version import describe
        sys.stdout.write(describe() + "\n")
        parser.exit(0)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command; with *command* one of COMMANDS, only the sub-parser of that command's module
    (its usage, help and errors are the same: a sub-parser knows nothing of the others). Help, an unknown command
    or none: every command."""
    parser = ChineseArgumentParser(prog="main.py", description="星图 企业梯度培育台账")
    parser.add_argument("--version", action=VersionAction)
    sub = parser.add_subparsers(dest="command", metavar="命令", parser_class=ChineseArgumentParser)
    gui = sub.add_parser("gui", help="打开桌面程序（默认）")
    gui.add_argument("--db", help="台账文件（默认在用户数据文件夹），或共享台账地址 postgresql://…")
    gui.set_defaults(func=_run_gui)
    modules = COMMAND_MODULES if command not in COMMANDS else [m for m in (COMMANDS[command],) if m]
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            if modules is not COMMAND_MODULES:   # the command's module absent: as before, every other command
                return build_parser()
            continue
        module.register(sub)
    return parser


NO_SCREEN = ("没有可用的屏幕（未设置 DISPLAY）：桌面程序无法在此打开。可改用 snapshot 命令把各界面渲染为 PNG，"
             "或用 report、export、import 等命令（--help 查看全部）")


def _run_gui(args) -> int:
    # Linux without a display (an SSH session, a server): Qt would abort with English lines about the xcb plugin
    # and a core dump; say it as `make run` does. A platform asked for (QT_QPA_PLATFORM) is Qt's business.
    if sys.platform.startswith("linux") and not any(
            os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")):
        from importers.errors import InputError
        raise InputError(NO_SCREEN)
    from desktop.app import run
    return run(args.db)


def main(argv: list[str] | None = None) -> int:
    """Run one command. Output piped into a reader that stops early (``| head``) ends quietly with
    EXIT_BROKEN_PIPE: whatever the command wrote to the ledger is already committed by then."""
    try:
        code = _main(argv)
        sys.stdout.flush()   # a pipe buffers stdout: flush here, so a closed pipe is met inside this try
        return code
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE


def _silence_stdout() -> None:
    """Point stdout at the null device, so the interpreter's flush at exit does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # stdout replaced by an object without a descriptor
        pass


def _main(argv: list[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("--db") and "-h" not in argv and "--help" not in argv):
        argv = ["gui", *argv]
    parser = build_parser(argv[0])
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    from db.connection import LedgerError
    from importers.errors import InputError
    try:
        return int(args.func(args) or 0)
    except (InputError, LedgerError) as exc:
        sys.stderr.write(f"错误：{exc}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write("已取消，台账未改动\n")
        return 130
    except BrokenPipeError:
        raise                 # the reader of our output left: main() ends quietly
    except Exception as exc:  # noqa: BLE001  (the command line's boundary: a defect becomes one Chinese line)
        sys.stderr.write(_unexpected(exc) + "\n")
        return EXIT_FAILURE


def _unexpected(exc: BaseException) -> str:
    """One Chinese line for a defect in a command (never a traceback on screen); the traceback goes to the log."""
    import traceback  # noqa: PLC0415
    from datetime import datetime  # noqa: PLC0415

    from desktop import crash  # noqa: PLC0415
    from desktop.version import data_folder  # noqa: PLC0415
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    try:
        folder = crash.log_folder(data_folder())
        folder.mkdir(parents=True, exist_ok=True)
        log = folder / crash.LOG_NAME
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(f"{datetime.now().isoformat(timespec='seconds')} ERROR 命令行 {' '.join(sys.argv[1:])}\n{text}")
        where_log = f"详细信息已写入日志 {log}"
    except OSError:
        where_log = "日志无法写入"
    what = f"{type(exc).__name__}：{exc}" if str(exc) else type(exc).__name__
    return (f"内部错误（{crash.where(exc.__traceback__)}）：{what}。未完成的写入已全部撤回，已提交的不受影响；"
            f"{where_log}，请发给维护人员")
