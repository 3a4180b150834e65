"""Writing the corpus files and their manifest, and checking a corpus against its manifest.

The manifest holds no time stamps or paths, only what the files are a function of (generator
version, seed, size, bank digest, library versions) and what they contain (counts and SHA-256), so
it is byte-identical on every run and machine.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Final

from nlp.errors import InputFileError
from nlp.labels import DISPUTE_TYPE_IDS, RISK_GRADE_IDS
from training.corpus._banks import load_banks
from training.corpus._factors import REGISTER_MIX, SCRIPT_MIX
from training.corpus._generate import CorpusRecord, generate_with_factors

GENERATOR_VERSION: Final = "corpus.v3"
"""Bump when the same seed and banks would produce different records."""

MANIFEST_NAME: Final = "MANIFEST.json"
SPLITS: Final = ("train", "dev", "test")
COUNTED_FIELDS: Final = ("dispute_type", "risk_grade", "escalation", "register", "script")
LIBRARIES: Final = ("opencc", "pypinyin")
"""Libraries whose data shape the text (conversion tables, pinyin readings)."""


@dataclass(frozen=True)
class SplitFile:
    """One written split."""

    name: str
    records: int
    sha256: str


@dataclass(frozen=True)
class CorpusManifest:
    """What a corpus directory holds and how it was made.

    Attributes:
        generator_version: ``GENERATOR_VERSION`` of the code that wrote it.
        seed: the corpus seed.
        n_records: total records over all splits.
        banks_sha256: digest of every file under ``datasets/banks``.
        libraries: versions of the libraries listed in ``LIBRARIES``.
        files: one entry per split, in ``SPLITS`` order.
        counts: split -> field -> value -> count, plus ``"all"`` over every split.
        joint: split -> ``"type|grade|escalation"`` -> count.
    """

    generator_version: str
    seed: int
    n_records: int
    banks_sha256: str
    libraries: Mapping[str, str]
    files: tuple[SplitFile, ...]
    counts: Mapping[str, Mapping[str, Mapping[str, int]]]
    joint: Mapping[str, Mapping[str, int]]

    def to_json(self) -> dict[str, Any]:
        """The manifest as a JSON-ready dict with a fixed key order."""
        return {
            "generator_version": self.generator_version,
            "seed": self.seed,
            "n_records": self.n_records,
            "banks_sha256": self.banks_sha256,
            "libraries": dict(self.libraries),
            "files": {f.name: {"records": f.records, "sha256": f.sha256} for f in self.files},
            "counts": {k: {f: dict(v) for f, v in c.items()} for k, c in self.counts.items()},
            "joint": {k: dict(v) for k, v in self.joint.items()},
        }

    @classmethod
    def from_json(cls, data: object, source: Path) -> CorpusManifest:
        """Read a manifest written by ``to_json``.

        Raises:
            InputFileError: a required field is missing or has the wrong type; regenerate the
                corpus with ``python -m training.corpus``.
        """
        try:
            if not isinstance(data, dict):
                raise TypeError("top level is not an object")
            files = tuple(
                SplitFile(name, int(entry["records"]), str(entry["sha256"]))
                for name, entry in data["files"].items()
            )
            return cls(
                generator_version=str(data["generator_version"]),
                seed=int(data["seed"]),
                n_records=int(data["n_records"]),
                banks_sha256=str(data["banks_sha256"]),
                libraries={str(k): str(v) for k, v in data["libraries"].items()},
                files=files,
                counts=data["counts"],
                joint=data["joint"],
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InputFileError(
                f"{source}: not a corpus manifest ({exc}); "
                "regenerate it with python -m training.corpus"
            ) from None


def library_versions() -> dict[str, str]:
    """Installed versions of the libraries that shape the text."""
    return {name: metadata.version(name) for name in LIBRARIES}


def split_records(records: Sequence[CorpusRecord], seed: int) -> dict[str, list[CorpusRecord]]:
    """Shuffle deterministically and split 80/10/10 into train, dev and test.

    Args:
        records: records in id order.
        seed: the corpus seed (the shuffle has its own stream derived from it).

    Returns:
        split name -> records, each split sorted by id.
    """
    order = list(range(len(records)))
    random.Random(f"{seed}:split").shuffle(order)
    n_dev = len(records) // 10
    n_test = len(records) // 10
    n_train = len(records) - n_dev - n_test
    bounds = {
        "train": (0, n_train),
        "dev": (n_train, n_train + n_dev),
        "test": (n_train + n_dev, len(records)),
    }
    return {name: [records[i] for i in sorted(order[lo:hi])] for name, (lo, hi) in bounds.items()}


def _jsonl(records: Sequence[CorpusRecord]) -> bytes:
    lines = [json.dumps(r.to_json(), ensure_ascii=False) for r in records]
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


def _value_orders() -> dict[str, tuple[str, ...]]:
    return {
        "dispute_type": DISPUTE_TYPE_IDS,
        "risk_grade": RISK_GRADE_IDS,
        "escalation": ("true", "false"),
        "register": tuple(REGISTER_MIX),
        "script": tuple(SCRIPT_MIX),
    }


def _field_value(record: CorpusRecord, field: str) -> str:
    value = getattr(record, field)
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _counts(records: Sequence[CorpusRecord]) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    counts = {f: dict.fromkeys(order, 0) for f, order in _value_orders().items()}
    joint: dict[str, int] = {}
    for t in DISPUTE_TYPE_IDS:
        for g in RISK_GRADE_IDS:
            for e in ("true", "false"):
                joint[f"{t}|{g}|{e}"] = 0
    for record in records:
        for field in COUNTED_FIELDS:
            counts[field][_field_value(record, field)] += 1
        key = f"{record.dispute_type}|{record.risk_grade}|{_field_value(record, 'escalation')}"
        joint[key] += 1
    return counts, joint


def build_corpus(
    seed: int, n_records: int, *, progress: bool = False
) -> tuple[dict[str, bytes], CorpusManifest]:
    """Generate a corpus in memory.

    Args:
        seed: the corpus seed.
        n_records: total number of records (>= 10 so that every split has one).
        progress: show a progress bar on stderr.

    Returns:
        file name -> JSONL bytes for each split, and the manifest describing them.

    Raises:
        ValueError: ``n_records`` < 10.
        InputFileError: a bank file is missing or malformed.
    """
    if n_records < 10:
        raise ValueError("n_records must be at least 10 so that dev and test are not empty")
    banks = load_banks()
    records = [r for r, _ in generate_with_factors(seed, n_records, banks=banks, progress=progress)]
    splits = split_records(records, seed)
    blobs: dict[str, bytes] = {}
    files: list[SplitFile] = []
    counts: dict[str, Mapping[str, Mapping[str, int]]] = {}
    joint: dict[str, Mapping[str, int]] = {}
    for name in SPLITS:
        blob = _jsonl(splits[name])
        blobs[f"{name}.jsonl"] = blob
        files.append(
            SplitFile(f"{name}.jsonl", len(splits[name]), hashlib.sha256(blob).hexdigest())
        )
        counts[name], joint[name] = _counts(splits[name])
    counts["all"], joint["all"] = _counts(records)
    manifest = CorpusManifest(
        generator_version=GENERATOR_VERSION,
        seed=seed,
        n_records=n_records,
        banks_sha256=banks.digest,
        libraries=library_versions(),
        files=tuple(files),
        counts=counts,
        joint=joint,
    )
    return blobs, manifest


def manifest_bytes(manifest: CorpusManifest) -> bytes:
    """The manifest file's exact bytes (indented JSON, UTF-8, trailing newline)."""
    return (json.dumps(manifest.to_json(), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write_corpus(
    output_dir: Path, seed: int, n_records: int, *, progress: bool = False
) -> CorpusManifest:
    """Generate the corpus and write ``train/dev/test.jsonl`` and ``MANIFEST.json``.

    Args:
        output_dir: directory to write into (created if missing).
        seed: the corpus seed.
        n_records: total number of records (>= 10).
        progress: show a progress bar on stderr.

    Returns:
        The manifest that was written.

    Raises:
        ValueError: ``n_records`` < 10.
        InputFileError: a bank file is missing or malformed.
        OSError: the directory cannot be written.
    """
    blobs, manifest = build_corpus(seed, n_records, progress=progress)
    output_dir.mkdir(parents=True, exist_ok=True)
    for name, blob in blobs.items():
        _write_atomic(output_dir / name, blob)
    _write_atomic(output_dir / MANIFEST_NAME, manifest_bytes(manifest))
    return manifest


def read_manifest(output_dir: Path) -> CorpusManifest:
    """Read ``MANIFEST.json`` from a corpus directory.

    Raises:
        InputFileError: the manifest is missing or malformed; regenerate the corpus.
    """
    path = output_dir / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputFileError(
            f"{path} is missing; generate the corpus with python -m training.corpus"
        ) from None
    except json.JSONDecodeError as exc:
        raise InputFileError(f"{path} line {exc.lineno}: not valid JSON ({exc.msg})") from None
    return CorpusManifest.from_json(data, path)


def check_corpus(output_dir: Path, *, progress: bool = False) -> list[str]:
    """Regenerate in memory from the manifest's seed and size and compare with the manifest.

    Args:
        output_dir: a corpus directory holding ``MANIFEST.json``.
        progress: show a progress bar on stderr.

    Returns:
        One line per mismatch (empty when the corpus reproduces exactly).

    Raises:
        InputFileError: the manifest is missing or malformed.
    """
    expected = read_manifest(output_dir)
    problems: list[str] = []
    if expected.generator_version != GENERATOR_VERSION:
        problems.append(
            f"generator version: manifest {expected.generator_version}, code {GENERATOR_VERSION}"
        )
    _, actual = build_corpus(expected.seed, expected.n_records, progress=progress)
    if expected.banks_sha256 != actual.banks_sha256:
        problems.append("phrase banks differ from the ones the manifest was written with")
    for name, version in actual.libraries.items():
        if expected.libraries.get(name) != version:
            problems.append(f"{name}: manifest {expected.libraries.get(name)}, installed {version}")
    wanted = {f.name: f.sha256 for f in expected.files}
    for entry in actual.files:
        if wanted.get(entry.name) != entry.sha256:
            problems.append(f"{entry.name}: regenerated sha256 differs from the manifest")
    return problems
