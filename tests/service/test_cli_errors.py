"""Every command ends a failure with one ``error [CODE]: message`` line and its exit status."""

from __future__ import annotations

import importlib.abc
import json
import re
import socket
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.cli import app
from service.errors import ERROR_CODES
from tests.service.conftest import API_KEY, SECRET_TEXT
from tests.service.fake_model import FakeTriageModel

runner = CliRunner()
CODED_LINE = re.compile(r"^error \[([A-Z][A-Z0-9_]+)\]: \S", re.MULTILINE)
TORCH_MODULES = ("torch", "models.transformer", "training.transformer")


def _assert_coded(result, code: str, exit_code: int = 2) -> str:
    output = result.output
    assert result.exit_code == exit_code, output
    assert "Traceback" not in output
    found = CODED_LINE.findall(output)
    assert found == [code], output
    return output


class _NoTorch(importlib.abc.MetaPathFinder):
    """An import system in which torch is not installed."""

    def find_spec(self, name, path, target=None):
        if name.split(".")[0] == "torch":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


def _without_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    # A finder rather than sys.modules["torch"] = None: scipy looks torch up in sys.modules and
    # would trip over a None there, which an environment without torch never has.
    for name in list(sys.modules):
        if name.split(".")[0] == "torch" or name.startswith(TORCH_MODULES[1:]):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(sys, "meta_path", [_NoTorch(), *sys.meta_path])


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    directory = tmp_path / "model"
    FakeTriageModel("fake").save(directory)
    return directory


def _bad_input_commands(tmp: Path, bundle: Path) -> dict[str, tuple[list[str], str]]:
    missing = str(tmp / "missing.jsonl")
    out = str(tmp / "out")
    return {
        "generate-corpus": (
            ["generate-corpus", "--records", "3", "--output", out],
            "INVALID_OPTION",
        ),
        "train": (["train", "--data", missing, "--output", out], "FILE_NOT_FOUND"),
        "pretrain": (["pretrain", "--data", missing, "--output", out], "FILE_NOT_FOUND"),
        "ensemble": (
            [
                "ensemble",
                "--member",
                out,
                "--member",
                out,
                "--calibration",
                missing,
                "--output",
                out,
            ],
            "FILE_NOT_FOUND",
        ),
        "evaluate": (["evaluate", "--data", missing, "--model", str(bundle)], "FILE_NOT_FOUND"),
        "adapt": (
            [
                "adapt",
                "--unlabelled",
                missing,
                "--data",
                missing,
                "--output",
                out,
                "--model",
                str(bundle),
            ],
            "INVALID_OPTION",
        ),
        "predict": (
            ["predict", "--input", missing, "--output", out + ".jsonl", "--model", str(bundle)],
            "FILE_NOT_FOUND",
        ),
        "score": (
            ["score", missing, "--output", out + ".csv", "--model", str(bundle)],
            "FILE_NOT_FOUND",
        ),
        "serve": (["serve", "--model", str(tmp / "no-bundle")], "AUTH_NO_KEYS"),
        "feedback export": (
            ["feedback", "export", "--output", out + ".jsonl", "--since", "yesterday"],
            "INVALID_OPTION",
        ),
        "audit-corpus": (["audit-corpus", "--corpus", missing], "INPUT_FILE_ERROR"),
        "drift": (
            ["drift", "--reference", missing, "--current", missing, "--alpha", "2"],
            "INVALID_OPTION",
        ),
    }


COMMANDS = sorted(_bad_input_commands(Path("x"), Path("y")))


@pytest.mark.parametrize("command", COMMANDS)
def test_cli_every_command_reports_bad_input_with_a_code(command, tmp_path, bundle):
    if command not in _registered_commands():
        pytest.skip(f"{command} is not registered in this build")
    args, code = _bad_input_commands(tmp_path, bundle)[command]
    _assert_coded(runner.invoke(app, args), code)


def _registered_commands() -> set[str]:
    import typer.main

    group = typer.main.get_command(app)
    names: set[str] = set()
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        subcommands = getattr(command, "commands", None)
        names |= {f"{name} {sub}" for sub in subcommands} if subcommands else {name}
    return names


def test_cli_every_registered_command_is_covered():
    uncovered = _registered_commands() - set(COMMANDS)
    assert not uncovered, f"add a bad-input case for {sorted(uncovered)} to this module"


def test_cli_env_mapping_that_is_not_json_is_settings_invalid(monkeypatch, bundle):
    monkeypatch.setenv("TRIAGE_AUTH__API_KEYS", f"desk-1={API_KEY}")
    output = _assert_coded(
        runner.invoke(app, ["serve", "--model", str(bundle)]), "SETTINGS_INVALID"
    )
    assert "JSON" in output
    assert API_KEY not in output


@pytest.mark.parametrize("command", ["pretrain", "train"])
def test_cli_transformer_commands_without_torch_say_what_to_install(
    command, monkeypatch, tmp_path, tiny_set
):
    data = tmp_path / "train.jsonl"
    data.write_text(
        "".join(
            json.dumps(
                {"text": t, "dispute_type": d, "risk_grade": g, "escalation": e}, ensure_ascii=False
            )
            + "\n"
            for t, d, g, e in tiny_set.rows()
        ),
        encoding="utf-8",
    )
    _without_torch(monkeypatch)
    args = [command, "--data", str(data), "--output", str(tmp_path / "out")]
    if command == "train":
        args += ["--arch", "transformer"]
    output = _assert_coded(runner.invoke(app, args), "MISSING_DEPENDENCY")
    assert "'torch'" in output and "police-triage[transformer]" in output
    assert not (tmp_path / "out").exists()


def test_cli_serve_on_a_port_in_use_is_port_in_use(monkeypatch, bundle):
    monkeypatch.setenv("TRIAGE_AUTH__API_KEYS", json.dumps({"desk-1": API_KEY}))
    monkeypatch.setenv("TRIAGE_FEEDBACK__ENABLED", "false")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(
            app, ["serve", "--model", str(bundle), "--host", "127.0.0.1", "--port", str(port)]
        )
    output = _assert_coded(result, "PORT_IN_USE")
    assert str(port) in output


def test_cli_evaluate_on_unlabelled_data_names_the_missing_labels(tmp_path, bundle):
    data = tmp_path / "calls.jsonl"
    data.write_text(json.dumps({"id": 1, "text": "邻居吵架"}, ensure_ascii=False) + "\n", "utf-8")
    output = _assert_coded(
        runner.invoke(app, ["evaluate", "--data", str(data), "--model", str(bundle)]),
        "MISSING_LABEL",
    )
    assert "dispute_type" in output and "triage score" in output
    assert "NoneType" not in output


def test_cli_unexpected_failure_is_coded_without_its_message(monkeypatch, tmp_path):
    import training.corpus

    def explode(*args, **kwargs):
        raise KeyError(SECRET_TEXT)

    monkeypatch.setattr(training.corpus, "write_corpus", explode)
    result = runner.invoke(app, ["generate-corpus", "--records", "20", "--output", str(tmp_path)])
    output = _assert_coded(result, "UNEXPECTED_ERROR", exit_code=1)
    assert "KeyError" in output and "TRIAGE_DEBUG" in output
    assert SECRET_TEXT not in output


def test_cli_ensemble_without_eval_prints_no_empty_table(tmp_path, tiny_linear_bundle, tiny_set):
    calibration = tmp_path / "cal.jsonl"
    calibration.write_text(
        "".join(
            json.dumps(
                {"text": t, "dispute_type": d, "risk_grade": g, "escalation": e}, ensure_ascii=False
            )
            + "\n"
            for t, d, g, e in tiny_set.rows()[::3]
        ),
        encoding="utf-8",
    )
    result = runner.invoke(
        app,
        [
            "ensemble",
            "--member",
            str(tiny_linear_bundle),
            "--member",
            str(tiny_linear_bundle),
            "--weight",
            "0.5",
            "--weight",
            "0.5",
            "--calibration",
            str(calibration),
            "--output",
            str(tmp_path / "ens"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "no --eval set given" in result.output
    assert "type F1" not in result.output


def test_cli_new_codes_are_listed_with_the_service_codes():
    for code in (
        "INVALID_OPTION",
        "MISSING_DEPENDENCY",
        "UNEXPECTED_ERROR",
        "PORT_IN_USE",
        "LISTEN_FAILED",
        "BUNDLE_SELF_CHECK_FAILED",
    ):
        assert code in ERROR_CODES
