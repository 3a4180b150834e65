"""How every command ends on a failure: one ``error [CODE]: message`` line on stderr, no traceback.

What a command raises and what the user sees::

    TriageError (any code)          error [ITS_CODE]: its message              exit 2
    typer.BadParameter in the body  error [INVALID_OPTION]: --name: message    exit 2
    ModuleNotFoundError             error [MISSING_DEPENDENCY]: ... install ... exit 2
    any other exception             error [UNEXPECTED_ERROR]: its type only    exit 1

``typer.Exit``, ``typer.Abort`` and the parser's own usage errors pass through unchanged. An
unexpected exception's message is not printed (it could quote a record); set ``TRIAGE_DEBUG=1``
to see the traceback instead.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import NoReturn, ParamSpec, TypeVar

import typer
from typer.exceptions import TyperException

from nlp.errors import TriageError

P = ParamSpec("P")
R = TypeVar("R")

EXIT_USAGE_ERROR = 2
EXIT_UNEXPECTED = 1
DEBUG_ENV = "TRIAGE_DEBUG"

_OPTIONAL_PACKAGES = {
    "torch": "police-triage[transformer]",
    "transformers": "police-triage[transformer]",
    "tokenizers": "police-triage[transformer]",
    "psycopg": "psycopg[binary]",
}


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Wrap a command so that every failure ends it with ``error [CODE]: message``."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except TriageError as error:
            fail(error.code, error.message)
        except typer.BadParameter as error:
            fail("INVALID_OPTION", _describe_bad_parameter(error))
        except (typer.Exit, typer.Abort, TyperException):
            raise
        except ModuleNotFoundError as error:
            if os.environ.get(DEBUG_ENV):
                raise
            fail("MISSING_DEPENDENCY", missing_dependency_message(error.name))
        except Exception as error:
            if os.environ.get(DEBUG_ENV):
                raise
            fail(
                "UNEXPECTED_ERROR",
                f"the command failed unexpectedly ({type(error).__name__}); rerun with "
                f"{DEBUG_ENV}=1 for the traceback and report it",
                exit_code=EXIT_UNEXPECTED,
            )

    return wrapper


def fail(code: str, message: str, *, exit_code: int = EXIT_USAGE_ERROR) -> NoReturn:
    """Print ``error [CODE]: message`` on stderr and end the command with ``exit_code``."""
    print(f"error [{code}]: {message}", file=sys.stderr)
    raise typer.Exit(exit_code) from None


def missing_dependency_message(module: str | None) -> str:
    """What to install when the optional package ``module`` cannot be imported."""
    top = (module or "an optional package").split(".")[0]
    extra = _OPTIONAL_PACKAGES.get(top, top)
    return (
        f"this command needs the Python package {top!r}, which is not installed; install it "
        f"with pip install '{extra}'"
    )


def _describe_bad_parameter(error: typer.BadParameter) -> str:
    hint = error.param_hint
    if isinstance(hint, list | tuple):
        hint = " / ".join(hint)
    if hint is None and error.param is not None:
        hint = error.param.name
    return f"{hint}: {error.message}" if hint else error.message
