"""The corpus audit: register groups, distances and the command line, on tiny data."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from training.audit import (
    CharBigramModel,
    audit,
    audit_group,
    compare,
    format_table,
    main,
    source_register,
)

CORPUS = [
    {
        "text": "经审理查明：被告人张某与被害人李某因债务纠纷发生争执。",
        "register": "judgment",
        "script": "simplified",
    },
    {
        "text": "原告王某诉称：被告向原告借款五万元未还。",
        "register": "judgment",
        "script": "simplified",
    },
    {"text": "報警人稱鄰居噪音擾民。", "register": "summary", "script": "traditional_tw"},
    {"text": "报警人称邻居噪音扰民。", "register": "summary", "script": "simplified"},
]
REAL = [
    {"text": "被告人赵某因宅基地纠纷与钱某发生争执，致钱某轻伤。", "source": "CAIL2018 (x)"},
    {"text": "原告诉称，被告拖欠原告工资一万元。", "source": "CAIL2019 要素识别 sample"},
    {"text": "楼下商户噪音扰民，希望处理。", "source": "2020 泰迪杯 C题"},
    {"text": "不知道从哪里来的。", "source": "unknown"},
]


# groups -----------------------------------------------------------------------------------------


def test_audit_group_splits_court_documents_by_role_words() -> None:
    assert audit_group("被告人张某殴打李某", "judgment") == "judgment/criminal"
    assert audit_group("公诉机关指控：", "judgment") == "judgment/criminal"
    assert audit_group("原告诉称被告欠款", "judgment") == "judgment/civil"
    assert audit_group("被告人张某", "summary") == "summary"


def test_source_register_maps_known_sources_and_skips_others() -> None:
    assert source_register("CAIL2018 (github:sihuajian/cail2018)") == "judgment"
    assert source_register("CAIL2019-SCM sample") == "judgment"
    assert source_register("2020 泰迪杯 C题 附件2") == "petition_online"
    assert source_register("somewhere else") is None


# distances --------------------------------------------------------------------------------------


def test_compare_identical_sides_has_zero_distance() -> None:
    texts = ["因债务纠纷发生争执", "因宅基地纠纷发生争吵"]
    d = compare("g", "real", texts, texts)
    assert d.length_ks == 0.0
    assert d.length_w1 == 0.0
    assert d.bigram_cover == 1.0
    assert d.bigram_jaccard == 1.0
    assert d.matter_l1 == 0.0
    assert d.ppl_corpus_to_reference == pytest.approx(d.ppl_reference_to_corpus)


def test_compare_disjoint_sides_is_far() -> None:
    d = compare("g", "real", ["甲乙丙丁"], ["纠纷纠纷纠纷纠纷纠纷"])
    assert d.length_ks == 1.0
    assert d.bigram_cover == 0.0
    assert d.bigram_jaccard == 0.0
    assert d.matter_l1 > 0.0
    near = compare("g", "real", ["纠纷纠纷纠纷"], ["纠纷纠纷纠纷纠纷纠纷"])
    assert near.ppl_corpus_to_reference < d.ppl_corpus_to_reference


def test_compare_rejects_an_empty_side() -> None:
    with pytest.raises(ValueError, match="both sides"):
        compare("g", "real", [], ["纠纷"])


def test_char_bigram_model_is_a_distribution() -> None:
    model = CharBigramModel(k=0.5).fit(["甲乙", "乙甲"])
    symbols = ["甲", "乙", "\x03"]
    vocabulary = len(symbols) + 1
    total = sum(
        (model.pairs_.get("甲" + s, 0) + model.k) / (model.contexts_["甲"] + model.k * vocabulary)
        for s in [*symbols, "\x02"]
    )
    assert total == pytest.approx(1.0)
    assert math.isfinite(model.perplexity(["甲乙甲"], vocabulary))


def test_audit_compares_groups_present_on_both_sides_simplified_only() -> None:
    gold = [{"text": "报警人称楼上漏水。", "register": "summary"}]
    rows = audit(CORPUS, {"real": REAL, "gold": gold})
    assert [(d.group, d.reference) for d in rows] == [
        ("judgment/civil", "real"),
        ("judgment/criminal", "real"),
        ("summary", "gold"),
    ]
    assert rows[2].n_corpus == 1
    everything = audit(CORPUS, {"gold": gold}, scripts=None)
    assert everything[0].n_corpus == 2


def test_format_table_has_one_line_per_group_and_optional_words() -> None:
    rows = audit(CORPUS, {"real": REAL})
    table = format_table(rows)
    assert len(table.splitlines()) == 2 + len(rows)
    assert "纠纷" in format_table(rows, words=True)


# command line -----------------------------------------------------------------------------------


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def test_main_prints_the_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = _write(tmp_path / "corpus.jsonl", CORPUS)
    real = _write(tmp_path / "real.jsonl", REAL)
    gold = _write(tmp_path / "gold.jsonl", [{"text": "报警人称楼上漏水。", "register": "summary"}])
    argv = ["--corpus", str(corpus), "--real", str(real), "--gold", str(gold)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "judgment/criminal" in out
    assert "summary" in out


def test_main_reports_a_missing_file(tmp_path: Path) -> None:
    corpus = _write(tmp_path / "corpus.jsonl", CORPUS)
    argv = ["--corpus", str(corpus), "--real", str(tmp_path / "missing.jsonl")]
    assert main(argv) == 2
