"""The one analysis step every model shares: normalise, mask PII, segment, extract cues.

Offsets: cues and tokens are found in the masked text; ``Analysis.source_span`` maps a span of it
back to the text as the caller gave it, so evidence can be highlighted where the person typed it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

from nlp._norm_edits import identity
from nlp.cues import Cue, extract_cues
from nlp.normalize import NormalizedText, normalize_with_offsets
from nlp.pii import PLACEHOLDERS, mask_pii
from nlp.segment import DEFAULT_SEGMENTER, get_segmenter


@dataclass(frozen=True, slots=True)
class Analysis:
    """One record after the text pipeline."""

    normalized: NormalizedText
    masked: str
    masked_offsets: tuple[int, ...]
    """``len(masked) + 1`` entries: position in ``normalized.text`` of each masked character."""
    tokens: tuple[str, ...]
    token_starts: tuple[int, ...]
    cues: tuple[Cue, ...]

    @property
    def source(self) -> str:
        return self.normalized.source

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """Map ``[start, end)`` of the masked text to the covering span of the source text."""
        return self.normalized.source_span(self.masked_offsets[start], self.masked_offsets[end])


def analyse(texts: Sequence[str], segmenter: str = DEFAULT_SEGMENTER) -> list[Analysis]:
    """Run the text pipeline over a batch.

    Args:
        texts: validated record texts, as given by the caller.
        segmenter: registry key of the word segmenter.

    Returns:
        One ``Analysis`` per text, in order.
    """
    segment = get_segmenter(segmenter)
    normalized = [normalize_with_offsets(text) for text in texts]
    masked = [_mask(item.text) for item in normalized]
    tokenised = segment.cut_many([text for text, _ in masked])
    results = []
    for norm, (masked_text, offsets), tokens in zip(normalized, masked, tokenised, strict=True):
        starts = tuple(accumulate(map(len, tokens[:-1]), initial=0)) if tokens else ()
        results.append(
            Analysis(
                normalized=norm,
                masked=masked_text,
                masked_offsets=offsets,
                tokens=tuple(tokens),
                token_starts=starts,
                cues=tuple(extract_cues(masked_text)),
            )
        )
    return results


def _mask(text: str) -> tuple[str, tuple[int, ...]]:
    result = mask_pii(text)
    if not result.spans:
        return text, identity(0, len(text) + 1)
    offsets: list[int] = []
    cursor = 0
    for span in sorted(result.spans, key=lambda s: s.start):
        offsets.extend(range(cursor, span.start))
        placeholder = PLACEHOLDERS[span.kind]
        offsets.extend([span.start] * len(placeholder))
        cursor = span.end
    offsets.extend(range(cursor, len(text) + 1))
    if len(offsets) != len(result.text) + 1:
        raise RuntimeError("PII masking produced text whose length does not match its spans")
    return result.text, tuple(offsets)
