"""Evidence phrases from per-character saliency; shared by every architecture.

A model says how much each span (an n-gram, a subword) pushed the chosen label; the span's weight is
spread over its characters, and the strongest runs of characters, widened to whole tokens, become
phrases with offsets into the text as the caller gave it. Spans over masked personal data are never
shown.
"""

from __future__ import annotations

from bisect import bisect_right

import numpy as np

from models.protocol import Evidence
from nlp.pipeline import Analysis
from nlp.segment import PLACEHOLDER_PATTERN

EVIDENCE_PER_HEAD = 5
EVIDENCE_MAX_CHARS = 12
EVIDENCE_RELATIVE_FLOOR = 0.3
"""A character joins a phrase when its saliency is at least this share of the strongest one."""


def span_saliency(spans: np.ndarray, weights: np.ndarray, length: int) -> np.ndarray:
    """Per-character saliency of the masked text.

    Args:
        spans: ``(m, 2)`` int array of ``[start, end)`` spans in the masked text.
        weights: ``(m,)`` contribution of each span towards the chosen label.
        length: length of the masked text.

    Returns:
        ``(length,)`` array: each span's weight spread evenly over its characters, summed.
    """
    lengths = spans[:, 1] - spans[:, 0]
    keep = lengths > 0
    spans, weights, lengths = spans[keep], weights[keep], lengths[keep]
    offsets = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    positions = np.repeat(spans[:, 0], lengths) + offsets
    shares = np.repeat(weights / lengths, lengths)
    return np.bincount(positions, weights=shares, minlength=length)[:length]


def salient_phrases(head: str, saliency: np.ndarray, analysis: Analysis) -> list[Evidence]:
    """The strongest runs of characters pushing towards the chosen label of ``head``."""
    peak = saliency.max(initial=0.0)
    if peak <= 0:
        return []
    strong = (saliency >= peak * EVIDENCE_RELATIVE_FLOOR) & _phrase_characters(analysis.masked)
    runs: list[tuple[float, int, int]] = []
    index = 0
    while index < len(strong):
        if not strong[index]:
            index += 1
            continue
        end = index
        while end < len(strong) and strong[end] and end - index < EVIDENCE_MAX_CHARS:
            end += 1
        runs.append((float(saliency[index:end].sum()), index, end))
        index = end
    runs.sort(key=lambda run: -run[0])
    evidence = []
    for weight, start, end in runs[:EVIDENCE_PER_HEAD]:
        start, end = _snap_to_tokens(analysis, start, end)
        source_start, source_end = analysis.source_span(start, end)
        evidence.append(
            Evidence(
                head=head,
                phrase=analysis.source[source_start:source_end],
                start=source_start,
                end=source_end,
                weight=round(weight, 4),
            )
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


def _phrase_characters(text: str) -> np.ndarray:
    """True where a character may be part of an evidence phrase (no punctuation, no PII)."""
    allowed = np.array([ch.isalnum() for ch in text], dtype=bool)
    for match in PLACEHOLDER_PATTERN.finditer(text):
        allowed[match.start() : match.end()] = False
    return allowed
