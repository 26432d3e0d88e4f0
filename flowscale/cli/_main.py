"""Running the command line: .env, click, and turning every failure into one line and an
exit code (a traceback only with --debug)."""

from __future__ import annotations

import sys
import traceback

import attrs
import click
from rich.text import Text

from ._app import cli
from ._completion import COMPLETE_VAR
from ._console import err_console
from ._context import Session
from ._dotenv import load_dotenv
from ._errors import ExitCode, Problem, describe, error_json
from ._output import print_json

__all__ = ["run"]


def run(argv: list[str] | None = None) -> int:
    load_dotenv()  # before click reads FLOWSCALE_API_URL / FLOWSCALE_API_KEY
    session = Session()
    try:
        result = cli.main(
            args=argv,
            prog_name="flowscale",
            complete_var=COMPLETE_VAR,
            standalone_mode=False,
            obj=session,
        )
    except click.exceptions.Abort as exc:
        # click turns Ctrl-C (and EOF at a prompt) outside our handlers into Abort.
        interrupted = isinstance(exc.__context__, KeyboardInterrupt) or exc.__context__ is None
        return _report(session, Problem("interrupted" if interrupted else "aborted",
                                        ExitCode.INTERRUPTED))  # fmt: skip
    except click.ClickException as exc:
        exc.show()
        # A parse error can come before the eager --json option was seen: look for it too.
        if session.json or "--json" in (sys.argv[1:] if argv is None else argv):
            message = session.redact(exc.format_message())
            print_json({"error": {"type": "UsageError", "message": message,
                                  "exit_code": exc.exit_code}}, one_line=True)  # fmt: skip
        return exc.exit_code
    except Exception as exc:
        problem = describe(exc)
        if session.debug:
            _traceback(session, exc)
        if problem is None:
            problem = Problem(
                f"unexpected {type(exc).__name__}: {exc}",
                ExitCode.INTERNAL,
                "this is a bug in the flowscale CLI"
                + ("" if session.debug else "; rerun with --debug for the traceback"),
            )
        return _report(session, problem, exc)
    except KeyboardInterrupt:  # before click started (reading .env)
        return int(ExitCode.INTERRUPTED)
    return result if isinstance(result, int) else 0


def _report(session: Session, problem: Problem, exc: BaseException | None = None) -> int:
    if session.json:  # scripts read stdout: one error object there, and the line on stderr
        hint = None if problem.hint is None else session.redact(problem.hint)
        print_json(error_json(attrs.evolve(problem, message=session.redact(problem.message),
                                           hint=hint), exc), one_line=True)  # fmt: skip
    console = err_console()
    # Ctrl-C is the user's doing, not an error: say what became of the run, plainly.
    prefix = "" if problem.code == ExitCode.INTERRUPTED else "error: "
    console.print(Text.assemble((prefix, "bold red"), session.redact(problem.message)))
    if problem.hint:
        console.print(Text.assemble(("hint: ", "yellow"), session.redact(problem.hint)))
    return int(problem.code)


def _traceback(session: Session, exc: BaseException) -> None:
    text = "".join(traceback.format_exception(exc))
    err_console().print(Text(session.redact(text), style="dim"))
