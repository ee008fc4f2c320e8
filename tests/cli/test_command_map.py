"""desktop.cli.COMMANDS names the module of every command, and a parser built for one command parses, helps and
fails exactly as the parser of every command does (a run of one command imports only its own module)."""
import argparse

import pytest

from desktop import cli


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action, = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))  # noqa: SLF001
    return dict(action.choices)


def test_the_map_names_every_command_and_its_module():
    full = _subparsers(cli.build_parser())
    assert sorted(full) == sorted(cli.COMMANDS)
    for command, module in cli.COMMANDS.items():
        assert sorted(_subparsers(cli.build_parser(command))) == sorted(
            c for c, m in cli.COMMANDS.items() if m == module or c == "gui"), command


@pytest.mark.parametrize("command", sorted(cli.COMMANDS))
def test_one_command_parser_is_the_same(command):
    full, one = _subparsers(cli.build_parser())[command], _subparsers(cli.build_parser(command))[command]
    assert one.format_help() == full.format_help() and one.format_usage() == full.format_usage()


@pytest.mark.parametrize("argv", [
    ["import"], ["import", "a.xlsx"], ["import", "a.xlsx", "--db", "x.db", "--bogus"], ["undo", "x", "--db", "a"],
    ["gui", "--nope"], ["report", "--db"], ["catalog"], ["users", "add"], ["import", "--version"],
])
def test_errors_are_the_same(argv, capsys):
    for parser in (cli.build_parser(), cli.build_parser(argv[0])):
        with pytest.raises(SystemExit) as exc:
            parser.parse_args(argv)
        assert exc.value.code == cli.EXIT_USAGE
    first, second = capsys.readouterr().err.splitlines()
    assert first == second


def test_help_and_unknown_commands_build_every_command():
    assert sorted(_subparsers(cli.build_parser("--help"))) == sorted(cli.COMMANDS)
    assert sorted(_subparsers(cli.build_parser("nonesuch"))) == sorted(cli.COMMANDS)
    assert sorted(_subparsers(cli.build_parser(None))) == sorted(cli.COMMANDS)


@pytest.mark.parametrize("one", [True, False])
def test_users_without_an_action_shows_the_help_of_users(one, capsys):
    """Found by review (h-review1): ``main.py users`` printed the help of ``pull`` (the lambda read the loop's last
    parser), with the one-command parser and with every command alike."""
    parser = cli.build_parser("users" if one else None)
    args = parser.parse_args(["users"])
    assert args.func(args) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "main.py users" in err and "add" in err and "main.py pull" not in err


def test_every_argument_says_what_it_is_for():
    """`catalog street --help` listed name, --rename and --deactivate with no word of what they do (as did most of
    add-stage's and edit-stage's): every argument of every command now has its Chinese help."""
    missing = []

    def walk(parser, path):
        for action in parser._actions:                                                    # noqa: SLF001
            if isinstance(action, argparse._SubParsersAction):                            # noqa: SLF001
                for name, sub in action.choices.items():
                    walk(sub, [*path, name])
            elif not isinstance(action, argparse._HelpAction) and not action.help:       # noqa: SLF001
                missing.append(" ".join([*path, action.option_strings[0] if action.option_strings else action.dest]))

    walk(cli.build_parser(), [])
    assert missing == []
