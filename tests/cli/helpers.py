"""Shared by the command-line tests: run one command, return (exit code, stdout, stderr)."""
from desktop.cli import main


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err
