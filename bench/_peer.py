"""The peer pipeline for ``bench_model.py``: what a user would write instead of our model.

OpenCC ``t2s`` -> the global ``jieba.lcut`` (default dictionary, HMM on) -> scikit-learn
``TfidfVectorizer`` on those tokens (word 1-2 grams, sublinear tf, ``min_df=2``) -> one
``LogisticRegression`` per head (lbfgs; softmax over the classes for the multi-class heads).

It is saved without pickle (JSON for the vocabulary and classes, ``.npz`` for the arrays) so that
a separate process can load it for the memory measurement. This module imports nothing from the
project, so that process holds only what the peer itself needs.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Self

import jieba
import numpy as np
import opencc
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

HEADS = ("dispute_type", "risk_grade", "escalation")
SOLVER = "lbfgs"
MAX_ITER = 2000
NGRAM_RANGE = (1, 2)
MIN_DF = 2
_CONFIG_FILE = "peer.json"
_ARRAYS_FILE = "peer.npz"
_FORMAT_VERSION = 1

# jieba announces building its prefix dictionary at INFO on stderr; the table is our output.
jieba.setLogLevel(logging.WARNING)


@cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def _vectorizer(vocabulary: Mapping[str, int] | None = None) -> TfidfVectorizer:
    # The documents are already token lists: identity pre-processing and tokenising.
    return TfidfVectorizer(
        preprocessor=_identity,
        tokenizer=_identity,
        token_pattern=None,
        lowercase=False,
        ngram_range=NGRAM_RANGE,
        sublinear_tf=True,
        min_df=MIN_DF,
        vocabulary=vocabulary,
    )


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Convert to simplified script with OpenCC and cut with the global ``jieba.lcut``.

    Args:
        texts: raw texts.

    Returns:
        One token list per text.
    """
    convert = _converter().convert
    return [jieba.lcut(convert(text)) for text in texts]


class PeerPipeline:
    """OpenCC + jieba + TF-IDF + one logistic regression per head.

    Learned state (after ``fit`` or ``load``): ``vectorizer_`` and ``heads_`` (head -> classifier).
    """

    def __init__(self, *, max_iter: int = MAX_ITER) -> None:
        self.max_iter = max_iter

    def fit(self, texts: Sequence[str], labels: Mapping[str, Sequence[str]]) -> Self:
        """Fit the vectorizer and the three heads.

        Args:
            texts: training texts.
            labels: for each name in ``HEADS``, one string label per text (the escalation head
                takes ``"false"``/``"true"``).

        Returns:
            ``self``.

        Raises:
            ValueError: a head's labels are missing or not one per text.
        """
        for head in HEADS:
            if len(labels.get(head, ())) != len(texts):
                raise ValueError(f"labels[{head!r}] must hold one label per text")
        vectorizer = _vectorizer()
        features = vectorizer.fit_transform(tokenize(texts))
        heads = {}
        for head in HEADS:
            classifier = LogisticRegression(solver=SOLVER, max_iter=self.max_iter)
            heads[head] = classifier.fit(features, np.asarray(labels[head]))
        self.vectorizer_ = vectorizer
        self.heads_ = heads
        return self

    def predict_proba(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Convert, cut, vectorise and run the three heads.

        Args:
            texts: raw texts.

        Returns:
            Head -> probabilities of shape ``(len(texts), n_classes)``, columns in the order of
            ``classes(head)``.
        """
        features = self.vectorizer_.transform(tokenize(texts))
        return {head: clf.predict_proba(features) for head, clf in self.heads_.items()}

    def classes(self, head: str) -> list[str]:
        """The labels of one head, in the order of its probability columns."""
        return [str(label) for label in self.heads_[head].classes_]

    def iterations(self, head: str) -> int:
        """How many solver iterations fitting one head took (``max_iter`` = not converged)."""
        return int(np.max(self.heads_[head].n_iter_))

    @property
    def vocabulary_size(self) -> int:
        """Number of n-grams the vectorizer kept."""
        return len(self.vectorizer_.vocabulary_)

    def save(self, directory: Path) -> None:
        """Write the fitted pipeline as ``peer.json`` + ``peer.npz`` (no pickle).

        Args:
            directory: created if missing; existing peer files are replaced.
        """
        directory.mkdir(parents=True, exist_ok=True)
        vocabulary = sorted(self.vectorizer_.vocabulary_, key=self.vectorizer_.vocabulary_.get)
        config: dict[str, Any] = {
            "format_version": _FORMAT_VERSION,
            "max_iter": self.max_iter,
            "vocabulary": vocabulary,
            "classes": {head: self.classes(head) for head in HEADS},
        }
        (directory / _CONFIG_FILE).write_text(json.dumps(config, ensure_ascii=False), "utf-8")
        arrays = {"idf": self.vectorizer_.idf_}
        for head, classifier in self.heads_.items():
            arrays[f"{head}.coef"] = classifier.coef_
            arrays[f"{head}.intercept"] = classifier.intercept_
        np.savez(directory / _ARRAYS_FILE, **arrays)

    @classmethod
    def load(cls, directory: Path) -> Self:
        """Read a pipeline written by ``save``.

        Args:
            directory: holds ``peer.json`` and ``peer.npz``.

        Returns:
            A pipeline that predicts exactly as the saved one did.

        Raises:
            OSError: a file is missing or unreadable.
            ValueError: the files are of another format version or inconsistent.
        """
        config = json.loads((directory / _CONFIG_FILE).read_text("utf-8"))
        if config.get("format_version") != _FORMAT_VERSION:
            raise ValueError(f"{directory}: unsupported peer format; rerun the benchmark")
        pipeline = cls(max_iter=int(config["max_iter"]))
        vocabulary = {term: index for index, term in enumerate(config["vocabulary"])}
        with np.load(directory / _ARRAYS_FILE, allow_pickle=False) as arrays:
            vectorizer = _vectorizer(vocabulary)
            vectorizer.idf_ = arrays["idf"]
            heads = {}
            for head in HEADS:
                classifier = LogisticRegression(solver=SOLVER, max_iter=pipeline.max_iter)
                classifier.classes_ = np.asarray(config["classes"][head])
                classifier.coef_ = arrays[f"{head}.coef"]
                classifier.intercept_ = arrays[f"{head}.intercept"]
                classifier.n_features_in_ = len(vocabulary)
                heads[head] = classifier
        pipeline.vectorizer_ = vectorizer
        pipeline.heads_ = heads
        return pipeline
