"""Synthetic training corpus of police call records and dispute reports, labelled by rule.

Every record is generated from explicit factors (cause, parties, place, sums, history, violence,
register, script, noise) and its labels are computed from those factors by the rules documented in
``training.corpus._rules``. Text lives in the phrase banks under ``datasets/banks/``.

Regenerate the corpus with ``python -m training.corpus --output datasets/corpus``.
"""

from __future__ import annotations

from training.corpus._generate import CorpusRecord, generate_with_factors
from training.corpus._manifest import (
    GENERATOR_VERSION,
    CorpusManifest,
    SplitFile,
    check_corpus,
    read_manifest,
    write_corpus,
)

__all__ = [
    "DEFAULT_RECORDS",
    "DEFAULT_SEED",
    "GENERATOR_VERSION",
    "CorpusManifest",
    "CorpusRecord",
    "SplitFile",
    "check_corpus",
    "generate_records",
    "read_manifest",
    "write_corpus",
]

DEFAULT_SEED = 20261122
DEFAULT_RECORDS = 25000


def generate_records(seed: int, n_records: int, *, progress: bool = False) -> list[CorpusRecord]:
    """Generate ``n_records`` labelled records, unique by text, deterministically from ``seed``.

    Args:
        seed: the corpus seed; the same seed gives the same records on every machine.
        n_records: how many records (>= 1).
        progress: show a tqdm progress bar on stderr.

    Returns:
        Records in id order (``G000001`` ...).

    Raises:
        ValueError: ``n_records`` < 1, or the banks cannot supply that many unique texts.
        InputFileError: a phrase bank under ``datasets/banks`` is missing or malformed.
    """
    return [r for r, _ in generate_with_factors(seed, n_records, progress=progress)]
