"""Checkpoints round-trip model, optimizer and scheduler state without pickle."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from models.transformer._checkpoint import load_checkpoint, save_checkpoint
from nlp.errors import ModelBundleError


def _setup(seed: int):
    torch.manual_seed(seed)
    network = nn.Linear(4, 3)
    optimizer = torch.optim.AdamW(network.parameters(), lr=0.01)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0 / (step + 1))
    return network, optimizer, scheduler


def test_checkpoint_round_trip_restores_weights_optimizer_and_schedule(tmp_path):
    network, optimizer, scheduler = _setup(0)
    for _ in range(3):
        network(torch.randn(2, 4)).sum().backward()
        optimizer.step()
        scheduler.step()
    best = {k: v.clone() for k, v in network.state_dict().items()}
    save_checkpoint(tmp_path / "ckpt", network, best, optimizer, scheduler, {"step": 3})
    assert not list((tmp_path / "ckpt").glob("*.pt"))

    other, other_optimizer, other_scheduler = _setup(1)
    trainer, restored_best = load_checkpoint(
        tmp_path / "ckpt", other, other_optimizer, other_scheduler, torch.device("cpu")
    )
    assert trainer == {"step": 3}
    assert restored_best is not None
    assert torch.equal(other.weight, network.weight)
    assert torch.equal(
        other_optimizer.state_dict()["state"][0]["exp_avg"],
        optimizer.state_dict()["state"][0]["exp_avg"],
    )
    assert other_scheduler.get_last_lr() == scheduler.get_last_lr()


def test_checkpoint_missing_files_is_refused(tmp_path):
    network, optimizer, scheduler = _setup(0)
    (tmp_path / "ckpt").mkdir()
    with pytest.raises(ModelBundleError) as caught:
        load_checkpoint(tmp_path / "ckpt", network, optimizer, scheduler, torch.device("cpu"))
    assert caught.value.code == "CHECKPOINT_INVALID"


def test_checkpoint_of_another_network_is_refused(tmp_path):
    network, optimizer, scheduler = _setup(0)
    save_checkpoint(tmp_path / "ckpt", network, None, optimizer, scheduler, {"step": 0})
    other = nn.Linear(5, 3)
    other_optimizer = torch.optim.AdamW(other.parameters(), lr=0.01)
    other_scheduler = torch.optim.lr_scheduler.LambdaLR(other_optimizer, lambda step: 1.0)
    with pytest.raises(ModelBundleError) as caught:
        load_checkpoint(
            tmp_path / "ckpt", other, other_optimizer, other_scheduler, torch.device("cpu")
        )
    assert caught.value.code == "CHECKPOINT_INVALID"
