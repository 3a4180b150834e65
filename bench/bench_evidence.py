"""Evidence against the hand-marked key phrases of ``datasets/gold/evidence.jsonl``.

For each record of the evidence gold set the model triages the gold text, and every evidence
phrase it shows is checked against the key phrases an officer would point to (marked by hand; see
``datasets/gold/README.md``). Printed figures:

- **precision**: the share of shown phrases that overlap a key phrase of their record (all heads,
  then per head);
- **serious recall**: the share of key phrases of kind weapon, threat or self_harm that some shown
  phrase overlaps (any head), with the recall per kind;
- the share of shown phrases that are a single character.

Run from anywhere::

    .venv/bin/python bench/bench_evidence.py
    .venv/bin/python bench/bench_evidence.py --model /tmp/evid-model --json out.json

Only ``datasets/gold/`` is read; no record text is printed.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

GOLD_DIR = REPO_ROOT / "datasets" / "gold"
EVIDENCE_GOLD = GOLD_DIR / "evidence.jsonl"
GOLD_SPLITS = (GOLD_DIR / "dev.jsonl", GOLD_DIR / "test.jsonl")
DEFAULT_MODEL = REPO_ROOT / "artifacts" / "default-model"

KEY_KINDS = (
    "matter",
    "weapon",
    "threat",
    "violence",
    "injury",
    "self_harm",
    "arson",
    "crowd",
    "blocking",
    "history",
    "amount",
    "alcohol",
    "mental",
    "tension",
    "calm",
)
"""Kinds a key phrase may have (see ``datasets/gold/README.md``)."""

SERIOUS_KINDS = ("weapon", "threat", "self_harm")
"""Key-phrase kinds whose recall is a target (each must be shown)."""

Span = tuple[int, int]

logger = logging.getLogger("bench_evidence")


@dataclass(frozen=True)
class KeyPhrase:
    """One hand-marked key phrase: its text and kind, as in the gold file."""

    phrase: str
    kind: str


@dataclass
class EvidenceScore:
    """Counts behind the printed figures; ``precision`` etc. are derived from them."""

    shown: int = 0
    shown_hits: int = 0
    single_chars: int = 0
    shown_by_head: Counter[str] = field(default_factory=Counter)
    hits_by_head: Counter[str] = field(default_factory=Counter)
    keys_by_kind: Counter[str] = field(default_factory=Counter)
    found_by_kind: Counter[str] = field(default_factory=Counter)
    records: int = 0

    @property
    def precision(self) -> float:
        """Share of shown phrases overlapping a key phrase (1.0 when nothing is shown)."""
        return self.shown_hits / self.shown if self.shown else 1.0

    def recall(self, kinds: Iterable[str] = SERIOUS_KINDS) -> float:
        """Share of the key phrases of ``kinds`` that a shown phrase overlaps (1.0 when none)."""
        kinds = tuple(kinds)
        total = sum(self.keys_by_kind[k] for k in kinds)
        return sum(self.found_by_kind[k] for k in kinds) / total if total else 1.0

    def as_dict(self) -> dict[str, object]:
        """The figures as plain JSON-ready values."""
        return {
            "records": self.records,
            "shown": self.shown,
            "precision": round(self.precision, 4),
            "single_char_share": round(self.single_chars / self.shown, 4) if self.shown else 0.0,
            "precision_by_head": {
                head: round(self.hits_by_head[head] / n, 4)
                for head, n in sorted(self.shown_by_head.items())
            },
            "serious_recall": round(self.recall(), 4),
            "recall_by_kind": {
                kind: round(self.found_by_kind[kind] / n, 4)
                for kind, n in sorted(self.keys_by_kind.items())
            },
        }


def read_key_phrases(path: Path = EVIDENCE_GOLD) -> dict[str, list[KeyPhrase]]:
    """The evidence gold file as record id -> key phrases.

    Raises:
        OSError: the file cannot be read.
        ValueError: a line is not a JSON object with ``id`` and ``phrases``, a kind is not one of
            ``KEY_KINDS``, or an id appears twice.
    """
    keys: dict[str, list[KeyPhrase]] = {}
    for lineno, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if not isinstance(row, dict) or "id" not in row or "phrases" not in row:
            raise ValueError(f"{path.name} line {lineno}: expected an object with id and phrases")
        if row["id"] in keys:
            raise ValueError(f"{path.name} line {lineno}: id {row['id']} appears twice")
        phrases = [KeyPhrase(p["phrase"], p["kind"]) for p in row["phrases"]]
        unknown = {p.kind for p in phrases} - set(KEY_KINDS)
        if unknown:
            raise ValueError(f"{path.name} line {lineno}: unknown kinds {sorted(unknown)}")
        keys[row["id"]] = phrases
    return keys


def read_gold_texts(paths: Sequence[Path] = GOLD_SPLITS) -> dict[str, str]:
    """Record id -> text of the gold splits."""
    texts: dict[str, str] = {}
    for path in paths:
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                texts[row["id"]] = row["text"]
    return texts


def occurrences(text: str, phrase: str) -> list[Span]:
    """Every ``[start, end)`` where ``phrase`` occurs in ``text`` (overlapping ones too)."""
    spans = []
    start = text.find(phrase)
    while start >= 0 and phrase:
        spans.append((start, start + len(phrase)))
        start = text.find(phrase, start + 1)
    return spans


def _overlaps(span: Span, others: Iterable[Span]) -> bool:
    return any(start < span[1] and span[0] < end for start, end in others)


def score_record(
    score: EvidenceScore,
    text: str,
    keys: Sequence[KeyPhrase],
    shown: Sequence[tuple[str, int, int]],
) -> None:
    """Add one record to ``score``.

    Args:
        score: the running counts.
        text: the record as given to the model.
        keys: its key phrases.
        shown: ``(head, start, end)`` of every evidence phrase shown for it (offsets into
            ``text``).
    """
    key_spans = {key: occurrences(text, key.phrase) for key in keys}
    all_key_spans = [span for spans in key_spans.values() for span in spans]
    score.records += 1
    for head, start, end in shown:
        hit = _overlaps((start, end), all_key_spans)
        score.shown += 1
        score.shown_hits += hit
        score.single_chars += end - start == 1
        score.shown_by_head[head] += 1
        score.hits_by_head[head] += hit
    shown_spans = [(start, end) for _, start, end in shown]
    for key, spans in key_spans.items():
        score.keys_by_kind[key.kind] += 1
        score.found_by_kind[key.kind] += any(_overlaps(s, shown_spans) for s in spans)


def score_model(
    model_dir: Path,
    keys: Mapping[str, Sequence[KeyPhrase]],
    texts: Mapping[str, str],
) -> EvidenceScore:
    """Triage every record of ``keys`` with the model in ``model_dir`` and score its evidence."""
    from models.loading import load_model

    model = load_model(model_dir)
    ids = list(keys)
    results = model.predict([texts[i] for i in ids])
    score = EvidenceScore()
    for record_id, result in zip(ids, results, strict=True):
        shown = [(e.head, e.start, e.end) for e in result.evidence]
        score_record(score, texts[record_id], keys[record_id], shown)
    return score


def _print(score: EvidenceScore, model_dir: Path) -> None:
    lines = [
        f"model: {model_dir}",
        f"records: {score.records}, shown phrases: {score.shown}",
        f"precision (shown phrases overlapping a key phrase): {score.precision:.3f}",
        "single-character share of shown phrases: "
        f"{score.single_chars / score.shown if score.shown else 0.0:.3f}",
    ]
    lines += [
        f"  precision {head}: {score.hits_by_head[head] / n:.3f} of {n}"
        for head, n in sorted(score.shown_by_head.items())
    ]
    lines.append(f"recall of weapon/threat/self_harm key phrases: {score.recall():.3f}")
    lines += [
        f"  recall {kind}: {score.found_by_kind[kind] / n:.3f} of {n}"
        for kind, n in sorted(score.keys_by_kind.items())
    ]
    sys.stdout.write("\n".join(lines) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Score a model's evidence on the evidence gold set and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="model bundle directory")
    parser.add_argument(
        "--evidence", type=Path, default=EVIDENCE_GOLD, help="key-phrase file (JSONL)"
    )
    parser.add_argument(
        "--split",
        choices=("all", "dev", "test"),
        default="all",
        help="score the records of one gold split only (dev ids GD…, test ids GT…)",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    keys = read_key_phrases(args.evidence)
    prefix = {"all": "", "dev": "GD", "test": "GT"}[args.split]
    keys = {record_id: k for record_id, k in keys.items() if record_id.startswith(prefix)}
    score = score_model(args.model.resolve(), keys, read_gold_texts())
    _print(score, args.model)
    if args.json is not None:
        args.json.write_text(json.dumps(score.as_dict(), indent=2) + "\n", "utf-8")
        logger.info("figures written to %s", args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
