"""Generating records: factors -> labels -> text -> script and noise, unique by text.

Every record has its own random stream, seeded from the string ``"{seed}:{index}:{attempt}"``
(Python seeds ``random.Random`` from a string through SHA-512, so the stream does not depend on
``PYTHONHASHSEED`` or the machine). A record whose text repeats an earlier one is drawn again with
the next attempt number.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Final

from tqdm import tqdm

from training.corpus._banks import Banks, load_banks
from training.corpus._context import RecordContext
from training.corpus._factors import Factors, sample_factors
from training.corpus._render import render_segments
from training.corpus._rules import assign_labels
from training.corpus._script import apply_noise, colour_speech, convert_script, is_traditional

MAX_ATTEMPTS: Final = 50

ONLINE_ORAL_SHARE: Final = 0.5
"""Share of online messages whose cause clause is in speech style (楼上那家天天…)."""


@dataclass(frozen=True)
class CorpusRecord:
    """One generated record.

    Attributes:
        id: stable id in generation order, ``G000001`` and up.
        text: the record text.
        dispute_type: land, neighbour, debt, wages or other.
        risk_grade: general, complex or difficult.
        escalation: True when the record shows a real risk of physical violence.
        register: caller, summary, ledger, report, petition, petition_online or judgment.
        script: simplified, traditional_tw, traditional_hk or noisy.
        cause: stable cause id, e.g. ``land.homestead_boundary``.
        hard_case: short English reason for a deliberate hard case, else None.
        noise: noise operations applied to a noisy record (empty otherwise); not written to JSONL.
    """

    id: str
    text: str
    dispute_type: str
    risk_grade: str
    escalation: bool
    register: str
    script: str
    cause: str
    hard_case: str | None
    noise: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        """The record as written to a JSONL line (fixed key order; ``noise`` left out)."""
        return {
            "id": self.id,
            "text": self.text,
            "dispute_type": self.dispute_type,
            "risk_grade": self.risk_grade,
            "escalation": self.escalation,
            "register": self.register,
            "script": self.script,
            "cause": self.cause,
            "hard_case": self.hard_case,
        }


def _render(rng: random.Random, banks: Banks, factors: Factors) -> tuple[str, tuple[str, ...]]:
    register = factors.register
    oral = register == "caller" or (
        register == "petition_online" and rng.random() < ONLINE_ORAL_SHARE
    )
    ctx = RecordContext(rng, banks, factors, oral=oral)
    segments = render_segments(ctx)
    if factors.register == "caller":
        segments = colour_speech(ctx, segments)
    if factors.script == "noisy":
        return apply_noise(ctx, segments)
    text = convert_script(factors.script, "".join(s.text for s in segments))
    return text, ()


def generate_with_factors(
    seed: int, n_records: int, *, banks: Banks | None = None, progress: bool = False
) -> list[tuple[CorpusRecord, Factors]]:
    """Generate records together with the factors they were built from.

    Args:
        seed: the corpus seed.
        n_records: how many records (>= 1).
        banks: phrase banks; the repository's ``datasets/banks`` by default.
        progress: show a tqdm progress bar on stderr.

    Returns:
        ``(record, factors)`` pairs in id order; texts are unique.

    Raises:
        ValueError: ``n_records`` < 1, or no unique text was found for a record after
            ``MAX_ATTEMPTS`` draws (the banks are too small for the requested size).
        InputFileError: a bank file is missing or malformed.
    """
    if n_records < 1:
        raise ValueError("n_records must be at least 1")
    banks = banks or load_banks()
    seen: set[str] = set()
    out: list[tuple[CorpusRecord, Factors]] = []
    for index in tqdm(range(n_records), disable=not progress, desc="corpus", unit="rec"):
        for attempt in range(MAX_ATTEMPTS):
            rng = random.Random(f"{seed}:{index}:{attempt}")
            factors = sample_factors(rng, banks)
            text, noise = _render(rng, banks, factors)
            if text in seen:
                continue
            if factors.script.startswith("traditional") and not is_traditional(text):
                continue
            break
        else:
            raise ValueError(
                f"no unique text for record {index} after {MAX_ATTEMPTS} draws; "
                "lower --records or add phrasings to datasets/banks/"
            )
        seen.add(text)
        labels = assign_labels(factors)
        record = CorpusRecord(
            id=f"G{index + 1:06d}",
            text=text,
            dispute_type=labels.dispute_type,
            risk_grade=labels.risk_grade,
            escalation=labels.escalation,
            register=factors.register,
            script=factors.script,
            cause=factors.cause.id,
            hard_case=factors.hard_case,
            noise=noise,
        )
        out.append((record, factors))
    return out
