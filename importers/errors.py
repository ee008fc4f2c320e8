"""Unusable input: one Chinese line that says what is wrong and where.

Every message the reading layer shows a person lives here, so an English
translation can be added in one place.
"""
from __future__ import annotations


class InputError(Exception):
    """Bad input for a person to fix: file, sheet, Excel row and column where they apply."""

    def __init__(self, message: str, *, file: str | None = None, sheet: str | None = None,
                 row: int | None = None, column: str | None = None, kind: str = "") -> None:
        self.message = message
        self.kind = kind            # "no_name_column" when no header names the name or code column
        self.file = file
        self.sheet = sheet
        self.row = row
        self.column = column
        super().__init__(self.__str__())

    def location(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.sheet:
            parts.append(f"工作表“{self.sheet}”")
        if self.row is not None:
            parts.append(f"第 {self.row} 行")
        if self.column:
            parts.append(f"“{self.column}”列")
        return "，".join(parts)

    def __str__(self) -> str:
        where = self.location()
        return f"{where}：{self.message}" if where else self.message


# --- file level -------------------------------------------------------------
MSG_NOT_FOUND = "找不到文件"
MSG_NOT_A_FILE = "这不是一个文件（可能是文件夹）"
MSG_UNREADABLE = "无法读取文件：{reason}"
MSG_EMPTY_FILE = "文件是空的（0 字节）"
MSG_TOO_LARGE = "文件太大（{size}），超过上限 {limit}；请拆分后再导入"
MSG_IMAGE = "这是图片文件（{kind}），不是 Excel 表格"
MSG_OTHER_KIND = "这是{kind}，不是 Excel 表格"
MSG_UNKNOWN_FORMAT = "无法识别的文件格式：既不是 Excel 工作簿（.xlsx/.xls），也不是 CSV 文本"
MSG_ZIP_NOT_EXCEL = "这是压缩包（zip），但里面没有 Excel 工作簿"
MSG_XLSB = "这是 Excel 二进制工作簿（.xlsb），请另存为 .xlsx 后再导入"
MSG_ODS = "这是 OpenDocument 表格（.ods），请用 Excel 或 WPS 另存为 .xlsx 后再导入"
# what a formula cell without a saved result (a file written by a program, never calculated by Excel) is read as:
# calamine reads the cell as empty, which made a firm without a code (found by an outside attack)
UNCOMPUTED = "#公式未计算"
MSG_HTML = "这是网页（HTML）格式的伪 Excel 文件，请用 Excel 或 WPS 打开后另存为 .xlsx 再导入"
MSG_XML2003 = "这是 Excel 2003 XML 表格，请用 Excel 或 WPS 打开后另存为 .xlsx 再导入"
MSG_TRUNCATED = "文件不完整或已损坏（可能下载或复制时中断），请重新获取原文件"
MSG_CORRUPT = "文件已损坏，无法读取：{reason}"
MSG_ENCRYPTED = "文件设有打开密码（已加密），请在 Excel 中取消密码后另存再导入"
MSG_ZIP_BOMB = "文件解压后体积异常（声明 {size}），可能是恶意文件，已拒绝读取"
MSG_TOO_MANY_COLUMNS = "工作表有 {n} 列，超过上限 {limit} 列，已拒绝读取"
MSG_TOO_MANY_ROWS = "工作表有 {n} 行，超过上限 {limit} 行，请拆分后再导入"
MSG_TOO_MANY_CELLS = "工作表范围过大（约 {n} 个单元格），超过上限，已拒绝读取"
MSG_LINE_TOO_WIDE = "这一行有 {n} 列，超过上限 {limit} 列，已拒绝读取"
MSG_CSV_BAD = "CSV 文本无法解析：{reason}"
MSG_CSV_DECODE = ("文件从这一行起不是有效的 {encoding} 文本：文件可能已损坏，或混用了多种编码；"
                  "请用 Excel 或 WPS 打开后另存为 .xlsx 再导入")
MSG_ENCODING = "无法识别文本编码（已尝试 UTF-8、GB18030 等）"
MSG_BIG5 = ("文件像是繁体中文（Big5）编码的表格（如“{word}”），按简体中文读取会是乱码："
            "请在 Excel 或 WPS 中另存为“CSV UTF-8”后再导入")
MSG_CSV_MIXED = ("文件的文字编码从这一行起变了（前面是 {first}，这里是 {then}）：各行混用了多种编码，"
                 "读下去会得到乱码的企业名称；请用 Excel 或 WPS 打开后另存为 .xlsx 再导入")

# --- sheet level ------------------------------------------------------------
MSG_NO_SHEETS = "工作簿中没有工作表"
MSG_SHEET_NOT_FOUND = "找不到工作表“{name}”，文件中的工作表有：{names}"
MSG_SHEET_EMPTY = "工作表是空的"
MSG_ALL_EMPTY = "文件中没有任何数据"
MSG_NO_NAME_COLUMN = "找不到企业名称列（如“企业名称”“单位名称”“公司名称”）。{found}"
MSG_HEADERS_FOUND = "第 {row} 行的表头为：{headers}"
MSG_VERTICAL = ("这张工作表像是竖排的表单（每行一个字段：企业名称、统一社会信用代码……），不是每行一家企业的名单；"
                "请整理成每行一家企业的表格后再导入")
MSG_NO_HEADERS_FOUND = "前 {n} 行中没有像表头的行"
MSG_NO_DATA = "只有表头（第 {row} 行），没有数据行"
MSG_BAD_HEADER_ROW = "表头行号 {row} 不在工作表范围内（1-{last}）"
MSG_HEADER_ROW_EMPTY = "第 {row} 行是空的，不能作为表头"

# --- reasons for rows that are not data (SheetTable.skipped) -----------------
SKIP_BLANK = "空行"
SKIP_GROUP = "分组标题行“{text}”"
SKIP_TOTAL = "合计行"
SKIP_REPEATED_HEADER = "重复的表头行"
SKIP_NOTE = "表格下方的说明文字"
SKIP_ONLY_SERIAL = "只有序号、没有企业信息的行"
SKIP_OUTSIDE = "内容都在表头以外的列"
SKIP_NOTE_MID = "数据中间的说明文字（没有企业名称和代码）"
SKIP_OTHER_HEADER = "另一张表的表头行（与第 {row} 行的表头不同）"

# the categories a summary counts skipped rows by (a group label's reason names the label)
SKIP_CATEGORY = {SKIP_BLANK: "空行", SKIP_REPEATED_HEADER: "重复的表头行", SKIP_NOTE: "表格下方的说明",
                 SKIP_NOTE_MID: "数据中间的说明", SKIP_TOTAL: "合计行", SKIP_ONLY_SERIAL: "只有序号的行",
                 SKIP_OUTSIDE: "表头以外的内容"}
_GROUP_PREFIX = SKIP_GROUP.split("“")[0]
SKIP_GROUP_CATEGORY = _GROUP_PREFIX
_OTHER_PREFIX = SKIP_OTHER_HEADER.split("（")[0]


def skip_category(reason: str) -> str:
    """The category of one skipped row's reason: 空行, 重复的表头行, 分组标题行, 表格下方的说明, …"""
    if reason.startswith(_GROUP_PREFIX):
        return _GROUP_PREFIX
    if reason.startswith(_OTHER_PREFIX):
        return _OTHER_PREFIX
    return SKIP_CATEGORY.get(reason, reason)


def skip_counts(skipped) -> dict[str, int]:
    """{category: rows} for (Excel row, reason) pairs, in the order categories first appear."""
    out: dict[str, int] = {}
    for _row, reason in skipped:
        k = skip_category(reason)
        out[k] = out.get(k, 0) + 1
    return out

# --- mapping ----------------------------------------------------------------
MSG_OVERRIDE_FORMAT = "列对应“{item}”格式不对，应为“表头=字段”"
MSG_OVERRIDE_FIELD = "列对应“{item}”中的字段“{field}”不存在。可用字段：{fields}"
