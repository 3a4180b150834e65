"""The text pipeline: normalise, mask personal data, segment, find risk cues; the label schema."""

from nlp.cues import (
    CUE_FEATURE_NAMES,
    CUE_KINDS,
    TENSE_KINDS,
    Cue,
    cue_features,
    cue_lexicon_sha256,
    cue_lexicon_version,
    extract_cues,
)
from nlp.errors import (
    InputFileError,
    InvalidRecordError,
    ModelBundleError,
    TriageError,
    UnknownComponentError,
    UnknownLabelError,
)
from nlp.labels import (
    DEFAULT_GRADE_COLOURS,
    DISPUTE_TYPE_IDS,
    DISPUTE_TYPES,
    RISK_GRADE_IDS,
    RISK_GRADES,
    parse_dispute_type,
    parse_escalation,
    parse_risk_grade,
)
from nlp.normalize import NORMALIZER, NormalizedText, normalize, normalize_with_offsets, warm_up
from nlp.pii import PLACEHOLDERS, MaskedText, PiiSpan, find_pii, mask_pii
from nlp.pipeline import Analysis, analyse
from nlp.registry import Registry
from nlp.segment import (
    DEFAULT_SEGMENTER,
    PLACEHOLDER_PATTERN,
    SEGMENTERS,
    Segmenter,
    domain_dictionary_sha256,
    get_segmenter,
)
from nlp.validate import validate_id, validate_text

__all__ = [
    "CUE_FEATURE_NAMES",
    "CUE_KINDS",
    "DEFAULT_GRADE_COLOURS",
    "DEFAULT_SEGMENTER",
    "DISPUTE_TYPES",
    "DISPUTE_TYPE_IDS",
    "NORMALIZER",
    "PLACEHOLDERS",
    "PLACEHOLDER_PATTERN",
    "RISK_GRADES",
    "RISK_GRADE_IDS",
    "SEGMENTERS",
    "TENSE_KINDS",
    "Analysis",
    "Cue",
    "InputFileError",
    "InvalidRecordError",
    "MaskedText",
    "ModelBundleError",
    "NormalizedText",
    "PiiSpan",
    "Registry",
    "Segmenter",
    "TriageError",
    "UnknownComponentError",
    "UnknownLabelError",
    "analyse",
    "cue_features",
    "cue_lexicon_sha256",
    "cue_lexicon_version",
    "domain_dictionary_sha256",
    "extract_cues",
    "find_pii",
    "get_segmenter",
    "mask_pii",
    "normalize",
    "normalize_with_offsets",
    "parse_dispute_type",
    "parse_escalation",
    "parse_risk_grade",
    "validate_id",
    "validate_text",
    "warm_up",
]
