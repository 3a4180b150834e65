"""Tests of the synthetic corpus generator (training.corpus)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from nlp.errors import InputFileError
from nlp.labels import DISPUTE_TYPE_IDS, RISK_GRADE_IDS
from training.corpus import (
    CorpusRecord,
    check_corpus,
    generate_records,
    read_manifest,
    write_corpus,
)
from training.corpus.__main__ import main
from training.corpus._banks import BANKS_DIR, load_banks
from training.corpus._factors import CRIME_TIERS, REGISTER_MIX, SCRIPT_MIX, TYPE_MIX, Factors
from training.corpus._generate import generate_with_factors
from training.corpus._rules import (
    CALM_LEVELS,
    ESCALATING_LEVELS,
    MODERATE_LEVELS,
    SEVERE_LEVELS,
    VIOLENCE_LEVELS,
    assign_labels,
)
from training.corpus._script import NOISE_OPS, converter, is_traditional
from training.corpus._text import LARGE_SUM_LIMIT, SMALL_SUM_LIMIT, sum_tier, zh_number

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLE_SEED = 20261122
SAMPLE_SIZE = 4000
GRADE_ORDER = {grade: i for i, grade in enumerate(RISK_GRADE_IDS)}

NOISE_SIGNATURES = {
    "phone": re.compile(r"[1１][3-9３-９][0-9０-９](\*{4}|[0-9０-９]{4})[0-9０-９]{4}"),
    "id_number": re.compile(r"[0-9０-９]{17}[0-9０-９X]"),
    "plate": re.compile(r"[\u4e00-\u9fff][A-Z]·?[A-Z0-9０-９]{5}"),
    "pinyin": re.compile(r"[\u4e00-\u9fff]\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)"),
    "html": re.compile(r"&nbsp;|<br/?>|</p><p>"),
    "repeated_punct": re.compile(r"[！？。]{2,}"),
    "fullwidth_digits": re.compile(r"[０-９]"),
}


@pytest.fixture(scope="module")
def sample() -> list[tuple[CorpusRecord, Factors]]:
    return generate_with_factors(SAMPLE_SEED, SAMPLE_SIZE)


@pytest.fixture(scope="module")
def records(sample: list[tuple[CorpusRecord, Factors]]) -> list[CorpusRecord]:
    return [record for record, _ in sample]


# determinism ---------------------------------------------------------------------------------


def test_generate_records_same_seed_gives_identical_records() -> None:
    first = generate_records(7, 300)
    second = generate_records(7, 300)
    assert first == second


def test_generate_records_different_seed_gives_different_records() -> None:
    first = generate_records(7, 50)
    second = generate_records(8, 50)
    assert [r.text for r in first] != [r.text for r in second]


def test_generate_records_prefix_is_stable_when_more_records_are_asked() -> None:
    short = generate_records(11, 40)
    longer = generate_records(11, 80)
    assert longer[:40] == short


def test_generate_records_does_not_depend_on_hash_seed() -> None:
    script = (
        "import hashlib, json\n"
        "from training.corpus import generate_records\n"
        "rs = generate_records(5, 60)\n"
        "blob = json.dumps([r.to_json() for r in rs], ensure_ascii=False)\n"
        "print(hashlib.sha256(blob.encode()).hexdigest())\n"
    )
    digests = []
    for hash_seed in ("0", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        result = subprocess.run(
            [sys.executable, "-c", script],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        digests.append(result.stdout.strip())
    assert digests[0] == digests[1]
    assert len(digests[0]) == 64


def test_generate_records_rejects_empty_request() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        generate_records(1, 0)


# record shape and labels -----------------------------------------------------------------------


def test_generate_records_texts_are_unique(records: list[CorpusRecord]) -> None:
    texts = [r.text for r in records]
    assert len(set(texts)) == len(texts)


def test_generate_records_ids_are_sequential(records: list[CorpusRecord]) -> None:
    assert [r.id for r in records] == [f"G{i:06d}" for i in range(1, len(records) + 1)]


def test_generate_records_labels_are_valid_ids(records: list[CorpusRecord]) -> None:
    for record in records:
        assert record.dispute_type in DISPUTE_TYPE_IDS
        assert record.risk_grade in RISK_GRADE_IDS
        assert isinstance(record.escalation, bool)
        assert record.register in REGISTER_MIX
        assert record.script in SCRIPT_MIX
        assert record.cause.startswith(record.dispute_type + ".")


def test_record_to_json_has_the_documented_fields(records: list[CorpusRecord]) -> None:
    fields = list(records[0].to_json())
    assert fields == [
        "id",
        "text",
        "dispute_type",
        "risk_grade",
        "escalation",
        "register",
        "script",
        "cause",
        "hard_case",
    ]


def test_generate_records_uses_every_cause(records: list[CorpusRecord]) -> None:
    used = {r.cause for r in records}
    defined = {c.id for c in load_banks().causes}
    assert defined - used == set()


def test_banks_have_at_least_40_causes_per_type() -> None:
    per_type = Counter(c.dispute_type for c in load_banks().causes)
    for dispute_type in DISPUTE_TYPE_IDS:
        assert per_type[dispute_type] >= 40, dispute_type


def test_generate_records_registers_and_scripts_all_present(records: list[CorpusRecord]) -> None:
    assert {r.register for r in records} == set(REGISTER_MIX)
    assert {r.script for r in records} == set(SCRIPT_MIX)


def test_generate_records_label_mix_is_near_target(records: list[CorpusRecord]) -> None:
    n = len(records)
    types = Counter(r.dispute_type for r in records)
    for dispute_type, share in TYPE_MIX.items():
        assert abs(types[dispute_type] / n - share) < 0.03, dispute_type
    grades = Counter(r.risk_grade for r in records)
    for grade, share in zip(RISK_GRADE_IDS, (0.40, 0.33, 0.27), strict=True):
        assert abs(grades[grade] / n - share) < 0.04, grade
    escalation = sum(r.escalation for r in records) / n
    assert 0.30 < escalation < 0.40


def test_generate_records_hard_cases_are_about_fifteen_percent(
    records: list[CorpusRecord],
) -> None:
    share = sum(r.hard_case is not None for r in records) / len(records)
    assert 0.10 < share < 0.20
    assert all(r.hard_case is None or r.hard_case.isascii() for r in records)


# rules -----------------------------------------------------------------------------------------


def test_generated_labels_follow_the_rules(sample: list[tuple[CorpusRecord, Factors]]) -> None:
    for record, factors in sample:
        labels = assign_labels(factors)
        assert (record.dispute_type, record.risk_grade, record.escalation) == (
            labels.dispute_type,
            labels.risk_grade,
            labels.escalation,
        )


def test_assign_labels_severe_violence_is_difficult_and_escalation(
    sample: list[tuple[CorpusRecord, Factors]],
) -> None:
    base = next(f for _, f in sample if f.violence == "none" and f.parties == 2)
    for level in SEVERE_LEVELS:
        labels = assign_labels(dataclasses.replace(base, violence=level))
        assert labels.risk_grade == "difficult", level
        assert labels.escalation, level


def test_assign_labels_weapon_records_are_difficult_and_escalation(
    sample: list[tuple[CorpusRecord, Factors]],
) -> None:
    weapons = [r for r, f in sample if f.violence == "weapon"]
    assert weapons
    assert all(r.risk_grade == "difficult" and r.escalation for r in weapons)


def test_assign_labels_moderate_violence_escalates_at_least_complex(
    sample: list[tuple[CorpusRecord, Factors]],
) -> None:
    base = next(f for _, f in sample if f.violence == "none" and f.parties == 2)
    for level in MODERATE_LEVELS:
        labels = assign_labels(dataclasses.replace(base, violence=level))
        assert labels.escalation, level
        assert GRADE_ORDER[labels.risk_grade] >= GRADE_ORDER["complex"], level


def test_assign_labels_negated_violence_is_not_escalation(
    sample: list[tuple[CorpusRecord, Factors]],
) -> None:
    negated = [(r, f) for r, f in sample if f.violence == "negated"]
    assert negated
    assert not any(r.escalation for r, _ in negated)
    for level in CALM_LEVELS:
        assert not assign_labels(dataclasses.replace(negated[0][1], violence=level)).escalation


def test_assign_labels_escalation_iff_escalating_level(
    sample: list[tuple[CorpusRecord, Factors]],
) -> None:
    for record, factors in sample:
        assert record.escalation == (factors.violence in ESCALATING_LEVELS)
    assert set(ESCALATING_LEVELS) < set(VIOLENCE_LEVELS)


def test_assign_labels_difficult_factors_make_difficult(
    sample: list[tuple[CorpusRecord, Factors]],
) -> None:
    base = next(f for _, f in sample if f.violence == "none" and f.parties == 2)
    assert assign_labels(base).risk_grade in ("general", "complex")
    for change in (
        {"parties": 25},
        {"mediations": 3},
        {"cross_region": True},
        {"amount": LARGE_SUM_LIMIT},
    ):
        assert assign_labels(dataclasses.replace(base, **change)).risk_grade == "difficult"


def test_assign_labels_complex_factors_make_complex(
    sample: list[tuple[CorpusRecord, Factors]],
) -> None:
    base = next(
        f
        for r, f in sample
        if r.risk_grade == "general" and f.amount is None and f.violence == "none"
    )
    for change in (
        {"repeat_calls": 2},
        {"long_standing": True},
        {"parties": 3},
        {"mediations": 1},
        {"amount": SMALL_SUM_LIMIT},
        {"violence": "heated"},
    ):
        assert assign_labels(dataclasses.replace(base, **change)).risk_grade == "complex"


def test_assign_labels_rejects_unknown_violence_level(
    sample: list[tuple[CorpusRecord, Factors]],
) -> None:
    with pytest.raises(ValueError, match="violence level"):
        assign_labels(dataclasses.replace(sample[0][1], violence="brawl"))


def test_non_dispute_calls_are_general_and_calm(
    sample: list[tuple[CorpusRecord, Factors]],
) -> None:
    calm = [(r, f) for r, f in sample if f.cause.calm_only]
    assert calm
    for record, factors in calm:
        assert record.dispute_type == "other"
        assert record.risk_grade == "general"
        assert not record.escalation
        assert factors.violence == "none"


def test_hard_cases_keep_root_cause_label(sample: list[tuple[CorpusRecord, Factors]]) -> None:
    by_cause = {
        "debt.neighbour_loan": "debt",
        "debt.contractor_materials": "debt",
        "land.homestead_boundary": "land",
        "wages.framed_as_debt": "wages",
        "other.land_survey_enquiry": "other",
        "other.wage_policy_question": "other",
        "neighbour.dog_bite_in_field": "neighbour",
    }
    seen = {r.cause: r for r, _ in sample if r.cause in by_cause}
    assert set(seen) == set(by_cause)
    for cause, label in by_cause.items():
        assert seen[cause].dispute_type == label
        assert seen[cause].hard_case is not None


def test_cause_phrasings_carry_no_labelling_cues() -> None:
    banks = load_banks()
    lint = json.loads((BANKS_DIR / "lint.json").read_text(encoding="utf-8"))
    forbidden = lint["forbidden_in_causes"]
    assert forbidden
    texts = [
        t
        for c in banks.causes
        for t in (
            *c.oral,
            *c.formal,
            *c.judgment,
            *c.demand_oral,
            *c.demand_formal,
            *c.slots.get("topic", ()),
        )
    ]
    for relation in banks.relations.values():
        texts.extend((*relation.background_oral, *relation.background_formal))
        texts.extend(f.oral for f in relation.forms)
    for path, phrases in banks.phrases.items():
        if path.startswith(
            (
                "factors.decoy",
                "registers.demand",
                "registers.judgment.core",
                "registers.judgment.demand",
                "registers.petition_online.title",
                "slots.topic",
            )
        ):
            texts.extend(phrases)
    offending = [(t, w) for t in texts for w in forbidden if w in t]
    assert offending == []


# registers -------------------------------------------------------------------------------------

PINYIN_NOTE = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)")
HTML_NOISE = re.compile(r"&nbsp;|<br/?>|</p><p>")
COURT_MARKERS = re.compile("审理查明|查明|诉称|起诉|指控|认定事实|诉讼请求")
COURT_ROLES = re.compile("原告|被告|被害人|上诉人")
ONLINE_MARKERS = re.compile("关于|反映|投诉|求助|问题|您好|你好|领导|市长|书记|县长|12345")
INJURY_WORDS = re.compile("伤|骨折|缝|住院|医院|擦破|抓破|青了|抓痕")


def _plain(text: str) -> str:
    """Simplified text without pinyin notes or HTML remnants, for marker checks."""
    stripped = HTML_NOISE.sub("", PINYIN_NOTE.sub("", text))
    return str(converter("t2s").convert(stripped))


def _of_register(records: list[CorpusRecord], register: str) -> list[CorpusRecord]:
    chosen = [r for r in records if r.register == register]
    assert chosen, register
    return chosen


def test_generate_records_register_shares_are_near_target(records: list[CorpusRecord]) -> None:
    counts = Counter(r.register for r in records)
    for register, share in REGISTER_MIX.items():
        assert abs(counts[register] / len(records) - share) < 0.025, register


def test_judgment_records_carry_court_markers(records: list[CorpusRecord]) -> None:
    for record in _of_register(records, "judgment"):
        text = _plain(record.text)
        assert COURT_MARKERS.search(text), record.id
        assert COURT_ROLES.search(text), record.id


def test_judgment_records_carry_no_caller_speech(records: list[CorpusRecord]) -> None:
    banks = load_banks()
    caller_words = [
        w
        for key in ("opener", "urgent", "closing")
        for w in banks.get(f"registers.caller.{key}")
        if len(w) > 2
    ]
    for record in _of_register(records, "judgment"):
        text = _plain(record.text)
        assert not [w for w in caller_words if w in text], record.id
        assert not text.startswith("报警人"), record.id


def test_petition_online_records_carry_platform_markers(records: list[CorpusRecord]) -> None:
    for record in _of_register(records, "petition_online"):
        assert ONLINE_MARKERS.search(_plain(record.text)), record.id


def test_petition_online_records_rarely_escalate(records: list[CorpusRecord]) -> None:
    online = _of_register(records, "petition_online")
    share = sum(r.escalation for r in online) / len(online)
    overall = sum(r.escalation for r in records) / len(records)
    assert 0 < share < min(0.2, overall)
    difficult = sum(r.risk_grade == "difficult" for r in online) / len(online)
    assert difficult < 0.25


def test_judgment_role_words_do_not_give_away_labels(records: list[CorpusRecord]) -> None:
    judgments = [(r, _plain(r.text)) for r in _of_register(records, "judgment")]
    for role in ("被告人", "原告", "上诉人"):
        with_role = [r for r, text in judgments if role in text]
        assert with_role, role
        assert {r.escalation for r in with_role} == {True, False}, role
        assert {r.risk_grade for r in with_role} == set(RISK_GRADE_IDS), role
    plaintiffs = {r.dispute_type for r, text in judgments if "原告" in text}
    assert plaintiffs == set(DISPUTE_TYPE_IDS)


def test_new_registers_cover_every_dispute_type(records: list[CorpusRecord]) -> None:
    for register in ("judgment", "petition_online"):
        types = {r.dispute_type for r in _of_register(records, register)}
        assert types == set(DISPUTE_TYPE_IDS), register


def test_crime_causes_are_judgments_graded_by_their_sum(
    sample: list[tuple[CorpusRecord, Factors]],
) -> None:
    crimes = [(r, f) for r, f in sample if f.cause.crime]
    assert crimes
    for record, factors in crimes:
        assert record.register == "judgment"
        assert record.dispute_type == "other"
        assert not record.escalation
        tier = sum_tier(factors.amount) if factors.amount is not None else "small"
        assert CRIME_TIERS[record.risk_grade] == tier, record.id


def test_calm_causes_stay_out_of_ledgers_petitions_and_judgments(
    sample: list[tuple[CorpusRecord, Factors]],
) -> None:
    calm = [r for r, f in sample if f.cause.calm_only]
    assert calm
    assert not {r.register for r in calm} & {"ledger", "petition", "judgment"}


def test_injury_records_name_the_injury_and_follow_the_rule(
    sample: list[tuple[CorpusRecord, Factors]],
) -> None:
    injured = [(r, f) for r, f in sample if f.injury is not None]
    assert {f.injury for _, f in injured} == {"minor", "hospital"}
    for record, factors in injured:
        assert record.escalation, record.id
        if factors.injury == "hospital":
            assert record.risk_grade == "difficult", record.id
        else:
            assert record.risk_grade != "general", record.id
        if record.script == "simplified":
            assert INJURY_WORDS.search(record.text), record.id


def test_assign_labels_injury_raises_the_grade(
    sample: list[tuple[CorpusRecord, Factors]],
) -> None:
    base = next(
        f
        for r, f in sample
        if r.risk_grade == "complex" and f.violence == "scuffle" and f.injury is None
    )
    assert assign_labels(dataclasses.replace(base, injury="hospital")).risk_grade == "difficult"
    assert assign_labels(dataclasses.replace(base, injury="minor")).risk_grade == "complex"
    with pytest.raises(ValueError, match="injury"):
        assign_labels(dataclasses.replace(base, violence="none", injury="hospital"))


def test_summaries_do_not_all_start_with_the_caller(records: list[CorpusRecord]) -> None:
    summaries = [r for r in _of_register(records, "summary") if r.script == "simplified"]
    share = sum(r.text.startswith("报警人") for r in summaries) / len(summaries)
    assert 0.1 < share < 0.5


def test_generate_records_never_double_the_currency(records: list[CorpusRecord]) -> None:
    assert not [r.id for r in records if "人民币人民币" in _plain(r.text)]


# scripts and noise -------------------------------------------------------------------------


def test_traditional_records_contain_traditional_characters(records: list[CorpusRecord]) -> None:
    traditional = [r for r in records if r.script.startswith("traditional")]
    assert traditional
    assert all(is_traditional(r.text) for r in traditional)


def test_hong_kong_callers_use_cantonese_words(records: list[CorpusRecord]) -> None:
    callers = [r for r in records if r.script == "traditional_hk" and r.register == "caller"]
    assert callers
    cantonese = re.compile("佢|咗|冇|嘅|唔|喺|係|哋|乜嘢|而家|呢度|嗰")
    share = sum(bool(cantonese.search(r.text)) for r in callers) / len(callers)
    assert share > 0.8


def test_noisy_records_contain_the_noise_they_claim(records: list[CorpusRecord]) -> None:
    noisy = [r for r in records if r.script == "noisy"]
    assert noisy
    claimed: Counter[str] = Counter()
    for record in noisy:
        assert 1 <= len(record.noise) <= 4
        for op in record.noise:
            claimed[op] += 1
            if op in NOISE_SIGNATURES:
                assert NOISE_SIGNATURES[op].search(record.text), (op, record.id)
            elif op == "truncated":
                assert not record.text.rstrip().endswith(("。", "！", "？", "!", "?")), record.id
            elif op == "mixed_script":
                assert is_traditional(record.text), record.id
    assert set(claimed) == set(NOISE_OPS)


def test_only_noisy_records_carry_noise(records: list[CorpusRecord]) -> None:
    assert all(r.noise == () for r in records if r.script != "noisy")
    assert not any("&nbsp;" in r.text or "<br" in r.text for r in records if r.script != "noisy")


# corpus files and manifest -----------------------------------------------------------------


def test_write_corpus_writes_splits_and_manifest(tmp_path: Path) -> None:
    manifest = write_corpus(tmp_path, 3, 50)
    sizes = {f.name: f.records for f in manifest.files}
    assert sizes == {"train.jsonl": 40, "dev.jsonl": 5, "test.jsonl": 5}
    ids: list[str] = []
    for entry in manifest.files:
        blob = (tmp_path / entry.name).read_bytes()
        assert hashlib.sha256(blob).hexdigest() == entry.sha256
        lines = blob.decode("utf-8").splitlines()
        assert len(lines) == entry.records
        ids.extend(json.loads(line)["id"] for line in lines)
    assert sorted(ids) == [f"G{i:06d}" for i in range(1, 51)]
    assert read_manifest(tmp_path) == manifest
    assert sum(manifest.counts["all"]["dispute_type"].values()) == 50


def test_write_corpus_is_byte_identical_across_runs(tmp_path: Path) -> None:
    write_corpus(tmp_path / "a", 9, 40)
    write_corpus(tmp_path / "b", 9, 40)
    for name in ("train.jsonl", "dev.jsonl", "test.jsonl", "MANIFEST.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_check_corpus_reports_a_hash_mismatch(tmp_path: Path) -> None:
    write_corpus(tmp_path, 4, 30)
    assert check_corpus(tmp_path) == []
    path = tmp_path / "MANIFEST.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["files"]["dev.jsonl"]["sha256"] = "0" * 64
    path.write_text(json.dumps(data), encoding="utf-8")
    problems = check_corpus(tmp_path)
    assert len(problems) == 1
    assert "dev.jsonl" in problems[0]


def test_check_corpus_without_manifest_raises(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match=r"MANIFEST\.json"):
        check_corpus(tmp_path)


def test_cli_generates_and_checks(tmp_path: Path) -> None:
    out = tmp_path / "corpus"
    assert main(["--output", str(out), "--records", "20", "--seed", "2", "--no-progress"]) == 0
    assert (out / "train.jsonl").exists()
    assert main(["--output", str(out), "--check", "--no-progress"]) == 0
    manifest = json.loads((out / "MANIFEST.json").read_text(encoding="utf-8"))
    manifest["files"]["train.jsonl"]["sha256"] = "f" * 64
    (out / "MANIFEST.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert main(["--output", str(out), "--check", "--no-progress"]) == 1


def test_cli_rejects_too_few_records(tmp_path: Path) -> None:
    assert main(["--output", str(tmp_path), "--records", "5", "--no-progress"]) == 2


# banks -----------------------------------------------------------------------------------------


def _copy_banks(tmp_path: Path) -> Path:
    target = tmp_path / "banks"
    shutil.copytree(BANKS_DIR, target)
    return target


def test_load_banks_rejects_unknown_slot(tmp_path: Path) -> None:
    banks_dir = _copy_banks(tmp_path)
    path = banks_dir / "causes" / "debt.json"
    causes = json.loads(path.read_text(encoding="utf-8"))
    causes[0]["oral"].append("{O}欠我{no_such_slot}")
    path.write_text(json.dumps(causes, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(InputFileError, match="no_such_slot"):
        load_banks(banks_dir)


def test_load_banks_rejects_missing_file(tmp_path: Path) -> None:
    banks_dir = _copy_banks(tmp_path)
    (banks_dir / "violence.json").unlink()
    with pytest.raises(InputFileError, match=r"violence\.json"):
        load_banks(banks_dir)


def test_load_banks_rejects_cause_id_of_wrong_type(tmp_path: Path) -> None:
    banks_dir = _copy_banks(tmp_path)
    path = banks_dir / "causes" / "land.json"
    causes = json.loads(path.read_text(encoding="utf-8"))
    causes[0]["id"] = "debt.misfiled"
    path.write_text(json.dumps(causes, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(InputFileError, match="land"):
        load_banks(banks_dir)


def test_load_banks_rejects_unknown_register(tmp_path: Path) -> None:
    banks_dir = _copy_banks(tmp_path)
    path = banks_dir / "causes" / "wages.json"
    causes = json.loads(path.read_text(encoding="utf-8"))
    causes[0]["registers"] = ["caller", "sermon"]
    path.write_text(json.dumps(causes, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(InputFileError, match="sermon"):
        load_banks(banks_dir)


def test_load_banks_rejects_register_without_causes(tmp_path: Path) -> None:
    banks_dir = _copy_banks(tmp_path)
    path = banks_dir / "causes" / "neighbour.json"
    causes = json.loads(path.read_text(encoding="utf-8"))
    for cause in causes:
        cause["registers"] = ["caller", "summary"]
    path.write_text(json.dumps(causes, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(InputFileError, match="ledger"):
        load_banks(banks_dir)


def test_zh_number_writes_chinese_numerals() -> None:
    assert zh_number(3) == "三"
    assert zh_number(2) == "两"
    assert zh_number(2, liang=False) == "二"
    assert zh_number(15) == "十五"
    assert zh_number(32000) == "三万二千"
    assert zh_number(1005) == "一千零五"
    with pytest.raises(ValueError):
        zh_number(-1)
