from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from nlp.errors import InputFileError, ModelBundleError
from service._flat import flat_columns
from service.batch import ScoreJob, ScoringConfig, run_scoring
from service.records import result_entry
from tests.service.fake_model import FakeTriageModel, load_for_scoring

TEXTS = ["邻居占地", "老板欠薪三个月", "借钱不还还打人", "吵架", "村里土地承包纠纷很久了"]


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "model"
    FakeTriageModel("fake-score").save(directory)
    return directory


@pytest.fixture
def config(model_dir: Path) -> ScoringConfig:
    return ScoringConfig(model_dir=model_dir, max_chars=50)


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def many_rows(n: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for i in range(n):
        text: object = TEXTS[i % len(TEXTS)] * (1 + i % 3)
        if i % 11 == 0:
            text = ""
        if i % 17 == 0:
            text = 123
        rows.append({"id": f"r{i}", "text": text})
    return rows


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def test_score_jsonl_output_matches_model_results(tmp_path: Path, config: ScoringConfig) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": i, "text": t} for i, t in enumerate(TEXTS)])
    out = tmp_path / "out.jsonl"
    summary = run_scoring(ScoreJob(source, out, chunk_size=2), config)
    model = FakeTriageModel("fake-score")
    assert read_jsonl(out) == [result_entry(i, model.predict([t])[0]) for i, t in enumerate(TEXTS)]
    assert summary.records == len(TEXTS)
    assert summary.triaged == len(TEXTS)


def test_score_reports_bad_rows_and_loses_none(tmp_path: Path, config: ScoringConfig) -> None:
    rows: list[dict[str, Any]] = [
        {"id": "a", "text": TEXTS[0]},
        {"id": "b", "text": ""},
        {"id": "c", "text": None},
        {"id": "d", "text": "长" * 51},
        {"id": "e"},
        {"text": TEXTS[1]},
    ]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    out = tmp_path / "out.csv"
    summary = run_scoring(ScoreJob(source, out), config)
    with out.open(encoding="utf-8", newline="") as handle:
        result = list(csv.DictReader(handle))
    assert [r["id"] for r in result] == ["a", "b", "c", "d", "e", "6"]
    assert [r["error"] for r in result] == [
        "",
        "EMPTY_TEXT",
        "NOT_TEXT",
        "TEXT_TOO_LONG",
        "NOT_TEXT",
        "",
    ]
    assert result[1]["dispute_type"] == ""
    assert summary.errors == {"EMPTY_TEXT": 1, "NOT_TEXT": 2, "TEXT_TOO_LONG": 1}


def test_score_csv_flat_columns_and_values(tmp_path: Path, config: ScoringConfig) -> None:
    source = tmp_path / "in.csv"
    source.write_text("case_no,narrative\nJQ1,邻居占地\nJQ2,老板欠薪三个月\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    run_scoring(ScoreJob(source, out, text_column="narrative", id_column="case_no"), config)
    with out.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        result = list(reader)
    assert reader.fieldnames == flat_columns("case_no")
    expected = FakeTriageModel("fake-score").predict(["邻居占地"])[0]
    first = result[0]
    assert first["case_no"] == "JQ1"
    assert first["dispute_type"] == expected.dispute_type.label
    assert first["dispute_type_name"] == expected.dispute_type.name
    assert (
        float(first["dispute_type_score"])
        == expected.dispute_type.scores[expected.dispute_type.label]
    )
    assert first["risk_grade_colour"] == expected.risk_grade.colour
    assert first["escalation"] == str(expected.escalation.flag)
    assert first["review_reasons"] == ";".join(expected.review_reasons)
    assert first["suggestion"] == expected.suggestions[0]
    assert first["model_version"] == "fake-score"


def test_score_csv_without_text_column_fails_fast(tmp_path: Path, config: ScoringConfig) -> None:
    source = tmp_path / "in.csv"
    source.write_text("id,body\n1,占地\n", encoding="utf-8")
    with pytest.raises(InputFileError) as caught:
        run_scoring(ScoreJob(source, tmp_path / "out.csv"), config)
    assert caught.value.code == "MISSING_COLUMN"
    assert not (tmp_path / "out.csv").exists()


def test_score_parquet_roundtrip_with_leading_error_chunk(
    tmp_path: Path, config: ScoringConfig
) -> None:
    texts: list[str | None] = ["", None, *TEXTS, ""]
    source = tmp_path / "in.parquet"
    pq.write_table(pa.table({"id": list(range(len(texts))), "text": texts}), source)
    out = tmp_path / "out.parquet"
    run_scoring(ScoreJob(source, out, chunk_size=2), config)
    table = pq.read_table(out)
    assert table.column_names == flat_columns("id")
    assert table.num_rows == len(texts)
    assert table.schema.field("dispute_type_score").type == pa.float64()
    assert table.schema.field("escalation").type == pa.bool_()
    assert table.column("error").to_pylist() == ["EMPTY_TEXT", "NOT_TEXT", *[""] * 5, "EMPTY_TEXT"]
    assert table.column("id").to_pylist() == list(range(len(texts)))  # int64 ids stay integers


def test_score_all_error_parquet_still_written(tmp_path: Path, config: ScoringConfig) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [{"text": ""}, {"text": 1}])
    out = tmp_path / "out.parquet"
    run_scoring(ScoreJob(source, out, chunk_size=1), config)
    assert pq.read_table(out).column("error").to_pylist() == ["EMPTY_TEXT", "NOT_TEXT"]


def test_score_with_two_jobs_keeps_input_order(tmp_path: Path, config: ScoringConfig) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", many_rows(300))
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    run_scoring(ScoreJob(source, one, chunk_size=7), config)
    run_scoring(ScoreJob(source, two, chunk_size=7, jobs=2), config, loader=load_for_scoring)
    assert two.read_bytes() == one.read_bytes()


def test_score_worker_load_failure_reports_code(tmp_path: Path, config: ScoringConfig) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", many_rows(5))
    # The default loader in a fresh worker process does not know the test architecture.
    with pytest.raises(ModelBundleError) as caught:
        run_scoring(ScoreJob(source, tmp_path / "out.jsonl", jobs=2), config)
    assert caught.value.code == "UNKNOWN_COMPONENT"
    assert not (tmp_path / "out.jsonl").exists()


def test_score_interrupted_leaves_only_partial(tmp_path: Path, config: ScoringConfig) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", many_rows(50))
    out = tmp_path / "out.jsonl"
    seen = []

    def interrupt(count: int) -> None:
        seen.append(count)
        if len(seen) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_scoring(ScoreJob(source, out, chunk_size=10), config, on_progress=interrupt)
    assert not out.exists()
    assert len(read_jsonl(tmp_path / "out.jsonl.partial")) == 20


@pytest.mark.parametrize("suffix", ["jsonl", "csv"])
def test_score_resume_produces_same_file_as_one_run(
    tmp_path: Path, config: ScoringConfig, suffix: str
) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", many_rows(120))
    reference = tmp_path / f"reference.{suffix}"
    run_scoring(ScoreJob(source, reference, chunk_size=25), config)
    out = tmp_path / f"out.{suffix}"
    full = reference.read_bytes()
    # A run killed mid-write: the partial file ends inside a row.
    (tmp_path / f"out.{suffix}.partial").write_bytes(full[: len(full) * 2 // 3 + 5])
    summary = run_scoring(ScoreJob(source, out, chunk_size=25, resume=True), config)
    assert out.read_bytes() == full
    assert summary.kept_from_previous_run > 0
    assert summary.kept_from_previous_run + summary.records == 120
    assert not (tmp_path / f"out.{suffix}.partial").exists()
    assert not (tmp_path / f"out.{suffix}.resume").exists()


def test_score_resume_of_interrupted_resume_uses_longer_copy(
    tmp_path: Path, config: ScoringConfig
) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", many_rows(60))
    reference = tmp_path / "reference.jsonl"
    run_scoring(ScoreJob(source, reference), config)
    lines = reference.read_text("utf-8").splitlines(keepends=True)
    (tmp_path / "out.jsonl.resume").write_text("".join(lines[:40]), "utf-8")
    (tmp_path / "out.jsonl.partial").write_text("".join(lines[:10]), "utf-8")
    out = tmp_path / "out.jsonl"
    summary = run_scoring(ScoreJob(source, out, resume=True), config)
    assert summary.kept_from_previous_run == 40
    assert out.read_bytes() == reference.read_bytes()


def test_score_resume_without_partial_runs_everything(
    tmp_path: Path, config: ScoringConfig
) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", many_rows(10))
    summary = run_scoring(ScoreJob(source, tmp_path / "out.jsonl", resume=True), config)
    assert (summary.kept_from_previous_run, summary.records) == (0, 10)


def test_score_resume_refuses_partial_of_other_input(tmp_path: Path, config: ScoringConfig) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", many_rows(10))
    out = tmp_path / "out.jsonl"
    other = write_jsonl(tmp_path / "other.jsonl", [{"id": "zzz", "text": "占地"}])
    run_scoring(ScoreJob(other, tmp_path / "other-out.jsonl"), config)
    (tmp_path / "out.jsonl.partial").write_bytes((tmp_path / "other-out.jsonl").read_bytes())
    with pytest.raises(InputFileError) as caught:
        run_scoring(ScoreJob(source, out, resume=True), config)
    assert caught.value.code == "RESUME_MISMATCH"
    assert not out.exists()


def test_score_resume_refused_for_parquet(tmp_path: Path, config: ScoringConfig) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", many_rows(3))
    with pytest.raises(InputFileError) as caught:
        run_scoring(ScoreJob(source, tmp_path / "out.parquet", resume=True), config)
    assert caught.value.code == "RESUME_UNSUPPORTED"


def test_score_malformed_input_names_line(tmp_path: Path, config: ScoringConfig) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": 1, "text": "占地"}\n{"id": 2, "text": \n', encoding="utf-8")
    with pytest.raises(InputFileError) as caught:
        run_scoring(ScoreJob(source, tmp_path / "out.jsonl"), config)
    assert caught.value.code == "MALFORMED_LINE"
    assert "line 2" in caught.value.message
    assert not (tmp_path / "out.jsonl").exists()


def test_score_config_applies_colours(tmp_path: Path, model_dir: Path) -> None:
    colours = {"general": "蓝", "complex": "橙", "difficult": "紫"}
    config = ScoringConfig(model_dir=model_dir, grade_colours=colours, max_chars=50)
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": 1, "text": t} for t in TEXTS])
    out = tmp_path / "out.jsonl"
    run_scoring(ScoreJob(source, out), config)
    assert {row["risk_grade"]["colour"] for row in read_jsonl(out)} <= set(colours.values())
