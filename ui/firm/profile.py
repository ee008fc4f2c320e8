"""The editable profile of a firm, validated as it is typed (a bad code says why, from pipeline.uscc)."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QLineEdit, QWidget

from pipeline import uscc
from pipeline.dates import parse_typed
from pipeline.fields import FIRM_ATTRS, LABELS, MONEY

TEXT_FIELDS = [(key, LABELS[key]) for key in ("name", "code", *FIRM_ATTRS)]
NUMBERS = MONEY
OK_STYLE = "color: #1e7e34;"
WARN_STYLE = "color: #a15c00;"
BAD_STYLE = "color: #b3261e;"


class ProfileForm(QWidget):
    """``changes()`` gives {field: new value} against the loaded firm; ``problems()`` blocks saving."""
    edited = Signal()

    def __init__(self, streets: list[tuple[int, str]], parent=None) -> None:
        super().__init__(parent)
        self._firm: dict = {}
        self.edits: dict[str, QLineEdit] = {}
        self.notes: dict[str, QLabel] = {}
        self._bad: dict[str, bool] = {}
        form = QFormLayout(self)
        for key, label in TEXT_FIELDS:
            edit = QLineEdit(objectName=f"profile_{key}")
            edit.textEdited.connect(lambda _t, k=key: self._validate(k))
            self.edits[key] = edit
            note = QLabel(objectName=f"note_{key}")
            note.setWordWrap(True)
            note.hide()
            self.notes[key] = note
            form.addRow(label, edit)
            form.addRow("", note)
            if key == "code":
                self.street = QComboBox(objectName="profile_street")
                self.street.addItem("（未填）", None)
                for sid, name in streets:
                    self.street.addItem(name, sid)
                self.street.currentIndexChanged.connect(lambda _i: self.edited.emit())
                form.addRow("所在街道", self.street)
        self.edits["founded"].setPlaceholderText("如 2023-06-30、2023/6/30、20230630")

    def set_read_only(self, why: str) -> None:
        """A read-only ledger: the values can be read and copied, not typed over (*why* in the tooltips)."""
        for edit in self.edits.values():
            edit.setReadOnly(True)
            edit.setToolTip(why)
        self.street.setEnabled(False)
        self.street.setToolTip(why)

    def load(self, firm: dict) -> None:
        self._firm = dict(firm)
        for key, edit in self.edits.items():
            value = firm.get(key)
            if key == "code" and not value:
                value = firm.get("code_raw")
            edit.setText("" if value is None else (f"{value:g}" if isinstance(value, float) else str(value)))
        i = self.street.findData(firm.get("street_id"))
        self.street.setCurrentIndex(max(i, 0))
        for key in self.edits:
            self._validate(key, emit=False)

    def _validate(self, key: str, emit: bool = True) -> None:
        text = self.edits[key].text().strip()
        note = self.notes[key]
        message, style = "", ""
        if key == "name" and not text:
            message, style = "企业名称不能为空", BAD_STYLE
        elif key == "code":
            if not text:
                message, style = "没有统一社会信用代码：将按名称匹配，请人工确认", WARN_STYLE
            else:
                check = uscc.validate(text)
                if not check.usable:
                    message, style = "；".join(check.problems), BAD_STYLE
                elif not check.ok:
                    message, style = "；".join(check.problems) + "（可保存：早期试点代码可能如此，请核对）", WARN_STYLE
                else:
                    message, style = "代码校验通过", OK_STYLE
        elif key in NUMBERS and text:
            try:
                float(text.replace(",", ""))
            except ValueError:
                message, style = f"“{text}”不是数字（单位：万元）", BAD_STYLE
        elif key == "employees" and text and not text.isdigit():
            message, style = f"“{text}”不是整数", BAD_STYLE
        elif key == "founded" and text:
            try:
                parse_typed(text)
            except ValueError as exc:
                message, style = str(exc), BAD_STYLE
        self._bad[key] = style == BAD_STYLE
        note.setText(message)
        note.setStyleSheet(style)
        note.setVisible(bool(message))
        if emit:
            self.edited.emit()

    def problems(self) -> list[str]:
        return [self.notes[k].text() for k in self.edits if self._bad.get(k)]

    def values(self) -> dict:
        out = {}
        for key, edit in self.edits.items():
            text = edit.text().strip()
            if key in NUMBERS:
                out[key] = float(text.replace(",", "")) if text else None
            elif key == "employees":
                out[key] = int(text) if text else None
            elif key == "code":
                out[key] = uscc.normalize(text) or None
            elif key == "founded" and text:
                out[key] = _iso(text)                          # 20230630 is stored as 2023-06-30
            else:
                out[key] = text or None
        out["street_id"] = self.street.currentData()
        return out

    def changes(self) -> dict:
        """Fields whose value differs from the loaded firm (the code compared in normalised form)."""
        current = dict(self._firm)
        if not current.get("code"):
            current["code"] = uscc.normalize(current.get("code_raw")) or None
        out = {}
        for key, value in self.values().items():
            if value != current.get(key):
                out[key] = value
        if "name" in out and not out["name"]:
            out.pop("name")
        return out


def _iso(text: str) -> str:
    try:
        return parse_typed(text).isoformat()
    except ValueError:          # shown as a problem beside the field; saving is refused
        return text
