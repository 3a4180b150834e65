"""The training loop shared by fine-tuning and masked-language pretraining.

AdamW, linear warm-up then linear decay, gradient clipping, evaluation every ``eval_every`` steps
(or per epoch) with early stopping on the score, a time budget, and resumable checkpoints.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from models.linear import Progress
from models.transformer._checkpoint import load_checkpoint, save_checkpoint


@dataclass(frozen=True)
class LoopSettings:
    """Optimisation settings of one training run (see ``TransformerConfig``)."""

    epochs: int
    learning_rate: float
    weight_decay: float
    warmup_ratio: float
    max_grad_norm: float
    patience: int
    eval_every: int
    max_minutes: float
    seed: int


@dataclass
class LoopResult:
    """What a training run did."""

    steps: int = 0
    best_score: float | None = None
    history: list[dict[str, float]] = field(default_factory=list)
    seconds: float = 0.0
    stopped: str = "epochs"


def run_loop(
    network: nn.Module,
    settings: LoopSettings,
    batches: Callable[[int], Sequence[Any]],
    loss_of: Callable[[Any], torch.Tensor],
    evaluate: Callable[[], float] | None,
    *,
    device: torch.device,
    checkpoint_dir: Path | None = None,
    resume: bool = False,
    progress: Progress | None = None,
    stage: str = "train",
) -> LoopResult:
    """Train ``network`` in place; on return it holds the best weights seen.

    Args:
        network: the module to train (already on ``device``).
        settings: optimisation settings.
        batches: ``epoch -> batches``; must give the same batches for the same epoch.
        loss_of: the loss of one batch (a scalar tensor).
        evaluate: score to maximise on held-out data; ``None`` keeps the last weights and
            never stops early.
        device: where the network lives.
        checkpoint_dir: write a checkpoint here after every evaluation.
        resume: continue from ``checkpoint_dir`` when it holds a checkpoint.
        progress: ``progress(stage, step, total)`` callback.
        stage: name passed to ``progress``.

    Returns:
        Steps taken, best score, the history of evaluations and why training stopped.
    """
    started = time.perf_counter()
    steps_per_epoch = len(batches(0))
    total = max(settings.epochs * steps_per_epoch, 1)
    warmup = max(int(total * settings.warmup_ratio), 1)
    optimizer = torch.optim.AdamW(
        [p for p in network.parameters() if p.requires_grad],
        lr=settings.learning_rate,
        weight_decay=settings.weight_decay,
    )

    def schedule(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total - step) / max(total - warmup, 1))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    result = LoopResult()
    best: dict[str, torch.Tensor] | None = None
    stale, start_epoch, skip = 0, 0, 0
    if resume and checkpoint_dir is not None and (checkpoint_dir / "trainer.json").is_file():
        trainer, best = load_checkpoint(checkpoint_dir, network, optimizer, scheduler, device)
        result.steps, result.best_score = trainer["step"], trainer["best_score"]
        result.history, stale = trainer["history"], trainer["stale"]
        start_epoch, skip = trainer["epoch"], trainer["offset"]
        if trainer.get("done"):
            start_epoch = settings.epochs
    torch.manual_seed(settings.seed + result.steps)

    def checkpoint(epoch: int, offset: int, done: bool = False) -> None:
        if checkpoint_dir is None:
            return
        state = {
            "epoch": epoch,
            "offset": offset,
            "step": result.steps,
            "best_score": result.best_score,
            "stale": stale,
            "history": result.history,
            "done": done,
        }
        save_checkpoint(checkpoint_dir, network, best, optimizer, scheduler, state)

    def assess(epoch: int, offset: int, loss: float) -> bool:
        """Evaluate, keep the best weights, checkpoint; True when patience has run out."""
        nonlocal best, stale
        entry = {"step": float(result.steps), "loss": round(loss, 5)}
        if evaluate is not None:
            network.eval()
            score = evaluate()
            entry["score"] = round(score, 5)
            if result.best_score is None or score > result.best_score:
                result.best_score, stale = score, 0
                best = {k: v.detach().clone().cpu() for k, v in network.state_dict().items()}
            else:
                stale += 1
        result.history.append(entry)
        checkpoint(epoch, offset)
        return evaluate is not None and stale >= settings.patience

    running: list[float] = []
    stop = False
    for epoch in range(start_epoch, settings.epochs):
        plan = batches(epoch)
        for index, batch in enumerate(plan):
            if epoch == start_epoch and index < skip:
                continue
            network.train()
            loss = loss_of(batch)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(network.parameters(), settings.max_grad_norm)
            optimizer.step()
            scheduler.step()
            result.steps += 1
            running.append(float(loss.detach()))
            if progress:
                progress(stage, result.steps, total)
            out_of_time = (
                settings.max_minutes > 0
                and time.perf_counter() - started > settings.max_minutes * 60
            )
            at_eval = settings.eval_every > 0 and result.steps % settings.eval_every == 0
            if at_eval or out_of_time:
                stop = assess(epoch, index + 1, _mean(running))
                running = []
            if out_of_time:
                result.stopped = "time limit"
                stop = True
            elif stop:
                result.stopped = "early stopping"
            if stop:
                break
        if stop:
            break
        if settings.eval_every <= 0 and (running or epoch >= start_epoch):
            if assess(epoch + 1, 0, _mean(running)):
                result.stopped = "early stopping"
                break
            running = []
    if best is not None:
        network.load_state_dict({k: v.to(device) for k, v in best.items()})
    checkpoint(settings.epochs, 0, done=True)
    network.eval()
    result.seconds = time.perf_counter() - started
    return result


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("nan")
