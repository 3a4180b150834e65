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
