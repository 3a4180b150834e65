"""Settings of the transformer classifier and of a from-scratch encoder (stored in bundles)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Self

ARCHITECTURE = "transformer.v1"


@dataclass(frozen=True)
class EncoderShape:
    """Shape of a small BERT-style encoder built from scratch (see ``pretrain``).

    Attributes:
        layers: transformer layers.
        hidden: hidden size; must be a multiple of ``heads``.
        heads: attention heads per layer.
        intermediate: feed-forward size.
        max_positions: position embeddings, i.e. the longest window in tokens.
        min_char_count: a character joins the vocabulary when seen at least this often.
        dropout: dropout inside the encoder.
    """

    layers: int = 4
    hidden: int = 256
    heads: int = 4
    intermediate: int = 1024
    max_positions: int = 256
    min_char_count: int = 2
    dropout: float = 0.1

    def __post_init__(self) -> None:
        if min(self.layers, self.hidden, self.heads, self.intermediate) < 1:
            raise ValueError("encoder sizes must be positive")
        if self.hidden % self.heads:
            raise ValueError(f"hidden size {self.hidden} is not a multiple of {self.heads} heads")
        if self.max_positions < 8:
            raise ValueError("max_positions must be at least 8")


@dataclass(frozen=True)
class TransformerConfig:
    """Fine-tuning and inference settings of ``TransformerTriageModel``.

    Attributes:
        max_length: window length in tokens, special tokens included; texts longer than one
            window are read as overlapping windows whose logits are averaged (never cut off).
        overlap: tokens shared by consecutive windows.
        batch_size: records per training step; also windows per inference batch.
        epochs: upper bound on passes over the training data (early stopping usually ends first).
        learning_rate: peak AdamW learning rate, reached after warm-up, then decayed linearly.
        weight_decay: AdamW weight decay.
        warmup_ratio: share of all steps spent warming the learning rate up from zero.
        max_grad_norm: gradient clipping norm.
        patience: evaluations without a better dev score before training stops.
        eval_every: steps between dev evaluations (and checkpoints); 0 means once per epoch.
        loss_weights: weight of the dispute-type, risk-grade and escalation losses.
        head_dropout: dropout before the three heads.
        dev_fraction: share of the training data held out for early stopping when no dev set
            is given.
        max_minutes: stop training after this many minutes (0 = no limit); the best model so
            far is kept.
        seed: seed of every random choice (initialisation, shuffling, dropout).
    """

    max_length: int = 256
    overlap: int = 64
    batch_size: int = 32
    epochs: int = 5
    learning_rate: float = 2e-4
    weight_decay: float = 0.01
    warmup_ratio: float = 0.06
    max_grad_norm: float = 1.0
    patience: int = 2
    eval_every: int = 0
    loss_weights: tuple[float, float, float] = (1.0, 1.0, 1.0)
    head_dropout: float = 0.1
    dev_fraction: float = 0.1
    max_minutes: float = 0.0
    seed: int = 20261122

    def __post_init__(self) -> None:
        if self.max_length < 8:
            raise ValueError("max_length must be at least 8 tokens")
        if not 0 <= self.overlap < self.max_length - 2:
            raise ValueError("overlap must be at least 0 and shorter than a window")
        if self.batch_size < 1 or self.epochs < 1 or self.patience < 1:
            raise ValueError("batch_size, epochs and patience must be positive")
        if not 0.0 < self.dev_fraction < 1.0:
            raise ValueError("dev_fraction must be within (0, 1)")
        if len(self.loss_weights) != 3 or min(self.loss_weights) < 0:
            raise ValueError("loss_weights needs three non-negative numbers")

    def to_json(self) -> dict[str, Any]:
        """The settings as a JSON-ready dict."""
        raw = dataclasses.asdict(self)
        raw["loss_weights"] = list(self.loss_weights)
        return raw

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Self:
        """Settings from ``to_json`` output."""
        return cls(**{**raw, "loss_weights": tuple(raw["loss_weights"])})
