import json
from pathlib import Path

import numpy as np
import pytest

from models.lexicon import LEXICON_FEATURE_NAMES, LegalLexicon
from models.linear import LinearTriageModel
from models.loading import load_model
from nlp.errors import ModelBundleError
from nlp.labels import DISPUTE_TYPE_IDS, RISK_GRADE_IDS

CURATED = Path(__file__).resolve().parents[2] / "datasets" / "lexicon" / "legal_lexicon.json"


@pytest.fixture(scope="module")
def lexicon() -> LegalLexicon:
    return LegalLexicon.from_file(CURATED)


def _column(name: str) -> int:
    return LEXICON_FEATURE_NAMES.index(name)


def test_lexicon_curated_entries_have_source_reference_rule_and_known_labels(lexicon):
    document = json.loads(CURATED.read_text("utf-8"))
    assert document["version"] == lexicon.version
    for raw in document["entries"]:
        assert raw["source"] in document["sources"], raw["id"]
        assert raw["ref"] and raw["rule"] and raw["terms"], raw["id"]
        labels = raw["labels"]
        assert set(labels) <= {"dispute_type", "risk_grade", "escalation"}, raw["id"]
        assert labels.get("dispute_type", "land") in DISPUTE_TYPE_IDS
        assert labels.get("risk_grade", "general") in RISK_GRADE_IDS


def test_lexicon_covers_every_dispute_type_from_case_causes(lexicon):
    causes = {e.dispute_type for e in lexicon.entries if e.id.startswith("cause.")}
    assert causes == set(DISPUTE_TYPE_IDS)


def test_lexicon_matches_longest_term_and_marks_the_cause_frame(lexicon):
    text = "被告人甲因民间借贷纠纷与乙发生争执，后甲将乙打伤，经鉴定为轻伤二级。"
    hits = lexicon.hits(text)
    phrases = [text[h.start : h.end] for h in hits]
    assert phrases == ["民间借贷纠纷", "轻伤二级"]
    assert hits[0].in_cause_frame and hits[0].entry.dispute_type == "debt"
    assert not hits[1].in_cause_frame and hits[1].entry.risk_grade == "difficult"


def test_lexicon_cause_frame_needs_both_sides_in_one_clause(lexicon):
    named_only = lexicon.hits("他说宅基地的事以后再说")
    split = lexicon.hits("因为下雨，宅基地上的棚子塌了，发生争执")
    assert [h.in_cause_frame for h in named_only] == [False]
    assert [h.in_cause_frame for h in split] == [False]


def test_lexicon_features_count_types_and_flag_grades(lexicon):
    matrix = lexicon.features(
        ["因工资问题发生纠纷，拖欠工资两个月", "毒品交易", "今天天气很好", "劳动争议，劳动报酬"]
    )
    assert matrix.shape == (4, len(LEXICON_FEATURE_NAMES))
    # an everyday word (工资) counts only where it is named as the cause
    assert matrix[0, _column("lex:type:wages")] == pytest.approx(np.log1p(1))
    assert matrix[0, _column("lex:cause:wages")] == 1.0
    assert matrix[3, _column("lex:type:wages")] == pytest.approx(np.log1p(2))
    assert matrix[3, _column("lex:cause:wages")] == 0.0
    assert matrix[1, _column("lex:type:other")] > 0 and matrix[1, _column("lex:cause:other")] == 0
    assert not matrix[2].any()


def test_lexicon_refuses_a_term_in_two_entries():
    document = {
        "version": "t",
        "entries": [
            {"id": "a", "terms": ["借款"], "labels": {"dispute_type": "debt"}},
            {"id": "b", "terms": ["借款"], "labels": {"dispute_type": "other"}},
        ],
    }
    with pytest.raises(ValueError, match="借款"):
        LegalLexicon(document)


def test_lexicon_refuses_an_unknown_label():
    document = {
        "version": "t",
        "entries": [{"id": "a", "terms": ["x"], "labels": {"dispute_type": "farm"}}],
    }
    with pytest.raises(ValueError, match="unknown dispute type"):
        LegalLexicon(document)


@pytest.fixture(scope="module")
def lexicon_bundle(tmp_path_factory, tiny_set, lexicon) -> Path:
    from models.features import FeatureConfig
    from models.linear import LinearConfig

    model = LinearTriageModel(
        LinearConfig(features=FeatureConfig(legal_lexicon=True)), lexicon=lexicon
    ).fit(tiny_set.texts, tiny_set.dispute_types, tiny_set.risk_grades, tiny_set.escalations)
    directory = tmp_path_factory.mktemp("lexicon") / "bundle"
    model.save(directory)
    return directory


def test_lexicon_model_stores_the_lexicon_and_predicts_the_same_after_loading(
    lexicon_bundle, lexicon, tiny_set
):
    manifest = json.loads((lexicon_bundle / "manifest.json").read_text("utf-8"))
    assert "legal_lexicon.json" in manifest["files"]
    loaded = load_model(lexicon_bundle)
    assert isinstance(loaded, LinearTriageModel) and loaded.lexicon is not None
    assert loaded.lexicon.sha256() == lexicon.sha256()
    texts = [*tiny_set.texts[:5], "被告人因宅基地纠纷将被害人打伤"]
    again = LinearTriageModel.load(lexicon_bundle).predict(texts)
    assert [r.dispute_type.scores for r in loaded.predict(texts)] == [
        r.dispute_type.scores for r in again
    ]


def test_lexicon_model_without_its_lexicon_file_is_a_bundle_error(lexicon_bundle, tmp_path):
    import shutil

    broken = tmp_path / "bundle"
    shutil.copytree(lexicon_bundle, broken)
    manifest = json.loads((broken / "manifest.json").read_text("utf-8"))
    del manifest["files"]["legal_lexicon.json"]
    (broken / "legal_lexicon.json").unlink()
    (broken / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    with pytest.raises(ModelBundleError):
        LinearTriageModel.load(broken)


def test_lexicon_features_need_a_lexicon():
    from models.features import FeatureConfig, NgramFeaturizer

    with pytest.raises(ValueError, match="LegalLexicon"):
        NgramFeaturizer(FeatureConfig(legal_lexicon=True))


def test_lexicon_court_register_needs_court_wording(lexicon):
    flags = lexicon.court_register(["被告人张某因债务纠纷将李某打伤", "老板欠我工资不给"])
    assert flags.tolist() == [1.0, 0.0]


def test_keyword_gate_reads_keywords_only_in_court_text(lexicon):
    from models.features import FeatureConfig, NgramFeaturizer, keyword_feature_names
    from nlp.pipeline import analyse

    texts = ["被告人因欠款与被害人发生争执", "他欠款不还"]
    analyses = analyse(texts)
    gated = NgramFeaturizer(
        FeatureConfig(legal_lexicon=True, keyword_features=True, keyword_gate="court"), lexicon
    ).fit(analyses)
    matrix = gated.transform(analyses).toarray()
    debt = gated.n_ngram_features + gated.dense_feature_names.index("keyword:debt")
    assert matrix[0, debt] == 1.0 and matrix[1, debt] == 0.0
    assert "keyword:debt" in keyword_feature_names()


def test_keyword_gate_needs_keywords_and_lexicon():
    from models.features import FeatureConfig

    with pytest.raises(ValueError, match="keyword_gate"):
        FeatureConfig(legal_lexicon=True, keyword_gate="court")
