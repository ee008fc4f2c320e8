"""The command-line contract of issue 2: init, demo, report, export, and exit 2 on bad input."""
import json
import shutil
from pathlib import Path

import pytest

from tests.cli.helpers import run


def test_init_then_refuses_to_overwrite(tmp_path, capsys):
    db = tmp_path / "new.db"
    code, out, _ = run(capsys, "init", "--db", str(db))
    assert code == 0 and "14 个街道" in out
    code, _, err = run(capsys, "init", "--db", str(db))
    assert code == 2 and "不会覆盖" in err


def test_report_json_contract(demo_db, capsys):
    code, out, _ = run(capsys, "report", "--db", str(demo_db), "--year", "2023", "--as-of", "2023-12-31", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) >= {"year", "as_of", "time_progress", "indicators", "funnel", "conversions"}
    assert data["year"] == 2023 and data["as_of"] == "2023-12-31" and data["time_progress"] == 1.0
    first = data["indicators"][0]
    assert set(first) >= {"name", "kind", "stages", "street", "base", "target", "actual", "rate"}
    names = [i["name"] for i in data["indicators"]]
    assert "净增高新技术企业" in names


def test_report_for_a_street_uses_its_share(demo_db, capsys):
    code, out, _ = run(capsys, "report", "--db", str(demo_db), "--year", "2024", "--street", "杨园", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["street"] == "杨园" and all(i["street"] == "杨园" for i in data["indicators"])


def test_report_table_prints_chinese_header(demo_db, capsys):
    code, out, _ = run(capsys, "report", "--db", str(demo_db), "--year", "2023")
    assert code == 0 and "指标 | 基期值 | 目标值 | 完成值 | 完成率 | 序时进度" in out


@pytest.mark.parametrize("argv, message", [
    (["report", "--db", "{missing}", "--year", "2023"], "台账文件不存在"),
    (["report", "--db", "{tmp}", "--year", "2023"], "是文件夹，不是台账文件"),
    (["catalog", "--db", "{tmp}", "street", "新街"], "是文件夹，不是台账文件"),
    (["report", "--db", "{demo}", "--year", "2023", "--as-of", "2023-13-45"], "--as-of 的日期“2023-13-45”无法识别"),
    (["report", "--db", "{demo}", "--year", "2023", "--street", "火星"], "未知的街道“火星”"),
    (["export", "--db", "{demo}", "--out", "{tmp}/x.pdf"], "不支持的导出格式"),
    (["export", "--db", "{demo}", "--out", "{tmp}/x.xlsx", "--stage", "不存在的类别"], "未知的认定类别"),
    (["demo", "--db", "{tmp}/d.db", "--firms", "5"], "--firms 应在"),
    (["report", "--db", "{demo}"], "参数错误"),
])
def test_bad_arguments_exit_2_in_chinese(argv, message, demo_db, tmp_path, capsys):
    argv = [a.format(missing=tmp_path / "nope.db", demo=demo_db, tmp=tmp_path) for a in argv]
    with_exit = None
    try:
        code, _, err = run(capsys, *argv)
    except SystemExit as exc:         # argparse's own errors
        with_exit = exc.code
        err = capsys.readouterr().err
        code = with_exit
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert not (tmp_path / "x.xlsx").exists() and not (tmp_path / "d.db").exists()


def test_export_xlsx_contract(demo_db, tmp_path, capsys):
    from python_calamine import CalamineWorkbook
    out = tmp_path / "ledger.xlsx"
    code, stdout, _ = run(capsys, "export", "--db", str(demo_db), "--out", str(out), "--street", "杨园",
                          "--stage", "高企", "--as-of", "2023-12-31")
    assert code == 0
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    header = rows[0]
    assert header[:3] == ["企业名称", "统一社会信用代码", "所在街道"]
    assert "高新技术企业" in header and "高新技术企业认定日期" in header
    body = rows[1:]
    assert body and all(r[2] == "杨园" for r in body)
    gaoqi = header.index("高新技术企业")
    assert all(r[gaoqi] == "高新技术企业" for r in body)
    assert f"已导出 {len(body)} 家企业" in stdout
    codes = [r[1] for r in body if r[1]]
    assert all(isinstance(c, str) and len(c) == 18 for c in codes)


def test_export_csv_has_bom_and_escapes_formulas(ledger, tmp_path, capsys, ledger_address):
    with ledger.write() as w:
        w.insert_firm("=HYPERLINK(\"http://x\")公司", None)
    out = tmp_path / "x.csv"
    code, _, _ = run(capsys, "export", "--db", str(ledger_address), "--out", str(out))
    assert code == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert "'=HYPERLINK" in raw.decode("utf-8-sig")


def test_formula_like_text_stays_text_in_xlsx(ledger, tmp_path, capsys, ledger_address):
    from openpyxl import load_workbook
    names = ["=1+1公司", "+86科技", "-负号公司", "@提及公司"]
    with ledger.write() as w:
        for n in names:
            w.insert_firm(n, None)
    out = tmp_path / "x.xlsx"
    assert run(capsys, "export", "--db", str(ledger_address), "--out", str(out))[0] == 0
    ws = load_workbook(out).active
    cells = [ws.cell(row=r, column=1) for r in range(2, 6)]
    assert sorted(c.value for c in cells) == sorted(names)
    assert all(c.data_type == "s" for c in cells)


def test_excel_serial_is_xlsxwriters_own_conversion():
    from datetime import date, timedelta

    from xlsxwriter.utility import _datetime_to_excel_datetime

    from importers.export import excel_serial
    days = [date(1900, 1, 1) + timedelta(days=i) for i in range(0, 80)]              # across the 1900 leap bug
    days += [date(1970, 1, 1), date(2023, 12, 28), date(2024, 2, 29), date(2199, 12, 31)]
    assert [excel_serial(d) for d in days] == [_datetime_to_excel_datetime(d, False, False) for d in days]
    assert excel_serial(date(2023, 12, 28)) == 45288


def test_exported_dates_are_dates_in_excel(ledger, tmp_path, capsys, ledger_address):
    from datetime import date, datetime

    from openpyxl import load_workbook
    with ledger.write() as w:
        fid = w.insert_firm("武汉日期科技有限公司", None, founded="1900-02-28")
        w.insert_firm("武汉日期二科技有限公司", None, founded="2023-12-28")
        w.add_designation(fid, "gaoqi", date(2021, 7, 1), evidence="GR202142000123")
    out = tmp_path / "x.xlsx"
    assert run(capsys, "export", "--db", str(ledger_address), "--out", str(out), "--as-of", "2024-01-01")[0] == 0
    ws = load_workbook(out).active
    head = [c.value for c in ws[1]]
    col = head.index("成立日期")
    got = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=col + 1) for r in (2, 3)}
    assert {k: c.value for k, c in got.items()} == {"武汉日期科技有限公司": datetime(1900, 2, 28),
                                                     "武汉日期二科技有限公司": datetime(2023, 12, 28)}
    assert all(c.is_date and c.number_format == "yyyy-mm-dd" for c in got.values())


def test_a_defect_in_a_command_is_one_chinese_line_and_the_traceback_goes_to_the_log(tmp_path, capsys, monkeypatch):
    """Never a traceback on screen: an unexpected error says what and where in Chinese, exits 1 (not the 2 of
    bad input), and the whole traceback is appended to the log in the data folder."""
    from desktop.commands import ledger as ledger_commands
    monkeypatch.setenv("XINGTU_DATA_DIR", str(tmp_path / "data"))

    def broken(args):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(ledger_commands, "run_init", broken)
    code, out, err = run(capsys, "init", "--db", str(tmp_path / "x.db"))
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("内部错误") and "ZeroDivisionError" in lines[0]
    assert "Traceback" not in err
    log = (tmp_path / "data" / "logs" / "xingtu.log").read_text(encoding="utf-8")
    assert "Traceback" in log and "ZeroDivisionError: division by zero" in log and str(tmp_path / "data") in err


@pytest.mark.parametrize("command", ["import", "undo", "export", "report", "backup", "restore", "backups", "audit",
                                     "unlock"])
def test_every_ledger_command_s_help_says_it_takes_a_shared_ledger_s_url(command, capsys):
    """README: every command takes the URL. Their --help said 台账文件 (import, undo) or nothing about --db."""
    capsys.readouterr()
    with pytest.raises(SystemExit):
        run(capsys, command, "--help")
    assert "postgresql://" in capsys.readouterr().out


@pytest.mark.parametrize("version", [1, 2, 3])
def test_read_only_commands_read_a_ledger_of_an_older_version_and_leave_it_as_it_was(version, tmp_path, capsys):
    """README: an import's --dry-run writes nothing; read-only commands open a ledger without migrating it. A v1-v3
    ledger has no firms.legal_form/address, and export and import --dry-run ended in an internal error (no such
    column: f.legal_form)."""
    source = Path(__file__).resolve().parents[1] / "data" / f"ledger_v{version}.db"
    ledger = tmp_path / "old.db"
    shutil.copy(source, ledger)
    before = ledger.read_bytes()
    rows = tmp_path / "名单.csv"
    rows.write_text("企业名称,统一社会信用代码\n武汉旧版预览科技有限公司,91420106MA4K000001\n", encoding="utf-8")
    capsys.readouterr()
    code, out, err = run(capsys, "export", "--db", ledger, "--out", tmp_path / "出.xlsx")
    assert code == 0 and "已导出" in out and not err
    code, out, err = run(capsys, "import", rows, "--db", ledger, "--dry-run")
    assert code == 0 and "预览（未写入台账）" in out and not err
    assert ledger.read_bytes() == before


def test_restore_takes_a_backup_s_name_as_backups_lists_it(tmp_path, capsys, monkeypatch):
    """README: `backups --db L` to list them and `restore FILE --db L`. The list shows each backup's file name in
    the ledger's backup folder; restore took only a path, so the name as listed was 备份文件不存在."""
    ledger, folder, elsewhere = tmp_path / "ledger.db", tmp_path / "nas", tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert run(capsys, "init", "--db", ledger)[0] == 0
    assert run(capsys, "backup", "--db", ledger, "--to", folder, "--remember")[0] == 0
    code, out, _ = run(capsys, "backups", "--db", ledger)
    name = next(p.name for p in folder.glob("ledger_*.db"))
    assert code == 0 and name in out
    code, out, err = run(capsys, "restore", name, "--db", ledger)
    assert code == 0 and f"已从 {name} 恢复台账" in out, err
    code, _, err = run(capsys, "restore", "没有这个备份.db", "--db", ledger)
    assert code == 2 and "备份文件不存在" in err and str(folder) in err


def test_the_app_without_a_screen_says_so(tmp_path, capsys, monkeypatch):
    """`python main.py` (or `xingtu`) over SSH: Qt aborted (exit 134, a core dump) with English lines about the
    xcb plugin. It now says, in one Chinese line with exit 2, that there is no screen and what to use instead;
    with a display, or a platform asked for, the app starts."""
    import desktop.app
    started = []
    monkeypatch.setattr(desktop.app, "run", lambda db=None: started.append(db) or 0)
    monkeypatch.setattr("sys.platform", "linux")
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    code, _, err = run(capsys, "--db", tmp_path / "x.db")
    assert code == 2 and "没有可用的屏幕" in err and "snapshot" in err and started == []
    monkeypatch.setenv("DISPLAY", ":0")
    code, _, _ = run(capsys, "--db", tmp_path / "x.db")
    assert code == 0 and started == [str(tmp_path / "x.db")]
