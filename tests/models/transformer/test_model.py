"""The transformer model end to end on tiny encoders: predictions, evidence, bundles."""

from __future__ import annotations

import json

import numpy as np
import pytest

from models.loading import load_model
from models.protocol import Triage, TriageModel
from models.transformer import EncoderShape, TransformerConfig, TransformerTriageModel
from models.transformer._windows import make_windows
from nlp.errors import ModelBundleError
from nlp.labels import DISPUTE_TYPE_IDS, RISK_GRADE_IDS
from tests.models.transformer.conftest import TINY_CONFIG

TEXTS = [
    "报警人称楼上天天噪音扰民，扬言要拿刀砍人。",
    "報警人稱老闆拖欠工資三個月，雙方情緒平穩。聯繫電話13812345678",
    "欠款到期拒不归还",
]


def _check_result(result: Triage, text: str) -> None:
    assert result.dispute_type.label in DISPUTE_TYPE_IDS
    assert result.risk_grade.label in RISK_GRADE_IDS
    assert sum(result.dispute_type.scores.values()) == pytest.approx(1.0, abs=1e-3)
    assert sum(result.risk_grade.scores.values()) == pytest.approx(1.0, abs=1e-3)
    assert 0.0 <= result.escalation.probability <= 1.0
    for evidence in result.evidence:
        assert text[evidence.start : evidence.end] == evidence.phrase
        assert evidence.phrase.strip()


def test_transformer_model_implements_the_protocol(tiny_transformer):
    assert isinstance(tiny_transformer, TriageModel)
    assert tiny_transformer.version.startswith("transformer.v1-")


def test_transformer_predict_returns_one_valid_triage_per_text(tiny_transformer):
    results = tiny_transformer.predict(TEXTS)
    assert len(results) == len(TEXTS)
    for result, text in zip(results, TEXTS, strict=True):
        _check_result(result, text)
    assert all(result.evidence for result in results)


def test_transformer_evidence_offsets_index_traditional_input(tiny_transformer):
    text = TEXTS[1]
    (result,) = tiny_transformer.predict([text])
    assert result.evidence
    _check_result(result, text)
    assert not any("138" in evidence.phrase for evidence in result.evidence)


def test_transformer_learns_the_tiny_set(tiny_transformer, tiny_set):
    results = tiny_transformer.predict(tiny_set.texts)
    accuracy = np.mean(
        [r.dispute_type.label == t for r, t in zip(results, tiny_set.dispute_types, strict=True)]
    )
    assert accuracy > 0.6


def test_transformer_predict_of_no_texts_is_empty(tiny_transformer):
    assert tiny_transformer.predict([]) == []


def test_transformer_predict_keeps_order_across_lengths(tiny_transformer):
    texts = [TEXTS[0] * 4, TEXTS[2], TEXTS[1] * 2]
    batch = tiny_transformer.predict(texts)
    single = [tiny_transformer.predict([text])[0] for text in texts]
    for together, alone in zip(batch, single, strict=True):
        assert together.dispute_type.scores == pytest.approx(alone.dispute_type.scores, abs=1e-3)


def test_transformer_long_text_is_read_as_overlapping_windows(tiny_transformer):
    filler = "双方各执一词，" * 20
    text = f"报警人称楼上天天噪音扰民。{filler}扬言要拿刀砍人。"
    windows = make_windows(
        tiny_transformer.tokenizer_, [text], tiny_transformer.window_, TINY_CONFIG["overlap"]
    )
    assert len(windows.ids) > 1
    assert all(len(ids) <= tiny_transformer.window_ for ids in windows.ids)
    covered = {span for offsets in windows.offsets for span in offsets if span != (0, 0)}
    assert max(end for _, end in covered) == len(text)
    (result,) = tiny_transformer.predict([text])
    _check_result(result, text)
    assert any(evidence.start > len(text) // 2 for evidence in result.evidence)


def test_transformer_without_explain_gives_same_scores_and_no_model_evidence(tiny_transformer):
    quick = TransformerTriageModel(tiny_transformer.config, explain=False)
    quick.__dict__.update({k: v for k, v in tiny_transformer.__dict__.items() if k.endswith("_")})
    fast, full = quick.predict(TEXTS), tiny_transformer.predict(TEXTS)
    for a, b in zip(fast, full, strict=True):
        assert all(item.source == "cue" for item in a.evidence)
        assert a.dispute_type.scores == pytest.approx(b.dispute_type.scores, abs=1e-4)


def test_transformer_configured_shares_weights_and_changes_colours(tiny_transformer):
    copy = tiny_transformer.configured(
        grade_colours={"general": "blue", "complex": "orange", "difficult": "red"}
    )
    assert copy.network_ is tiny_transformer.network_
    assert copy.predict(TEXTS[:1])[0].risk_grade.colour in {"blue", "orange", "red"}


def test_transformer_bundle_round_trip_gives_identical_predictions(
    tiny_transformer, tiny_transformer_bundle
):
    names = set(json.loads((tiny_transformer_bundle / "manifest.json").read_text())["files"])
    assert {"config.json", "model.safetensors", "tokenizer.json"} <= names
    loaded = load_model(tiny_transformer_bundle)
    assert isinstance(loaded, TransformerTriageModel)
    assert loaded.version == tiny_transformer.version
    assert loaded.predict(TEXTS) == tiny_transformer.predict(TEXTS)


def test_transformer_bundle_is_world_readable(tiny_transformer_bundle):
    for path in tiny_transformer_bundle.iterdir():
        assert path.stat().st_mode & 0o044 == 0o044


def test_transformer_tampered_bundle_is_refused_before_torch_reads_it(
    tiny_transformer_bundle, tmp_path, monkeypatch
):
    import shutil

    import safetensors.torch

    copy = tmp_path / "bundle"
    shutil.copytree(tiny_transformer_bundle, copy)
    weights = copy / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))

    def forbidden(*args, **kwargs):
        raise AssertionError("weights were read before the hash check")

    monkeypatch.setattr(safetensors.torch, "load_model", forbidden)
    monkeypatch.setattr(safetensors.torch, "load_file", forbidden)
    with pytest.raises(ModelBundleError) as caught:
        TransformerTriageModel.load(copy)
    assert caught.value.code == "BUNDLE_HASH_MISMATCH"


def test_transformer_bundle_with_unlisted_file_is_refused(tiny_transformer_bundle, tmp_path):
    import shutil

    copy = tmp_path / "bundle"
    shutil.copytree(tiny_transformer_bundle, copy)
    (copy / "added_tokens.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ModelBundleError) as caught:
        TransformerTriageModel.load(copy)
    assert caught.value.code == "BUNDLE_UNEXPECTED_FILE"


def test_transformer_load_refuses_another_architecture(tiny_linear_bundle):
    with pytest.raises(ModelBundleError) as caught:
        TransformerTriageModel.load(tiny_linear_bundle)
    assert caught.value.code == "BUNDLE_ARCHITECTURE_MISMATCH"


def test_transformer_fine_tunes_a_local_checkpoint_offline(tiny_checkpoint, tiny_set, tmp_path):
    from tests.models.transformer.conftest import TINY_CONFIG as settings

    model = TransformerTriageModel(
        TransformerConfig(**{**settings, "epochs": 1}), base_model=tiny_checkpoint
    ).fit(tiny_set.texts, tiny_set.dispute_types, tiny_set.risk_grades, tiny_set.escalations)
    # The checkpoint lacked the PII placeholders; fine-tuning adds them as whole tokens.
    ids = model.tokenizer_("<PHONE>", add_special_tokens=False)["input_ids"]
    assert len(ids) == 1
    model.save(tmp_path / "bundle")
    loaded = load_model(tmp_path / "bundle")
    assert loaded.predict(TEXTS) == model.predict(TEXTS)


def test_transformer_base_model_without_config_is_refused(tmp_path, tiny_set):
    with pytest.raises(ModelBundleError) as caught:
        TransformerTriageModel(base_model=tmp_path).fit(
            tiny_set.texts, tiny_set.dispute_types, tiny_set.risk_grades, tiny_set.escalations
        )
    assert caught.value.code in {"TOKENIZER_INVALID", "BASE_MODEL_INVALID"}


def test_transformer_fit_rejects_mismatched_columns():
    with pytest.raises(ValueError, match="same length"):
        TransformerTriageModel().fit(["a"] * 30, ["land"] * 29, ["general"] * 30, [False] * 30)


def test_transformer_config_rejects_overlap_longer_than_window():
    with pytest.raises(ValueError, match="overlap"):
        TransformerConfig(max_length=16, overlap=20)


def test_encoder_shape_rejects_hidden_not_multiple_of_heads():
    with pytest.raises(ValueError, match="multiple"):
        EncoderShape(hidden=30, heads=4)


def test_transformer_resume_from_a_finished_checkpoint_restores_the_trained_model(
    tiny_set, tmp_path
):
    from tests.models.transformer.conftest import TINY_SHAPE

    def fresh() -> TransformerTriageModel:
        return TransformerTriageModel(
            TransformerConfig(**{**TINY_CONFIG, "epochs": 1}), shape=EncoderShape(**TINY_SHAPE)
        )

    columns = (tiny_set.texts, tiny_set.dispute_types, tiny_set.risk_grades, tiny_set.escalations)
    first = fresh().fit(*columns, checkpoint_dir=tmp_path / "ckpt")
    assert not list((tmp_path / "ckpt").glob("*.pt"))
    resumed = fresh().fit(*columns, checkpoint_dir=tmp_path / "ckpt", resume=True)
    assert resumed.training_.steps == first.training_.steps
    assert resumed.training_.history == first.training_.history
    assert resumed.predict(TEXTS) == first.predict(TEXTS)
