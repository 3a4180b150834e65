import json

import numpy as np
import pytest

from models.bundle import MANIFEST_NAME
from models.linear import CalibrationData, LinearTriageModel
from models.loading import load_model
from models.protocol import Triage, TriageModel
from models.review import ReviewPolicy
from nlp.errors import ModelBundleError
from nlp.labels import DISPUTE_TYPE_IDS, RISK_GRADE_IDS

SAMPLES = [
    "报警人称楼上天天噪音扰民，双方情绪平稳。",
    "報警人稱老闆拖欠工資三個月，揚言要拿刀砍人。",
    "报警人称借(jiè)了五万元不还&nbsp;，多次调解未果。",
]


@pytest.fixture(scope="module")
def model(tiny_linear_bundle):
    return LinearTriageModel.load(tiny_linear_bundle)


def test_linear_model_implements_the_protocol(model):
    assert isinstance(model, TriageModel)
    assert model.version.startswith("linear.v1-")


def test_linear_predict_returns_one_calibrated_result_per_text_in_order(model):
    results = model.predict(SAMPLES)
    assert len(results) == len(SAMPLES) and all(isinstance(r, Triage) for r in results)
    for result in results:
        assert list(result.dispute_type.scores) == list(DISPUTE_TYPE_IDS)
        assert list(result.risk_grade.scores) == list(RISK_GRADE_IDS)
        assert sum(result.dispute_type.scores.values()) == pytest.approx(1.0, abs=1e-3)
        assert 0.0 <= result.escalation.probability <= 1.0
        assert result.suggestions
    assert results[0].dispute_type.label == "neighbour"
    assert results[1].dispute_type.label == "wages"
    assert results[1].escalation.flag and results[1].risk_grade.label == "difficult"
    assert model.predict([]) == []


def test_linear_evidence_offsets_index_the_text_as_given(model):
    for text, result in zip(SAMPLES, model.predict(SAMPLES), strict=True):
        assert result.evidence
        for item in [*result.evidence, *result.cues]:
            assert text[item.start : item.end] == item.phrase
            assert item.phrase.strip()


def test_linear_evidence_on_traditional_text_highlights_original_characters(model):
    result = model.predict([SAMPLES[1]])[0]
    phrases = {e.phrase for e in result.evidence if e.head == "dispute_type"}
    assert any("工資" in phrase or "拖欠" in phrase or "老闆" in phrase for phrase in phrases)
    assert any(cue.kind in ("threat", "weapon") for cue in result.cues)


def test_linear_evidence_never_shows_masked_personal_numbers(model):
    result = model.predict(["报警人称借了五万元不还，他电话13512345678，多次调解未果。"])[0]
    assert all("1351234" not in e.phrase for e in result.evidence)


def test_linear_save_load_round_trip_predicts_identically(model, tmp_path):
    model.save(tmp_path / "copy")
    loaded = load_model(tmp_path / "copy")
    assert loaded.predict(SAMPLES) == model.predict(SAMPLES)


def test_linear_load_refuses_a_tampered_bundle(model, tmp_path):
    model.save(tmp_path / "copy")
    manifest = json.loads((tmp_path / "copy" / MANIFEST_NAME).read_text(encoding="utf-8"))
    (tmp_path / "copy" / "vocabulary.json").write_text("[]", encoding="utf-8")
    with pytest.raises(ModelBundleError) as caught:
        LinearTriageModel.load(tmp_path / "copy")
    assert caught.value.code == "BUNDLE_HASH_MISMATCH"
    assert manifest["architecture"] == "linear.v1"


def test_linear_configured_changes_review_and_colours_but_shares_weights(model):
    strict = model.configured(
        review_policy=ReviewPolicy(min_type_confidence=1.0),
        grade_colours={"general": "蓝", "complex": "橙", "difficult": "紫"},
    )
    results = strict.predict([*SAMPLES, "今天路过这里，想问问图书馆几点开门。"])
    for result in results:
        below = max(result.dispute_type.scores.values()) < 1.0
        assert ("LOW_CONFIDENCE_TYPE" in result.review_reasons) == below
    assert any("LOW_CONFIDENCE_TYPE" in r.review_reasons for r in results)
    assert {r.risk_grade.colour for r in results} <= {"蓝", "橙", "紫"}
    assert strict.heads_ is model.heads_
    assert model.predict(SAMPLES)[0].risk_grade.colour in {"绿", "黄", "红"}


def test_linear_fit_is_deterministic_and_returns_self(tiny_set):
    first = LinearTriageModel()
    assert (
        first.fit(
            tiny_set.texts, tiny_set.dispute_types, tiny_set.risk_grades, tiny_set.escalations
        )
        is first
    )
    second = LinearTriageModel().fit(
        tiny_set.texts, tiny_set.dispute_types, tiny_set.risk_grades, tiny_set.escalations
    )
    assert first.version == second.version
    np.testing.assert_array_equal(first.heads_["risk_grade"].coef, second.heads_["risk_grade"].coef)


def test_linear_fit_with_calibration_set_uses_all_training_data(tiny_set):
    calibration = CalibrationData(
        SAMPLES * 4,
        ["neighbour", "wages", "debt"] * 4,
        ["general", "difficult", "complex"] * 4,
        [False, True, False] * 4,
    )
    model = LinearTriageModel().fit(
        tiny_set.texts,
        tiny_set.dispute_types,
        tiny_set.risk_grades,
        tiny_set.escalations,
        calibration=calibration,
    )
    assert 0.1 <= model.escalation_threshold_ <= 0.9
    assert all(head.temperature > 0 for head in model.heads_.values())


@pytest.mark.parametrize(
    ("texts", "labels", "message"),
    [
        (["a"] * 30, (["land"] * 29, ["general"] * 30, [False] * 30), "same length"),
        (["a"] * 5, (["land"] * 5, ["general"] * 5, [False] * 5), "at least 20"),
        (["a"] * 30, (["farm"] * 30, ["general"] * 30, [False] * 30), "unknown label"),
    ],
)
def test_linear_fit_rejects_bad_training_input(texts, labels, message):
    with pytest.raises(ValueError, match=message):
        LinearTriageModel().fit(texts, *labels)


def test_linear_results_pass_pydantic_validation(model):
    for result in model.predict(SAMPLES):
        assert Triage.model_validate(result.model_dump()) == result


def test_linear_calibration_offsets_survive_a_round_trip(tiny_set, tmp_path):
    calibration = CalibrationData(
        tiny_set.texts[::7],
        tiny_set.dispute_types[::7],
        tiny_set.risk_grades[::7],
        tiny_set.escalations[::7],
    )
    model = LinearTriageModel().fit(
        tiny_set.texts,
        tiny_set.dispute_types,
        tiny_set.risk_grades,
        tiny_set.escalations,
        calibration=calibration,
    )
    assert all(model.heads_[head].offsets is not None for head in model.heads_)
    model.save(tmp_path / "bundle")
    loaded = LinearTriageModel.load(tmp_path / "bundle")
    for head, state in model.heads_.items():
        np.testing.assert_allclose(loaded.heads_[head].offsets, state.offsets)
    texts = SAMPLES + tiny_set.texts[:3]
    assert [r.dispute_type.scores for r in loaded.predict(texts)] == [
        r.dispute_type.scores for r in model.predict(texts)
    ]


def test_linear_inference_does_not_import_scikit_learn(tiny_linear_bundle):
    import subprocess
    import sys

    script = (
        "import sys; from pathlib import Path; from models.loading import load_model; "
        f"m = load_model(Path({str(tiny_linear_bundle)!r})); m.predict(['楼上漏水']); "
        "print('sklearn' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "False"
