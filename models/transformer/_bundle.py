"""Transformer bundle checks beyond ``models.bundle``: no file may sit unlisted beside the manifest.

Bundles are written with ``models.bundle.write_bundle_files`` (Hugging Face files are not one array
file).
"""

from __future__ import annotations

from pathlib import Path

from models.bundle import MANIFEST_NAME, Manifest
from nlp.errors import ModelBundleError


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
