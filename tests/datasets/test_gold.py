"""Checks on the hand-written gold set (``datasets/gold``) and the demo samples.

The gold set is evaluation data: these tests pin its schema, its label ids and the balance
promised in ``datasets/gold/README.md``, so that an edit that breaks either is caught before it
skews a metric.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import opencc
import pytest

from nlp.labels import DISPUTE_TYPE_IDS, RISK_GRADE_IDS

DATASETS = Path(__file__).resolve().parents[2] / "datasets"
GOLD_FILES = {"dev": DATASETS / "gold" / "dev.jsonl", "test": DATASETS / "gold" / "test.jsonl"}
SAMPLES_FILE = DATASETS / "samples" / "sample_calls.jsonl"
LABELS_DOC = DATASETS / "LABELS.md"

ID_PATTERNS = {"dev": re.compile(r"GD\d{3}"), "test": re.compile(r"GT\d{3}")}
SAMPLE_ID_PATTERN = re.compile(r"S\d{2}")

REQUIRED_FIELDS = frozenset(
    {"id", "text", "dispute_type", "risk_grade", "escalation", "register", "script", "hard_case"}
)
OPTIONAL_FIELDS = frozenset({"rationale"})
REGISTERS = ("caller", "summary", "ledger", "report", "petition")
SCRIPTS = ("simplified", "traditional_tw", "traditional_hk", "noisy")
TRADITIONAL_SCRIPTS = ("traditional_tw", "traditional_hk")

MIN_RECORDS_PER_SPLIT = 220
MIN_RECORDS_PER_TYPE = 35
MIN_SAMPLES = 12
TEXT_LENGTH_RANGE = (20, 300)

# Shares promised by the brief, with room for a few records either way.
GRADE_SHARE_RANGES = {"general": (0.33, 0.48), "complex": (0.26, 0.40), "difficult": (0.20, 0.34)}
ESCALATION_SHARE_RANGE = (0.28, 0.42)
REGISTER_SHARE_RANGE = (0.14, 0.26)
TRADITIONAL_SHARE_RANGE = (0.10, 0.20)
NOISY_SHARE_RANGE = (0.07, 0.14)
MIN_HARD_CASE_SHARE = 0.25
MIN_RATIONALE_WORDS = 5
MIN_TYPE_SHARE_OF_SPLIT = 0.16

# A noisy record carries at least one artefact of a broken pipeline.
NOISE_MARKER = re.compile(
    r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)"  # inline pinyin such as 纠(jiū)
    r"|[０-９]"  # full-width digits
    r"|&[a-z]+;"  # HTML entities such as &nbsp;
    r"|\d\*{4}\d"  # a masked phone number such as 139****2210
    r"|[０-９]\*{4}[０-９]"
)

SPLITS = tuple(GOLD_FILES)
_T2S = opencc.OpenCC("t2s")


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            pytest.fail(f"{path.name} line {number} is not valid JSON: {exc.msg}")
        if not isinstance(record, dict):
            pytest.fail(f"{path.name} line {number} is not a JSON object")
        records.append(record)
    return records


@pytest.fixture(scope="module")
def gold() -> dict[str, list[dict[str, Any]]]:
    return {split: _read_jsonl(path) for split, path in GOLD_FILES.items()}


@pytest.fixture(scope="module")
def samples() -> list[dict[str, Any]]:
    return _read_jsonl(SAMPLES_FILE)


def _share(records: list[dict[str, Any]], predicate: Any) -> float:
    return sum(1 for r in records if predicate(r)) / len(records)


def _assert_share_in(value: float, bounds: tuple[float, float], what: str) -> None:
    low, high = bounds
    assert low <= value <= high, f"{what}: share {value:.1%} outside [{low:.0%}, {high:.0%}]"


@pytest.mark.parametrize("split", SPLITS)
def test_gold_split_has_enough_records(gold: dict[str, list[dict[str, Any]]], split: str) -> None:
    assert len(gold[split]) >= MIN_RECORDS_PER_SPLIT


@pytest.mark.parametrize("split", SPLITS)
def test_gold_records_have_exactly_the_schema_fields(
    gold: dict[str, list[dict[str, Any]]], split: str
) -> None:
    for record in gold[split]:
        keys = set(record)
        assert keys >= REQUIRED_FIELDS, f"{record.get('id')}: missing {REQUIRED_FIELDS - keys}"
        extra = keys - REQUIRED_FIELDS - OPTIONAL_FIELDS
        assert not extra, f"{record['id']}: unexpected fields {extra}"


@pytest.mark.parametrize("split", SPLITS)
def test_gold_labels_are_stable_ids(gold: dict[str, list[dict[str, Any]]], split: str) -> None:
    for record in gold[split]:
        rid = record["id"]
        assert record["dispute_type"] in DISPUTE_TYPE_IDS, rid
        assert record["risk_grade"] in RISK_GRADE_IDS, rid
        assert type(record["escalation"]) is bool, rid
        assert type(record["hard_case"]) is bool, rid
        assert record["register"] in REGISTERS, rid
        assert record["script"] in SCRIPTS, rid


@pytest.mark.parametrize("split", SPLITS)
def test_gold_ids_are_unique_and_prefixed(
    gold: dict[str, list[dict[str, Any]]], split: str
) -> None:
    ids = [record["id"] for record in gold[split]]
    assert all(ID_PATTERNS[split].fullmatch(i) for i in ids)
    duplicated = [i for i, n in Counter(ids).items() if n > 1]
    assert not duplicated, f"duplicate ids: {duplicated}"


def test_gold_texts_are_unique_across_splits_and_samples(
    gold: dict[str, list[dict[str, Any]]], samples: list[dict[str, Any]]
) -> None:
    owners: dict[str, list[str]] = {}
    for record in [*gold["dev"], *gold["test"], *samples]:
        owners.setdefault(record["text"].strip(), []).append(record["id"])
    clashes = {ids[0]: ids[1:] for ids in owners.values() if len(ids) > 1}
    assert not clashes, f"texts repeated under ids {clashes}"


@pytest.mark.parametrize("split", SPLITS)
def test_gold_texts_are_within_length_range(
    gold: dict[str, list[dict[str, Any]]], split: str
) -> None:
    low, high = TEXT_LENGTH_RANGE
    outside = [r["id"] for r in gold[split] if not low <= len(r["text"]) <= high]
    assert not outside, f"texts outside {low}–{high} characters: {outside}"


@pytest.mark.parametrize("split", SPLITS)
def test_gold_hard_cases_have_a_rationale(
    gold: dict[str, list[dict[str, Any]]], split: str
) -> None:
    missing = [
        r["id"]
        for r in gold[split]
        if r["hard_case"] and not (isinstance(r.get("rationale"), str) and r["rationale"].strip())
    ]
    assert not missing, f"hard cases without rationale: {missing}"


@pytest.mark.parametrize("split", SPLITS)
def test_gold_rationales_are_single_english_lines(
    gold: dict[str, list[dict[str, Any]]], split: str
) -> None:
    for record in gold[split]:
        rationale = record.get("rationale")
        if rationale is None:
            continue
        assert isinstance(rationale, str), record["id"]
        assert "\n" not in rationale, record["id"]
        # Chinese terms may be quoted (宅基地, 10万元), but the sentence itself is English.
        words = re.findall(r"[A-Za-z]{2,}", rationale)
        assert len(words) >= MIN_RATIONALE_WORDS, f"{record['id']}: rationale must be English"


@pytest.mark.parametrize("split", SPLITS)
def test_gold_escalation_implies_at_least_complex(
    gold: dict[str, list[dict[str, Any]]], split: str
) -> None:
    # LABELS.md section 3: every escalation cue is also a complex or difficult cue.
    wrong = [r["id"] for r in gold[split] if r["escalation"] and r["risk_grade"] == "general"]
    assert not wrong, f"escalation with grade general: {wrong}"


@pytest.mark.parametrize("split", SPLITS)
def test_gold_every_type_has_enough_records(
    gold: dict[str, list[dict[str, Any]]], split: str
) -> None:
    counts = Counter(r["dispute_type"] for r in gold[split])
    for dispute_type in DISPUTE_TYPE_IDS:
        assert counts[dispute_type] >= MIN_RECORDS_PER_TYPE, dispute_type
        assert counts[dispute_type] / len(gold[split]) >= MIN_TYPE_SHARE_OF_SPLIT, dispute_type


@pytest.mark.parametrize("split", SPLITS)
def test_gold_every_type_has_every_grade_and_both_escalation_values(
    gold: dict[str, list[dict[str, Any]]], split: str
) -> None:
    for dispute_type in DISPUTE_TYPE_IDS:
        of_type = [r for r in gold[split] if r["dispute_type"] == dispute_type]
        assert {r["risk_grade"] for r in of_type} == set(RISK_GRADE_IDS), dispute_type
        assert {r["escalation"] for r in of_type} == {True, False}, dispute_type
        assert any(r["hard_case"] for r in of_type), dispute_type


@pytest.mark.parametrize("split", SPLITS)
def test_gold_every_register_is_present_in_balanced_shares(
    gold: dict[str, list[dict[str, Any]]], split: str
) -> None:
    records = gold[split]
    for register in REGISTERS:
        share = _share(records, lambda r, reg=register: r["register"] == reg)
        _assert_share_in(share, REGISTER_SHARE_RANGE, f"register {register}")


@pytest.mark.parametrize("split", SPLITS)
def test_gold_grade_shares_match_the_brief(
    gold: dict[str, list[dict[str, Any]]], split: str
) -> None:
    records = gold[split]
    for grade, bounds in GRADE_SHARE_RANGES.items():
        _assert_share_in(_share(records, lambda r, g=grade: r["risk_grade"] == g), bounds, grade)


@pytest.mark.parametrize("split", SPLITS)
def test_gold_escalation_share_matches_the_brief(
    gold: dict[str, list[dict[str, Any]]], split: str
) -> None:
    share = _share(gold[split], lambda r: r["escalation"])
    _assert_share_in(share, ESCALATION_SHARE_RANGE, "escalation")


@pytest.mark.parametrize("split", SPLITS)
def test_gold_script_shares_match_the_brief(
    gold: dict[str, list[dict[str, Any]]], split: str
) -> None:
    records = gold[split]
    traditional = _share(records, lambda r: r["script"] in TRADITIONAL_SCRIPTS)
    _assert_share_in(traditional, TRADITIONAL_SHARE_RANGE, "traditional")
    _assert_share_in(_share(records, lambda r: r["script"] == "noisy"), NOISY_SHARE_RANGE, "noisy")
    assert {r["script"] for r in records} == set(SCRIPTS)


@pytest.mark.parametrize("split", SPLITS)
def test_gold_hard_case_share_is_at_least_a_quarter(
    gold: dict[str, list[dict[str, Any]]], split: str
) -> None:
    assert _share(gold[split], lambda r: r["hard_case"]) >= MIN_HARD_CASE_SHARE


@pytest.mark.parametrize("split", SPLITS)
def test_gold_script_label_matches_the_characters(
    gold: dict[str, list[dict[str, Any]]], split: str
) -> None:
    for record in gold[split]:
        text, rid = record["text"], record["id"]
        changed = _T2S.convert(text) != text
        if record["script"] in TRADITIONAL_SCRIPTS:
            assert changed, f"{rid} is labelled Traditional but has no Traditional characters"
        else:
            assert not changed, f"{rid} is labelled Simplified/noisy but has Traditional characters"


@pytest.mark.parametrize("split", SPLITS)
def test_gold_noisy_records_carry_a_noise_marker(
    gold: dict[str, list[dict[str, Any]]], split: str
) -> None:
    for record in gold[split]:
        has_marker = NOISE_MARKER.search(record["text"]) is not None
        assert has_marker == (record["script"] == "noisy"), record["id"]


def test_samples_have_ids_and_texts_only(samples: list[dict[str, Any]]) -> None:
    assert len(samples) >= MIN_SAMPLES
    ids = [s["id"] for s in samples]
    assert len(set(ids)) == len(ids)
    for sample in samples:
        assert set(sample) == {"id", "text"}, sample.get("id")
        assert SAMPLE_ID_PATTERN.fullmatch(sample["id"]), sample["id"]
        low, high = TEXT_LENGTH_RANGE
        assert low <= len(sample["text"]) <= high, sample["id"]


def test_samples_include_traditional_and_noisy_input(samples: list[dict[str, Any]]) -> None:
    texts = [s["text"] for s in samples]
    assert any(_T2S.convert(t) != t for t in texts)
    assert any(NOISE_MARKER.search(t) for t in texts)


def test_labels_doc_names_every_label_id() -> None:
    doc = LABELS_DOC.read_text(encoding="utf-8")
    for label in (*DISPUTE_TYPE_IDS, *RISK_GRADE_IDS, "escalation"):
        assert f"`{label}`" in doc, label
    for register in REGISTERS:
        assert f"`{register}`" in doc, register
