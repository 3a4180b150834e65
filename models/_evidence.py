"""Evidence phrases from per-character saliency; shared by every architecture.

A model says how much each span (an n-gram, a subword) pushed the chosen label; the span's weight is
spread over its characters, and the strongest runs of characters, widened to whole tokens, become
phrases with offsets into the text as the caller gave it. Spans over masked personal data are never
shown.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Any

import numpy as np

from nlp.pipeline import Analysis
from nlp.segment import PLACEHOLDER_PATTERN

_NOT_PHRASE = re.compile(r"[\W_]+|" + PLACEHOLDER_PATTERN.pattern)

EvidenceItem = dict[str, Any]
"""One evidence phrase in the shape of ``models.protocol.Evidence``, validated with the result."""

EVIDENCE_PER_HEAD = 5
EVIDENCE_MAX_CHARS = 12
EVIDENCE_RELATIVE_FLOOR = 0.3
"""A character joins a phrase when its saliency is at least this share of the strongest one."""


def head_saliency(spans: np.ndarray, weights: np.ndarray, length: int) -> np.ndarray:
    """Per-character saliency of the masked text, for several heads at once.

    Args:
        spans: ``(m, 2)`` int array of ``[start, end)`` spans in the masked text.
        weights: ``(h, m)`` contribution of each span towards each head's chosen label.
        length: length of the masked text.

    Returns:
        ``(h, length)`` array: each span's weight spread evenly over its characters, summed.
    """
    lengths = spans[:, 1] - spans[:, 0]
    keep = lengths > 0
    spans, weights, lengths = spans[keep], weights[:, keep], lengths[keep]
    offsets = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    positions = np.repeat(spans[:, 0], lengths) + offsets
    shares = np.repeat(weights / lengths, lengths, axis=1)
    return (
        np.stack([np.bincount(positions, weights=row, minlength=length)[:length] for row in shares])
        if len(shares)
        else np.zeros((0, length))
    )


def span_saliency(spans: np.ndarray, weights: np.ndarray, length: int) -> np.ndarray:
    """``head_saliency`` for one head: ``weights`` is ``(m,)``, the result ``(length,)``."""
    return head_saliency(spans, weights[np.newaxis, :], length)[0]


def phrase_characters(text: str) -> np.ndarray:
    """True where a character may be part of an evidence phrase (no punctuation, space or PII)."""
    allowed = np.ones(len(text), dtype=bool)
    for match in _NOT_PHRASE.finditer(text):
        allowed[match.start() : match.end()] = False
    return allowed


def salient_phrases(
    head: str, saliency: np.ndarray, analysis: Analysis, allowed: np.ndarray | None = None
) -> list[EvidenceItem]:
    """The strongest runs of characters pushing towards the chosen label of ``head``, as dicts.

    Args:
        head: the head's name, copied into each ``Evidence``.
        saliency: ``(len(analysis.masked),)`` per-character saliency.
        analysis: the record's analysis (for offsets and tokens).
        allowed: ``phrase_characters(analysis.masked)``; pass it when calling for several heads
            of one record so it is computed once.
    """
    peak = saliency.max(initial=0.0)
    if peak <= 0:
        return []
    strong = np.concatenate(
        [[False], (saliency >= peak * EVIDENCE_RELATIVE_FLOOR) & allowed, [False]]
    )
    edges = np.flatnonzero(strong[1:] != strong[:-1])
    runs: list[tuple[float, int, int]] = []
    cumulative = np.concatenate([[0.0], np.cumsum(saliency)])
    for start, end in zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True):
        for piece in range(start, end, EVIDENCE_MAX_CHARS):
            stop = min(piece + EVIDENCE_MAX_CHARS, end)
            runs.append((float(cumulative[stop] - cumulative[piece]), piece, stop))
    runs.sort(key=lambda run: -run[0])
    evidence: list[EvidenceItem] = []
    for weight, start, end in runs[:EVIDENCE_PER_HEAD]:
        start, end = _snap_to_tokens(analysis, start, end)
        source_start, source_end = analysis.source_span(start, end)
        evidence.append(
            {
                "head": head,
                "phrase": analysis.source[source_start:source_end],
                "start": source_start,
                "end": source_end,
                "weight": round(weight, 4),
            }
        )
    return evidence


def _snap_to_tokens(analysis: Analysis, start: int, end: int) -> tuple[int, int]:
    """Widen ``[start, end)`` to whole tokens, unless that would cross a placeholder."""
    starts = analysis.token_starts
    if not starts:
        return start, end
    first = bisect_right(starts, start) - 1
    last = bisect_right(starts, end - 1) - 1
    widened_end = starts[last] + len(analysis.tokens[last])
    if PLACEHOLDER_PATTERN.search(analysis.masked, starts[first], widened_end):
        return start, end
    return starts[first], widened_end
