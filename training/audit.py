"""Distance between the generated corpus and reference text, register by register.

The generator is only as good as its likeness to what people and institutions really write. This
module puts a number on the gap so that it can be watched: for each register it compares the
corpus records with reference records of the same register and reports

* **length**: median character length on each side, the Kolmogorov–Smirnov statistic of the two
  length distributions (0 = same, 1 = disjoint) and the Wasserstein-1 distance divided by the
  reference's mean length;
* **character bigrams**: ``cover`` = share of the reference's bigram occurrences whose bigram occurs
  in the corpus, ``jaccard`` = Jaccard index of the two bigram sets;
* **matter words**: the mean absolute difference, over ``MATTER_WORDS``, of the share of records
  that contain the word (纠纷, 民间借贷, 宅基地, 劳动报酬…): real text names the matter outright;
* **perplexity** of an add-k smoothed character bigram language model trained on one side and
  scored on the other (``ppl c>r``: trained on the corpus, scored on the reference; ``ppl r>c``
  the other way round). Lower is closer.

References: ``real_dev.jsonl`` (real court and citizen text, outside the repository; its ``source``
field gives the register) and the hand-written gold set (``register`` field). Court documents are
split into ``judgment/criminal`` (被告人, 公诉机关) and ``judgment/civil`` on both sides by the same
rule. Only reading is done: no reference text is copied anywhere.

Command line: ``python -m training.audit`` or ``triage audit-corpus`` (``--help`` for options).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import random
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np

from nlp.errors import InputFileError, TriageError

logger = logging.getLogger("training.audit")

REPO_ROOT: Final = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS: Final = REPO_ROOT / "datasets" / "corpus" / "train.jsonl"
DEFAULT_REAL: Final = REPO_ROOT.parent / "shared" / "data" / "real_dev.jsonl"
DEFAULT_GOLD: Final = (
    REPO_ROOT / "datasets" / "gold" / "dev.jsonl",
    REPO_ROOT / "datasets" / "gold" / "test.jsonl",
)

MATTER_WORDS: Final = (
    "纠纷",
    "矛盾",
    "琐事",
    "被告人",
    "被害人",
    "原告",
    "诉称",
    "民间借贷",
    "借款",
    "欠款",
    "债务",
    "宅基地",
    "地界",
    "承包",
    "土地",
    "劳动报酬",
    "工资",
    "劳动合同",
    "相邻",
    "邻居",
    "噪音",
    "轻伤",
    "鉴定",
    "殴打",
    "盗窃",
    "诈骗",
    "毒品",
    "信用卡",
    "人民币",
    "元",
)
"""Words whose per-record rate is compared: matter names, court roles and case words."""

CRIMINAL_MARKERS: Final = ("被告人", "公诉机关")
"""A court document naming one of these is filed under ``judgment/criminal``."""

SOURCE_REGISTERS: Final = (
    ("CAIL2018", "judgment"),
    ("CAIL2019", "judgment"),
    ("泰迪杯", "petition_online"),
)
"""Name found in a real record's ``source`` field -> register (first match wins)."""

SMOOTHING: Final = 0.1
"""Add-k constant of the character bigram language model."""

MAX_CORPUS_PER_GROUP: Final = 3000
"""Corpus records compared per group (a deterministic sample keeps the audit to seconds)."""


@dataclass(frozen=True)
class GroupDistance:
    """The distances of one register group (see the module docstring for each measure)."""

    group: str
    reference: str
    n_corpus: int
    n_reference: int
    median_len_corpus: float
    median_len_reference: float
    length_ks: float
    length_w1: float
    bigram_cover: float
    bigram_jaccard: float
    matter_l1: float
    ppl_corpus_to_reference: float
    ppl_reference_to_corpus: float
    matter_rates: tuple[tuple[str, float, float], ...]


def audit_group(text: str, register: str) -> str:
    """The audit group of a record: its register, court documents split criminal/civil.

    Args:
        text: the record text.
        register: the record's register (``judgment`` for any court document).

    Returns:
        ``judgment/criminal``, ``judgment/civil`` or the register unchanged.
    """
    if register != "judgment":
        return register
    criminal = any(marker in text for marker in CRIMINAL_MARKERS)
    return "judgment/criminal" if criminal else "judgment/civil"


def source_register(source: str) -> str | None:
    """The register of a real record from its ``source`` field, or None when it is unknown."""
    for prefix, register in SOURCE_REGISTERS:
        if prefix in source:
            return register
    return None


def _bigrams(text: str) -> list[str]:
    padded = f"\x02{text}\x03"
    return [padded[i : i + 2] for i in range(len(padded) - 1)]


class CharBigramModel:
    """An add-k smoothed character bigram language model (``\\x02``/``\\x03`` pad each text)."""

    def __init__(self, k: float = SMOOTHING) -> None:
        self.k = k

    def fit(self, texts: Iterable[str]) -> CharBigramModel:
        """Count the bigrams and their contexts of ``texts``; returns ``self``."""
        pairs: Counter[str] = Counter()
        for text in texts:
            pairs.update(_bigrams(text))
        contexts: Counter[str] = Counter()
        for pair, count in pairs.items():
            contexts[pair[0]] += count
        self.pairs_ = pairs
        self.contexts_ = contexts
        return self

    def perplexity(self, texts: Iterable[str], vocabulary: int) -> float:
        """Per-character perplexity of ``texts``.

        Args:
            texts: the texts to score.
            vocabulary: the number of distinct symbols both sides use (the smoothing mass).

        Returns:
            ``exp`` of the mean negative log-probability per predicted character.
        """
        total = 0.0
        count = 0
        kv = self.k * vocabulary
        for text in texts:
            for pair in _bigrams(text):
                numerator = self.pairs_.get(pair, 0) + self.k
                total -= math.log(numerator / (self.contexts_.get(pair[0], 0) + kv))
                count += 1
        return math.exp(total / count) if count else float("nan")


def _ks(a: np.ndarray, b: np.ndarray) -> float:
    grid = np.union1d(a, b)
    cdf_a = np.searchsorted(np.sort(a), grid, side="right") / len(a)
    cdf_b = np.searchsorted(np.sort(b), grid, side="right") / len(b)
    return float(np.max(np.abs(cdf_a - cdf_b)))


def _w1(a: np.ndarray, b: np.ndarray) -> float:
    quantiles = np.linspace(0.0, 1.0, 201)
    return float(np.mean(np.abs(np.quantile(a, quantiles) - np.quantile(b, quantiles))))


def _rates(texts: Sequence[str]) -> list[float]:
    return [sum(word in t for t in texts) / len(texts) for word in MATTER_WORDS]


def compare(group: str, reference: str, corpus: Sequence[str], ref: Sequence[str]) -> GroupDistance:
    """The distances between corpus texts and reference texts of one group.

    Args:
        group: the group name (a register, ``judgment/criminal``…), for the report.
        reference: which reference the texts come from (``real``, ``gold``).
        corpus: corpus texts (at least one).
        ref: reference texts (at least one).

    Returns:
        The group's distances.

    Raises:
        ValueError: one side is empty.
    """
    if not corpus or not ref:
        raise ValueError(f"group {group!r} needs texts on both sides")
    len_c = np.array([len(t) for t in corpus], dtype=float)
    len_r = np.array([len(t) for t in ref], dtype=float)
    grams_c = Counter(g for t in corpus for g in _bigrams(t))
    grams_r = Counter(g for t in ref for g in _bigrams(t))
    covered = sum(c for g, c in grams_r.items() if g in grams_c)
    union = len(grams_c.keys() | grams_r.keys())
    rates_c = _rates(corpus)
    rates_r = _rates(ref)
    vocabulary = len({ch for t in (*corpus, *ref) for ch in t}) + 2
    lm_c = CharBigramModel().fit(corpus)
    lm_r = CharBigramModel().fit(ref)
    return GroupDistance(
        group=group,
        reference=reference,
        n_corpus=len(corpus),
        n_reference=len(ref),
        median_len_corpus=float(np.median(len_c)),
        median_len_reference=float(np.median(len_r)),
        length_ks=_ks(len_c, len_r),
        length_w1=_w1(len_c, len_r) / float(np.mean(len_r)),
        bigram_cover=covered / sum(grams_r.values()),
        bigram_jaccard=len(grams_c.keys() & grams_r.keys()) / union,
        matter_l1=float(np.mean(np.abs(np.array(rates_c) - np.array(rates_r)))),
        ppl_corpus_to_reference=lm_c.perplexity(ref, vocabulary),
        ppl_reference_to_corpus=lm_r.perplexity(corpus, vocabulary),
        matter_rates=tuple(zip(MATTER_WORDS, rates_c, rates_r, strict=True)),
    )


def read_rows(path: Path) -> list[dict[str, object]]:
    """The JSON objects of a JSONL file.

    Raises:
        InputFileError: the file is missing or a line is not a JSON object with a ``text``.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputFileError(f"cannot read {path}: {exc.strerror}; check the path") from exc
    rows: list[dict[str, object]] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputFileError(f"{path}:{number}: not JSON ({exc.msg})") from exc
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            raise InputFileError(f"{path}:{number}: expected an object with a 'text' string")
        rows.append(row)
    return rows


def group_texts(rows: Iterable[Mapping[str, object]], *, real: bool) -> dict[str, list[str]]:
    """Texts by audit group: real rows by ``source``, corpus and gold rows by ``register``."""
    out: dict[str, list[str]] = {}
    for row in rows:
        text = str(row["text"])
        if real:
            register = source_register(str(row.get("source", "")))
        else:
            value = row.get("register")
            register = str(value) if value else None
        if register is None:
            continue
        out.setdefault(audit_group(text, register), []).append(text)
    return out


def audit(
    corpus_rows: Sequence[Mapping[str, object]],
    references: Mapping[str, Sequence[Mapping[str, object]]],
    *,
    scripts: frozenset[str] | None = frozenset({"simplified"}),
    seed: int = 0,
) -> list[GroupDistance]:
    """Distances per group between the corpus and each reference.

    Args:
        corpus_rows: corpus records (``text``, ``register``, ``script``).
        references: reference name (``real`` for rows with a ``source``, anything else for rows
            with a ``register``) -> its records.
        scripts: corpus scripts kept (the references are in simplified characters); None keeps all.
        seed: seed of the sample when a group has more than ``MAX_CORPUS_PER_GROUP`` records.

    Returns:
        One ``GroupDistance`` per group present on both sides, references in the given order.
    """
    kept = [r for r in corpus_rows if scripts is None or r.get("script") in scripts]
    corpus_groups = group_texts(kept, real=False)
    rng = random.Random(seed)
    for name, texts in corpus_groups.items():
        if len(texts) > MAX_CORPUS_PER_GROUP:
            corpus_groups[name] = rng.sample(texts, MAX_CORPUS_PER_GROUP)
    out: list[GroupDistance] = []
    for reference, rows in references.items():
        ref_groups = group_texts(rows, real=reference == "real")
        for name in sorted(ref_groups):
            if name in corpus_groups:
                out.append(compare(name, reference, corpus_groups[name], ref_groups[name]))
    return out


def format_table(rows: Sequence[GroupDistance], *, words: bool = False) -> str:
    """The distances as a plain-text table (and the per-word rates when ``words``)."""
    header = (
        f"{'group':<18} {'ref':<5} {'n_c':>5} {'n_r':>4} {'len c/r':>9} {'KS':>5} {'W1/len':>6} "
        f"{'cover':>6} {'jacc':>5} {'matter':>6} {'ppl c>r':>8} {'ppl r>c':>8}"
    )
    lines = [header, "-" * len(header)]
    for d in rows:
        lines.append(
            f"{d.group:<18} {d.reference:<5} {d.n_corpus:>5} {d.n_reference:>4} "
            f"{d.median_len_corpus:>4.0f}/{d.median_len_reference:<4.0f} {d.length_ks:>5.2f} "
            f"{d.length_w1:>6.2f} {d.bigram_cover:>6.3f} {d.bigram_jaccard:>5.3f} "
            f"{d.matter_l1:>6.3f} {d.ppl_corpus_to_reference:>8.1f} "
            f"{d.ppl_reference_to_corpus:>8.1f}"
        )
    if words:
        for d in rows:
            lines.append(f"\n{d.group} ({d.reference}): share of records with the word, corpus/ref")
            lines.extend(f"  {w}\t{c:.2f}/{r:.2f}" for w, c, r in d.matter_rates if c > 0 or r > 0)
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m training.audit",
        description="Print per-register distances between the generated corpus and real text.",
    )
    parser.add_argument(
        "--corpus",
        type=Path,
        default=DEFAULT_CORPUS,
        help=f"generated corpus JSONL (default: {DEFAULT_CORPUS})",
    )
    parser.add_argument(
        "--real",
        type=Path,
        default=DEFAULT_REAL,
        help=f"real reference JSONL with a 'source' field (default: {DEFAULT_REAL})",
    )
    parser.add_argument(
        "--gold",
        type=Path,
        action="append",
        help="hand-written reference JSONL with a 'register' field; repeatable "
        "(default: datasets/gold/dev.jsonl and test.jsonl)",
    )
    parser.add_argument(
        "--all-scripts",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="compare corpus records of every script, not only simplified ones (default: off)",
    )
    parser.add_argument(
        "--words",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="also print the per-word rates of MATTER_WORDS (default: off)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 2 input error)."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s", stream=sys.stderr)
    try:
        corpus = read_rows(args.corpus.resolve())
        gold_paths = args.gold or list(DEFAULT_GOLD)
        references = {
            "real": read_rows(args.real.resolve()),
            "gold": [row for path in gold_paths for row in read_rows(path.resolve())],
        }
    except TriageError as exc:
        print(f"error [{exc.code}]: {exc.message}", file=sys.stderr)
        return 2
    scripts = None if args.all_scripts else frozenset({"simplified"})
    rows = audit(corpus, references, scripts=scripts)
    sys.stdout.write(format_table(rows, words=args.words) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
