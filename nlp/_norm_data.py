"""Reading the word lists under ``nlp/data`` that normalisation and PII masking use."""

from __future__ import annotations

from importlib import resources

from nlp.errors import InputFileError


def read_rows(name: str) -> list[tuple[int, list[str]]]:
    """Read a packaged TAB-separated list, skipping blank lines and ``#`` comments.

    A ``#`` preceded by whitespace starts a trailing comment; Chinese list entries never hold one.

    Args:
        name: file name under ``nlp/data``.

    Returns:
        ``(line_number, columns)`` for each entry line, columns stripped and non-empty.

    Raises:
        InputFileError: the file is missing or not UTF-8; reinstall the package.
    """
    try:
        content = resources.files("nlp").joinpath("data", name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(
            f"cannot read nlp/data/{name} ({type(exc).__name__}); reinstall the package or "
            "restore the file from version control"
        ) from None
    rows: list[tuple[int, list[str]]] = []
    for number, raw in enumerate(content.splitlines(), 1):
        line = raw.split(" #", 1)[0].split("\t#", 1)[0]
        if line.lstrip().startswith("#"):
            continue
        columns = [column.strip() for column in line.split("\t") if column.strip()]
        if columns:
            rows.append((number, columns))
    return rows
