"""The evidence gold set (``datasets/gold/evidence.jsonl``) and its scorer (``bench_evidence``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.bench_evidence import (
    EVIDENCE_GOLD,
    KEY_KINDS,
    SERIOUS_KINDS,
    EvidenceScore,
    KeyPhrase,
    occurrences,
    read_gold_texts,
    read_key_phrases,
    score_record,
)

MIN_RECORDS = 150


@pytest.fixture(scope="module")
def keys() -> dict[str, list[KeyPhrase]]:
    return read_key_phrases()


def test_evidence_gold_marks_enough_gold_records(keys):
    texts = read_gold_texts()
    assert len(keys) >= MIN_RECORDS
    assert set(keys) <= set(texts)
    assert any(i.startswith("GD") for i in keys) and any(i.startswith("GT") for i in keys)


def test_evidence_gold_phrases_occur_in_their_record_and_have_known_kinds(keys):
    texts = read_gold_texts()
    for record_id, phrases in keys.items():
        assert phrases, record_id
        for key in phrases:
            assert key.phrase and key.phrase in texts[record_id], (record_id, key)
            assert key.kind in KEY_KINDS


def test_evidence_gold_holds_enough_serious_phrases_to_measure_recall(keys):
    serious = [k for phrases in keys.values() for k in phrases if k.kind in SERIOUS_KINDS]
    assert len(serious) >= 50
    assert {k.kind for k in serious} == set(SERIOUS_KINDS)


def test_evidence_gold_refers_to_records_by_id_only():
    for line in EVIDENCE_GOLD.read_text("utf-8").splitlines():
        row = json.loads(line)
        assert set(row) == {"id", "phrases"}
        assert all(set(p) == {"phrase", "kind"} for p in row["phrases"])


def test_read_key_phrases_rejects_unknown_kinds_and_repeated_ids(tmp_path: Path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "GD001", "phrases": [{"phrase": "x", "kind": "?"}]}) + "\n")
    with pytest.raises(ValueError, match="unknown kinds"):
        read_key_phrases(bad)
    row = json.dumps({"id": "GD001", "phrases": []})
    bad.write_text(row + "\n" + row + "\n")
    with pytest.raises(ValueError, match="twice"):
        read_key_phrases(bad)


def test_occurrences_finds_every_place_a_phrase_occurs():
    assert occurrences("刀，刀子", "刀") == [(0, 1), (2, 3)]
    assert occurrences("abc", "x") == []


def test_score_record_counts_precision_and_serious_recall():
    text = "他拿着菜刀说要砍死我，还骂人"
    keys = [
        KeyPhrase("菜刀", "weapon"),
        KeyPhrase("砍死我", "threat"),
        KeyPhrase("骂人", "tension"),
    ]
    score = EvidenceScore()
    shown = [("risk_grade", 2, 5), ("risk_grade", 10, 11), ("escalation", 0, 1)]
    score_record(score, text, keys, shown)
    assert (score.shown, score.shown_hits, score.single_chars) == (3, 1, 2)
    assert score.precision == pytest.approx(1 / 3)
    assert score.recall() == pytest.approx(1 / 2)
    assert score.recall(["tension"]) == 0.0
    assert score.as_dict()["precision_by_head"] == {"escalation": 0.0, "risk_grade": 0.5}
