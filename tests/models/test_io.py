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


def test_iter_rows_reports_non_utf8_files_when_utf8_is_asked_for(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes('{"text": "纠纷"}\n'.encode("gbk"))
    with pytest.raises(InputFileError, match="--encoding gb18030") as caught:
        list(iter_rows(path, encoding="utf-8"))
    assert caught.value.code == "NOT_UTF8"


CHINESE_CSV = "id,text\n7,邻居装修噪音扰民，双方争吵\n8,老板拖欠工资䶮\n"
"""The last character (U+4DAE) is in GB18030 but not in GBK."""


@pytest.mark.parametrize(
    ("codec", "text"),
    [
        ("utf-8", CHINESE_CSV),
        ("utf-8-sig", CHINESE_CSV),
        ("gb18030", CHINESE_CSV),
        ("gbk", CHINESE_CSV.replace("䶮", "")),
    ],
)
def test_iter_rows_detects_the_encoding_of_a_chinese_csv(tmp_path, codec, text):
    path = tmp_path / "calls.csv"
    path.write_bytes(text.replace("\n", "\r\n").encode(codec))
    rows = [row for _, row in iter_rows(path)]
    assert list(rows[0]) == ["id", "text"]
    assert rows[0]["text"] == "邻居装修噪音扰民，双方争吵"
    assert rows[1]["text"] == "老板拖欠工资䶮".replace("䶮", "" if codec == "gbk" else "䶮")


def test_iter_rows_reads_the_encoding_asked_for(tmp_path):
    path = tmp_path / "calls.csv"
    path.write_bytes(CHINESE_CSV.encode("gb18030"))
    assert [r["text"] for _, r in iter_rows(path, encoding="GB18030")][1] == "老板拖欠工资䶮"
    with pytest.raises(InputFileError, match="not gbk text") as caught:
        list(iter_rows(path, encoding="gbk"))
    assert caught.value.code == "DECODE_FAILED"


def test_detect_encoding_reads_the_whole_file(tmp_path):
    from models.io import detect_encoding

    path = tmp_path / "late.jsonl"
    path.write_bytes(("a" * (3 << 20)).encode() + "纠纷".encode("gb18030"))
    assert detect_encoding(path) == "gb18030"
    path.write_bytes("\ufeff纠纷".encode())
    assert detect_encoding(path) == "utf-8-sig"


def test_iter_rows_refuses_an_unknown_or_wrong_encoding(tmp_path):
    path = tmp_path / "calls.csv"
    path.write_bytes(CHINESE_CSV.encode("utf-8"))
    with pytest.raises(InputFileError) as caught:
        list(iter_rows(path, encoding="klingon"))
    assert caught.value.code == "UNKNOWN_ENCODING"
    path.write_bytes(b"id,text\n1,\xff\xff\xff\n")
    with pytest.raises(InputFileError) as caught:
        list(iter_rows(path))
    assert caught.value.code == "DECODE_FAILED"


@pytest.mark.parametrize("bom", [True, False])
def test_atomic_writer_writes_a_bom_only_when_asked(tmp_path, bom):
    path = tmp_path / "out.csv"
    writer = AtomicWriter(path, "csv", bom=bom)
    writer.write([{"id": 1, "text": "纠纷"}])
    writer.commit()
    assert path.read_bytes().startswith(b"\xef\xbb\xbf") is bom
    assert [row["text"] for _, row in iter_rows(path)] == ["纠纷"]


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
