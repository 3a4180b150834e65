"""Character vocabularies for from-scratch encoders, and loading any local tokenizer offline.

A from-scratch encoder reads one token per Chinese character (Chinese has no spaces and the
corpus is small, so characters beat learned subwords). Latin letters and digits come as a first
character plus ``##``-continuations, so ``12ab`` is ``1 ##2 ##a ##b`` rather than unknown. The PII
placeholders (``<PHONE>`` ...) are single tokens, so masked personal data reads as one symbol.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from nlp.errors import ModelBundleError
from nlp.normalize import normalize_with_offsets
from nlp.pii import PLACEHOLDERS, mask_pii

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
PLACEHOLDER_TOKENS = tuple(PLACEHOLDERS.values())


def model_text(text: str) -> str:
    """The text a transformer reads: normalised, personal data masked (``Analysis.masked``)."""
    return mask_pii(normalize_with_offsets(text).text).text


def build_vocabulary(texts: Iterable[str], min_count: int = 2) -> list[str]:
    """A character vocabulary: special tokens, placeholders, then characters by frequency.

    Args:
        texts: model texts (see ``model_text``).
        min_count: a character is kept when seen at least this often.

    Returns:
        Tokens in id order; every non-CJK character also gets a ``##`` continuation.
    """
    counts: Counter[str] = Counter()
    for text in texts:
        for placeholder in PLACEHOLDER_TOKENS:
            text = text.replace(placeholder, " ")
        counts.update(ch for ch in text if not ch.isspace())
    kept = sorted(
        (ch for ch, n in counts.items() if n >= min_count and unicodedata.category(ch)[0] != "C"),
        key=lambda ch: (-counts[ch], ch),
    )
    vocabulary = [*SPECIAL_TOKENS, *PLACEHOLDER_TOKENS, *kept]
    vocabulary.extend(f"##{ch}" for ch in kept if not _is_cjk(ch))
    return vocabulary


def make_tokenizer(vocabulary: list[str], max_length: int) -> Any:
    """A fast BERT tokenizer over ``vocabulary`` (no lower-casing, CJK split per character)."""
    from transformers import BertTokenizer

    return BertTokenizer(
        vocab={token: index for index, token in enumerate(vocabulary)},
        do_lower_case=False,
        tokenize_chinese_chars=True,
        strip_accents=False,
        additional_special_tokens=list(PLACEHOLDER_TOKENS),
        model_max_length=max_length,
    )


def load_tokenizer(directory: Path) -> Any:
    """Load the tokenizer saved in a local directory; never downloads.

    Raises:
        ModelBundleError: code ``TOKENIZER_INVALID`` when the directory holds no usable fast
            tokenizer (one with character offsets).
    """
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(str(directory), local_files_only=True)
    except (OSError, ValueError) as error:
        raise ModelBundleError(
            f"cannot read a tokenizer from {directory} ({type(error).__name__}); point at a "
            "directory with tokenizer.json or vocab.txt from a Hugging Face checkpoint",
            code="TOKENIZER_INVALID",
        ) from None
    if not getattr(tokenizer, "is_fast", False) or tokenizer.cls_token_id is None:
        raise ModelBundleError(
            f"the tokenizer in {directory} is not a fast BERT/RoBERTa-style tokenizer with "
            "[CLS]/[SEP] tokens; convert it with the tokenizers library first",
            code="TOKENIZER_INVALID",
        )
    return tokenizer


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2FA1F
        or 0xF900 <= code <= 0xFAFF
    )
