"""report --out FILE.xlsx | FILE.pdf: the indicator table, or the one-click meeting report."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from importers.errors import InputError


def _dashboard(ledger, street_id: int | None = None, street: str | None = None):
    """The report's dashboard over the active streets, and the street asked for when it was deactivated (``report
    --street`` takes one: its firms are still on it); without it the .xlsx had no block for that street and the
    PDF titled the street's figures 全区."""
    from db import dashboard_queries, queries
    from pipeline.dashboard import Dashboard
    streets = ledger.streets()
    if street_id is not None and street_id not in dict(streets):
        streets.append((street_id, street))
    return Dashboard(queries.load_facts(ledger.conn), ledger.catalog(), dashboard_queries.all_targets(ledger.conn),
                     streets)


def write_report(ledger, data: dict, out: str) -> Path:
    """Write the report of ``data`` (the ``report --json`` dict: year, as_of, street) to *out*."""
    path = Path(out)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".pdf"):
        raise InputError(f"--out 只支持 .xlsx 或 .pdf 文件：{out}")
    if not path.parent.exists():
        raise InputError(f"保存报告的文件夹不存在：{path.parent}")
    year, as_of = int(data["year"]), date.fromisoformat(data["as_of"])
    street_id = ledger.street_id(data.get("street")) if data.get("street") else None
    dash = _dashboard(ledger, street_id, data.get("street"))
    try:
        if suffix == ".xlsx":
            from importers.report_xlsx import write_indicator_table
            return write_indicator_table(path, dash, year, as_of, street_id)
        from db.dashboard_queries import firm_names
        from ui.report_pdf import ensure_gui_app, write_pdf
        ensure_gui_app()
        return write_pdf(path, dash, year, as_of, street_id, lambda ids: firm_names(ledger.conn, ids))
    except PermissionError:
        raise InputError(f"无法写入 {out}：文件可能正被 Excel/WPS 或 PDF 阅读器打开，请关闭后重试") from None
    except OSError as exc:
        raise InputError(f"无法写入 {out}：{exc.strerror or exc}") from None
