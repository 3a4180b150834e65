"""Tiny transformer models built in seconds, and a tiny local Hugging Face checkpoint."""

from __future__ import annotations

import os

# Nothing in these tests may reach the network; huggingface_hub reads this at import time.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

from pathlib import Path

import pytest

from tests.conftest import TinySet

TINY_SHAPE = {
    "layers": 2,
    "hidden": 32,
    "heads": 2,
    "intermediate": 64,
    "max_positions": 64,
    "min_char_count": 1,
}
TINY_CONFIG = {
    "epochs": 3,
    "batch_size": 16,
    "learning_rate": 3e-3,
    "max_length": 32,
    "overlap": 8,
}


@pytest.fixture(scope="session")
def tiny_transformer(tiny_set: TinySet):  # type: ignore[no-untyped-def]
    """A ``TransformerTriageModel`` with a 2-layer, 32-wide encoder trained on ``tiny_set``."""
    import torch

    from models.transformer import EncoderShape, TransformerConfig, TransformerTriageModel

    torch.set_num_threads(1)
    return TransformerTriageModel(
        TransformerConfig(**TINY_CONFIG), shape=EncoderShape(**TINY_SHAPE)
    ).fit(tiny_set.texts, tiny_set.dispute_types, tiny_set.risk_grades, tiny_set.escalations)


@pytest.fixture(scope="session")
def tiny_transformer_bundle(tmp_path_factory: pytest.TempPathFactory, tiny_transformer) -> Path:  # type: ignore[no-untyped-def]
    directory = tmp_path_factory.mktemp("transformer") / "bundle"
    tiny_transformer.save(directory, metrics={"note": "tiny test model"})
    return directory


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory: pytest.TempPathFactory, tiny_set: TinySet) -> Path:
    """A randomly initialised tiny ``BertModel`` + tokenizer saved with ``save_pretrained``."""
    from transformers import BertModel, BertTokenizer

    from models.transformer import EncoderShape
    from models.transformer.network import bert_config
    from models.transformer.tokenizer import build_vocabulary, model_text

    shape = EncoderShape(**TINY_SHAPE)
    vocabulary = build_vocabulary([model_text(t) for t in tiny_set.texts], 1)
    # Drop the placeholders so fine-tuning has to add them, as with a checkpoint from elsewhere.
    vocabulary = [token for token in vocabulary if not token.startswith("<")]
    tokenizer = BertTokenizer(
        vocab={token: i for i, token in enumerate(vocabulary)}, do_lower_case=False
    )
    directory = tmp_path_factory.mktemp("checkpoint") / "tiny-bert"
    BertModel(bert_config(shape, len(vocabulary), 0)).save_pretrained(str(directory))
    tokenizer.save_pretrained(str(directory))
    return directory
