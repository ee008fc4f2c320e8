"""The importer's messages as the wizard shows them. The importer speaks to the command line ("请用 --stage 指定",
"（--date）", "命令行：--sheet …"); in the wizard the same choice is a field of step 1 or 2, so the wizard names the
field instead of the option, and a person never meets a command-line flag."""
from __future__ import annotations

import re

STAGE_FIELD = "第 1 步的“认定类别”"
DATE_FIELD = "第 1 步的“统一认定日期”"
SHEET_FIELD = "第 1 步的“工作表”"
MAP_FIELD = "第 2 步“对应字段”一栏"

RULES = (
    (re.compile(r"请用 --stage 指定"), f"请在{STAGE_FIELD}中选择"),
    (re.compile(r"请用 --date YYYY-MM-DD 指定认定日期"), f"请勾选{DATE_FIELD}并填写日期"),
    (re.compile(r"（--date）"), f"（{DATE_FIELD}）"),
    (re.compile(r"可用 --map 表头=企业名称 指定"), f"请在{MAP_FIELD}中为企业名称所在的列选择“企业名称”"),
    (re.compile(r"请用 --map (.+?)=(\S+?) 指定"), f"请在{MAP_FIELD}中把“\\1”列选为“\\2”"),
    (re.compile(r"（命令行：--sheet [^）]*）"), f"（在{SHEET_FIELD}中选择）"),
    (re.compile(r"（命令行 --district 地名）"), "（第 3 步表格上方）"),
    (re.compile(r"，命令行：--as \w+）"), "）"),
    (re.compile(r"（命令行：--as \w+）"), ""),
)


def for_wizard(message: str) -> str:
    """*message* with each command-line hint replaced by the wizard's own field."""
    for pattern, text in RULES:
        message = pattern.sub(text, message)
    return message
