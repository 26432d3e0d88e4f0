"""The CLI's `.env`, read by python-dotenv: what editors and shells really write."""

from __future__ import annotations

import pathlib

from flowscale.cli._dotenv import load_dotenv, parse_dotenv

from .helpers import Cli


def _load(
    tmp_path: pathlib.Path, raw: bytes, environ: dict[str, str] | None = None
) -> dict[str, str]:
    env_file = tmp_path / ".env"
    env_file.write_bytes(raw)
    target: dict[str, str] = {} if environ is None else environ
    load_dotenv(env_file, target)
    return target


def test_a_byte_order_mark_does_not_hide_the_first_line(tmp_path: pathlib.Path) -> None:
    raw = "FLOWSCALE_API_URL=http://x:1\nFLOWSCALE_API_KEY=k\n".encode("utf-8-sig")
    assert raw.startswith(b"\xef\xbb\xbf")
    assert _load(tmp_path, raw) == {"FLOWSCALE_API_URL": "http://x:1", "FLOWSCALE_API_KEY": "k"}


def test_crlf_line_ends(tmp_path: pathlib.Path) -> None:
    raw = b'FLOWSCALE_API_URL=http://x:1\r\nFLOWSCALE_API_KEY="quoted"\r\n'
    assert _load(tmp_path, raw) == {
        "FLOWSCALE_API_URL": "http://x:1",
        "FLOWSCALE_API_KEY": "quoted",
    }


def test_quotes_escapes_export_and_multi_line_values() -> None:
    text = (
        "export FLOWSCALE_A='single # kept $HOME'\n"
        'FLOWSCALE_B="line one\\nline two"\n'
        'FLOWSCALE_C="first\nsecond"\n'
        "FLOWSCALE_D=plain # comment\n"
        "FLOWSCALE_E=${FLOWSCALE_D}\n"
        "  FLOWSCALE_F = spaced  \n"
        "BARE_NAME\n"
    )
    assert dict(parse_dotenv(text)) == {
        "FLOWSCALE_A": "single # kept $HOME",
        "FLOWSCALE_B": "line one\nline two",
        "FLOWSCALE_C": "first\nsecond",
        "FLOWSCALE_D": "plain",
        "FLOWSCALE_E": "${FLOWSCALE_D}",  # no interpolation: values are taken verbatim
        "FLOWSCALE_F": "spaced",
    }


def test_real_variables_win_and_others_are_ignored(tmp_path: pathlib.Path) -> None:
    environ = {"FLOWSCALE_API_KEY": "real"}
    raw = b"FLOWSCALE_API_KEY=file\nFLOWSCALE_API_URL=http://file\nPATH=/evil\n"
    assert _load(tmp_path, raw, environ) == {
        "FLOWSCALE_API_KEY": "real",
        "FLOWSCALE_API_URL": "http://file",
    }


def test_unparsable_lines_are_skipped_silently(tmp_path: pathlib.Path, caplog: object) -> None:
    raw = b"this is not = an assignment 'oops\nFLOWSCALE_API_URL=http://x:1\n"
    assert _load(tmp_path, raw) == {"FLOWSCALE_API_URL": "http://x:1"}


def test_health_reads_a_notepad_env_file(cli: Cli, cli_env: dict[str, str]) -> None:
    text = (
        f"FLOWSCALE_API_URL={cli_env['FLOWSCALE_API_URL']}\r\n"
        f"FLOWSCALE_API_KEY={cli_env['FLOWSCALE_API_KEY']}\r\n"
    )
    (cli.cwd / ".env").write_bytes(text.encode("utf-8-sig"))
    result = cli("health", env={"FLOWSCALE_API_URL": None, "FLOWSCALE_API_KEY": None})
    assert result.returncode == 0, result.stderr
