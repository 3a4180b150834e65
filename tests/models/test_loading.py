import json

import pytest

from models.bundle import MANIFEST_NAME
from models.loading import MODEL_DIR_ENV, default_model_dir, load_model
from nlp.errors import ModelBundleError, UnknownComponentError


def test_default_model_dir_follows_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(MODEL_DIR_ENV, str(tmp_path))
    assert default_model_dir() == tmp_path.resolve()
    monkeypatch.delenv(MODEL_DIR_ENV)
    assert default_model_dir().parts[-2:] == ("artifacts", "default-model")


def test_load_model_refuses_unknown_architecture(tiny_linear_bundle, tmp_path):
    import shutil

    copy = tmp_path / "b"
    shutil.copytree(tiny_linear_bundle, copy)
    manifest = json.loads((copy / MANIFEST_NAME).read_text(encoding="utf-8"))
    manifest["architecture"] = "quantum.v9"
    (copy / MANIFEST_NAME).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(UnknownComponentError, match=r"quantum\.v9"):
        load_model(copy)


def test_load_model_missing_bundle_says_what_to_do(tmp_path):
    with pytest.raises(ModelBundleError, match="triage train"):
        load_model(tmp_path / "missing")


def _damage_coef(bundle, head="dispute_type"):
    """Drop the last class row of one head's coefficients and recompute the file's hash."""
    from safetensors.numpy import load_file, save_file

    from models.bundle import sha256_file

    arrays_path = bundle / "arrays.safetensors"
    arrays = load_file(str(arrays_path))
    arrays[f"{head}.coef"] = arrays[f"{head}.coef"][:-1].copy()
    save_file(arrays, str(arrays_path))
    manifest = json.loads((bundle / MANIFEST_NAME).read_text(encoding="utf-8"))
    manifest["files"]["arrays.safetensors"] = sha256_file(arrays_path)
    (bundle / MANIFEST_NAME).write_text(json.dumps(manifest), encoding="utf-8")


def test_load_model_refuses_a_hash_valid_bundle_that_cannot_predict(tiny_linear_bundle, tmp_path):
    import shutil

    copy = tmp_path / "b"
    shutil.copytree(tiny_linear_bundle, copy)
    _damage_coef(copy)
    with pytest.raises(ModelBundleError, match="cannot predict") as caught:
        load_model(copy)
    assert caught.value.code == "BUNDLE_SELF_CHECK_FAILED"
    assert load_model(copy, check=False).version


def test_load_model_self_check_predicts_the_packaged_texts(tiny_linear_bundle):
    from models.loading import self_check_texts

    texts = self_check_texts()
    assert 2 <= len(texts) <= 3
    assert len(load_model(tiny_linear_bundle).predict(texts)) == len(texts)
