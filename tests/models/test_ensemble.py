"""The ensemble: weighted averages of members' calibrated probabilities, chosen weights, bundles."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from models.baseline import KeywordTriggerModel
from models.ensemble import WEIGHT_GRID, EnsembleTriageModel, merge_evidence
from models.features import FeatureConfig
from models.linear import CalibrationData, LinearConfig, LinearTriageModel
from models.loading import load_model
from models.protocol import Evidence, Triage
from nlp.errors import ModelBundleError
from nlp.labels import DISPUTE_TYPE_IDS, RISK_GRADE_IDS
from tests.conftest import TinySet

PROBES = [
    "报警人称邻居家漏水到我家，双方情绪平稳。",
    "老板拖欠工资三个月，工人扬言要拿刀砍人。",
    "宅基地边界不清，多次调解未果。",
]


@pytest.fixture(scope="module")
def members(tiny_set: TinySet, tiny_linear_bundle: Path) -> list[LinearTriageModel]:
    """Two different linear models: the shared tiny bundle and a hashing-feature variant."""
    hashing = LinearTriageModel(LinearConfig(features=FeatureConfig(mode="hashing"))).fit(
        tiny_set.texts, tiny_set.dispute_types, tiny_set.risk_grades, tiny_set.escalations
    )
    return [LinearTriageModel.load(tiny_linear_bundle), hashing]


@pytest.fixture(scope="module")
def calibration(tiny_set: TinySet) -> CalibrationData:
    every = slice(None, None, 3)
    return CalibrationData(
        tiny_set.texts[every],
        tiny_set.dispute_types[every],
        tiny_set.risk_grades[every],
        tiny_set.escalations[every],
    )


def _type_scores(result: Triage) -> np.ndarray:
    return np.array([result.dispute_type.scores[k] for k in DISPUTE_TYPE_IDS])


def test_probabilities_are_the_weighted_average_of_the_members(
    members: list[LinearTriageModel], calibration: CalibrationData
) -> None:
    ensemble = EnsembleTriageModel(members, [3.0, 1.0]).fit(calibration)
    assert ensemble.weights_ == pytest.approx((0.75, 0.25))
    first, second = (member.predict(PROBES) for member in members)
    for row, result in enumerate(ensemble.predict(PROBES)):
        expected = 0.75 * _type_scores(first[row]) + 0.25 * _type_scores(second[row])
        assert _type_scores(result) == pytest.approx(expected, abs=2e-4)
        grade = 0.75 * first[row].risk_grade.scores["difficult"]
        grade += 0.25 * second[row].risk_grade.scores["difficult"]
        assert result.risk_grade.scores["difficult"] == pytest.approx(grade, abs=2e-4)
        escalation = 0.75 * first[row].escalation.probability
        escalation += 0.25 * second[row].escalation.probability
        assert result.escalation.probability == pytest.approx(escalation, abs=2e-4)
        assert result.escalation.flag == (escalation >= ensemble.escalation_threshold_ - 1e-4)
        assert result.model_version == ensemble.version
        assert result.cues == first[row].cues


def test_a_member_with_all_the_weight_decides_alone(
    members: list[LinearTriageModel], calibration: CalibrationData
) -> None:
    ensemble = EnsembleTriageModel(members, [0.0, 1.0]).fit(calibration)
    alone = members[1].predict(PROBES)
    for result, member_result in zip(ensemble.predict(PROBES), alone, strict=True):
        assert result.dispute_type.label == member_result.dispute_type.label
        assert result.risk_grade.label == member_result.risk_grade.label
        assert _type_scores(result) == pytest.approx(_type_scores(member_result), abs=1e-6)


def test_fit_searches_the_weight_grid_on_the_calibration_data(
    members: list[LinearTriageModel], calibration: CalibrationData
) -> None:
    ensemble = EnsembleTriageModel(members).fit(calibration)
    grid = ensemble.selection_["grid"]
    assert [entry["weights"][0] for entry in grid] == list(WEIGHT_GRID)
    best = max(entry["score"] for entry in grid)
    chosen = next(entry for entry in grid if entry["weights"][0] == ensemble.weights_[0])
    assert chosen["score"] == best
    assert sum(ensemble.weights_) == pytest.approx(1.0)
    assert 0.0 < ensemble.escalation_threshold_ < 1.0


def test_bundle_round_trip_gives_identical_results(
    members: list[LinearTriageModel], calibration: CalibrationData, tmp_path: Path
) -> None:
    ensemble = EnsembleTriageModel(members).fit(calibration)
    manifest = ensemble.save(tmp_path / "ensemble", metrics={"note": "tiny"})
    assert set(manifest.members) == {"member-0", "member-1"}
    assert manifest.files == {}
    loaded = load_model(tmp_path / "ensemble")
    assert isinstance(loaded, EnsembleTriageModel)
    assert loaded.version == ensemble.version
    assert loaded.predict(PROBES) == ensemble.predict(PROBES)


@pytest.fixture()
def saved(members: list[LinearTriageModel], calibration: CalibrationData, tmp_path: Path) -> Path:
    directory = tmp_path / "ensemble"
    EnsembleTriageModel(members, [1.0, 1.0]).fit(calibration).save(directory)
    return directory


def test_a_modified_member_file_is_refused(saved: Path) -> None:
    arrays = saved / "member-1" / "arrays.safetensors"
    arrays.write_bytes(arrays.read_bytes() + b"\0")
    with pytest.raises(ModelBundleError) as caught:
        load_model(saved)
    assert caught.value.code == "BUNDLE_HASH_MISMATCH"


def test_a_modified_member_manifest_is_refused_by_the_ensemble(saved: Path) -> None:
    member_manifest = saved / "member-0" / "manifest.json"
    raw = json.loads(member_manifest.read_text(encoding="utf-8"))
    raw["metrics"] = {"forged": True}
    member_manifest.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(ModelBundleError) as caught:
        load_model(saved)
    assert caught.value.code == "BUNDLE_HASH_MISMATCH"
    assert "member-0/manifest.json" in caught.value.message


def test_an_unlisted_directory_is_refused(saved: Path) -> None:
    (saved / "member-2").mkdir()
    with pytest.raises(ModelBundleError) as caught:
        load_model(saved)
    assert caught.value.code == "BUNDLE_UNEXPECTED_FILE"


def test_a_member_the_manifest_does_not_pin_is_refused(saved: Path) -> None:
    manifest_path = saved / "manifest.json"
    raw = json.loads(manifest_path.read_text(encoding="utf-8"))
    del raw["members"]["member-1"]
    manifest_path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(ModelBundleError) as caught:
        load_model(saved)
    assert caught.value.code in {"BUNDLE_UNEXPECTED_FILE", "BUNDLE_MANIFEST_INVALID"}


def test_each_text_is_analysed_once_per_segmenter(
    members: list[LinearTriageModel],
    calibration: CalibrationData,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import models.ensemble

    ensemble = EnsembleTriageModel(members).fit(calibration)
    calls: list[int] = []
    real = models.ensemble.analyse

    def counting(texts, segmenter):  # type: ignore[no-untyped-def]
        calls.append(len(texts))
        return real(texts, segmenter)

    monkeypatch.setattr(models.ensemble, "analyse", counting)
    ensemble.predict(PROBES)
    assert calls == [len(PROBES)]


def test_configured_changes_colours_and_keeps_the_members(
    members: list[LinearTriageModel], calibration: CalibrationData
) -> None:
    ensemble = EnsembleTriageModel(members).fit(calibration)
    colours = {"general": "green", "complex": "yellow", "difficult": "red"}
    copy = ensemble.configured(grade_colours=colours)
    assert copy.members == ensemble.members
    assert copy.version == ensemble.version
    result = copy.predict(PROBES[1:2])[0]
    assert result.risk_grade.colour == colours[result.risk_grade.label]


def test_bad_member_lists_and_weights_are_refused(
    members: list[LinearTriageModel], calibration: CalibrationData
) -> None:
    with pytest.raises(ValueError, match="at least two"):
        EnsembleTriageModel(members[:1])
    with pytest.raises(ValueError, match="one weight per member"):
        EnsembleTriageModel(members, [1.0])
    with pytest.raises(ValueError, match="non-negative"):
        EnsembleTriageModel(members, [1.0, -0.5])
    with pytest.raises(TypeError, match="KeywordTriggerModel"):
        EnsembleTriageModel([members[0], KeywordTriggerModel()])
    with pytest.raises(ValueError, match="more than two"):
        EnsembleTriageModel([*members, members[0]]).fit(calibration)


def _evidence(head: str, start: int, end: int, weight: float) -> Evidence:
    return Evidence(head=head, phrase="x" * (end - start), start=start, end=end, weight=weight)


def test_merged_evidence_is_on_one_scale_and_does_not_overlap() -> None:
    linear = [_evidence("risk_grade", 0, 4, 8.0), _evidence("risk_grade", 10, 12, 2.0)]
    transformer = [_evidence("risk_grade", 2, 6, 0.05), _evidence("risk_grade", 20, 22, 0.04)]
    merged = merge_evidence([linear, transformer], [0.6, 0.4])
    spans = [(item["start"], item["weight"]) for item in merged]
    # 0.6 * 8/8, then 0.4 * 0.04/0.05 = 0.32, then 0.6 * 2/8 = 0.15; (2, 6) overlaps (0, 4).
    assert spans == [(0, 0.6), (20, 0.32), (10, 0.15)]


def test_merged_evidence_keeps_at_most_five_phrases_per_head() -> None:
    many = [_evidence("dispute_type", 3 * i, 3 * i + 2, float(i + 1)) for i in range(8)]
    merged = merge_evidence([many, many[:2]], [0.5, 0.5])
    assert len(merged) == 5
    assert merged[0]["start"] == 21


def test_ensemble_scores_agree_with_its_label_order(
    members: list[LinearTriageModel], calibration: CalibrationData
) -> None:
    ensemble = EnsembleTriageModel(members).fit(calibration)
    for result in ensemble.predict(PROBES):
        assert list(result.risk_grade.scores) == list(RISK_GRADE_IDS)
        assert result.dispute_type.label == max(
            result.dispute_type.scores, key=result.dispute_type.scores.__getitem__
        )
