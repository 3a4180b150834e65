"""Masked-language pretraining of a small character-level BERT on unlabelled records.

Years of unlabelled call records teach the encoder how reports are written before it sees the
few labelled ones. The output is an ordinary Hugging Face checkpoint directory (``config.json``,
``model.safetensors``, tokenizer files, ``pretraining.json``), to be passed to
``triage train --arch transformer --base-model DIR``.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from models.bundle import Manifest, write_bundle_files
from models.linear import Progress
from models.transformer._loop import LoopSettings, run_loop
from models.transformer._windows import collate, make_windows, training_batches
from models.transformer.config import EncoderShape
from models.transformer.network import bert_config, pick_device
from models.transformer.tokenizer import build_vocabulary, make_tokenizer, model_text

STATS_FILE = "pretraining.json"


@dataclass(frozen=True)
class PretrainConfig:
    """Settings of masked-language pretraining.

    Attributes:
        mask_probability: share of tokens to predict (of which 80% become [MASK], 10% a random
            token, 10% stay).
        batch_size: windows per step.
        epochs: passes over the texts.
        learning_rate: peak AdamW learning rate after warm-up.
        weight_decay: AdamW weight decay.
        warmup_ratio: share of steps spent warming up.
        max_grad_norm: gradient clipping norm.
        checkpoint_every: steps between checkpoints (0 = once per epoch).
        max_minutes: stop after this many minutes (0 = no limit); the weights so far are kept.
        seed: seed of every random choice.
    """

    mask_probability: float = 0.15
    batch_size: int = 64
    epochs: int = 3
    learning_rate: float = 5e-4
    weight_decay: float = 0.01
    warmup_ratio: float = 0.06
    max_grad_norm: float = 1.0
    checkpoint_every: int = 200
    max_minutes: float = 0.0
    seed: int = 20261122

    def __post_init__(self) -> None:
        if not 0.0 < self.mask_probability < 1.0:
            raise ValueError("mask_probability must be within (0, 1)")
        if self.batch_size < 1 or self.epochs < 1:
            raise ValueError("batch_size and epochs must be positive")


def pretrain(
    texts: Sequence[str],
    output: Path,
    *,
    shape: EncoderShape | None = None,
    config: PretrainConfig | None = None,
    checkpoint_dir: Path | None = None,
    resume: bool = False,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Build a character vocabulary from ``texts``, pretrain a BERT on them, save a checkpoint.

    Args:
        texts: unlabelled record texts (validated, non-empty); normalised and PII-masked here.
        output: checkpoint directory to write (replaced atomically).
        shape: encoder size.
        config: pretraining settings.
        checkpoint_dir: write resumable checkpoints here.
        resume: continue from ``checkpoint_dir``.
        progress: ``progress(stage, done, total)`` callback.

    Returns:
        Statistics also written to ``pretraining.json`` (texts, vocabulary size, steps, losses,
        seconds).

    Raises:
        ValueError: fewer than 10 texts.
    """
    from transformers import BertForMaskedLM

    shape = shape or EncoderShape()
    config = config or PretrainConfig()
    if len(texts) < 10:
        raise ValueError(f"need at least 10 texts to pretrain, got {len(texts)}")
    torch.manual_seed(config.seed)
    model_texts = [model_text(t) for t in texts]
    vocabulary = build_vocabulary(model_texts, shape.min_char_count)
    tokenizer = make_tokenizer(vocabulary, shape.max_positions)
    device = pick_device()
    network: Any = BertForMaskedLM(bert_config(shape, len(vocabulary), tokenizer.pad_token_id))
    network.to(device)
    windows = make_windows(tokenizer, model_texts, shape.max_positions, overlap=0)
    special = torch.tensor(sorted(set(tokenizer.all_special_ids)), device=device)
    pad_id, mask_id = int(tokenizer.pad_token_id), int(tokenizer.mask_token_id)
    first_plain = len(tokenizer.all_special_ids)
    generator = torch.Generator(device=device).manual_seed(config.seed)

    def loss_of(docs: list[int]) -> torch.Tensor:
        ids_np, attention_np, _, _ = collate(windows, docs, pad_id)
        ids = torch.from_numpy(ids_np).to(device)
        attention = torch.from_numpy(attention_np).to(device)
        labels = ids.clone()
        chosen = (
            torch.rand(ids.shape, generator=generator, device=device) < config.mask_probability
        ) & ~torch.isin(ids, special)
        labels[~chosen] = -100
        draw = torch.rand(ids.shape, generator=generator, device=device)
        corrupted = ids.clone()
        corrupted[chosen & (draw < 0.8)] = mask_id
        random_tokens = torch.randint(
            first_plain, len(vocabulary), ids.shape, generator=generator, device=device
        )
        swap = chosen & (draw >= 0.8) & (draw < 0.9)
        corrupted[swap] = random_tokens[swap]
        out = network(input_ids=corrupted, attention_mask=attention, labels=labels)
        loss: torch.Tensor = out.loss
        return loss

    settings = LoopSettings(
        epochs=config.epochs,
        learning_rate=config.learning_rate,
        weight_decay=config.weight_decay,
        warmup_ratio=config.warmup_ratio,
        max_grad_norm=config.max_grad_norm,
        patience=1,
        eval_every=config.checkpoint_every,
        max_minutes=config.max_minutes,
        seed=config.seed,
    )
    result = run_loop(
        network,
        settings,
        lambda epoch: training_batches(
            windows, config.batch_size, np.random.default_rng(config.seed + epoch)
        ),
        loss_of,
        None,
        device=device,
        checkpoint_dir=checkpoint_dir,
        resume=resume,
        progress=progress,
        stage="pretrain",
    )
    stats = {
        "texts": len(texts),
        "windows": len(windows.ids),
        "vocabulary": len(vocabulary),
        "shape": asdict(shape),
        "config": asdict(config),
        "steps": result.steps,
        "stopped": result.stopped,
        "seconds": round(result.seconds, 1),
        "loss_history": result.history,
    }

    def write(staging: Path) -> None:
        network.save_pretrained(str(staging), safe_serialization=True)
        tokenizer.save_pretrained(str(staging))
        (staging / STATS_FILE).write_text(json.dumps(stats, indent=2), encoding="utf-8")
        for extra in staging.iterdir():
            if extra.is_dir():
                shutil.rmtree(extra)

    manifest = Manifest(
        architecture="encoder-checkpoint.v1", version="pretrained", config={}, labels={}
    )
    write_bundle_files(output, manifest, write)
    return stats
