"""The network: one encoder, mean-pooled, with three linear heads; window logits are averaged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from models.transformer.config import EncoderShape
from nlp.errors import ModelBundleError
from nlp.labels import DISPUTE_TYPE_IDS, RISK_GRADE_IDS

HEADS = ("dispute_type", "risk_grade", "escalation")
HEAD_SIZES = {"dispute_type": len(DISPUTE_TYPE_IDS), "risk_grade": len(RISK_GRADE_IDS)}


class TriageNetwork(nn.Module):
    """Encoder + dispute-type (5), risk-grade (3) and escalation (1 logit) heads."""

    def __init__(self, encoder: Any, head_dropout: float = 0.1) -> None:
        super().__init__()
        # Pooling is ours (masked mean); an unused pooler would only add untrained weights.
        if getattr(encoder, "pooler", None) is not None:
            encoder.pooler = None
        self.encoder = encoder
        hidden = int(encoder.config.hidden_size)
        self.dropout = nn.Dropout(head_dropout)
        self.dispute_type = nn.Linear(hidden, HEAD_SIZES["dispute_type"])
        self.risk_grade = nn.Linear(hidden, HEAD_SIZES["risk_grade"])
        self.escalation = nn.Linear(hidden, 1)

    def embed(self, input_ids: torch.Tensor) -> torch.Tensor:
        """Word embeddings of ``input_ids`` (the input that saliency is taken against)."""
        embedded: torch.Tensor = self.encoder.get_input_embeddings()(input_ids)
        return embedded

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        inputs_embeds: torch.Tensor | None = None,
    ) -> dict[str, torch.Tensor]:
        """Logits per window: ``{head: (windows, k)}``; escalation has ``k == 1``."""
        if inputs_embeds is None:
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask)
        else:
            hidden = self.encoder(inputs_embeds=inputs_embeds, attention_mask=attention_mask)
        states = hidden.last_hidden_state
        weights = attention_mask.unsqueeze(-1).to(states.dtype)
        pooled = self.dropout((states * weights).sum(1) / weights.sum(1).clamp(min=1.0))
        return {head: getattr(self, head)(pooled) for head in HEADS}


def pool_windows(
    logits: dict[str, torch.Tensor], window_doc: torch.Tensor, n_docs: int
) -> dict[str, torch.Tensor]:
    """Average window logits per text: ``{head: (n_docs, k)}``."""
    counts = torch.zeros(n_docs, dtype=torch.float32, device=window_doc.device)
    counts.index_add_(0, window_doc, torch.ones_like(window_doc, dtype=torch.float32))
    pooled = {}
    for head, values in logits.items():
        summed = torch.zeros(n_docs, values.shape[1], dtype=values.dtype, device=values.device)
        summed.index_add_(0, window_doc, values)
        pooled[head] = summed / counts.unsqueeze(1).to(values.dtype)
    return pooled


def scratch_encoder(shape: EncoderShape, vocab_size: int, pad_id: int) -> Any:
    """A randomly initialised BERT-style encoder of ``shape``."""
    from transformers import BertModel

    return BertModel(bert_config(shape, vocab_size, pad_id), add_pooling_layer=False)


def bert_config(shape: EncoderShape, vocab_size: int, pad_id: int) -> Any:
    """The ``BertConfig`` of a from-scratch encoder."""
    from transformers import BertConfig

    return BertConfig(
        vocab_size=vocab_size,
        hidden_size=shape.hidden,
        num_hidden_layers=shape.layers,
        num_attention_heads=shape.heads,
        intermediate_size=shape.intermediate,
        max_position_embeddings=shape.max_positions,
        hidden_dropout_prob=shape.dropout,
        attention_probs_dropout_prob=shape.dropout,
        pad_token_id=pad_id,
        type_vocab_size=1,
    )


def load_base_encoder(directory: Path) -> Any:
    """The encoder of a local Hugging Face checkpoint directory; never downloads.

    Raises:
        ModelBundleError: code ``BASE_MODEL_INVALID`` when the directory holds no loadable
            encoder.
    """
    from transformers import AutoModel

    if not (Path(directory) / "config.json").is_file():
        raise ModelBundleError(
            f"{directory} has no config.json; pass a local Hugging Face checkpoint directory "
            "(written by `triage pretrain` or copied from a BERT/RoBERTa release)",
            code="BASE_MODEL_INVALID",
        )
    try:
        return AutoModel.from_pretrained(str(directory), local_files_only=True)
    except (OSError, ValueError, KeyError) as error:
        raise ModelBundleError(
            f"cannot load an encoder from {directory} ({type(error).__name__}); it must be a "
            "BERT/RoBERTa-style checkpoint with model.safetensors",
            code="BASE_MODEL_INVALID",
        ) from None


def encoder_from_config(config_file: Path) -> Any:
    """An encoder with random weights shaped as described by a ``config.json``."""
    from transformers import AutoConfig, AutoModel

    config = AutoConfig.from_pretrained(str(config_file.parent), local_files_only=True)
    return AutoModel.from_config(config)


def pick_device() -> torch.device:
    """The GPU when one is present, otherwise the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
