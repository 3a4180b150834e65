import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from models.io import AtomicWriter, detect_format, iter_rows
from nlp.errors import InputFileError


def test_iter_rows_reads_jsonl_with_line_numbers(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"id": 1, "text": "甲"}\n\n{"id": 2, "text": "乙"}\n', encoding="utf-8")
    assert list(iter_rows(path)) == [(1, {"id": 1, "text": "甲"}), (3, {"id": 2, "text": "乙"})]


def test_iter_rows_names_the_malformed_line(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"text": "甲"}\n{"text": 乙}\n', encoding="utf-8")
    with pytest.raises(InputFileError, match="line 2") as caught:
        list(iter_rows(path))
    assert caught.value.code == "MALFORMED_LINE"


def test_iter_rows_rejects_non_object_lines(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('["甲"]\n', encoding="utf-8")
    with pytest.raises(InputFileError, match="line 1"):
        list(iter_rows(path))


def test_iter_rows_reads_csv_and_parquet(tmp_path):
    csv_path = tmp_path / "a.csv"
    csv_path.write_text('id,text\n1,甲\n2,"乙,丙"\n', encoding="utf-8")
    assert [row["text"] for _, row in iter_rows(csv_path)] == ["甲", "乙,丙"]
    parquet_path = tmp_path / "a.parquet"
    pq.write_table(pa.Table.from_pylist([{"id": "x", "text": "丁"}]), parquet_path)
    assert list(iter_rows(parquet_path)) == [(1, {"id": "x", "text": "丁"})]


def test_iter_rows_reports_non_utf8_files(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes('{"text": "纠纷"}\n'.encode("gbk"))
    with pytest.raises(InputFileError) as caught:
        list(iter_rows(path))
    assert caught.value.code == "NOT_UTF8"


def test_detect_format_refuses_unknown_extensions(tmp_path):
    with pytest.raises(InputFileError) as caught:
        detect_format(tmp_path / "a.xlsx")
    assert caught.value.code == "UNKNOWN_FORMAT"
    assert detect_format(tmp_path / "a.xlsx", "csv") == "csv"


@pytest.mark.parametrize("file_format", ["jsonl", "csv", "parquet"])
def test_atomic_writer_only_publishes_on_commit(tmp_path, file_format):
    target = tmp_path / f"out.{file_format}"
    writer = AtomicWriter(target, file_format)
    writer.write([{"id": "1", "label": "land", "scores": {"land": 0.9}}])
    assert not target.exists()
    writer.commit()
    assert target.exists() and not writer.partial.exists()
    rows = [row for _, row in iter_rows(target)]
    assert rows[0]["id"] == "1"
    scores = rows[0]["scores"]
    assert (scores if isinstance(scores, dict) else json.loads(scores)) == {"land": 0.9}


def test_atomic_writer_abort_keeps_partial_file_only(tmp_path):
    target = tmp_path / "out.jsonl"
    writer = AtomicWriter(target, "jsonl")
    writer.write([{"id": "1"}])
    writer.abort()
    assert writer.partial.exists() and not target.exists()
