import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.features import (
    CHAR_PREFIX,
    WORD_PREFIX,
    FeatureConfig,
    NgramFeaturizer,
    feature_config_to_json,
    featurizer_from_state,
    pack_chars,
    unpack_chars,
)
from nlp.cues import CUE_FEATURE_NAMES
from nlp.pipeline import analyse

TEXTS = [
    "邻居家装修噪音太大，吵了几句。",
    "包工头拖欠工资三个月，工人讨薪。",
    "宅基地界桩被移动，两家争吵，扬言要打人。",
    "借了五万元不还，电话13512345678打不通。",
]


@pytest.fixture(scope="module")
def analyses():
    return analyse(TEXTS * 3)


@pytest.mark.parametrize("term", ["纠", "纠纷", "宅基地", "a", "<P", "𠀀𠀁"])
def test_pack_chars_round_trips(term):
    assert unpack_chars(pack_chars(term), len(term)) == term


def test_feature_config_rejects_char_ngrams_longer_than_three():
    with pytest.raises(ValueError, match="char_ngrams"):
        FeatureConfig(char_ngrams=(1, 4))


@pytest.mark.parametrize("mode", ["vocabulary", "hashing"])
def test_featurizer_rows_are_l2_normalised_with_cue_columns_appended(analyses, mode):
    featurizer = NgramFeaturizer(FeatureConfig(mode=mode, min_df=1, hash_bits=16)).fit(analyses)
    matrix = featurizer.transform(analyses)
    assert matrix.shape == (len(analyses), featurizer.n_features)
    ngrams = matrix[:, : featurizer.n_ngram_features].toarray()
    np.testing.assert_allclose(np.linalg.norm(ngrams, axis=1), 1.0, rtol=1e-5)
    cues = matrix[:, featurizer.n_ngram_features :].toarray()
    assert cues.shape[1] == len(CUE_FEATURE_NAMES)
    assert cues[2].sum() > 0, "the threat record must light up cue features"


def test_featurizer_spans_point_at_the_terms_they_count(analyses):
    featurizer = NgramFeaturizer(FeatureConfig(min_df=1)).fit(analyses)
    terms = featurizer.vocabulary_terms()
    matrix, spans = featurizer.transform_with_spans(analyses)
    assert len(spans) == len(analyses)
    for analysis, occurrences in zip(analyses, spans, strict=True):
        for column, start, end in occurrences:
            term = terms[column]
            if term.startswith(CHAR_PREFIX):
                assert analysis.masked[start:end] == term[1:]
            else:
                assert term.startswith(WORD_PREFIX)
                assert analysis.masked[start:end] == term[1:].replace("|", "")
    np.testing.assert_array_equal(matrix.toarray(), featurizer.transform(analyses).toarray())


def test_featurizer_masks_phone_numbers_before_counting(analyses):
    featurizer = NgramFeaturizer(FeatureConfig(min_df=1)).fit(analyses)
    assert not any("135" in term for term in featurizer.vocabulary_terms())


def test_featurizer_min_df_drops_rare_terms():
    once = analyse(["独特词语", "完全不同"])
    featurizer = NgramFeaturizer(FeatureConfig(min_df=2)).fit(once)
    assert featurizer.n_ngram_features == 0
    assert featurizer.transform(once).nnz == 0


def test_featurizer_state_round_trip_gives_identical_features(analyses):
    featurizer = NgramFeaturizer(FeatureConfig(min_df=1)).fit(analyses)
    rebuilt = featurizer_from_state(
        feature_config_to_json(featurizer.config), featurizer.vocabulary_terms(), featurizer.idf_
    )
    assert (rebuilt.transform(analyses) != featurizer.transform(analyses)).nnz == 0


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.text(alphabet="纠纷宅基地欠钱工资打人刀，。 <>ABC123", min_size=1, max_size=40),
        min_size=1,
        max_size=5,
    )
)
def test_featurizer_handles_arbitrary_text(texts):
    batch = analyse(texts)
    featurizer = NgramFeaturizer(FeatureConfig(min_df=1)).fit(batch)
    matrix, spans = featurizer.transform_with_spans(batch)
    assert np.isfinite(matrix.data).all()
    for analysis, occurrences in zip(batch, spans, strict=True):
        assert ((occurrences[:, 1] >= 0) & (occurrences[:, 2] <= len(analysis.masked))).all()
