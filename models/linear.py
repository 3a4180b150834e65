"""The default model: n-gram + cue features and three calibrated linear heads.

Heads: dispute type (5-way softmax), risk grade (3-way softmax), escalation (logistic). On a
calibration set each head's logits get a temperature and per-class offsets (the offsets pulled
towards zero, so a small set cannot move them far) and the escalation threshold is chosen (best F2:
missing a violent case costs more than a false alarm; ties go to the threshold nearest 0.5).

The calibration set should look like real input. Synthetic training text is nearly separable, so a
share held out from it teaches the temperatures to be overconfident; pass hand-written data (the
gold dev split) as ``calibration`` when you have it. Without it, a share of the training data is
held out and the heads are fitted on the rest.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import numpy as np
import scipy.sparse as sp

from models._evidence import (
    EvidenceItem,
    head_saliency,
    lead_with_spans,
    phrase_characters,
    salient_phrases,
)
from models._results import build_triage
from models._targets import label_indices, manifest_labels
from models.bundle import Manifest, read_arrays, read_json_file, read_manifest, write_bundle
from models.calibration import best_f2_threshold, fit_temperature_and_bias, softmax
from models.features import (
    FeatureConfig,
    NgramFeaturizer,
    feature_config_from_json,
    feature_config_to_json,
    featurizer_from_state,
)
from models.lexicon import LEXICON_FILE, LegalLexicon, lexicon_from_bundle
from models.protocol import Triage
from models.review import ReviewPolicy, ReviewSettings
from models.selective import fit_review_policy
from nlp.errors import ModelBundleError
from nlp.labels import DEFAULT_GRADE_COLOURS, DISPUTE_TYPE_IDS, RISK_GRADE_IDS
from nlp.pipeline import Analysis, analyse
from nlp.segment import DEFAULT_SEGMENTER

ARCHITECTURE = "linear.v1"
HEADS = ("dispute_type", "risk_grade", "escalation")
VOCABULARY_FILE = "vocabulary.json"

Progress = Callable[[str, int, int], None]
"""Called as ``progress(stage, done, total)`` during long work."""


@dataclass(frozen=True)
class LinearConfig:
    """Settings of the linear model (stored in the bundle)."""

    segmenter: str = DEFAULT_SEGMENTER
    features: FeatureConfig = field(default_factory=FeatureConfig)
    c_dispute_type: float = 20.0
    c_risk_grade: float = 10.0
    c_escalation: float = 10.0
    calibration_fraction: float = 0.1
    offset_penalty: float = 0.1
    """Pull of the calibrated class offsets towards zero (``fit_temperature_and_bias``)."""
    max_iter: int = 300
    seed: int = 20261122

    def to_json(self) -> dict[str, Any]:
        raw = dataclasses.asdict(self)
        raw["features"] = feature_config_to_json(self.features)
        return raw

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> LinearConfig:
        return cls(**{**raw, "features": feature_config_from_json(raw["features"])})


@dataclass(frozen=True)
class CalibrationData:
    """Labelled texts used only to fit temperatures and the escalation threshold."""

    texts: Sequence[str]
    dispute_types: Sequence[str]
    risk_grades: Sequence[str]
    escalations: Sequence[bool]


@dataclass(frozen=True)
class _Head:
    coef: np.ndarray  # (k, n_features); a binary head has k == 1
    intercept: np.ndarray  # (k,)
    temperature: float
    offsets: np.ndarray | None = None
    _coef_t: np.ndarray = field(init=False, repr=False, compare=False)
    """Calibrated per-class logit offsets (one per class, the first 0); None in older bundles."""

    def __post_init__(self) -> None:
        # A contiguous (n_features, k) copy: multiplying by ``coef.T`` copied the transposed view
        # on every call (about half a millisecond per record for the vocabulary default).
        object.__setattr__(self, "_coef_t", np.ascontiguousarray(self.coef.T))

    def logits(self, features: sp.csr_matrix) -> np.ndarray:
        raw = features @ self._coef_t + self.intercept
        if raw.shape[1] == 1:
            raw = np.hstack([np.zeros_like(raw), raw])
        scaled = np.asarray(raw, dtype=np.float64) / self.temperature
        return scaled if self.offsets is None else scaled + self.offsets


class LinearTriageModel(ReviewSettings):
    """Linear multi-head triage model; behaves like a scikit-learn estimator for ``fit``."""

    architecture = ARCHITECTURE

    def __init__(
        self,
        config: LinearConfig | None = None,
        *,
        review_policy: ReviewPolicy | None = None,
        grade_colours: Mapping[str, str] | None = None,
        lexicon: LegalLexicon | None = None,
    ) -> None:
        self.config = config or LinearConfig()
        self.lexicon = lexicon
        self.review_policy = review_policy or ReviewPolicy()
        self.grade_colours = dict(grade_colours or DEFAULT_GRADE_COLOURS)

    # -- training ---------------------------------------------------------------------------
    def fit(
        self,
        texts: Sequence[str],
        dispute_types: Sequence[str],
        risk_grades: Sequence[str],
        escalations: Sequence[bool],
        *,
        sample_weight: Sequence[float] | None = None,
        head_weights: Mapping[str, Sequence[float] | np.ndarray] | None = None,
        calibration: CalibrationData | None = None,
        progress: Progress | None = None,
    ) -> Self:
        """Train all three heads.

        Args:
            texts: record texts (validated, non-empty).
            dispute_types, risk_grades: stable label ids, one per text.
            escalations: escalation flags, one per text.
            sample_weight: optional per-record weight (e.g. staff corrections count more).
            head_weights: optional head -> per-record multiplier of ``sample_weight``; 0 leaves a
                record out of that head (a weak label trusted for one head and not another).
            calibration: data for temperatures and the escalation threshold; when omitted,
                ``config.calibration_fraction`` of the training data is held out for it.
            progress: optional callback for progress bars.

        Returns:
            self, fitted.
        """
        n = len(texts)
        if not n == len(dispute_types) == len(risk_grades) == len(escalations):
            raise ValueError("texts and label columns must have the same length")
        if n < 20:
            raise ValueError(f"need at least 20 training records, got {n}")
        y_type = label_indices(dispute_types, DISPUTE_TYPE_IDS)
        y_grade = label_indices(risk_grades, RISK_GRADE_IDS)
        y_esc = np.asarray([bool(e) for e in escalations], dtype=np.int64)
        weights = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        multipliers = {head: np.ones(n) for head in HEADS}
        for head, values in (head_weights or {}).items():
            if head not in multipliers or len(values) != n:
                raise ValueError(f"head_weights[{head!r}] must name a head and hold {n} values")
            multipliers[head] = np.asarray(values, dtype=float)

        analyses = _analyse_in_chunks(texts, self.config.segmenter, progress)
        self.featurizer_ = NgramFeaturizer(self.config.features, self.lexicon).fit(analyses)
        features = self.featurizer_.transform(analyses)

        if calibration is None:
            order = np.random.default_rng(self.config.seed).permutation(n)
            n_held_out = max(int(n * self.config.calibration_fraction), 1)
            fitting = order[n_held_out:]
            calibration_features = features[order[:n_held_out]]
            calibration_targets = {
                "dispute_type": y_type[order[:n_held_out]],
                "risk_grade": y_grade[order[:n_held_out]],
                "escalation": y_esc[order[:n_held_out]],
            }
        else:
            fitting = np.arange(n)
            calibration_features = self.featurizer_.transform(
                analyse(calibration.texts, self.config.segmenter)
            )
            calibration_targets = {
                "dispute_type": label_indices(calibration.dispute_types, DISPUTE_TYPE_IDS),
                "risk_grade": label_indices(calibration.risk_grades, RISK_GRADE_IDS),
                "escalation": np.asarray(
                    [bool(e) for e in calibration.escalations], dtype=np.int64
                ),
            }

        targets = {"dispute_type": y_type, "risk_grade": y_grade, "escalation": y_esc}
        strengths = {
            "dispute_type": self.config.c_dispute_type,
            "risk_grade": self.config.c_risk_grade,
            "escalation": self.config.c_escalation,
        }
        heads: dict[str, _Head] = {}
        escalation_logits = np.zeros((0, 2))
        for step, head in enumerate(HEADS):
            if progress:
                progress("heads", step, len(HEADS))
            y = targets[head]
            head_weight = weights * multipliers[head]
            fitted = self._fit_head(
                features[fitting], y[fitting], head_weight[fitting], strengths[head]
            )
            held_out_logits = fitted.logits(calibration_features)
            temperature, offsets = fit_temperature_and_bias(
                held_out_logits, calibration_targets[head], self.config.offset_penalty
            )
            heads[head] = dataclasses.replace(fitted, temperature=temperature, offsets=offsets)
            if head == "escalation":
                escalation_logits = heads[head].logits(calibration_features)
        if progress:
            progress("heads", len(HEADS), len(HEADS))
        self.heads_ = heads
        self.escalation_threshold_ = best_f2_threshold(
            softmax(escalation_logits)[:, 1], calibration_targets["escalation"]
        )
        self.version_ = f"{ARCHITECTURE}-{_fingerprint(self.heads_)}"
        if calibration is not None:
            self.review_policy = fit_review_policy(self, calibration, self.escalation_threshold_)
        return self

    def _fit_head(
        self, features: sp.csr_matrix, y: np.ndarray, weights: np.ndarray, strength: float
    ) -> _Head:
        from sklearn.linear_model import LogisticRegression  # training only: not on inference

        classifier = LogisticRegression(
            C=strength,
            max_iter=self.config.max_iter,
            class_weight="balanced",
            solver="newton-cg",
            tol=1e-4,
        )
        classifier.fit(features, y, sample_weight=weights)
        return _Head(
            coef=classifier.coef_.astype(np.float32),
            intercept=classifier.intercept_.astype(np.float32),
            temperature=1.0,
        )

    # -- inference --------------------------------------------------------------------------
    @property
    def version(self) -> str:
        return self.version_

    @property
    def segmenter(self) -> str:
        """Registry key of the segmenter whose tokens this model reads."""
        return self.config.segmenter

    def predict(self, texts: Sequence[str]) -> list[Triage]:
        """Triage a batch of validated texts; one result per text, in order."""
        if not texts:
            return []
        return self.predict_analyses(analyse(texts, self.config.segmenter))

    def predict_analyses(self, analyses: Sequence[Analysis]) -> list[Triage]:
        """Triage texts already run through ``analyse`` with this model's ``segmenter``."""
        if not analyses:
            return []
        features, spans = self.featurizer_.transform_with_spans(analyses)
        probabilities = {head: softmax(self.heads_[head].logits(features)) for head in HEADS}
        results = []
        for row, analysis in enumerate(analyses):
            type_scores = probabilities["dispute_type"][row]
            grade_scores = probabilities["risk_grade"][row]
            escalation = float(probabilities["escalation"][row, 1])
            chosen = {
                "dispute_type": int(type_scores.argmax()),
                "risk_grade": int(grade_scores.argmax()),
                "escalation": int(escalation >= self.escalation_threshold_),
            }
            results.append(
                build_triage(
                    analysis,
                    type_scores,
                    grade_scores,
                    escalation,
                    escalation_threshold=self.escalation_threshold_,
                    policy=self.review_policy,
                    grade_colours=self.grade_colours,
                    evidence=self._evidence(features, row, spans[row], analysis, chosen),
                    model_version=self.version_,
                )
            )
        return results

    def _evidence(
        self,
        features: sp.csr_matrix,
        row: int,
        occurrences: np.ndarray,
        analysis: Analysis,
        chosen: dict[str, int],
    ) -> list[EvidenceItem]:
        if not len(occurrences):
            return []
        start, stop = features.indptr[row], features.indptr[row + 1]
        columns, values = features.indices[start:stop], features.data[start:stop]
        occurrence_columns = occurrences[:, 0]
        position = np.searchsorted(columns, occurrence_columns)
        occurrences_per_column = np.bincount(position, minlength=len(columns))
        shared = values[position] / occurrences_per_column[position]
        directions = self._directions()
        contributions = np.stack(
            [shared * directions[head][chosen[head]][occurrence_columns] for head in HEADS]
        )
        saliency = head_saliency(occurrences[:, 1:], contributions, len(analysis.masked))
        allowed = phrase_characters(analysis.masked)
        evidence: list[EvidenceItem] = []
        for head, head_row in zip(HEADS, saliency, strict=True):
            evidence.extend(salient_phrases(head, head_row, analysis, allowed))
        if self.lexicon is None:
            return evidence
        label = DISPUTE_TYPE_IDS[chosen["dispute_type"]]
        named = [
            hit
            for hit in self.lexicon.hits(analysis.masked)
            if hit.entry.dispute_type == label and (hit.in_cause_frame or hit.entry.counted)
        ]
        named.sort(key=lambda hit: (not hit.in_cause_frame, hit.start))
        spans = [(hit.start, hit.end) for hit in named]
        return lead_with_spans("dispute_type", spans, analysis, evidence)

    def _directions(self) -> dict[str, np.ndarray]:
        cached: dict[str, np.ndarray] | None = getattr(self, "_direction_cache", None)
        if cached is None:
            cached = {}
            for head in HEADS:
                coef = self.heads_[head].coef
                if coef.shape[0] == 1:
                    cached[head] = np.vstack([-coef[0], coef[0]])
                else:
                    cached[head] = coef - coef.mean(axis=0, keepdims=True)
            self._direction_cache = cached
        return cached

    # -- bundles ----------------------------------------------------------------------------
    def save(
        self,
        directory: Path,
        *,
        training: dict[str, Any] | None = None,
        metrics: dict[str, Any] | None = None,
    ) -> Manifest:
        """Write the model as a bundle directory."""
        arrays = {"idf": self.featurizer_.idf_}
        temperatures = {}
        offsets = {}
        for head, state in self.heads_.items():
            arrays[f"{head}.coef"] = state.coef
            arrays[f"{head}.intercept"] = state.intercept
            temperatures[head] = state.temperature
            if state.offsets is not None:
                offsets[head] = [float(value) for value in state.offsets]
        vocabulary = self.featurizer_.vocabulary_terms()
        documents: dict[str, Any] = {VOCABULARY_FILE: vocabulary}
        if self.featurizer_.lexicon is not None:
            documents[LEXICON_FILE] = self.featurizer_.lexicon.document
        manifest = Manifest(
            architecture=ARCHITECTURE,
            version=self.version_,
            config={
                "model": self.config.to_json(),
                "temperatures": temperatures,
                "offsets": offsets,
                "escalation_threshold": self.escalation_threshold_,
                **self.review_config(),
            },
            labels=manifest_labels(),
            training=training or {},
            metrics=metrics or {},
        )
        return write_bundle(directory, manifest, arrays, documents)

    @classmethod
    def load(cls, directory: Path) -> Self:
        """Load a bundle written by ``save``; hashes are verified before anything is parsed."""
        manifest = read_manifest(directory)
        if manifest.architecture != ARCHITECTURE:
            raise ModelBundleError(
                f"bundle at {directory} is a {manifest.architecture!r} model, not "
                f"{ARCHITECTURE!r}; load it with models.loading.load_model",
                code="BUNDLE_ARCHITECTURE_MISMATCH",
            )
        try:
            settings = manifest.config
            config = LinearConfig.from_json(settings["model"])
            model = cls(
                config,
                review_policy=ReviewPolicy(**settings["review_policy"]),
                grade_colours=settings["grade_colours"],
            )
            arrays = read_arrays(directory, manifest)
            vocabulary = read_json_file(directory, manifest, VOCABULARY_FILE)
            lexicon = (
                lexicon_from_bundle(read_json_file(directory, manifest, LEXICON_FILE), directory)
                if config.features.legal_lexicon
                else None
            )
            model.lexicon = lexicon
            model.featurizer_ = featurizer_from_state(
                settings["model"]["features"], vocabulary, arrays["idf"], lexicon
            )
            model.heads_ = {
                head: _Head(
                    coef=arrays[f"{head}.coef"],
                    intercept=arrays[f"{head}.intercept"],
                    temperature=float(settings["temperatures"][head]),
                    offsets=_offsets(settings.get("offsets", {}).get(head)),
                )
                for head in HEADS
            }
            model.escalation_threshold_ = float(settings["escalation_threshold"])
        except (KeyError, TypeError, ValueError) as error:
            raise ModelBundleError(
                f"bundle at {directory} is incomplete ({type(error).__name__}: {error}); "
                "retrain it",
                code="BUNDLE_MANIFEST_INVALID",
            ) from None
        model.version_ = manifest.version
        return model


def _analyse_in_chunks(
    texts: Sequence[str], segmenter: str, progress: Progress | None, chunk: int = 2000
) -> list[Analysis]:
    analyses: list[Analysis] = []
    for begin in range(0, len(texts), chunk):
        analyses.extend(analyse(texts[begin : begin + chunk], segmenter))
        if progress:
            progress("analyse", len(analyses), len(texts))
    return analyses


def _offsets(raw: Any) -> np.ndarray | None:
    if raw is None:
        return None
    values = np.asarray(raw, dtype=np.float64)
    if values.ndim != 1 or not np.isfinite(values).all():
        raise ValueError("calibration offsets must be a list of finite numbers")
    return values


def _fingerprint(heads: Mapping[str, _Head]) -> str:
    import hashlib

    digest = hashlib.sha256()
    for head in HEADS:
        digest.update(heads[head].coef.tobytes())
        digest.update(heads[head].intercept.tobytes())
        offsets = heads[head].offsets
        if offsets is not None:
            digest.update(np.round(offsets, 6).tobytes())
    return digest.hexdigest()[:12]
