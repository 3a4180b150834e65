"""Model bundles: a directory with ``manifest.json`` and pickle-free array files.

``manifest.json`` holds the format version, the architecture name (a key of
``models.loading.ARCHITECTURES``), the model's own JSON configuration, label sets, training data
hashes, metrics, the creation time and the sha256 of every other file. Every hash is checked before
any file is parsed. A composite bundle (an ensemble) also holds member bundles in sub-directories;
its manifest records the sha256 of each member's ``manifest.json``, which lists the sha256 of each
of the member's files, so one chain of hashes covers every byte.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.numpy import load_file, save_file

from nlp.errors import ModelBundleError

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
ARRAYS_NAME = "arrays.safetensors"


@dataclass(frozen=True)
class Manifest:
    """The parsed ``manifest.json`` of a bundle."""

    architecture: str
    version: str
    config: dict[str, Any]
    labels: dict[str, list[str]]
    training: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    created_at: str = ""
    files: dict[str, str] = field(default_factory=dict)
    members: dict[str, str] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION

    def to_json(self) -> dict[str, Any]:
        raw = {
            "format_version": self.format_version,
            "architecture": self.architecture,
            "version": self.version,
            "created_at": self.created_at,
            "labels": self.labels,
            "config": self.config,
            "training": self.training,
            "metrics": self.metrics,
            "files": self.files,
        }
        if self.members:
            raw["members"] = self.members
        return raw


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def staged_directory(directory: Path) -> Iterator[Path]:
    """Yield an empty sibling directory; on success it replaces ``directory`` atomically.

    On any error the staging directory is removed and ``directory`` is left as it was, so a
    reader never sees half a bundle or half a checkpoint.
    """
    directory = Path(directory).resolve()
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        yield staging
        if directory.exists():
            backup = directory.with_name(f".{directory.name}.old")
            shutil.rmtree(backup, ignore_errors=True)
            os.replace(directory, backup)
            os.replace(staging, directory)
            shutil.rmtree(backup, ignore_errors=True)
        else:
            os.replace(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def write_bundle_files(
    directory: Path,
    manifest: Manifest,
    write_files: Callable[[Path], None],
    *,
    member_bundles: Collection[str] = (),
) -> Manifest:
    """Write a bundle whose files ``write_files(staging)`` creates, hashed into ``manifest.json``.

    Args:
        directory: the bundle directory to create or replace.
        manifest: everything but ``files``, ``members`` and ``created_at``, filled in here.
        write_files: writes the bundle's files into the given directory: plain top-level files,
            and complete bundles in the sub-directories named by ``member_bundles``.
        member_bundles: sub-directories that hold member bundles (composite bundles only).

    Returns:
        The manifest as written, with file hashes.

    Raises:
        ModelBundleError: code ``BUNDLE_MANIFEST_INVALID`` when a written entry is neither a
            plain top-level file nor a named member bundle, or uses a reserved name.
    """
    with staged_directory(directory) as staging:
        write_files(staging)
        files, members = {}, {}
        for path in sorted(staging.iterdir()):
            _check_file_name(path.name)
            if path.is_file():
                files[path.name] = sha256_file(path)
            elif path.is_dir() and path.name in member_bundles:
                members[path.name] = sha256_file(path / MANIFEST_NAME)
            else:
                raise ModelBundleError(
                    f"refusing to bundle {path.name!r}: bundles hold plain top-level files "
                    "and named member bundles only",
                    code="BUNDLE_MANIFEST_INVALID",
                )
        written = Manifest(
            **{
                **manifest.__dict__,
                "files": files,
                "members": members,
                "created_at": datetime.now(UTC).isoformat(),
            }
        )
        (staging / MANIFEST_NAME).write_text(
            json.dumps(written.to_json(), ensure_ascii=False, indent=2), encoding="utf-8"
        )
        # mkdtemp and safetensors create owner-only modes; a service account must be able to read.
        staging.chmod(0o755)
        for name in (*files, MANIFEST_NAME):
            (staging / name).chmod(0o644)
    return written


def write_bundle(
    directory: Path,
    manifest: Manifest,
    arrays: Mapping[str, np.ndarray],
    json_files: Mapping[str, Any] | None = None,
) -> Manifest:
    """Write a bundle of numpy arrays (one safetensors file) and JSON documents, atomically.

    Args:
        directory: the bundle directory to create or replace.
        manifest: everything but ``files`` and ``created_at``, which are filled in here.
        arrays: named numpy arrays, stored in one safetensors file.
        json_files: extra JSON documents by file name (e.g. a vocabulary).

    Returns:
        The manifest as written, with file hashes.
    """

    def write_files(staging: Path) -> None:
        contiguous = {name: np.ascontiguousarray(a) for name, a in arrays.items()}
        save_file(contiguous, staging / ARRAYS_NAME)
        for name, document in (json_files or {}).items():
            _check_file_name(name)
            (staging / name).write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")

    return write_bundle_files(directory, manifest, write_files)


def read_manifest(directory: Path) -> Manifest:
    """Read and check ``manifest.json`` and the hash of every file it lists.

    Raises:
        ModelBundleError: codes ``BUNDLE_NOT_FOUND``, ``BUNDLE_MANIFEST_INVALID``,
            ``BUNDLE_FORMAT_UNSUPPORTED``, ``BUNDLE_FILE_MISSING``, ``BUNDLE_HASH_MISMATCH``.
    """
    directory = Path(directory)
    manifest_path = directory / MANIFEST_NAME
    if not manifest_path.is_file():
        raise ModelBundleError(
            f"no model bundle at {directory} (missing {MANIFEST_NAME}); train one with "
            "`triage train` or point --model / TRIAGE_MODEL_DIR at a bundle directory",
            code="BUNDLE_NOT_FOUND",
        )
    try:
        raw = json.loads(manifest_path.read_text(encoding="utf-8"))
        manifest = Manifest(
            architecture=raw["architecture"],
            version=raw["version"],
            config=raw["config"],
            labels=raw["labels"],
            training=raw.get("training", {}),
            metrics=raw.get("metrics", {}),
            created_at=raw.get("created_at", ""),
            files=raw["files"],
            members=raw.get("members", {}),
            format_version=raw["format_version"],
        )
    except (ValueError, KeyError, TypeError) as error:
        raise ModelBundleError(
            f"{manifest_path} is not a valid manifest ({type(error).__name__}: {error}); "
            "the bundle is damaged: retrain or copy it again",
            code="BUNDLE_MANIFEST_INVALID",
        ) from None
    if manifest.format_version != FORMAT_VERSION:
        raise ModelBundleError(
            f"bundle format version {manifest.format_version} is not supported (this software "
            f"reads version {FORMAT_VERSION}); use a matching release or retrain",
            code="BUNDLE_FORMAT_UNSUPPORTED",
        )
    listed = [(name, name, expected) for name, expected in manifest.files.items()]
    listed += [
        (name, f"{name}/{MANIFEST_NAME}", expected) for name, expected in manifest.members.items()
    ]
    for name, relative, expected in listed:
        _check_file_name(name)
        path = directory / relative
        if not path.is_file():
            raise ModelBundleError(
                f"bundle file {relative} listed in the manifest is missing from {directory}",
                code="BUNDLE_FILE_MISSING",
            )
        if sha256_file(path) != expected:
            raise ModelBundleError(
                f"bundle file {relative} in {directory} does not match its sha256 in the manifest; "
                "the bundle was modified or damaged: copy it again or retrain",
                code="BUNDLE_HASH_MISMATCH",
            )
    return manifest


def read_arrays(directory: Path, manifest: Manifest) -> dict[str, np.ndarray]:
    """Load the bundle's arrays (after ``read_manifest`` has verified their hash)."""
    if ARRAYS_NAME not in manifest.files:
        raise ModelBundleError(
            f"the manifest in {directory} lists no {ARRAYS_NAME}", code="BUNDLE_FILE_MISSING"
        )
    return load_file(Path(directory) / ARRAYS_NAME)


def read_json_file(directory: Path, manifest: Manifest, name: str) -> Any:
    """Load one extra JSON document of the bundle (after hash verification)."""
    if name not in manifest.files:
        raise ModelBundleError(
            f"the manifest in {directory} lists no {name}", code="BUNDLE_FILE_MISSING"
        )
    return json.loads((Path(directory) / name).read_text(encoding="utf-8"))


def _check_file_name(name: str) -> None:
    if "/" in name or "\\" in name or name.startswith(".") or name == MANIFEST_NAME:
        raise ModelBundleError(
            f"bundle file name {name!r} is not allowed", code="BUNDLE_MANIFEST_INVALID"
        )


def check_no_extra_files(directory: Path, manifest: Manifest) -> None:
    """Refuse a bundle holding entries its manifest does not vouch for.

    Hugging Face loaders pick up any known file name they find (an added-tokens file, a second
    weights file), and a composite bundle loads whatever member directories it names, so an
    unlisted entry could change the model without failing a hash check.

    Raises:
        ModelBundleError: code ``BUNDLE_UNEXPECTED_FILE``.
    """
    listed = {*manifest.files, *manifest.members, MANIFEST_NAME}
    extra = sorted(p.name for p in Path(directory).iterdir() if p.name not in listed)
    if extra:
        raise ModelBundleError(
            f"bundle at {directory} holds files its manifest does not list "
            f"({', '.join(extra)}); remove them or copy the bundle again",
            code="BUNDLE_UNEXPECTED_FILE",
        )
