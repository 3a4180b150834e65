"""Record files: JSONL, CSV and Parquet, read in chunks and written atomically.

Used by training (labelled files), ``triage predict`` and the batch scorer, so every command reads
the same formats the same way. Text files (JSONL, CSV) are UTF-8 (with or without a BOM) or
GB18030/GBK, what Excel and WPS save on Chinese Windows: ``encoding="auto"`` tells them apart.
Rows are plain dicts; a row's number (1-based line for JSONL/CSV, 1-based row for Parquet)
travels with it so errors can name it.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from nlp.errors import InputFileError

FORMATS = ("jsonl", "csv", "parquet")
_EXTENSIONS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}

Row = dict[str, Any]

AUTO_ENCODING = "auto"
"""Tell UTF-8 (BOM or not) from GB18030/GBK by reading the file (see ``detect_encoding``)."""
ENCODING_HELP = (
    "Text encoding of CSV/JSONL input: auto (UTF-8 with or without BOM, else GB18030/GBK), "
    "utf-8, gb18030 or gbk."
)


def detect_format(path: Path, explicit: str | None = None) -> str:
    """The file format, from ``explicit`` or the file extension.

    Raises:
        InputFileError: code ``UNKNOWN_FORMAT`` when neither names a supported format.
    """
    if explicit:
        if explicit not in FORMATS:
            raise InputFileError(
                f"format {explicit!r} is not supported; use one of {', '.join(FORMATS)}",
                code="UNKNOWN_FORMAT",
            )
        return explicit
    found = _EXTENSIONS.get(Path(path).suffix.lower())
    if found is None:
        raise InputFileError(
            f"cannot tell the format of {path} from its extension; pass --format "
            f"({', '.join(FORMATS)})",
            code="UNKNOWN_FORMAT",
        )
    return found


def iter_rows(
    path: Path, file_format: str | None = None, *, encoding: str = AUTO_ENCODING
) -> Iterator[tuple[int, Row]]:
    """Yield ``(row_number, row)`` from a record file, streaming.

    Args:
        path: the file (``-``: JSONL on stdin).
        file_format: ``jsonl``, ``csv`` or ``parquet``; ``None``: from the extension.
        encoding: ``auto`` or a codec name (``utf-8``, ``gb18030``, ``gbk``) for JSONL and CSV.

    Raises:
        InputFileError: the file is missing, or a line is not valid JSON / not an object
            (code ``MALFORMED_LINE``, naming the file and line), or the text is not in the
            encoding (``NOT_UTF8``, ``DECODE_FAILED``), or the encoding is unknown
            (``UNKNOWN_ENCODING``).
    """
    path = Path(path)
    if str(path) != "-" and not path.is_file():
        raise InputFileError(f"input file {path} does not exist", code="FILE_NOT_FOUND")
    kind = "jsonl" if str(path) == "-" else detect_format(path, file_format)
    if kind == "jsonl":
        yield from _iter_jsonl(path, encoding)
    elif kind == "csv":
        yield from _iter_csv(path, encoding)
    else:
        yield from _iter_parquet(path)


def _iter_jsonl(path: Path, encoding: str) -> Iterator[tuple[int, Row]]:
    with _open_text(path, encoding) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise InputFileError(
                    f"{path} line {number} is not valid JSON ({error.msg} at column "
                    f"{error.colno}); fix or remove that line",
                    code="MALFORMED_LINE",
                ) from None
            if not isinstance(row, dict):
                raise InputFileError(
                    f"{path} line {number} is a JSON {type(row).__name__}, not an object",
                    code="MALFORMED_LINE",
                )
            yield number, row


def _iter_csv(path: Path, encoding: str) -> Iterator[tuple[int, Row]]:
    with _open_text(path, encoding) as handle:
        reader = csv.DictReader(handle)
        try:
            for row in reader:
                if None in row:
                    raise InputFileError(
                        f"{path} line {reader.line_num} has more fields than the header",
                        code="MALFORMED_LINE",
                    )
                yield reader.line_num, dict(row)
        except csv.Error as error:
            raise InputFileError(
                f"{path} line {reader.line_num} is not valid CSV ({error})", code="MALFORMED_LINE"
            ) from None


def _iter_parquet(path: Path) -> Iterator[tuple[int, Row]]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as error:
        raise InputFileError(
            f"{path} is not a readable Parquet file ({type(error).__name__})", code="MALFORMED_FILE"
        ) from None
    number = 0
    for batch in parquet.iter_batches(batch_size=4096):
        for row in batch.to_pylist():
            number += 1
            yield number, row


def check_encoding(encoding: str) -> str:
    """The codec to read with: ``auto`` as it is, UTF-8 spellings as ``utf-8-sig`` (BOM or not).

    Raises:
        InputFileError: code ``UNKNOWN_ENCODING`` when Python has no such codec.
    """
    if encoding == AUTO_ENCODING:
        return encoding
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise InputFileError(
            f"unknown encoding {encoding!r}; use auto, utf-8, gb18030 or gbk",
            code="UNKNOWN_ENCODING",
        ) from None
    return "utf-8-sig" if name in ("utf-8", "utf-8-sig") else name


def detect_encoding(path: Path) -> str:
    """``utf-8-sig`` when the whole file is UTF-8 (BOM or not), else ``gb18030``.

    GB18030 is a superset of GBK and GB2312, so it reads what Excel and WPS save as "CSV" on
    Chinese Windows. A file with a UTF-16 BOM is read as UTF-16.
    """
    with path.open("rb") as handle:
        head = handle.read(4)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            for block in iter(lambda: handle.read(1 << 20), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "gb18030"
    return "utf-8-sig"


@contextmanager
def _open_text(path: Path, encoding: str = AUTO_ENCODING) -> Iterator[IO[str]]:
    codec = check_encoding(encoding)
    if str(path) == "-":
        if codec == AUTO_ENCODING:
            yield sys.stdin
        else:
            yield io.TextIOWrapper(sys.stdin.buffer, encoding=codec, newline="")
        return
    if codec == AUTO_ENCODING:
        codec = detect_encoding(path)
    try:
        with path.open(encoding=codec, newline="") as handle:
            yield handle
    except UnicodeDecodeError as error:
        if codec == "utf-8-sig":
            raise InputFileError(
                f"{path} is not UTF-8 text (bad byte at offset {error.start}); pass "
                "--encoding gb18030 if it was saved by Excel or WPS on Chinese Windows, or "
                "--encoding auto",
                code="NOT_UTF8",
            ) from None
        detected = " (detected)" if encoding == AUTO_ENCODING else ""
        raise InputFileError(
            f"{path} is not {codec}{detected} text (bad byte at offset {error.start}); pass "
            "the file's encoding with --encoding, or convert it to UTF-8",
            code="DECODE_FAILED",
        ) from None


class AtomicWriter:
    """Writes rows to ``<final>.partial`` and renames it onto the final name only on ``commit``.

    An interrupted run therefore never leaves a truncated file under the final name. With
    ``bom`` a CSV starts with a UTF-8 byte-order mark (for spreadsheets); JSONL never does.
    """

    def __init__(
        self,
        path: Path,
        file_format: str,
        columns: Sequence[str] | None = None,
        *,
        bom: bool = False,
    ) -> None:
        self.path = Path(path)
        self.bom = bom
        self.format = file_format
        self.columns = list(columns) if columns else None
        self.partial = self.path.with_name(self.path.name + ".partial")
        self.rows_written = 0
        self._handle: IO[str] | None = None
        self._csv: csv.DictWriter[str] | None = None
        self._parquet: Any = None

    def write(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Append rows (a chunk)."""
        if not rows:
            return
        if self.format == "parquet":
            self._write_parquet(rows)
        elif self.format == "csv":
            self._write_csv(rows)
        else:
            handle = self._text_handle()
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        self.rows_written += len(rows)

    def _text_handle(self) -> IO[str]:
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # A BOM lets Excel and WPS open a CSV as UTF-8 instead of the local code page.
            encoding = "utf-8-sig" if self.bom and self.format == "csv" else "utf-8"
            self._handle = self.partial.open("w", encoding=encoding, newline="")
        return self._handle

    def _write_csv(self, rows: Sequence[Mapping[str, Any]]) -> None:
        if self._csv is None:
            columns = self.columns or list(rows[0])
            self._csv = csv.DictWriter(
                self._text_handle(), fieldnames=columns, extrasaction="ignore"
            )
            self._csv.writeheader()
        for row in rows:
            self._csv.writerow(
                {
                    k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v
                    for k, v in row.items()
                }
            )

    def _write_parquet(self, rows: Sequence[Mapping[str, Any]]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        flat = [
            {
                k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v
                for k, v in row.items()
            }
            for row in rows
        ]
        table = pa.Table.from_pylist(flat)
        if self._parquet is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._parquet = pq.ParquetWriter(self.partial, table.schema)
        else:
            table = table.cast(self._parquet.schema)
        self._parquet.write_table(table)

    def commit(self) -> None:
        """Close the partial file and move it onto the final name."""
        self._close()
        if not self.partial.exists():
            self.write_empty()
        os.replace(self.partial, self.path)

    def write_empty(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.partial.write_text("", encoding="utf-8")

    def abort(self) -> None:
        """Close and keep the partial file (for resuming or inspection)."""
        self._close()

    def _close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if self._parquet is not None:
            self._parquet.close()
            self._parquet = None
