"""Token windows: long texts become overlapping windows; batches pad only to their longest row.

Every window is ``[CLS] body [SEP]``; a text longer than one window is read as several windows
that share ``overlap`` tokens, and the model averages their logits, so nothing is cut off.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Windows:
    """The windows of a batch of texts.

    Attributes:
        ids: token ids of each window, special tokens included.
        offsets: ``[start, end)`` of each token in the model text; ``(0, 0)`` for special tokens.
        doc: index of the text each window belongs to.
        n_docs: number of texts.
    """

    ids: list[list[int]]
    offsets: list[list[tuple[int, int]]]
    doc: np.ndarray
    n_docs: int

    @cached_property
    def of_docs(self) -> list[list[int]]:
        """Window indices of each text, in order."""
        grouped: list[list[int]] = [[] for _ in range(self.n_docs)]
        for window, doc in enumerate(self.doc.tolist()):
            grouped[doc].append(window)
        return grouped


def make_windows(tokenizer: Any, texts: Sequence[str], max_length: int, overlap: int) -> Windows:
    """Tokenise ``texts`` and cut each into windows of at most ``max_length`` tokens.

    Args:
        tokenizer: a fast Hugging Face tokenizer (it must return offsets).
        texts: model texts.
        max_length: window length, ``[CLS]`` and ``[SEP]`` included.
        overlap: tokens shared by consecutive windows of one text.

    Returns:
        The windows, ordered by text and position.
    """
    encoded = tokenizer(
        list(texts), add_special_tokens=False, return_offsets_mapping=True, verbose=False
    )
    body = max_length - 2
    step = max(body - overlap, 1)
    cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id
    ids: list[list[int]] = []
    offsets: list[list[tuple[int, int]]] = []
    doc: list[int] = []
    for index, (token_ids, token_offsets) in enumerate(
        zip(encoded["input_ids"], encoded["offset_mapping"], strict=True)
    ):
        start = 0
        while True:
            stop = min(start + body, len(token_ids))
            ids.append([cls, *token_ids[start:stop], sep])
            offsets.append([(0, 0), *map(tuple, token_offsets[start:stop]), (0, 0)])
            doc.append(index)
            if stop >= len(token_ids):
                break
            start += step
    return Windows(ids, offsets, np.asarray(doc, dtype=np.int64), len(texts))


def doc_batches(windows: Windows, batch_size: int) -> list[list[int]]:
    """Texts grouped so that similar lengths share a batch of about ``batch_size`` windows.

    All windows of a text stay in one batch (their logits are averaged, and evidence needs the
    gradient of that average).
    """
    grouped = windows.of_docs
    lengths = [sum(len(windows.ids[w]) for w in group) for group in grouped]
    order = np.argsort(np.asarray(lengths), kind="stable")
    batches: list[list[int]] = []
    current: list[int] = []
    count = 0
    for doc in order.tolist():
        current.append(doc)
        count += len(grouped[doc])
        if count >= batch_size:
            batches.append(current)
            current, count = [], 0
    if current:
        batches.append(current)
    return batches


def training_batches(
    windows: Windows, batch_size: int, rng: np.random.Generator
) -> list[list[int]]:
    """Shuffled batches of texts; lengths are bucketed within pools of 50 batches."""
    grouped = windows.of_docs
    lengths = np.asarray([sum(len(windows.ids[w]) for w in group) for group in grouped])
    order = rng.permutation(windows.n_docs)
    pool = batch_size * 50
    batches: list[list[int]] = []
    for begin in range(0, len(order), pool):
        chunk = order[begin : begin + pool]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches.extend(chunk[i : i + batch_size].tolist() for i in range(0, len(chunk), batch_size))
    return [batches[i] for i in rng.permutation(len(batches))]


def collate(
    windows: Windows, docs: Sequence[int], pad_id: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
    """Pad the windows of ``docs`` to their longest one.

    Returns:
        ``(input_ids, attention_mask, window_doc, window_indices)``: ``(w, t)`` int arrays, the
        position of each window's text within ``docs``, and the windows' global indices.
    """
    grouped = windows.of_docs
    selected = [w for doc in docs for w in grouped[doc]]
    position = [i for i, doc in enumerate(docs) for _ in grouped[doc]]
    width = max(len(windows.ids[w]) for w in selected)
    input_ids = np.full((len(selected), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(selected), width), dtype=np.int64)
    for row, w in enumerate(selected):
        input_ids[row, : len(windows.ids[w])] = windows.ids[w]
        mask[row, : len(windows.ids[w])] = 1
    return input_ids, mask, np.asarray(position, dtype=np.int64), selected
