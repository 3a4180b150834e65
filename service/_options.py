"""Command-line options shared by the commands that read or write record files."""

from __future__ import annotations

from typing import Annotated

import typer

from models.io import AUTO_ENCODING, ENCODING_HELP

EncodingOption = Annotated[str, typer.Option("--encoding", help=ENCODING_HELP)]
"""``--encoding``: text encoding of CSV/JSONL input (``auto`` by default)."""

DEFAULT_ENCODING = AUTO_ENCODING
