"""Word segmentation with jieba's dictionary plus a police and dispute domain dictionary.

Segmenters are named, versioned parts looked up in ``SEGMENTERS``:

===============================  ==========================================  =====
key                              implementation                              HMM
===============================  ==========================================  =====
``segment.jieba.v1``             jieba 0.42.1, private ``jieba.Tokenizer``   on
``segment.jieba_nohmm.v1``       jieba 0.42.1, private ``jieba.Tokenizer``   off
``segment.rjieba.v1``            rjieba 0.2.2 (jieba-rs, Rust)               on
``segment.rjieba_nohmm.v1``      rjieba 0.2.2 (jieba-rs, Rust)               off
===============================  ==========================================  =====

All load jieba's own dictionary and the domain words in ``nlp/data/user_dict.txt`` (see
``nlp._seg_dict`` for its format and how its frequencies were chosen). The HMM guesses words that
neither dictionary has (names, places); with it off, unknown runs of Han characters come out as
single characters. A backend whose package is missing fails with ``UnknownComponentError``; nothing
falls back to another backend.

``bench/bench_nlp.py`` measures them (figures in ``bench/README.md``): rjieba is about 20x faster
than jieba; with the HMM off it gives exactly jieba's tokens, with it on it differs on some ASCII
runs. jieba_fast (measured, not shipped: it builds from a 2017 source release) was slower than
rjieba and its HMM disagrees with jieba on rare characters.
The default is ``segment.rjieba_nohmm.v1``: fastest, identical to ``segment.jieba_nohmm.v1``, and
without the HMM most personal names come out as single characters rather than as tokens that
would enter a model's vocabulary.

Every segmenter returns tokens that re-join exactly to the input (whitespace and punctuation are
tokens too) and keeps the PII masker's placeholders (``<PHONE>``, ``<ID>``, ``<BANKCARD>``,
``<PLATE>``; any ``<`` + capital letters, digits or ``_`` + ``>``) as single tokens.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import partial
from typing import Final, Protocol, runtime_checkable

from nlp._seg_backends import PLACEHOLDER_PATTERN, make_segmenter
from nlp._seg_dict import file_sha256, user_dict_path
from nlp.registry import Registry

__all__ = [
    "DEFAULT_SEGMENTER",
    "PLACEHOLDER_PATTERN",
    "SEGMENTERS",
    "Segmenter",
    "domain_dictionary_sha256",
    "get_segmenter",
]


@runtime_checkable
class Segmenter(Protocol):
    """Cuts text into words; built once, then safe to share between threads."""

    name: str

    def cut(self, text: str) -> list[str]:
        """Cut one text; the tokens re-join exactly to ``text``.

        Raises:
            InvalidRecordError: ``text`` is not a string.
        """
        ...

    def cut_many(self, texts: Sequence[str]) -> list[list[str]]:
        """Cut a batch; one token list per text, in order."""
        ...


SEGMENTERS: Final[Registry[Segmenter]] = Registry("segmenter")
"""Segmenter factories by versioned key; ``SEGMENTERS.get(name)`` builds a fresh instance."""

_BACKENDS: Final = {
    "segment.jieba.v1": ("jieba", True),
    "segment.jieba_nohmm.v1": ("jieba", False),
    "segment.rjieba.v1": ("rjieba", True),
    "segment.rjieba_nohmm.v1": ("rjieba", False),
}

for _name, (_backend, _hmm) in _BACKENDS.items():
    SEGMENTERS.register(_name)(partial(make_segmenter, _name, _backend, hmm=_hmm))
del _name, _backend, _hmm

DEFAULT_SEGMENTER: Final = "segment.rjieba_nohmm.v1"
"""The segmenter used unless configured otherwise (chosen by ``bench/bench_nlp.py``)."""

_built: dict[str, Segmenter] = {}
_built_lock = threading.Lock()


def get_segmenter(name: str = DEFAULT_SEGMENTER) -> Segmenter:
    """Return the segmenter registered under ``name``, built and warmed up on first use.

    Args:
        name: a key of ``SEGMENTERS``, e.g. ``"segment.jieba.v1"``.

    Returns:
        The same instance for every call with the same name.

    Raises:
        UnknownComponentError: no segmenter has that name, or its backend is not installed.
        InputFileError: the domain dictionary is missing or malformed.
    """
    with _built_lock:
        segmenter = _built.get(name)
        if segmenter is None:
            segmenter = SEGMENTERS.get(name)
            _built[name] = segmenter
    return segmenter


def domain_dictionary_sha256() -> str:
    """Hex SHA-256 of the domain dictionary, for model manifests to record."""
    return file_sha256(user_dict_path())
