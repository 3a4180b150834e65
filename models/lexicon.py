"""The legal lexicon as features: public case causes, charges and injury grades mapped to labels.

The curated data lives in ``datasets/lexicon/legal_lexicon.json`` (see its ``about``); a model
trained with it stores a copy in its bundle, so nothing outside the bundle is read at run time.

Each entry names terms and the labels it points to. On the normalised, PII-masked text the terms are
matched longest first without overlap, and a record gets a few dense columns:

- ``lex:type:<label>``: log(1 + hits of terms pointing to that dispute type; everyday matter
  words only where named as the cause);
- ``lex:cause:<label>``: 1 when such a term is named as the cause of the matter, in a frame
  such as 因宅基地纠纷 or 为索要欠款发生争执 (a cause word before it and a dispute word after
  it, in one clause, and no other term between the cause word and it);
- ``lex:escalation``: log(1 + hits of terms pointing to escalation);
- ``lex:grade:complex``, ``lex:grade:difficult``: 1 when a term points to that grade.

The model learns the weight of each column like any other feature.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nlp.errors import ModelBundleError
from nlp.labels import DISPUTE_TYPE_IDS, RISK_GRADE_IDS

LEXICON_FILE = "legal_lexicon.json"
EVERYDAY_SOURCE = "labelling_guide"
"""Entries from this source are everyday words (工资, 邻居, 欠款) that the n-grams already see;
they add to ``lex:type`` only where the text names them as the cause."""
"""Name of the lexicon's copy inside a bundle."""

_CLAUSE_END = "，。；！？,.;!?\n"
_CAUSE_BEFORE = re.compile(
    r"(因|为|由于|就|索要|索还|讨要|催要|追讨|催讨)[^" + _CLAUSE_END + r"]*$"
)
_CAUSE_AFTER = re.compile(
    r"^[^" + _CLAUSE_END + r"]{0,8}?(纠纷|问题|矛盾|争执|争吵|发生|引发|一事|之事|而)"
)
_CAUSE_WINDOW = 14

LEXICON_FEATURE_NAMES: tuple[str, ...] = (
    *(f"lex:type:{label}" for label in DISPUTE_TYPE_IDS),
    *(f"lex:cause:{label}" for label in DISPUTE_TYPE_IDS),
    "lex:escalation",
    *(f"lex:grade:{grade}" for grade in RISK_GRADE_IDS if grade != "general"),
)


@dataclass(frozen=True)
class LexiconEntry:
    """One category: its terms and the labels it points to."""

    id: str
    terms: tuple[str, ...]
    dispute_type: str | None
    risk_grade: str | None
    escalation: bool
    counted: bool = True
    """False for everyday matter words: they count only where named as the cause."""


@dataclass(frozen=True)
class LexiconHit:
    """A term found in a text: the entry it belongs to and its span."""

    entry: LexiconEntry
    start: int
    end: int
    in_cause_frame: bool


class LegalLexicon:
    """A parsed lexicon: match terms in text and turn hits into feature columns."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = dict(document)
        self.version = str(document["version"])
        entries = []
        owner: dict[str, LexiconEntry] = {}
        for raw in document["entries"]:
            labels = raw["labels"]
            entry = LexiconEntry(
                id=str(raw["id"]),
                terms=tuple(raw["terms"]),
                dispute_type=labels.get("dispute_type"),
                risk_grade=labels.get("risk_grade"),
                escalation=bool(labels.get("escalation", False)),
                counted=raw.get("source") != EVERYDAY_SOURCE,
            )
            if entry.dispute_type is not None and entry.dispute_type not in DISPUTE_TYPE_IDS:
                raise ValueError(f"lexicon entry {entry.id}: unknown dispute type")
            if entry.risk_grade is not None and entry.risk_grade not in RISK_GRADE_IDS:
                raise ValueError(f"lexicon entry {entry.id}: unknown risk grade")
            for term in entry.terms:
                if term in owner:
                    raise ValueError(f"lexicon term {term!r} is in {owner[term].id} and {entry.id}")
                owner[term] = entry
            entries.append(entry)
        self.entries = tuple(entries)
        self._owner = owner
        ordered = sorted(owner, key=lambda term: (-len(term), term))
        self._pattern = re.compile("|".join(re.escape(term) for term in ordered))
        markers = document.get("court_markers", {}).get("terms", [])
        self._court = re.compile("|".join(re.escape(m) for m in markers)) if markers else None

    @classmethod
    def from_file(cls, path: Path) -> LegalLexicon:
        """Read a lexicon JSON file (the curated one or a bundle's copy)."""
        return cls(json.loads(path.read_text("utf-8")))

    def sha256(self) -> str:
        """Digest of the lexicon's canonical JSON (recorded in bundles)."""
        canonical = json.dumps(self.document, ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def hits(self, text: str) -> list[LexiconHit]:
        """Every term occurrence in ``text``, longest first, without overlap."""
        found = []
        previous_end = 0
        for match in self._pattern.finditer(text):
            start, end = match.span()
            before = text[max(previous_end, start - _CAUSE_WINDOW) : start]
            previous_end = end
            after = text[end : end + _CAUSE_WINDOW]
            in_frame = bool(_CAUSE_BEFORE.search(before) and _CAUSE_AFTER.search(after))
            found.append(LexiconHit(self._owner[match.group()], start, end, in_frame))
        return found

    def court_register(self, texts: Sequence[str]) -> np.ndarray:
        """``(len(texts),)`` float32: 1 where a text uses the fixed wording of court documents."""
        if self._court is None:
            return np.zeros(len(texts), dtype=np.float32)
        court = self._court
        return np.fromiter((court.search(t) is not None for t in texts), np.float32, len(texts))

    def features(self, texts: Sequence[str]) -> np.ndarray:
        """``(len(texts), len(LEXICON_FEATURE_NAMES))`` float32 columns, in that order."""
        column = {name: i for i, name in enumerate(LEXICON_FEATURE_NAMES)}
        matrix = np.zeros((len(texts), len(LEXICON_FEATURE_NAMES)), dtype=np.float32)
        for row, text in enumerate(texts):
            counts = np.zeros(len(LEXICON_FEATURE_NAMES), dtype=np.float32)
            for hit in self.hits(text):
                entry = hit.entry
                if entry.dispute_type is not None:
                    if entry.counted or hit.in_cause_frame:
                        counts[column[f"lex:type:{entry.dispute_type}"]] += 1
                    if hit.in_cause_frame:
                        counts[column[f"lex:cause:{entry.dispute_type}"]] = 1
                if entry.escalation:
                    counts[column["lex:escalation"]] += 1
                if entry.risk_grade is not None and entry.risk_grade != "general":
                    counts[column[f"lex:grade:{entry.risk_grade}"]] = 1
            matrix[row] = counts
        counted = [column["lex:escalation"], *(column[f"lex:type:{t}"] for t in DISPUTE_TYPE_IDS)]
        matrix[:, counted] = np.log1p(matrix[:, counted])
        return matrix


def lexicon_from_bundle(document: Any, where: Path) -> LegalLexicon:
    """The lexicon a bundle stores (its hash was verified with the bundle's other files)."""
    try:
        return LegalLexicon(document)
    except (KeyError, TypeError, ValueError) as error:
        raise ModelBundleError(
            f"the legal lexicon in the bundle at {where} is invalid "
            f"({type(error).__name__}: {error}); retrain the model",
            code="BUNDLE_MANIFEST_INVALID",
        ) from None
