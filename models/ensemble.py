"""An ensemble of triage models: a weighted average of calibrated probabilities (``ensemble.v1``).

The linear model is strong where keywords and cue features decide; the transformer reads
characters in context. Averaging their calibrated probabilities measured better on the gold test
set and the real-text sample than either alone (docs/transformer.md). The weights are chosen on
hand-labelled calibration data (the gold dev split): for two members the grid 0.0, 0.1 ... 1.0 is
searched for the best mean of dispute-type and risk-grade macro-F1 (ties go to the more even
split); with more members the weights must be given. The escalation threshold is then chosen for
F2 on the averaged probability, as for a single model. Each text is analysed once per segmenter
the members read, and every member triages those same analyses.

Evidence: every member's phrases, each weight divided by that member's strongest phrase of the
head and multiplied by the member's weight; a phrase overlapping a stronger one of the same head
is dropped.

Bundle: ``manifest.json`` plus one sub-directory per member holding the member's own complete
bundle; the manifest pins the sha256 of each member's manifest, which pins each of its files
(``models.bundle``), so every byte is verified before anything is loaded.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Self

import numpy as np

from models._evidence import EVIDENCE_PER_HEAD, EvidenceItem
from models._results import HeadScores, build_triage
from models._targets import label_indices, macro_f1, manifest_labels
from models.bundle import Manifest, check_no_extra_files, read_manifest, write_bundle_files
from models.calibration import best_f2_threshold
from models.linear import CalibrationData
from models.protocol import AnalysedTriageModel, Evidence, Triage, TriageModel
from models.review import ReviewPolicy, ReviewSettings
from nlp.errors import ModelBundleError
from nlp.labels import DEFAULT_GRADE_COLOURS, DISPUTE_TYPE_IDS, RISK_GRADE_IDS
from nlp.pipeline import Analysis, analyse

ARCHITECTURE = "ensemble.v1"
WEIGHT_GRID = tuple(step / 10 for step in range(11))
"""Weights of the first of two members tried by ``fit`` (the second gets the rest)."""


class EnsembleTriageModel(ReviewSettings):
    """Weighted average of several models' calibrated probabilities, with its own threshold."""

    architecture = ARCHITECTURE

    def __init__(
        self,
        members: Sequence[TriageModel],
        weights: Sequence[float] | None = None,
        *,
        review_policy: ReviewPolicy | None = None,
        grade_colours: Mapping[str, str] | None = None,
    ) -> None:
        """Store the members and settings.

        Args:
            members: fitted models that can triage analysed texts (linear, transformer).
            weights: one non-negative weight per member (normalised to sum to 1); ``None`` lets
                ``fit`` choose them (two members only).
            review_policy: abstention thresholds.
            grade_colours: colour of each risk grade.

        Raises:
            ValueError: fewer than two members, or weights that do not fit them.
            TypeError: a member cannot triage analysed texts.
        """
        if len(members) < 2:
            raise ValueError("an ensemble needs at least two members")
        analysed: list[AnalysedTriageModel] = []
        for member in members:
            if not isinstance(member, AnalysedTriageModel):
                raise TypeError(
                    f"{type(member).__name__} cannot be an ensemble member: it has no "
                    "predict_analyses (use linear or transformer bundles)"
                )
            analysed.append(member)
        if weights is not None:
            _normalised(weights, len(members))
        self.members = analysed
        self.weights = None if weights is None else tuple(float(w) for w in weights)
        self.review_policy = review_policy or ReviewPolicy()
        self.grade_colours = dict(grade_colours or DEFAULT_GRADE_COLOURS)

    # -- fitting ----------------------------------------------------------------------------
    def fit(self, calibration: CalibrationData) -> Self:
        """Choose the weights (unless given) and the escalation threshold on ``calibration``.

        Raises:
            ValueError: no weights given for more than two members, or no calibration records.
        """
        if not calibration.texts:
            raise ValueError("the calibration data holds no records")
        _, member_results = self._member_results(calibration.texts)
        scores = [HeadScores(results) for results in member_results]
        type_truth = label_indices(calibration.dispute_types, DISPUTE_TYPE_IDS)
        grade_truth = label_indices(calibration.risk_grades, RISK_GRADE_IDS)
        escalation_truth = np.asarray(calibration.escalations, dtype=np.int64)

        def score(weights: tuple[float, ...]) -> float:
            types, grades, _ = _combine(scores, weights)
            return float(
                np.mean(
                    [
                        macro_f1(type_truth, types.argmax(axis=1), len(DISPUTE_TYPE_IDS)),
                        macro_f1(grade_truth, grades.argmax(axis=1), len(RISK_GRADE_IDS)),
                    ]
                )
            )

        if self.weights is not None:
            chosen = _normalised(self.weights, len(self.members))
            self.selection_: dict[str, Any] = {
                "weights_given": True,
                "score": round(score(chosen), 4),
            }
        elif len(self.members) == 2:
            grid = [(w, round(1.0 - w, 1)) for w in WEIGHT_GRID]
            scored = [(score(weights), weights) for weights in grid]
            _, chosen = max(scored, key=lambda item: (round(item[0], 6), -abs(item[1][0] - 0.5)))
            self.selection_ = {
                "weights_given": False,
                "criterion": "mean of dispute-type and risk-grade macro-F1 on calibration data",
                "grid": [{"weights": list(w), "score": round(s, 4)} for s, w in scored],
            }
        else:
            raise ValueError("give one weight per member for ensembles of more than two members")
        self.weights_ = chosen
        _, _, escalation = _combine(scores, chosen)
        self.escalation_threshold_ = best_f2_threshold(escalation, escalation_truth)
        self.version_ = f"{ARCHITECTURE}-{self._fingerprint()}"
        return self

    # -- inference --------------------------------------------------------------------------
    @property
    def version(self) -> str:
        return self.version_

    def predict(self, texts: Sequence[str]) -> list[Triage]:
        """Triage a batch of validated texts; one result per text, in order."""
        if not texts:
            return []
        analyses, member_results = self._member_results(texts)
        types, grades, escalation = _combine(
            [HeadScores(results) for results in member_results], self.weights_
        )
        return [
            build_triage(
                analysis,
                types[row],
                grades[row],
                float(escalation[row]),
                escalation_threshold=self.escalation_threshold_,
                policy=self.review_policy,
                grade_colours=self.grade_colours,
                evidence=merge_evidence(
                    [results[row].evidence for results in member_results], self.weights_
                ),
                model_version=self.version_,
            )
            for row, analysis in enumerate(analyses)
        ]

    def _member_results(self, texts: Sequence[str]) -> tuple[list[Analysis], list[list[Triage]]]:
        """Analyse each text once per segmenter; every member triages the same analyses."""
        by_segmenter: dict[str, list[Analysis]] = {}
        for member in self.members:
            if member.segmenter not in by_segmenter:
                by_segmenter[member.segmenter] = analyse(texts, member.segmenter)
        results = [m.predict_analyses(by_segmenter[m.segmenter]) for m in self.members]
        return by_segmenter[self.members[0].segmenter], results

    # -- bundles ----------------------------------------------------------------------------
    def save(
        self,
        directory: Path,
        *,
        training: dict[str, Any] | None = None,
        metrics: dict[str, Any] | None = None,
    ) -> Manifest:
        """Write ``manifest.json`` and one member bundle per sub-directory ``member-N``."""
        names = [f"member-{index}" for index in range(len(self.members))]
        manifest = Manifest(
            architecture=ARCHITECTURE,
            version=self.version_,
            config={
                "members": [
                    {
                        "directory": name,
                        "architecture": member.architecture,
                        "version": member.version,
                        "weight": weight,
                    }
                    for name, member, weight in zip(names, self.members, self.weights_, strict=True)
                ],
                "weights_given": self.weights is not None,
                "selection": self.selection_,
                "escalation_threshold": self.escalation_threshold_,
                **self.review_config(),
            },
            labels=manifest_labels(),
            training=training or {},
            metrics=metrics or {},
        )

        def write(staging: Path) -> None:
            for name, member in zip(names, self.members, strict=True):
                member.save(staging / name)

        return write_bundle_files(directory, manifest, write, member_bundles=names)

    @classmethod
    def load(cls, directory: Path) -> Self:
        """Load an ensemble bundle; every member's hashes are verified before it is read.

        Raises:
            ModelBundleError: the bundle or a member is missing, modified, of another
                architecture, or inconsistent with the ensemble's manifest.
        """
        from models.loading import load_model

        directory = Path(directory)
        manifest = read_manifest(directory)
        if manifest.architecture != ARCHITECTURE:
            raise ModelBundleError(
                f"bundle at {directory} is a {manifest.architecture!r} model, not "
                f"{ARCHITECTURE!r}; load it with models.loading.load_model",
                code="BUNDLE_ARCHITECTURE_MISMATCH",
            )
        check_no_extra_files(directory, manifest)
        try:
            settings = manifest.config
            entries = settings["members"]
            members = []
            for entry in entries:
                if entry["directory"] not in manifest.members:
                    raise ValueError(f"member {entry['directory']!r} is not pinned by a hash")
                member = load_model(directory / entry["directory"])
                if member.version != entry["version"]:
                    raise ValueError(f"member {entry['directory']!r} has another version")
                members.append(member)
            weights = tuple(float(entry["weight"]) for entry in entries)
            model = cls(
                members,
                weights if settings["weights_given"] else None,
                review_policy=ReviewPolicy(**settings["review_policy"]),
                grade_colours=settings["grade_colours"],
            )
            model.weights_ = _normalised(weights, len(members))
            model.selection_ = dict(settings["selection"])
            model.escalation_threshold_ = float(settings["escalation_threshold"])
        except (KeyError, TypeError, ValueError) as error:
            raise ModelBundleError(
                f"ensemble bundle at {directory} is incomplete or inconsistent "
                f"({type(error).__name__}: {error}); build it again with `triage ensemble`",
                code="BUNDLE_MANIFEST_INVALID",
            ) from None
        model.version_ = manifest.version
        return model

    def _fingerprint(self) -> str:
        described = {
            "members": [m.version for m in self.members],
            "weights": list(self.weights_),
            "threshold": self.escalation_threshold_,
        }
        return hashlib.sha256(json.dumps(described).encode()).hexdigest()[:12]


def merge_evidence(
    per_member: Sequence[Sequence[Evidence]], weights: Sequence[float]
) -> list[EvidenceItem]:
    """Members' phrases on one scale (share of the member's strongest, times its weight).

    Cue phrases are left out: the ensemble's own result merges the record's cues back in.

    Per head, the strongest phrases are kept first; one that overlaps a kept phrase of the same
    head is dropped; at most ``EVIDENCE_PER_HEAD`` per head.
    """
    scaled: list[EvidenceItem] = []
    for items, weight in zip(per_member, weights, strict=True):
        peaks: dict[str, float] = {}
        for item in items:
            peaks[item.head] = max(peaks.get(item.head, 0.0), item.weight)
        for item in items:
            if weight > 0 and peaks[item.head] > 0 and item.source == "model":
                share = weight * item.weight / peaks[item.head]
                scaled.append({**item.model_dump(), "weight": round(share, 4)})
    scaled.sort(key=lambda item: -item["weight"])
    kept: list[EvidenceItem] = []
    per_head: dict[str, int] = {}
    for phrase in scaled:
        head = phrase["head"]
        overlaps = any(
            other["head"] == head
            and other["start"] < phrase["end"]
            and phrase["start"] < other["end"]
            for other in kept
        )
        if not overlaps and per_head.get(head, 0) < EVIDENCE_PER_HEAD:
            kept.append(phrase)
            per_head[head] = per_head.get(head, 0) + 1
    return kept


def _combine(
    scores: Sequence[HeadScores], weights: Sequence[float]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    types = sum(w * s.types for w, s in zip(weights, scores, strict=True))
    grades = sum(w * s.grades for w, s in zip(weights, scores, strict=True))
    escalation = sum(w * s.escalation for w, s in zip(weights, scores, strict=True))
    return np.asarray(types), np.asarray(grades), np.asarray(escalation)


def _normalised(weights: Sequence[float], members: int) -> tuple[float, ...]:
    values = [float(w) for w in weights]
    if len(values) != members:
        raise ValueError(f"need one weight per member ({members}), got {len(values)}")
    if min(values) < 0 or sum(values) <= 0:
        raise ValueError("weights must be non-negative and not all zero")
    total = sum(values)
    return tuple(v / total for v in values)
