"""How every command reports a ``TriageError``: one line on stderr with its code, exit status 2."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer

from nlp.errors import TriageError

P = ParamSpec("P")
R = TypeVar("R")

EXIT_USAGE_ERROR = 2


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Wrap a command so typed errors end it with ``error [CODE]: message`` and exit status 2."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except TriageError as error:
            print(f"error [{error.code}]: {error.message}", file=sys.stderr)
            raise typer.Exit(EXIT_USAGE_ERROR) from None

    return wrapper
