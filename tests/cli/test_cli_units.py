"""The CLI's pure parts, in-process: durations, .env, -i inputs, redaction, exit codes."""

from __future__ import annotations

import logging
import pathlib
import subprocess
import sys

import pytest

import flowscale
from flowscale.cli._dotenv import load_dotenv, parse_dotenv
from flowscale.cli._durations import format_duration, parse_duration
from flowscale.cli._errors import CliError, ExitCode, describe
from flowscale.cli._inputs import parse_inputs
from flowscale.cli._logging import RedactingFormatter

pytestmark = pytest.mark.timeout(30)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90", 90.0),
        ("2.5", 2.5),
        ("90s", 90.0),
        ("10m", 600.0),
        ("1h30m", 5400.0),
        ("1h 30m", 5400.0),
        ("1m30s", 90.0),
        ("500ms", 0.5),
        ("1.5h", 5400.0),
        ("2d", 172800.0),
        (" 10M ", 600.0),
    ],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "10x", "m10", "-5", "0", "10m5", "nan", "inf"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def test_no_limit_durations() -> None:
    for text in ("none", "0", "never"):
        assert parse_duration(text, allow_none=True) is None


def test_format_duration() -> None:
    assert [format_duration(s) for s in (0.04, 12.34, 245, 3725)] == [
        "0.0s",
        "12.3s",
        "4m05s",
        "1h02m",
    ]


def test_parse_dotenv() -> None:
    text = """
# comment
FLOWSCALE_API_URL=http://x:1   # trailing comment
export FLOWSCALE_API_KEY='single # not a comment'
QUOTED="a \\"b\\" c"
not a line
EMPTY=
"""
    assert dict(parse_dotenv(text)) == {
        "FLOWSCALE_API_URL": "http://x:1",
        "FLOWSCALE_API_KEY": "single # not a comment",
        "QUOTED": 'a "b" c',
        "EMPTY": "",
    }


def test_load_dotenv_takes_only_unset_flowscale_variables(tmp_path: pathlib.Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("FLOWSCALE_API_URL=http://file\nFLOWSCALE_API_KEY=file\nPATH=/evil\n")
    environ = {"FLOWSCALE_API_KEY": "real", "PATH": "/usr/bin"}
    assert load_dotenv(env_file, environ) == ["FLOWSCALE_API_URL"]
    assert environ == {
        "FLOWSCALE_API_KEY": "real",
        "PATH": "/usr/bin",
        "FLOWSCALE_API_URL": "http://file",
    }
    assert load_dotenv(tmp_path / "missing", environ) == []


def test_parse_inputs(tmp_path: pathlib.Path) -> None:
    picture = tmp_path / "p.png"
    picture.write_bytes(b"x")
    inputs = parse_inputs(["prompt=a=b", f"image=@{picture}", "handle=@@me", "empty=", "at=@@@x"])
    assert inputs == {
        "prompt": "a=b",
        "image": picture,
        "handle": "@me",
        "empty": "",
        "at": "@@x",
    }
    assert isinstance(inputs["image"], pathlib.Path)


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (["novalue"], "expected NAME=VALUE"),
        (["=x"], "expected NAME=VALUE"),
        (["a=1", "a=2"], "given twice"),
        (["a=@/no/such/file"], "no such file"),
        (["a=@/"], "a directory"),
    ],
)
def test_parse_inputs_errors(items: list[str], message: str) -> None:
    with pytest.raises(CliError, match=message) as info:
        parse_inputs(items)
    assert info.value.problem.code == ExitCode.USAGE


def test_redacting_formatter_blanks_secrets_everywhere() -> None:
    formatter = RedactingFormatter("%(message)s", ["sk-secret-key", "abc"])
    try:
        raise RuntimeError("boom with sk-secret-key")
    except RuntimeError:
        record = logging.LogRecord(
            "flowscale", logging.DEBUG, __file__, 1, "key %s", ("sk-secret-key",), sys.exc_info()
        )
    text = formatter.format(record)
    assert "sk-secret-key" not in text
    assert "key ***" in text
    assert "boom with ***" in text
    assert formatter.redact("abc") == "abc"  # too short to be a secret worth blanking


def _run_error(kind: type[flowscale.RunError]) -> flowscale.RunError:
    if kind is flowscale.RunTimeoutError:
        return flowscale.RunTimeoutError("late", run_id="r1")
    return kind("nope", run_id="r1")


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (flowscale.ConfigurationError("no API key: pass api_key"), ExitCode.USAGE),
        (_run_error(flowscale.RunFailedError), ExitCode.RUN_FAILED),
        (_run_error(flowscale.RunCancelledError), ExitCode.RUN_CANCELLED),
        (_run_error(flowscale.RunTimeoutError), ExitCode.TIMEOUT),
        (flowscale.APIConnectionError("down", method="GET", url="u"), ExitCode.API),
        (flowscale.DownloadError("short", url="u"), ExitCode.API),
        (KeyboardInterrupt(), ExitCode.INTERRUPTED),
        (TypeError("bad argument"), ExitCode.USAGE),
        (FileNotFoundError("missing"), ExitCode.USAGE),
    ],
)
def test_exit_codes(exc: BaseException, code: ExitCode) -> None:
    problem = describe(exc)
    assert problem is not None
    assert problem.code == code


def test_unexpected_errors_are_not_described() -> None:
    assert describe(RuntimeError("bug")) is None


def test_import_flowscale_does_not_need_the_cli_extra() -> None:
    # With click and rich unimportable, the SDK still imports, and the script says what to
    # install (exit 2) instead of failing with a traceback.
    code = (
        "import sys; sys.modules['click'] = None; sys.modules['rich'] = None\n"
        "import flowscale\n"
        "from flowscale.cli import main\n"
        "sys.exit(main([]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert "install flowscale[cli]" in result.stderr
    assert "Traceback" not in result.stderr


def test_sdk_modules_never_import_the_cli_libraries() -> None:
    # httpx imports click and rich itself when they are installed (for its own CLI); our
    # modules outside flowscale/cli must not.
    root = pathlib.Path(flowscale.__file__).parent
    for path in root.rglob("*.py"):
        if "cli" in path.relative_to(root).parts:
            continue
        source = path.read_text()
        assert "import click" not in source, path
        assert "import rich" not in source, path
        assert "from rich" not in source, path


def test_serve_and_demo_without_the_server_extra_say_what_to_install() -> None:
    code = (
        "import sys; sys.modules['uvicorn'] = None\n"
        "from flowscale.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    for command in ("demo", "serve"):
        result = subprocess.run(
            [sys.executable, "-c", code, command], capture_output=True, text=True, timeout=30
        )
        assert result.returncode == 2, result.stderr
        assert "install flowscale[server]" in result.stderr
        assert "Traceback" not in result.stderr
