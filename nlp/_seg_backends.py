"""Segmenter backends: jieba and rjieba, each with the domain dictionary added.

Every backend keeps jieba's own dictionary and HMM model and differs only in implementation speed.
Placeholders that the PII masker puts in the text (``<PHONE>``, ``<ID>``, ...) are split off before
the backend sees the text, because jieba would cut them into ``<``, ``PHONE``, ``>``.
"""

from __future__ import annotations

import importlib
import logging
import re
import threading
from collections.abc import Sequence
from typing import Any, Protocol

from nlp._seg_dict import UserDictEntry, read_user_dict, user_dict_path
from nlp.errors import InvalidRecordError, UnknownComponentError

PLACEHOLDER_PATTERN = re.compile(r"(<[A-Z][A-Z0-9_]*>)")
"""Masker placeholders kept as single tokens; the capture group keeps them in ``re.split``."""

_SURROGATE = re.compile(r"([\ud800-\udfff])")

_PIP_NAMES = {"jieba": "jieba==0.42.1", "rjieba": "rjieba==0.2.2"}

_shared: dict[str, Any] = {}
_shared_lock = threading.Lock()


class _JiebaLikeTokenizer(Protocol):
    """The part of ``jieba.Tokenizer`` used here."""

    FREQ: dict[str, int]
    total: int
    initialized: bool

    def lcut(self, sentence: str, cut_all: bool = ..., HMM: bool = ...) -> list[str]: ...


class PlaceholderAwareSegmenter:
    """Base of the backends: type check, placeholder split, batch loop."""

    def __init__(self, name: str) -> None:
        self.name = name

    def cut(self, text: str) -> list[str]:
        """Cut one text into tokens that re-join exactly to it; placeholders stay whole.

        Raises:
            InvalidRecordError: ``text`` is not a string.
        """
        if not isinstance(text, str):
            raise InvalidRecordError(
                f"segmenters take str, got {type(text).__name__}; decode the text first",
                code="NOT_TEXT",
            )
        if "<" not in text:
            return self._cut_plain(text)
        tokens: list[str] = []
        for index, piece in enumerate(PLACEHOLDER_PATTERN.split(text)):
            if not piece:
                continue
            if index % 2:
                tokens.append(piece)
            else:
                tokens.extend(self._cut_plain(piece))
        return tokens

    def cut_many(self, texts: Sequence[str]) -> list[list[str]]:
        """Cut each text; one token list per text, in order."""
        return [self.cut(text) for text in texts]

    def _cut_plain(self, text: str) -> list[str]:
        raise NotImplementedError

    def _warm_up(self, entries: Sequence[UserDictEntry]) -> None:
        # The first cut pays for lazy set-up (regex caches, the HMM tables); pay it at start-up.
        self.cut("".join(entry.word for entry in entries[:8]) + "<PHONE>")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


class JiebaSegmenter(PlaceholderAwareSegmenter):
    """A ``jieba`` tokenizer, with the HMM for unknown words on or off."""

    def __init__(self, name: str, tokenizer: _JiebaLikeTokenizer, *, hmm: bool) -> None:
        super().__init__(name)
        self._tokenizer = tokenizer
        self._hmm = hmm

    def _cut_plain(self, text: str) -> list[str]:
        return self._tokenizer.lcut(text, HMM=self._hmm)


class RjiebaSegmenter(PlaceholderAwareSegmenter):
    """An ``rjieba`` (jieba-rs) instance, with the HMM on or off."""

    def __init__(self, name: str, jieba: Any, *, hmm: bool) -> None:
        super().__init__(name)
        self._jieba = jieba
        self._hmm = hmm

    def _cut_plain(self, text: str) -> list[str]:
        try:
            tokens: list[str] = self._jieba.cut(text, self._hmm)
        except UnicodeEncodeError:
            # Lone surrogates (legal as JSON escapes) cannot cross into Rust; cut around them.
            tokens = []
            for index, piece in enumerate(_SURROGATE.split(text)):
                if index % 2:
                    tokens.append(piece)
                elif piece:
                    tokens.extend(self._jieba.cut(piece, self._hmm))
        return tokens


def build_jieba_tokenizer(module_name: str, entries: Sequence[UserDictEntry]) -> Any:
    """Build a private jieba-style tokenizer with the domain words, touching no cache file.

    ``Tokenizer.initialize`` would read and write a marshal cache in the temp dir, which may be
    read-only or shared with other users; building the prefix dict directly avoids the file.

    Args:
        module_name: ``"jieba"``.
        entries: domain dictionary entries to add.

    Returns:
        An initialised ``Tokenizer`` of that module.

    Raises:
        UnknownComponentError: the module is not installed.
    """
    module = _import_backend(module_name)
    logging.getLogger(module_name).setLevel(logging.WARNING)
    tokenizer = module.Tokenizer()
    tokenizer.FREQ, tokenizer.total = tokenizer.gen_pfdict(tokenizer.get_dict_file())
    tokenizer.initialized = True
    for entry in entries:
        old_freq = tokenizer.FREQ.get(entry.word, 0)
        tokenizer.add_word(entry.word, entry.freq, entry.tag)
        # jieba's add_word adds the new frequency to the total without removing the old one;
        # undoing that keeps the total a true sum, as jieba-rs keeps it, so backends agree.
        tokenizer.total -= old_freq
    return tokenizer


def build_rjieba(entries: Sequence[UserDictEntry]) -> Any:
    """Build a private ``rjieba.Jieba`` with the domain words added.

    Raises:
        UnknownComponentError: rjieba is not installed.
    """
    module = _import_backend("rjieba")
    jieba = module.Jieba()
    for entry in entries:
        jieba.add_word(entry.word, entry.freq, entry.tag)
    return jieba


def make_segmenter(name: str, backend: str, *, hmm: bool) -> PlaceholderAwareSegmenter:
    """Build and warm up a segmenter; the loaded dictionary is shared between HMM on and off.

    Args:
        name: the registry key, stored as the segmenter's ``name``.
        backend: ``"jieba"`` or ``"rjieba"``.
        hmm: whether unknown character runs go through jieba's HMM.

    Raises:
        UnknownComponentError: the backend's package is not installed.
        InputFileError: the domain dictionary is missing or malformed.
    """
    entries = read_user_dict(user_dict_path())
    with _shared_lock:
        engine = _shared.get(backend)
        if engine is None:
            if backend == "rjieba":
                engine = build_rjieba(entries)
            else:
                engine = build_jieba_tokenizer(backend, entries)
            _shared[backend] = engine
    segmenter: PlaceholderAwareSegmenter
    if backend == "rjieba":
        segmenter = RjiebaSegmenter(name, engine, hmm=hmm)
    else:
        segmenter = JiebaSegmenter(name, engine, hmm=hmm)
    segmenter._warm_up(entries)
    return segmenter


def _import_backend(module_name: str) -> Any:
    try:
        return importlib.import_module(module_name)
    except ImportError:
        raise UnknownComponentError(
            f"the segmenter backend {module_name!r} is not installed; install it "
            f"(pip install {_PIP_NAMES[module_name]}) or configure another segmenter"
        ) from None
