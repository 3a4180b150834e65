"""Resumable training checkpoints without pickle: tensors in safetensors, the rest in JSON.

A checkpoint directory holds ``model.safetensors`` (current weights), ``best.safetensors`` (the
best weights so far), ``optimizer.safetensors`` + ``optimizer.json`` (AdamW moments and param
groups), ``scheduler.json`` and ``trainer.json`` (epoch, step, best score, patience). It is
written into a sibling directory and renamed into place, so a crash never leaves half of one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, load_model, save_file, save_model
from torch import nn

from models.bundle import staged_directory
from nlp.errors import ModelBundleError

_FILES = ("model.safetensors", "optimizer.safetensors", "optimizer.json", "trainer.json")


def save_checkpoint(
    directory: Path,
    network: nn.Module,
    best: dict[str, torch.Tensor] | None,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    trainer: dict[str, Any],
) -> None:
    """Write a complete checkpoint to ``directory`` (replaced atomically)."""
    directory = Path(directory).resolve()
    directory.parent.mkdir(parents=True, exist_ok=True)
    with staged_directory(directory) as staging:
        save_model(network, str(staging / "model.safetensors"))
        if best is not None:
            save_file(best, str(staging / "best.safetensors"))
        state = optimizer.state_dict()
        tensors = {
            f"{param}.{name}": value.detach().contiguous().cpu()
            for param, values in state["state"].items()
            for name, value in values.items()
        }
        save_file(tensors, str(staging / "optimizer.safetensors"))
        _write_json(staging / "optimizer.json", {"param_groups": state["param_groups"]})
        scheduler_state = {k: v for k, v in scheduler.state_dict().items() if k != "lr_lambdas"}
        _write_json(staging / "scheduler.json", scheduler_state)
        _write_json(staging / "trainer.json", trainer)


def load_checkpoint(
    directory: Path,
    network: nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    device: torch.device,
) -> tuple[dict[str, Any], dict[str, torch.Tensor] | None]:
    """Restore a checkpoint into the given objects.

    Returns:
        ``(trainer state, best weights or None)``.

    Raises:
        ModelBundleError: code ``CHECKPOINT_INVALID`` when the directory is incomplete or does
            not fit the network being trained.
    """
    directory = Path(directory)
    missing = [name for name in (*_FILES, "scheduler.json") if not (directory / name).is_file()]
    if missing:
        raise ModelBundleError(
            f"checkpoint {directory} lacks {', '.join(missing)}; delete it or train without "
            "--resume",
            code="CHECKPOINT_INVALID",
        )
    try:
        load_model(network, str(directory / "model.safetensors"), device=str(device))
        tensors = load_file(str(directory / "optimizer.safetensors"), device=str(device))
        groups = json.loads((directory / "optimizer.json").read_text(encoding="utf-8"))
        state: dict[int, dict[str, torch.Tensor]] = {}
        for key, value in tensors.items():
            param, name = key.split(".", 1)
            state.setdefault(int(param), {})[name] = value
        for group in groups["param_groups"]:
            if "betas" in group:
                group["betas"] = tuple(group["betas"])
        optimizer.load_state_dict({"state": state, "param_groups": groups["param_groups"]})
        scheduler_state = json.loads((directory / "scheduler.json").read_text(encoding="utf-8"))
        scheduler.load_state_dict({**scheduler.state_dict(), **scheduler_state})
        trainer: dict[str, Any] = json.loads(
            (directory / "trainer.json").read_text(encoding="utf-8")
        )
        best_path = directory / "best.safetensors"
        best = load_file(str(best_path)) if best_path.is_file() else None
    except (RuntimeError, ValueError, KeyError) as error:
        raise ModelBundleError(
            f"checkpoint {directory} does not fit this training run ({type(error).__name__}); "
            "delete it or train without --resume",
            code="CHECKPOINT_INVALID",
        ) from None
    return trainer, best


def _write_json(path: Path, document: Any) -> None:
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
