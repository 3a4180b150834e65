"""Torch thread limits for serving and scoring processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from models.threads import limit_torch_threads, share_of_cores

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_processes_share_the_cores() -> None:
    cores = os.cpu_count() or 1
    assert share_of_cores(1) == cores
    assert share_of_cores(cores * 4) == 1
    assert share_of_cores(0) == cores


def test_limit_applies_to_torch_once_it_is_loaded() -> None:
    import torch

    before = torch.get_num_threads()
    try:
        limit_torch_threads(1)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def test_limit_does_not_import_torch_for_models_without_it() -> None:
    code = (
        "import sys; from models.threads import limit_torch_threads; "
        "limit_torch_threads(1); print('torch' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO_ROOT
    )
    assert out.stdout.strip() == "False"


def test_zero_threads_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        limit_torch_threads(0)
