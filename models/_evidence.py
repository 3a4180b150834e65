"""Evidence phrases: model saliency and rule cues, one ranked list per head; shared by every model.

A model says how much each span (an n-gram, a subword) pushed the chosen label; the span's weight is
spread over its characters, and the strongest runs of characters, widened to whole tokens, become
phrases with offsets into the text as the caller gave it (``salient_phrases``). A phrase is trimmed
of function words at its edges (``models/data/evidence_function_words.txt``) and dropped when less
than two characters remain, so a lone 不, 把 or 他 is never shown. Spans over masked personal data
are never shown.

``ranked_evidence`` then merges the record's rule cues into the risk-grade and escalation lists:
serious cues (weapon, threat to kill, threat, self-harm, arson) always and first, the other cues
that support the predicted label next, then the model phrases that do not overlap a cue, strongest
first; at most ``EVIDENCE_PER_HEAD`` per head.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any, Final

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
EVIDENCE_MIN_CHARS = 2
"""A phrase shorter than this, once trimmed of function words, is not shown."""
EVIDENCE_MIN_SHARE = 0.3
"""A model phrase is shown only when its weight is at least this share of the head's strongest."""
EVIDENCE_MODEL_PER_HEAD = 2
"""At most this many model phrases per head (cue phrases come on top, within EVIDENCE_PER_HEAD)."""
EVIDENCE_MODEL_WITH_CUES = 1
"""At most this many model phrases in a head that already shows cue phrases."""

SERIOUS_CUE_KINDS: Final = ("weapon", "kill_threat", "threat", "self_harm", "arson")
"""Cue kinds shown first in the risk-grade and escalation lists, whatever the predicted label."""

_VIOLENCE_CUE_KINDS: Final = (*SERIOUS_CUE_KINDS, "injury", "physical_contact")
_RISK_CUE_KINDS: Final = (
    "injury",
    "physical_contact",
    "collective",
    "gathering",
    "blocking",
    "failed_mediation",
    "repeat_grievance",
    "money_amount",
    "mental_illness",
    "alcohol",
    "rage",
)
_ESCALATION_CUE_KINDS: Final = (
    "injury",
    "physical_contact",
    "gathering",
    "blocking",
    "alcohol",
    "rage",
    "mental_illness",
)
_CALM_CUE_KINDS: Final = ("reconciled",)
_CUE_RANK: Final = {
    kind: rank
    for rank, kind in enumerate(
        dict.fromkeys((*SERIOUS_CUE_KINDS, *_RISK_CUE_KINDS, *_ESCALATION_CUE_KINDS, "reconciled"))
    )
}


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
    taken: list[tuple[int, int]] = []
    floor = runs[0][0] * EVIDENCE_MIN_SHARE if runs else 0.0
    for weight, start, end in runs:
        if len(evidence) == EVIDENCE_MODEL_PER_HEAD or weight < floor:
            break
        start, end = _trim_function_words(analysis, *_snap_to_tokens(analysis, start, end))
        if end - start < EVIDENCE_MIN_CHARS or _overlaps(start, end, taken):
            continue
        taken.append((start, end))
        evidence.append(_item(head, analysis, *analysis.source_span(start, end), weight, "model"))
    return evidence


def ranked_evidence(
    analysis: Analysis,
    model_evidence: Iterable[Mapping[str, Any]],
    *,
    risk_grade: str,
    escalation: bool,
) -> list[EvidenceItem]:
    """One ranked list per head: the record's cue spans merged with the model's phrases.

    Args:
        analysis: the record's analysis (its cues, offsets and source text).
        model_evidence: the model's phrases (``Evidence`` fields); items whose ``source`` is
            ``"cue"`` (from an ensemble member) are ignored, the cues are taken from ``analysis``.
        risk_grade: the predicted risk grade id.
        escalation: the escalation flag.

    Returns:
        Evidence dicts grouped by head (``dispute_type``, ``risk_grade``, ``escalation``), each
        head's list ranked: serious cues (``SERIOUS_CUE_KINDS``, in that order), then the other
        cues that support the predicted label (risk cues for a grade above general, violence
        cues for a flagged escalation; reconciliation and negated violence for the calm
        labels), then the model phrases not overlapping a shown cue, strongest first. A cue
        phrase's weight is that of the head's strongest model phrase (1.0 without one).
    """
    by_head: dict[str, list[dict[str, Any]]] = {}
    for item in model_evidence:
        if item.get("source", "model") == "model":
            by_head.setdefault(item["head"], []).append(dict(item))
    calm_grade = risk_grade == "general"
    supporting = {
        "risk_grade": _CALM_CUE_KINDS if calm_grade else _RISK_CUE_KINDS,
        "escalation": _ESCALATION_CUE_KINDS if escalation else _CALM_CUE_KINDS,
    }
    calm_negated = {"risk_grade": calm_grade, "escalation": not escalation}
    ranked: list[EvidenceItem] = []
    for head in ("dispute_type", "risk_grade", "escalation"):
        model_items = sorted(by_head.pop(head, []), key=lambda item: -item["weight"])
        if head not in supporting:
            ranked.extend(model_items[:EVIDENCE_PER_HEAD])
            continue
        top = model_items[0]["weight"] if model_items else 1.0
        cues = [
            cue
            for cue in analysis.cues
            if (not cue.negated and cue.kind in SERIOUS_CUE_KINDS)
            or (not cue.negated and cue.kind in supporting[head])
            or (cue.negated and calm_negated[head] and cue.kind in _VIOLENCE_CUE_KINDS)
        ]
        cues.sort(key=lambda cue: (cue.negated, _CUE_RANK[cue.kind], cue.start))
        items: list[EvidenceItem] = []
        spans: list[tuple[int, int]] = []
        for cue in cues:
            start, end = analysis.source_span(cue.start, cue.end)
            if len(items) < EVIDENCE_PER_HEAD and not _overlaps(start, end, spans):
                spans.append((start, end))
                items.append(_item(head, analysis, start, end, top, "cue"))
        room = min(
            EVIDENCE_PER_HEAD,
            len(items) + (EVIDENCE_MODEL_WITH_CUES if items else EVIDENCE_MODEL_PER_HEAD),
        )
        if head == "escalation" and not escalation:
            # Nothing flagged: the words that lowered the probability (本人, 投诉, 协调) explain
            # nothing a call-taker acts on; only cues (negated or reconciled violence) are shown.
            room = len(items)
        for item in model_items:
            if len(items) < room and not _overlaps(item["start"], item["end"], spans):
                spans.append((item["start"], item["end"]))
                items.append(item)
        ranked.extend(items)
    for rest in by_head.values():
        ranked.extend(rest)
    return ranked


def lead_with_spans(
    head: str,
    spans: Sequence[tuple[int, int]],
    analysis: Analysis,
    evidence: Sequence[EvidenceItem],
) -> list[EvidenceItem]:
    """``evidence`` with phrases at the given masked-text spans put first for ``head``.

    For phrases the model knows by name (a legal-lexicon term such as 宅基地 or 民间借贷 that is a
    feature of the model): up to ``EVIDENCE_MODEL_PER_HEAD`` of them lead the head's list with the
    head's top weight, and then at most ``EVIDENCE_MODEL_WITH_CUES`` saliency phrases that do not
    overlap them follow, as for cue phrases.
    """
    own = [item for item in evidence if item["head"] == head]
    top = max((item["weight"] for item in own), default=1.0)
    leading: list[EvidenceItem] = []
    taken: list[tuple[int, int]] = []
    for start, end in spans:
        source_start, source_end = analysis.source_span(start, end)
        if len(leading) == EVIDENCE_MODEL_PER_HEAD or _overlaps(source_start, source_end, taken):
            continue
        taken.append((source_start, source_end))
        leading.append(_item(head, analysis, source_start, source_end, top, "model"))
    if not leading:
        return list(evidence)
    rest = [item for item in own if not _overlaps(item["start"], item["end"], taken)]
    others = [item for item in evidence if item["head"] != head]
    return leading + rest[:EVIDENCE_MODEL_WITH_CUES] + others


def _item(
    head: str, analysis: Analysis, start: int, end: int, weight: float, source: str
) -> EvidenceItem:
    """One evidence dict for the source-text span ``[start, end)``."""
    return {
        "head": head,
        "phrase": analysis.source[start:end],
        "start": start,
        "end": end,
        "weight": round(weight, 4),
        "source": source,
    }


def _overlaps(start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(other_start < end and start < other_end for other_start, other_end in spans)


@cache
def function_words() -> frozenset[str]:
    """The words an evidence phrase is trimmed of at its edges (packaged data file)."""
    raw = resources.files("models").joinpath("data/evidence_function_words.txt")
    lines = raw.read_text("utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _trim_function_words(analysis: Analysis, start: int, end: int) -> tuple[int, int]:
    """Shrink ``[start, end)`` past the function-word tokens at either edge (maybe to empty)."""
    starts = analysis.token_starts
    if not starts:
        return start, end
    words = function_words()
    first = bisect_left(starts, start)
    last = bisect_left(starts, end) - 1
    while first <= last and starts[first] == start and analysis.tokens[first] in words:
        start = min(end, start + len(analysis.tokens[first]))
        first += 1
    while (
        last >= first
        and starts[last] + len(analysis.tokens[last]) == end
        and analysis.tokens[last] in words
    ):
        end = max(start, starts[last])
        last -= 1
    return start, end


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
