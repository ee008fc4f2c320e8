"""帮助: a short Chinese guide inside the app, and the version."""
from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout

from ui.geometry import fit_to_screen

GUIDE = """
<h2>星图 使用指南</h2>
<p>星图是区科经局与各街道企业服务专员使用的企业梯度培育台账。每一次修改都记下时间、修改人和来源，都可以撤销。</p>
<h3>一、导入名单</h3>
<ol>
<li>文件 → 导入名单（Ctrl+I），或把 Excel 文件拖到窗口上。支持 .xlsx、.xls 和 .csv。</li>
<li>选择工作表和表头行，核对每一列对应的字段（系统会自动识别“单位名称”“社会信用代码”等常见写法）。</li>
<li>预览：绿色为新企业，蓝色为更新，黄色为需要确认的警告，红色为有错误的行（注明 Excel 行号、列名和原因）。不接受的警告可取消勾选。</li>
<li>确认导入：整批写入，写入前自动备份。导入历史页可整批撤销。</li>
</ol>
<h3>二、台账</h3>
<ul>
<li>搜索：企业名称或曾用名的一部分、统一社会信用代码开头、拼音首字母（如 whxc 找到“武汉星辰……”）。</li>
<li>筛选：所在街道、持有认定（按“截至”日期判断）、星级（含“无星级”）、行业、服务专员、即将到期、问题行。</li>
<li>“到期”筛选与“最近到期”列只看所选的认定；未选认定时看任一认定。</li>
<li>选中企业后，右键或“企业”菜单：指派服务专员、设置所在街道、星级晋升/下调、添加认定。完成后状态栏会说明改了什么；Ctrl+Z 撤销，Ctrl+Y 重做。</li>
<li>双击企业打开企业档案：基本信息、认定时间线、曾用名、服务记录和修改记录。</li>
<li>Ctrl+E 导出当前列表（所见即所得）。</li>
<li>Ctrl+1 至 Ctrl+5 切换台账、看板、导入历史、指标、设置；F5 从台账重新读取（共享台账上可看到他人刚做的修改）。</li>
</ul>
<h3>三、看板与指标</h3>
<ul>
<li>看板按“年度、截至日期、范围（全区或街道）”计算：目标完成、培育漏斗、街道、到期与预测、趋势、转化队列。</li>
<li>点击带下划线的数字或柱形，台账会列出正好这些企业（按看板的日期和街道显示），“恢复之前的筛选”可回到原来的筛选。</li>
<li>序时进度 = 截至日期已过去的天数占全年的比例。完成率不低于序时进度为绿色，低于为红色。</li>
<li>指标页填写每年的目标任务和各街道分解；新的一年可把上一年的指标复制为草稿再修改。</li>
<li>看板可导出图表 PNG、指标表 Excel 和一页 PDF 报告。</li>
</ul>
<h3>四、数据安全</h3>
<ul>
<li>台账是一个 SQLite 文件。每次导入前、每天首次使用时自动备份；文件 → 从备份恢复。</li>
<li>同一台账同时只能由一个程序修改；另一个程序会以只读方式打开并显示提示。</li>
</ul>
"""  # noqa: E501  (HTML: a line break inside a Chinese sentence would show as a space)


class HelpDialog(QDialog):
    def __init__(self, version: str, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("使用指南")          # Qt adds " — 星图"
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        self.browser.setHtml(GUIDE + f"<hr><p>星图 版本 {version}</p>")
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.button(QDialogButtonBox.Close).setText("关闭")
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.browser, 1)
        lay.addWidget(buttons)
        fit_to_screen(self, (760, 680))
