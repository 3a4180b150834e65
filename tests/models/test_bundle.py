import json

import numpy as np
import pytest

from models.bundle import (
    ARRAYS_NAME,
    MANIFEST_NAME,
    Manifest,
    check_no_extra_files,
    read_arrays,
    read_json_file,
    read_manifest,
    write_bundle,
    write_bundle_files,
)
from nlp.errors import ModelBundleError


@pytest.fixture
def bundle(tmp_path):
    manifest = Manifest(
        architecture="test.v1", version="t-1", config={"a": 1}, labels={"x": ["p", "q"]}
    )
    write_bundle(
        tmp_path / "b",
        manifest,
        {"w": np.arange(6, dtype=np.float32).reshape(2, 3)},
        {"vocab.json": ["甲", "乙"]},
    )
    return tmp_path / "b"


def test_bundle_round_trip_keeps_arrays_and_json(bundle):
    manifest = read_manifest(bundle)
    assert manifest.architecture == "test.v1"
    assert set(manifest.files) == {ARRAYS_NAME, "vocab.json"}
    np.testing.assert_array_equal(read_arrays(bundle, manifest)["w"], np.arange(6).reshape(2, 3))
    assert read_json_file(bundle, manifest, "vocab.json") == ["甲", "乙"]


def test_bundle_contains_no_pickle(bundle):
    for path in bundle.iterdir():
        assert not path.read_bytes().startswith(b"\x80"), path.name


def test_bundle_hash_mismatch_is_refused(bundle):
    (bundle / "vocab.json").write_text(json.dumps(["甲", "丙"]), encoding="utf-8")
    with pytest.raises(ModelBundleError) as caught:
        read_manifest(bundle)
    assert caught.value.code == "BUNDLE_HASH_MISMATCH"


def test_bundle_missing_file_is_refused(bundle):
    (bundle / ARRAYS_NAME).unlink()
    with pytest.raises(ModelBundleError) as caught:
        read_manifest(bundle)
    assert caught.value.code == "BUNDLE_FILE_MISSING"


def test_bundle_unknown_format_version_is_refused(bundle):
    raw = json.loads((bundle / MANIFEST_NAME).read_text(encoding="utf-8"))
    raw["format_version"] = 99
    (bundle / MANIFEST_NAME).write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(ModelBundleError) as caught:
        read_manifest(bundle)
    assert caught.value.code == "BUNDLE_FORMAT_UNSUPPORTED"


def test_bundle_missing_directory_says_how_to_get_one(tmp_path):
    with pytest.raises(ModelBundleError, match="triage train") as caught:
        read_manifest(tmp_path / "nothing")
    assert caught.value.code == "BUNDLE_NOT_FOUND"


def test_bundle_rejects_path_like_file_names(tmp_path):
    manifest = Manifest(architecture="t", version="v", config={}, labels={})
    with pytest.raises(ModelBundleError):
        write_bundle(tmp_path / "b", manifest, {}, {"../evil.json": {}})


def test_bundle_rewrite_replaces_previous_bundle(bundle):
    manifest = Manifest(architecture="test.v1", version="t-2", config={}, labels={})
    write_bundle(bundle, manifest, {"w": np.zeros(2, dtype=np.float32)})
    assert read_manifest(bundle).version == "t-2"
    assert not (bundle / "vocab.json").exists()
    assert not list(bundle.parent.glob(".b.*"))


def test_bundle_is_readable_by_other_users(bundle):
    assert bundle.stat().st_mode & 0o755 == 0o755
    for path in bundle.iterdir():
        assert path.stat().st_mode & 0o644 == 0o644, path.name


def _manifest():
    return Manifest(architecture="test", version="v", config={}, labels={})


def test_bundle_refuses_a_directory_not_named_as_a_member(tmp_path):
    def write(staging):
        (staging / "stray").mkdir()

    with pytest.raises(ModelBundleError) as caught:
        write_bundle_files(tmp_path / "b", _manifest(), write)
    assert caught.value.code == "BUNDLE_MANIFEST_INVALID"
    assert not (tmp_path / "b").exists()


def test_member_bundles_are_pinned_by_their_manifest_hash(tmp_path):
    def write(staging):
        write_bundle(staging / "member", _manifest(), {"x": np.arange(3)})
        (staging / "notes.json").write_text("{}", encoding="utf-8")

    written = write_bundle_files(tmp_path / "b", _manifest(), write, member_bundles=["member"])
    assert set(written.members) == {"member"}
    assert set(written.files) == {"notes.json"}
    assert read_manifest(tmp_path / "b").members == written.members
    member_manifest = tmp_path / "b" / "member" / "manifest.json"
    assert oct(member_manifest.stat().st_mode & 0o777) == "0o644"
    member_manifest.write_text(member_manifest.read_text(encoding="utf-8") + " ", encoding="utf-8")
    with pytest.raises(ModelBundleError) as caught:
        read_manifest(tmp_path / "b")
    assert caught.value.code == "BUNDLE_HASH_MISMATCH"


def test_check_no_extra_files_names_the_stray_entries(tmp_path):
    write_bundle(tmp_path / "b", _manifest(), {"x": np.arange(3)})
    (tmp_path / "b" / "added_tokens.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ModelBundleError) as caught:
        check_no_extra_files(tmp_path / "b", read_manifest(tmp_path / "b"))
    assert caught.value.code == "BUNDLE_UNEXPECTED_FILE"
    assert "added_tokens.json" in caught.value.message
