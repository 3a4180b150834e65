"""Sparse n-gram features with positions, plus the dense risk-cue features.

Two n-gram families, word n-grams over the segmenter's tokens and character n-grams over the masked
text, map to columns either through learned vocabularies (``"vocabulary"``) or a stable hash
(``"hashing"``, crc32 seeded per family). Values are sublinear tf × idf, l2-normalised over the
n-gram part; the cue features from ``nlp.cues`` (and, with ``keyword_features``, one binary column
per keyword-trigger list of the baseline, and with ``legal_lexicon`` the columns of
``models.lexicon``) are appended unscaled.

Character n-grams (n <= 3) are packed exactly into one int64 per occurrence (21 bits per code point)
and looked up for the whole batch at once with ``searchsorted``; word n-grams are dict lookups.
Counting, weighting and normalising run in numpy/scipy over the whole batch. Each n-gram
occurrence can also report its span in the masked text, so a column's contribution to a decision
can be shown as highlighted phrases.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import scipy.sparse as sp

from models.lexicon import LEXICON_FEATURE_NAMES, LegalLexicon
from nlp.cues import CUE_FEATURE_NAMES, cue_features
from nlp.errors import UnknownComponentError
from nlp.pipeline import Analysis

WORD_PREFIX, CHAR_PREFIX = "w", "c"
"""Prefixes of the two families in a stored vocabulary list."""

_SKIP_TOKENS = frozenset(" \t\n，。！？、；：,.!?;:“”\"'‘’（）()【】[]…-—")
_HASH_SEEDS = {WORD_PREFIX: 0x5EED, CHAR_PREFIX: 0xC4A2}

Lookup = Callable[[str, int], int]

_CODE_BITS = 21
MAX_CHAR_NGRAM = 3
"""Longest character n-gram: three 21-bit code points fill 63 bits of an int64."""
DEFAULT_LEXICON_SCALE = 1.0
"""Multiplier of the lexicon columns: under the same L2 penalty a smaller scale weighs them less."""
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def pack_chars(term: str) -> int:
    """The int64 key of a character n-gram (exact, no collisions)."""
    key = 0
    for char in term:
        key = (key << _CODE_BITS) | ord(char)
    return key


def unpack_chars(key: int, n: int) -> str:
    """Inverse of ``pack_chars`` for an n-gram of length ``n``."""
    mask = (1 << _CODE_BITS) - 1
    return "".join(chr((key >> (_CODE_BITS * (n - 1 - i))) & mask) for i in range(n))


@dataclass(frozen=True)
class _CharGrams:
    """Character n-gram occurrences of a batch, one array entry per occurrence."""

    size: int
    keys: np.ndarray
    rows: np.ndarray
    starts: np.ndarray


def _char_grams(texts: Sequence[str], low: int, high: int) -> list[_CharGrams]:
    """All character n-grams of the texts, per n, as packed keys with row and start."""
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    joined = "".join(texts).encode("utf-32-le", "surrogatepass")
    codes = np.frombuffer(joined, dtype=np.uint32).astype(np.int64)
    row_of = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    first = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    start_in_row = np.arange(len(codes), dtype=np.int64) - first[row_of]
    grams = []
    for n in range(low, high + 1):
        count = len(codes) - n + 1
        if count <= 0:
            continue
        keys = codes[:count].copy()
        for k in range(1, n):
            keys = (keys << _CODE_BITS) | codes[k : k + count]
        inside = start_in_row[:count] + n <= lengths[row_of[:count]]
        grams.append(
            _CharGrams(n, keys[inside], row_of[:count][inside], start_in_row[:count][inside])
        )
    return grams


@dataclass(frozen=True)
class FeatureConfig:
    """Settings of the n-gram featuriser (stored in a bundle's manifest)."""

    mode: str = "vocabulary"
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (1, 3)
    min_df: int = 2
    max_features: int = 300_000
    hash_bits: int = 20
    keyword_features: bool = False
    legal_lexicon: bool = False
    lexicon_scale: float = DEFAULT_LEXICON_SCALE
    keyword_gate: str = "none"

    def __post_init__(self) -> None:
        if not 1 <= self.char_ngrams[0] <= self.char_ngrams[1] <= MAX_CHAR_NGRAM:
            raise ValueError(f"char_ngrams must lie within 1..{MAX_CHAR_NGRAM}")
        if self.keyword_gate not in ("none", "court"):
            raise UnknownComponentError(
                f"keyword gate {self.keyword_gate!r} is unknown; use 'none' or 'court'"
            )
        if self.keyword_gate == "court" and not (self.keyword_features and self.legal_lexicon):
            raise ValueError("keyword_gate 'court' needs keyword_features and legal_lexicon")
        if self.mode not in ("vocabulary", "hashing"):
            raise UnknownComponentError(
                f"feature mode {self.mode!r} is unknown; use 'vocabulary' or 'hashing'"
            )


def _word_keys(tokens: Sequence[str], low: int, high: int) -> list[str]:
    """Word n-gram keys; n-grams never cross punctuation or spaces (normalised text has no tabs)."""
    usable = [token not in _SKIP_TOKENS for token in tokens]
    keys: list[str] = []
    if low <= 1 <= high:
        keys.extend([t for t, ok in zip(tokens, usable, strict=True) if ok])
    if low <= 2 <= high:
        keys.extend(
            [
                a + "|" + b
                for a, b, ok_a, ok_b in zip(tokens, tokens[1:], usable, usable[1:], strict=False)
                if ok_a and ok_b
            ]
        )
    for n in range(max(low, 3), high + 1):
        keys.extend(
            "|".join(tokens[i : i + n])
            for i in range(len(tokens) - n + 1)
            if all(usable[i : i + n])
        )
    return keys


def _word_grams(
    tokens: Sequence[str], starts: Sequence[int], low: int, high: int
) -> tuple[list[str], list[int], list[int]]:
    """Word n-gram keys with their spans, in the order ``_word_keys`` gives them."""
    usable = [token not in _SKIP_TOKENS for token in tokens]
    keys: list[str] = []
    begins: list[int] = []
    ends: list[int] = []
    for n in range(low, high + 1):
        for i in range(len(tokens) - n + 1):
            if all(usable[i : i + n]):
                keys.append("|".join(tokens[i : i + n]))
                begins.append(starts[i])
                ends.append(starts[i + n - 1] + len(tokens[i + n - 1]))
    return keys, begins, ends


class NgramFeaturizer:
    """Turns analyses into a CSR matrix; fitted state ends in ``_`` as in scikit-learn.

    Args:
        config: the featuriser's settings.
        lexicon: the legal lexicon; required when ``config.legal_lexicon`` is set.
    """

    def __init__(
        self, config: FeatureConfig | None = None, lexicon: LegalLexicon | None = None
    ) -> None:
        self.config = config or FeatureConfig()
        if self.config.legal_lexicon and lexicon is None:
            raise ValueError("legal_lexicon features need a LegalLexicon")
        self.lexicon = lexicon if self.config.legal_lexicon else None

    @property
    def n_ngram_features(self) -> int:
        if self.config.mode == "hashing":
            return 1 << self.config.hash_bits
        return len(self.word_vocabulary_) + sum(len(k) for k, _ in self.char_vocabulary_.values())

    @property
    def dense_feature_names(self) -> tuple[str, ...]:
        """Names of the dense columns after the n-grams: cues, keyword triggers, lexicon."""
        keywords = keyword_feature_names() if self.config.keyword_features else ()
        lexicon = LEXICON_FEATURE_NAMES if self.config.legal_lexicon else ()
        return (*CUE_FEATURE_NAMES, *keywords, *lexicon)

    @property
    def n_features(self) -> int:
        return self.n_ngram_features + len(self.dense_feature_names)

    # -- fitting ----------------------------------------------------------------------------
    def fit(self, analyses: Sequence[Analysis]) -> NgramFeaturizer:
        """Learn the vocabularies (vocabulary mode) and the idf of every column."""
        word_df: Counter[str] = Counter()
        for analysis in analyses:
            word_df.update(set(_word_keys(analysis.tokens, *self.config.word_ngrams)))
        char_df: list[tuple[int, np.ndarray, np.ndarray]] = []
        for grams in _char_grams([a.masked for a in analyses], *self.config.char_ngrams):
            pairs = np.unique(np.stack([grams.rows, grams.keys], axis=1), axis=0)
            keys, counts = np.unique(pairs[:, 1], return_counts=True)
            char_df.append((grams.size, keys, counts))
        n_docs = len(analyses)
        if self.config.mode == "vocabulary":
            candidates = [
                (WORD_PREFIX + term, df) for term, df in word_df.items() if df >= self.config.min_df
            ]
            for size, keys, counts in char_df:
                frequent = counts >= self.config.min_df
                candidates.extend(
                    (CHAR_PREFIX + unpack_chars(int(key), size), int(df))
                    for key, df in zip(keys[frequent], counts[frequent], strict=True)
                )
            candidates.sort(key=lambda item: (-item[1], item[0]))
            chosen = candidates[: self.config.max_features]
            self._set_vocabulary([term for term, _ in chosen])
            df_by_term = dict(chosen)
            df_array = np.array([df_by_term[t] for t in self.vocabulary_terms()], dtype=np.float64)
        else:
            self._set_vocabulary([])
            df_array = np.zeros(self.n_ngram_features, dtype=np.float64)
            for term, df in word_df.items():
                df_array[self._hash_word(term)] += df
            for size, keys, counts in char_df:
                np.add.at(df_array, self._hash_chars(keys, size), counts)
        self.idf_ = (np.log((1 + n_docs) / (1 + df_array)) + 1.0).astype(np.float32)
        return self

    def _set_vocabulary(self, terms: Sequence[str]) -> None:
        """Columns: word terms first, then character terms, each in the given order."""
        words = [t[1:] for t in terms if t.startswith(WORD_PREFIX)]
        chars = [t[1:] for t in terms if t.startswith(CHAR_PREFIX)]
        self.word_vocabulary_ = {term: i for i, term in enumerate(words)}
        by_size: dict[int, tuple[list[int], list[int]]] = {}
        for column, term in enumerate(chars, start=len(words)):
            keys, columns = by_size.setdefault(len(term), ([], []))
            keys.append(pack_chars(term))
            columns.append(column)
        self.char_vocabulary_: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for size, (keys, columns) in sorted(by_size.items()):
            key_array = np.asarray(keys, dtype=np.int64)
            order = np.argsort(key_array, kind="stable")
            self.char_vocabulary_[size] = (
                key_array[order],
                np.asarray(columns, dtype=np.int64)[order],
            )

    def vocabulary_terms(self) -> list[str]:
        """Prefixed terms in column order (what a bundle stores)."""
        terms = [
            WORD_PREFIX + w
            for w in sorted(self.word_vocabulary_, key=self.word_vocabulary_.__getitem__)
        ]
        chars: list[tuple[int, str]] = []
        for size, (keys, columns) in self.char_vocabulary_.items():
            chars.extend(
                (int(c), unpack_chars(int(k), size)) for k, c in zip(keys, columns, strict=True)
            )
        return terms + [CHAR_PREFIX + term for _, term in sorted(chars)]

    def _hash_word(self, key: str) -> int:
        mask = (1 << self.config.hash_bits) - 1
        return zlib.crc32(key.encode("utf-8"), _HASH_SEEDS[WORD_PREFIX]) & mask

    def _hash_chars(self, keys: np.ndarray, size: int) -> np.ndarray:
        mixed = (keys.astype(np.uint64) + np.uint64(size)) * _GOLDEN
        return (mixed >> np.uint64(64 - self.config.hash_bits)).astype(np.int64)

    def _char_columns(self, grams: _CharGrams) -> np.ndarray:
        """Column of every occurrence, -1 where the vocabulary does not know it."""
        if self.config.mode == "hashing":
            return self._hash_chars(grams.keys, grams.size)
        if grams.size not in self.char_vocabulary_:
            return np.full(len(grams.keys), -1, dtype=np.int64)
        known_keys, known_columns = self.char_vocabulary_[grams.size]
        position = np.minimum(np.searchsorted(known_keys, grams.keys), len(known_keys) - 1)
        return np.where(known_keys[position] == grams.keys, known_columns[position], -1)

    # -- transforming -----------------------------------------------------------------------
    def transform(self, analyses: Sequence[Analysis]) -> sp.csr_matrix:
        """Feature matrix of shape ``(len(analyses), n_features)``, float32, sorted indices."""
        return self.transform_with_spans(analyses, keep_spans=False)[0]

    def transform_with_spans(
        self, analyses: Sequence[Analysis], *, keep_spans: bool = True
    ) -> tuple[sp.csr_matrix, list[np.ndarray]]:
        """Feature matrix and, per row, an ``(m, 3)`` int array of ``(column, start, end)``.

        The spans are the known n-gram occurrences in the masked text, for evidence.
        """
        word_get: Lookup = (
            (lambda key, _default: self._hash_word(key))
            if self.config.mode == "hashing"
            else self.word_vocabulary_.get
        )
        word_columns: list[int] = []
        word_rows: list[int] = []
        word_begins: list[int] = []
        word_ends: list[int] = []
        dense = np.zeros((len(analyses), len(self.dense_feature_names)), dtype=np.float32)
        triggers = _keyword_triggers() if self.config.keyword_features else ()
        gate = np.ones(len(analyses), dtype=np.float32)
        if self.lexicon is not None:
            masked = [a.masked for a in analyses]
            dense[:, -len(LEXICON_FEATURE_NAMES) :] = self.config.lexicon_scale * (
                self.lexicon.features(masked)
            )
            if self.config.keyword_gate == "court":
                gate = self.lexicon.court_register(masked)
        for row, analysis in enumerate(analyses):
            if triggers:
                text = analysis.masked
                dense[row, len(CUE_FEATURE_NAMES) : len(CUE_FEATURE_NAMES) + len(triggers)] = [
                    gate[row] * any(word in text for word in words) for words in triggers
                ]
            if keep_spans:
                keys, begins, ends = _word_grams(
                    analysis.tokens, analysis.token_starts, *self.config.word_ngrams
                )
                word_begins.extend(begins)
                word_ends.extend(ends)
            else:
                keys = _word_keys(analysis.tokens, *self.config.word_ngrams)
            word_columns.extend([word_get(key, -1) for key in keys])
            word_rows.extend([row] * len(keys))
            features = cue_features(analysis.cues)
            dense[row, : len(CUE_FEATURE_NAMES)] = [features[name] for name in CUE_FEATURE_NAMES]

        columns = [np.asarray(word_columns, dtype=np.int64)]
        rows = [np.asarray(word_rows, dtype=np.int64)]
        begins_all = [np.asarray(word_begins, dtype=np.int64)]
        ends_all = [np.asarray(word_ends, dtype=np.int64)]
        for grams in _char_grams([a.masked for a in analyses], *self.config.char_ngrams):
            columns.append(self._char_columns(grams))
            rows.append(grams.rows)
            begins_all.append(grams.starts)
            ends_all.append(grams.starts + grams.size)
        column = np.concatenate(columns)
        row_ids = np.concatenate(rows)
        known = column >= 0
        counts = sp.coo_matrix(
            (np.ones(int(known.sum()), dtype=np.float32), (row_ids[known], column[known])),
            shape=(len(analyses), self.n_ngram_features),
        ).tocsr()
        counts.data = (1.0 + np.log(counts.data)) * self.idf_[counts.indices]
        norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        weighted = sp.diags((1.0 / norms).astype(np.float32)) @ counts
        matrix = sp.hstack([weighted, sp.csr_matrix(dense)], format="csr", dtype=np.float32)
        matrix.sort_indices()
        return matrix, (
            _spans_by_row(row_ids[known], column[known], begins_all, ends_all, known, len(analyses))
            if keep_spans
            else []
        )


def _spans_by_row(
    rows: np.ndarray,
    columns: np.ndarray,
    begins: list[np.ndarray],
    ends: list[np.ndarray],
    known: np.ndarray,
    n_rows: int,
) -> list[np.ndarray]:
    occurrences = np.stack(
        [columns, np.concatenate(begins)[known], np.concatenate(ends)[known]], axis=1
    )
    order = np.argsort(rows, kind="stable")
    boundaries = np.searchsorted(rows[order], np.arange(n_rows + 1))
    ordered = occurrences[order]
    return [ordered[boundaries[i] : boundaries[i + 1]] for i in range(n_rows)]


@cache
def _keyword_triggers() -> tuple[tuple[str, ...], ...]:
    """Word lists of the keyword-trigger rules (``models/data/keyword_baseline.json``)."""
    from models.baseline import packaged_rules

    rules = packaged_rules()
    lists = [words for _, words in rules["dispute_type"]]
    lists += [rules["red"], rules["yellow"], rules["escalation"]]
    return tuple(tuple(words) for words in lists)


def keyword_feature_names() -> tuple[str, ...]:
    """One binary feature per keyword list: the type lists, then red, yellow, escalation."""
    from models.baseline import packaged_rules

    types = [label for label, _ in packaged_rules()["dispute_type"]]
    return (
        *(f"keyword:{label}" for label in types),
        "keyword:red",
        "keyword:yellow",
        "keyword:escalation",
    )


def featurizer_from_state(
    config: dict[str, object],
    vocabulary: list[str],
    idf: np.ndarray,
    lexicon: LegalLexicon | None = None,
) -> NgramFeaturizer:
    """Rebuild a fitted featuriser from what a bundle stores."""
    featurizer = NgramFeaturizer(feature_config_from_json(config), lexicon)
    featurizer._set_vocabulary(vocabulary)
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
        "keyword_features": config.keyword_features,
        "legal_lexicon": config.legal_lexicon,
        "lexicon_scale": config.lexicon_scale,
        "keyword_gate": config.keyword_gate,
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
        keyword_features=bool(raw.get("keyword_features", False)),
        legal_lexicon=bool(raw.get("legal_lexicon", False)),
        lexicon_scale=float(str(raw.get("lexicon_scale", 1.0))),
        keyword_gate=str(raw.get("keyword_gate", "none")),
    )
