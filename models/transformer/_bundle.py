"""Write a bundle whose files come from a callback (Hugging Face files are not one array file).

Same guarantees as ``models.bundle.write_bundle``: staged in a sibling directory, every file
hashed into ``manifest.json``, world-readable modes, then renamed into place.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from models.bundle import MANIFEST_NAME, Manifest, sha256_file
from nlp.errors import ModelBundleError


def write_files_bundle(
    directory: Path, manifest: Manifest, write_files: Callable[[Path], None]
) -> Manifest:
    """Stage the files ``write_files(staging)`` creates, hash them and move the bundle in place.

    Raises:
        ModelBundleError: code ``BUNDLE_MANIFEST_INVALID`` when a written file is not a plain
            top-level file (bundles are flat).
    """
    directory = Path(directory).resolve()
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        write_files(staging)
        paths = sorted(staging.iterdir())
        for path in paths:
            if not path.is_file() or path.name.startswith(".") or path.name == MANIFEST_NAME:
                raise ModelBundleError(
                    f"refusing to bundle {path.name!r}: bundles hold plain top-level files only",
                    code="BUNDLE_MANIFEST_INVALID",
                )
        files = {path.name: sha256_file(path) for path in paths}
        # mkdtemp and safetensors create owner-only modes; a service account must be able to read.
        staging.chmod(0o755)
        for path in paths:
            path.chmod(0o644)
        written = Manifest(
            **{**manifest.__dict__, "files": files, "created_at": datetime.now(UTC).isoformat()}
        )
        (staging / MANIFEST_NAME).write_text(
            json.dumps(written.to_json(), ensure_ascii=False, indent=2), encoding="utf-8"
        )
        (staging / MANIFEST_NAME).chmod(0o644)
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
    return written


def check_no_extra_files(directory: Path, manifest: Manifest) -> None:
    """Refuse a bundle holding files its manifest does not vouch for.

    Hugging Face loaders pick up any known file name they find (an added-tokens file, a second
    weights file), so an unlisted file could change the model without failing a hash check.

    Raises:
        ModelBundleError: code ``BUNDLE_UNEXPECTED_FILE``.
    """
    listed = {*manifest.files, MANIFEST_NAME}
    extra = sorted(p.name for p in Path(directory).iterdir() if p.name not in listed)
    if extra:
        raise ModelBundleError(
            f"bundle at {directory} holds files its manifest does not list "
            f"({', '.join(extra)}); remove them or copy the bundle again",
            code="BUNDLE_UNEXPECTED_FILE",
        )
