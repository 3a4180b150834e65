"""Sparse n-gram features with positions, plus the dense risk-cue features.

Three families, each keyed so they never collide: word n-grams over the segmenter's tokens, character
n-grams over the masked text, and the cue features from ``nlp.cues``. Terms map to columns either
through a learned vocabulary (``"vocabulary"``) or a stable hash (``"hashing"``, crc32). Values are
sublinear tf × idf, l2-normalised over the n-gram part; cue features are appended unscaled.

Every n-gram occurrence remembers its span in the masked text, so a column's contribution to a
decision can be shown as highlighted phrases.
"""

from __future__ import annotations

import math
import zlib
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from nlp.cues import CUE_FEATURE_NAMES, cue_features
from nlp.errors import UnknownComponentError
from nlp.pipeline import Analysis

_WORD, _CHAR = "w", "c"
_SKIP_TOKENS = frozenset(" \t\n，。！？、；：,.!?;:“”\"'‘’（）()【】[]…-—")


@dataclass(frozen=True)
class FeatureConfig:
    """Settings of the n-gram featuriser (stored in a bundle's manifest)."""

    mode: str = "vocabulary"
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (1, 3)
    min_df: int = 2
    max_features: int = 300_000
    hash_bits: int = 20

    def __post_init__(self) -> None:
        if self.mode not in ("vocabulary", "hashing"):
            raise UnknownComponentError(
                f"feature mode {self.mode!r} is unknown; use 'vocabulary' or 'hashing'"
            )


def iter_terms(analysis: Analysis, config: FeatureConfig) -> Iterator[tuple[str, int, int]]:
    """Yield ``(term_key, start, end)`` for every n-gram occurrence, spans in the masked text."""
    tokens, starts = analysis.tokens, analysis.token_starts
    keep = [i for i, token in enumerate(tokens) if token not in _SKIP_TOKENS and not token.isspace()]
    low, high = config.word_ngrams
    for n in range(low, high + 1):
        for k in range(len(keep) - n + 1):
            first, last = keep[k], keep[k + n - 1]
            if last - first != n - 1:
                continue
            yield (
                _WORD + "|".join(tokens[first : last + 1]),
                starts[first],
                starts[last] + len(tokens[last]),
            )
    text = analysis.masked
    low, high = config.char_ngrams
    for n in range(low, high + 1):
        for i in range(len(text) - n + 1):
            gram = text[i : i + n]
            if gram.isspace():
                continue
            yield _CHAR + gram, i, i + n


class NgramFeaturizer:
    """Turns analyses into a CSR matrix; fitted state ends in ``_`` as in scikit-learn."""

    def __init__(self, config: FeatureConfig | None = None) -> None:
        self.config = config or FeatureConfig()

    @property
    def n_ngram_features(self) -> int:
        if self.config.mode == "hashing":
            return 1 << self.config.hash_bits
        return len(self.vocabulary_)

    @property
    def n_features(self) -> int:
        return self.n_ngram_features + len(CUE_FEATURE_NAMES)

    def fit(self, analyses: Sequence[Analysis]) -> NgramFeaturizer:
        """Learn the vocabulary (vocabulary mode) and the idf of every column."""
        document_frequency: Counter[str] = Counter()
        for analysis in analyses:
            document_frequency.update({key for key, _, _ in iter_terms(analysis, self.config)})
        if self.config.mode == "vocabulary":
            kept = [
                (term, df) for term, df in document_frequency.items() if df >= self.config.min_df
            ]
            kept.sort(key=lambda item: (-item[1], item[0]))
            self.vocabulary_ = {term: i for i, (term, _) in enumerate(kept[: self.config.max_features])}
            df_array = np.array([df for _, df in kept[: self.config.max_features]], dtype=np.float64)
        else:
            self.vocabulary_ = {}
            df_array = np.zeros(self.n_ngram_features, dtype=np.float64)
            for term, df in document_frequency.items():
                df_array[self._hash(term)] += df
        n_docs = max(len(analyses), 1)
        self.idf_ = (np.log((1 + n_docs) / (1 + df_array)) + 1.0).astype(np.float32)
        return self

    def _hash(self, term: str) -> int:
        return zlib.crc32(term.encode("utf-8")) & ((1 << self.config.hash_bits) - 1)

    def column(self, term: str) -> int | None:
        """The column of a term key, or None when the vocabulary does not know it."""
        if self.config.mode == "hashing":
            return self._hash(term)
        return self.vocabulary_.get(term)

    def transform(self, analyses: Sequence[Analysis]) -> sp.csr_matrix:
        """Feature matrix of shape ``(len(analyses), n_features)``, float32, sorted indices."""
        return self.transform_with_spans(analyses, keep_spans=False)[0]

    def transform_with_spans(
        self, analyses: Sequence[Analysis], *, keep_spans: bool = True
    ) -> tuple[sp.csr_matrix, list[np.ndarray]]:
        """Feature matrix and, per row, an ``(m, 3)`` int array of ``(column, start, end)``.

        The spans are the known n-gram occurrences in the masked text, for evidence.
        """
        spans: list[np.ndarray] = []
        indptr = [0]
        indices: list[int] = []
        values: list[float] = []
        cue_rows = np.zeros((len(analyses), len(CUE_FEATURE_NAMES)), dtype=np.float32)
        lookup = self.column
        for row, analysis in enumerate(analyses):
            counts: Counter[int] = Counter()
            occurrences: list[tuple[int, int, int]] = []
            for term, start, end in iter_terms(analysis, self.config):
                col = lookup(term)
                if col is not None:
                    counts[col] += 1
                    if keep_spans:
                        occurrences.append((col, start, end))
            if keep_spans:
                spans.append(np.asarray(occurrences, dtype=np.int64).reshape(-1, 3))
            weights = {col: (1.0 + math.log(c)) * float(self.idf_[col]) for col, c in counts.items()}
            norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
            indices.extend(weights)
            values.extend(w / norm for w in weights.values())
            indptr.append(len(indices))
            features = cue_features(analysis.cues)
            cue_rows[row] = [features.get(name, 0.0) for name in CUE_FEATURE_NAMES]
        ngrams = sp.csr_matrix(
            (np.asarray(values, dtype=np.float32), np.asarray(indices, dtype=np.int64), indptr),
            shape=(len(analyses), self.n_ngram_features),
        )
        matrix = sp.hstack([ngrams, sp.csr_matrix(cue_rows)], format="csr", dtype=np.float32)
        matrix.sort_indices()
        return matrix, spans


def featurizer_from_state(
    config: dict[str, object], vocabulary: list[str], idf: np.ndarray
) -> NgramFeaturizer:
    """Rebuild a fitted featuriser from what a bundle stores."""
    featurizer = NgramFeaturizer(feature_config_from_json(config))
    featurizer.vocabulary_ = {term: i for i, term in enumerate(vocabulary)}
    featurizer.idf_ = idf.astype(np.float32)
    return featurizer


def feature_config_to_json(config: FeatureConfig) -> dict[str, object]:
    return {
        "mode": config.mode,
        "word_ngrams": list(config.word_ngrams),
        "char_ngrams": list(config.char_ngrams),
        "min_df": config.min_df,
        "max_features": config.max_features,
        "hash_bits": config.hash_bits,
    }


def feature_config_from_json(raw: dict[str, object]) -> FeatureConfig:
    word = raw["word_ngrams"]
    char = raw["char_ngrams"]
    if not isinstance(word, list) or not isinstance(char, list):
        raise TypeError("n-gram ranges must be lists")
    return FeatureConfig(
        mode=str(raw["mode"]),
        word_ngrams=(int(word[0]), int(word[1])),
        char_ngrams=(int(char[0]), int(char[1])),
        min_df=int(str(raw["min_df"])),
        max_features=int(str(raw["max_features"])),
        hash_bits=int(str(raw["hash_bits"])),
    )
