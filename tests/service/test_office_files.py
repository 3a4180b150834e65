"""Chinese office files: GB18030/GBK/UTF-8 CSV in, CSV out with a BOM, ids that keep their type."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from service.cli import app
from tests.service.fake_model import FakeTriageModel

runner = CliRunner()
BOM = b"\xef\xbb\xbf"
ROWS = [("JQ1", "邻居装修噪音扰民，双方争吵"), ("JQ2", "老板拖欠工资三个月䶮")]
"""The last text ends with U+4DAE, which GB18030 has and GBK does not."""


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "model"
    FakeTriageModel("fake-office").save(directory)
    return directory


def _csv_bytes(codec: str, bom: bool = False) -> bytes:
    rows = ROWS if codec != "gbk" else [(i, t.replace("䶮", "")) for i, t in ROWS]
    text = "id,text\r\n" + "".join(f"{i},{t}\r\n" for i, t in rows)
    return (BOM if bom else b"") + text.encode(codec)


def _read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))


@pytest.mark.parametrize(
    ("codec", "bom"), [("gb18030", False), ("gbk", False), ("utf-8", False), ("utf-8", True)]
)
def test_score_reads_a_chinese_csv_in_any_office_encoding(tmp_path, model_dir, codec, bom):
    source = tmp_path / "calls.csv"
    source.write_bytes(_csv_bytes(codec, bom))
    out = tmp_path / "scored.csv"
    result = runner.invoke(
        app, ["score", str(source), "-o", str(out), "--model", str(model_dir), "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(BOM)
    rows = _read_csv(out)
    assert [row["id"] for row in rows] == ["JQ1", "JQ2"]
    assert all(row["error"] == "" for row in rows)
    assert rows[0]["dispute_type_name"]  # Chinese display name, readable after the BOM


def test_score_takes_the_encoding_given_and_no_bom_for_pipelines(tmp_path, model_dir):
    source = tmp_path / "calls.csv"
    source.write_bytes(_csv_bytes("gbk"))
    out = tmp_path / "scored.csv"
    args = ["score", str(source), "-o", str(out), "--model", str(model_dir), "--no-progress"]
    result = runner.invoke(app, [*args, "--encoding", "gbk", "--no-bom"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"id,")
    result = runner.invoke(app, [*args, "--encoding", "utf-8"])
    assert result.exit_code == 2
    assert "error [NOT_UTF8]" in result.output and "--encoding gb18030" in result.output
    result = runner.invoke(app, [*args, "--encoding", "ebcdic-klingon"])
    assert result.exit_code == 2
    assert "error [UNKNOWN_ENCODING]" in result.output


def test_predict_reads_gb18030_jsonl(tmp_path, model_dir):
    source = tmp_path / "calls.jsonl"
    source.write_bytes(
        "".join(
            json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n" for i, t in ROWS
        ).encode("gb18030")
    )
    out = tmp_path / "out.jsonl"
    result = runner.invoke(
        app, ["predict", "--input", str(source), "--output", str(out), "--model", str(model_dir)]
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [line["id"] for line in lines] == ["JQ1", "JQ2"]
    assert not out.read_bytes().startswith(BOM)


@pytest.mark.parametrize("suffix", ["parquet", "jsonl", "csv"])
def test_score_keeps_integer_ids_of_a_parquet_input(tmp_path, model_dir, suffix):
    source = tmp_path / "calls.parquet"
    pq.write_table(
        pa.table(
            {
                "id": pa.array([20260001, None, 20260003], pa.int64()),
                "text": [ROWS[0][1], ROWS[1][1], ""],
            }
        ),
        source,
    )
    out = tmp_path / f"scored.{suffix}"
    result = runner.invoke(
        app, ["score", str(source), "-o", str(out), "--model", str(model_dir), "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    if suffix == "parquet":
        table = pq.read_table(out)
        assert pa.types.is_integer(table.schema.field("id").type)
        assert table.column("id").to_pylist() == [20260001, 2, 20260003]
    elif suffix == "jsonl":
        ids = [json.loads(line)["id"] for line in out.read_text("utf-8").splitlines()]
        assert ids == [20260001, 2, 20260003]
    else:
        assert [row["id"] for row in _read_csv(out)] == ["20260001", "2", "20260003"]


def test_score_writes_string_ids_of_a_parquet_input_as_strings(tmp_path, model_dir):
    source = tmp_path / "calls.parquet"
    pq.write_table(pa.table({"id": ["007", "JQ2"], "text": [t for _, t in ROWS]}), source)
    out = tmp_path / "scored.parquet"
    result = runner.invoke(
        app, ["score", str(source), "-o", str(out), "--model", str(model_dir), "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    assert pq.read_table(out).column("id").to_pylist() == ["007", "JQ2"]


def test_evaluate_reads_a_gb18030_labelled_csv(tmp_path, tiny_linear_bundle, tiny_set):
    source = tmp_path / "held.csv"
    lines = ["text,dispute_type,risk_grade,escalation"] + [
        f"{t},{d},{g},{str(e).lower()}" for t, d, g, e in tiny_set.rows()[::9]
    ]
    source.write_bytes("\r\n".join(lines).encode("gb18030"))
    result = runner.invoke(
        app, ["evaluate", "--data", str(source), "--model", str(tiny_linear_bundle)]
    )
    assert result.exit_code == 0, result.output
    assert "held" in result.output


@pytest.mark.parametrize(
    "command", ["predict", "score", "train", "evaluate", "adapt", "pretrain", "ensemble"]
)
def test_every_command_that_reads_records_takes_encoding(command):
    import typer.main

    group = typer.main.get_command(app)
    options = {
        opt
        for param in group.commands[command].params  # type: ignore[attr-defined]
        for opt in param.opts
    }
    assert "--encoding" in options
