"""``triage score`` under kills and bad input: no silent overwrite of an interrupted run, resume
from a tail cut anywhere, per-record errors for bad ids, blank lines counted, no orphaned
workers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from nlp.errors import InputFileError
from service.batch import ScoreJob, ScoringConfig, run_scoring
from service.cli import app
from tests.service.fake_model import FakeTriageModel

ROOT = Path(__file__).resolve().parents[2]
TEXTS = ["邻居占地", "老板欠薪三个月", "借钱不还还打人", "吵架", "村里土地承包纠纷很久了"]


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "model"
    FakeTriageModel("fake-score").save(directory)
    return directory


@pytest.fixture
def config(model_dir: Path) -> ScoringConfig:
    return ScoringConfig(model_dir=model_dir, max_chars=50)


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def _rows(n: int) -> list[dict[str, Any]]:
    return [{"id": f"r{i}", "text": TEXTS[i % len(TEXTS)]} for i in range(n)]


def test_score_refuses_existing_partial_without_resume_or_restart(
    tmp_path: Path, config: ScoringConfig
) -> None:
    source = _write_jsonl(tmp_path / "in.jsonl", _rows(5))
    out = tmp_path / "out.jsonl"
    partial = tmp_path / "out.jsonl.partial"
    partial.write_bytes(b'{"id": "r0"}\n')
    with pytest.raises(InputFileError) as caught:
        run_scoring(ScoreJob(source, out), config)
    assert caught.value.code == "PARTIAL_OUTPUT_EXISTS"
    assert "--resume" in caught.value.message and "--restart" in caught.value.message
    assert partial.read_bytes() == b'{"id": "r0"}\n'
    assert not out.exists()


def test_score_refuses_leftover_resume_copy_too(tmp_path: Path, config: ScoringConfig) -> None:
    source = _write_jsonl(tmp_path / "in.jsonl", _rows(5))
    (tmp_path / "out.jsonl.resume").write_bytes(b"")
    with pytest.raises(InputFileError) as caught:
        run_scoring(ScoreJob(source, tmp_path / "out.jsonl"), config)
    assert caught.value.code == "PARTIAL_OUTPUT_EXISTS"


def test_score_restart_discards_partial_and_scores_everything(
    tmp_path: Path, config: ScoringConfig
) -> None:
    source = _write_jsonl(tmp_path / "in.jsonl", _rows(7))
    reference = tmp_path / "reference.jsonl"
    run_scoring(ScoreJob(source, reference), config)
    out = tmp_path / "out.jsonl"
    (tmp_path / "out.jsonl.partial").write_bytes(b"garbage\n")
    (tmp_path / "out.jsonl.resume").write_bytes(b"garbage\n")
    summary = run_scoring(ScoreJob(source, out, restart=True), config)
    assert (summary.records, summary.kept_from_previous_run) == (7, 0)
    assert out.read_bytes() == reference.read_bytes()
    assert not (tmp_path / "out.jsonl.partial").exists()
    assert not (tmp_path / "out.jsonl.resume").exists()


def test_score_resume_and_restart_together_are_refused(
    tmp_path: Path, config: ScoringConfig
) -> None:
    source = _write_jsonl(tmp_path / "in.jsonl", _rows(2))
    with pytest.raises(InputFileError) as caught:
        run_scoring(ScoreJob(source, tmp_path / "o.jsonl", resume=True, restart=True), config)
    assert caught.value.code == "RESUME_CONFLICT"


def test_score_cli_partial_exists_is_coded_exit_2(tmp_path: Path, model_dir: Path) -> None:
    source = _write_jsonl(tmp_path / "in.jsonl", _rows(3))
    out = tmp_path / "out.jsonl"
    (tmp_path / "out.jsonl.partial").write_bytes(b"")
    argv = ["score", str(source), "-o", str(out), "--model", str(model_dir), "--no-progress"]
    refused = CliRunner().invoke(app, argv)
    assert refused.exit_code == 2
    assert "error [PARTIAL_OUTPUT_EXISTS]" in refused.stderr
    assert "--resume" in refused.stderr and "--restart" in refused.stderr
    restarted = CliRunner().invoke(app, [*argv, "--restart"])
    assert restarted.exit_code == 0, restarted.output
    assert len(out.read_text("utf-8").splitlines()) == 3


@pytest.mark.parametrize("suffix", ["jsonl", "csv"])
def test_score_resume_from_a_cut_at_every_byte_of_the_last_record(
    tmp_path: Path, config: ScoringConfig, suffix: str
) -> None:
    source = _write_jsonl(tmp_path / "in.jsonl", _rows(4))
    reference = tmp_path / f"reference.{suffix}"
    run_scoring(ScoreJob(source, reference), config)
    full = reference.read_bytes()
    last_start = full.rstrip(b"\n").rfind(b"\n") + 1
    assert len(full) - last_start > 20
    assert any(byte >= 0x80 for byte in full[last_start:])  # multi-byte characters to cut into
    out = tmp_path / f"out.{suffix}"
    partial = tmp_path / f"out.{suffix}.partial"
    for cut in range(last_start, len(full) + 1):
        partial.write_bytes(full[:cut])
        summary = run_scoring(ScoreJob(source, out, resume=True), config)
        assert out.read_bytes() == full, f"cut at byte {cut}"
        kept = 4 if cut == len(full) else 3
        assert (summary.kept_from_previous_run, summary.records) == (kept, 4 - kept)
        out.unlink()


def test_score_resume_of_cut_resume_copy_goes_on(tmp_path: Path, config: ScoringConfig) -> None:
    # The crash the issue found: a .partial cut mid-character was moved to .resume, and every
    # later --resume crashed on it.
    source = _write_jsonl(tmp_path / "in.jsonl", _rows(6))
    reference = tmp_path / "reference.jsonl"
    run_scoring(ScoreJob(source, reference), config)
    full = reference.read_bytes()
    cut = next(i for i in range(len(full) // 2, len(full)) if 0x80 <= full[i] < 0xC0)
    (tmp_path / "out.jsonl.resume").write_bytes(full[:cut])
    out = tmp_path / "out.jsonl"
    run_scoring(ScoreJob(source, out, resume=True), config)
    assert out.read_bytes() == full


@pytest.mark.parametrize("suffix", ["jsonl", "csv"])
def test_score_bad_ids_are_per_record_errors(
    tmp_path: Path, config: ScoringConfig, suffix: str
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        '{"id": "a\\udfff", "text": "邻居占地"}\n'
        '{"id": false, "text": "邻居占地"}\n'
        '{"id": 9223372036854775808, "text": "邻居占地"}\n'
        '{"id": "ok", "text": "邻居\\ud800占地"}\n'
        '{"id": "fine", "text": "邻居占地"}\n',
        encoding="utf-8",
    )
    out = tmp_path / f"out.{suffix}"
    summary = run_scoring(ScoreJob(source, out), config)
    assert summary.records == 5
    assert summary.errors == {"INVALID_ID": 3, "INVALID_CHARACTERS": 1}
    assert out.read_bytes().decode("utf-8")  # the output is UTF-8 text throughout
    # A resume over those rows matches them again.
    reference = out.read_bytes()
    out.unlink()
    (tmp_path / f"out.{suffix}.partial").write_bytes(reference[: len(reference) - 3])
    run_scoring(ScoreJob(source, out, resume=True), config)
    assert out.read_bytes() == reference


def test_score_counts_blank_lines(tmp_path: Path, config: ScoringConfig) -> None:
    source = tmp_path / "in.jsonl"
    line = json.dumps({"id": 1, "text": "邻居占地"}, ensure_ascii=False)
    source.write_text(f"\n{line}\n\n  \n{line}\n\t\n\n", encoding="utf-8")
    summary = run_scoring(ScoreJob(source, tmp_path / "out.jsonl"), config)
    assert (summary.records, summary.blank_lines) == (2, 5)
    no_newline = tmp_path / "in2.jsonl"
    no_newline.write_text(f"{line}\n   ", encoding="utf-8")
    assert run_scoring(ScoreJob(no_newline, tmp_path / "o2.jsonl"), config).blank_lines == 1


def test_score_cli_summary_shows_blank_lines(tmp_path: Path, model_dir: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"text": "邻居占地"}\n\n\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    argv = ["score", str(source), "-o", str(out), "--model", str(model_dir), "--no-progress"]
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 0, result.output
    assert "blank input lines" in result.stderr


_KILLED_PARENT = textwrap.dedent(
    """
    import json, multiprocessing, sys, time
    from pathlib import Path
    from service.batch import ScoreJob, ScoringConfig, run_scoring
    from tests.service.fake_model import load_for_scoring, register

    register()
    source, model, out, pids = map(Path, sys.argv[1:5])

    def hold(_count):
        children = [p.pid for p in multiprocessing.active_children()]
        pids.write_text(json.dumps(children))
        time.sleep(120)

    job = ScoreJob(source, out, chunk_size=2, jobs=2)
    run_scoring(job, ScoringConfig(model_dir=model), on_progress=hold, loader=load_for_scoring)
    """
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie has died; only its exit status is left for a parent that no longer exists.
    status = Path(f"/proc/{pid}/status")
    if status.exists():
        return "\nState:\tZ" not in status.read_text()
    return True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc")
def test_score_workers_die_with_a_killed_parent(tmp_path: Path, model_dir: Path) -> None:
    source = _write_jsonl(tmp_path / "in.jsonl", _rows(40))
    pids_file = tmp_path / "pids.json"
    out = tmp_path / "out.jsonl"
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _KILLED_PARENT,
            str(source),
            str(model_dir),
            str(out),
            str(pids_file),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        deadline = time.monotonic() + 60
        while not pids_file.exists() or not pids_file.read_text():
            assert parent.poll() is None, "the scoring run ended early"
            assert time.monotonic() < deadline, "the workers never started"
            time.sleep(0.1)
        children = json.loads(pids_file.read_text())
        assert len(children) >= 2
        assert all(_alive(pid) for pid in children)
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    survivors = [pid for pid in children if _alive(pid)]
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)
    assert not survivors, f"{len(survivors)} scoring processes outlived their parent"


_WATCHED_CHILD = textwrap.dedent(
    """
    import os, sys, time
    from service import batch

    batch._set_death_signal = lambda: False  # the watchdog thread, as where prctl is missing
    batch._PARENT_POLL_S = 0.1
    batch.die_with_parent(os.getppid())
    print(os.getpid(), flush=True)
    time.sleep(120)
    """
)
_PARENT_OF_WATCHED = textwrap.dedent(
    """
    import subprocess, sys, time
    child = subprocess.Popen([sys.executable, "-c", sys.argv[1]], stdout=sys.stdout)
    time.sleep(120)
    """
)


def test_score_worker_watchdog_ends_a_worker_without_prctl(tmp_path: Path) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", _PARENT_OF_WATCHED, _WATCHED_CHILD],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        assert _alive(child)
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        if parent.stdout is not None:
            parent.stdout.close()
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    survived = _alive(child)
    if survived:
        os.kill(child, signal.SIGKILL)
    assert not survived, "the watchdog did not end the orphaned worker"
