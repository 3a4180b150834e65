"""The transformer triage model: a BERT-style encoder with three calibrated heads.

Input is ``Analysis.masked`` (normalised, personal data masked), so evidence offsets map back to
the submitted text and numbers such as phone numbers never reach the encoder. Long texts are read
as overlapping windows whose logits are averaged (see ``_windows``). Heads are trained jointly
(weighted sum of class-weighted losses), early-stopped on the dev mean macro-F1 of dispute type
and risk grade, then each head gets a temperature and the escalation threshold is chosen for F2
on the calibration set, as in ``models.linear``. Evidence is gradient x input saliency of each
head's chosen label on the word embeddings, spread over the characters each token covers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Self

import numpy as np
import torch
from torch import nn

from models._evidence import EvidenceItem, head_saliency, phrase_characters, salient_phrases
from models._results import build_triage
from models._targets import label_indices, macro_f1, manifest_labels
from models.bundle import Manifest, check_no_extra_files, read_manifest, write_bundle_files
from models.calibration import best_f2_threshold, fit_temperature, softmax
from models.linear import CalibrationData, Progress
from models.protocol import Triage
from models.review import ReviewPolicy, ReviewSettings
from models.transformer._loop import LoopSettings, run_loop
from models.transformer._windows import (
    Windows,
    collate,
    doc_batches,
    make_windows,
    training_batches,
)
from models.transformer.config import ARCHITECTURE, EncoderShape, TransformerConfig
from models.transformer.network import (
    HEADS,
    TriageNetwork,
    encoder_from_config,
    load_base_encoder,
    pick_device,
    pool_windows,
    scratch_encoder,
)
from models.transformer.tokenizer import (
    PLACEHOLDER_TOKENS,
    build_vocabulary,
    load_tokenizer,
    make_tokenizer,
    model_text,
)
from nlp.errors import ModelBundleError
from nlp.labels import DEFAULT_GRADE_COLOURS, DISPUTE_TYPE_IDS, RISK_GRADE_IDS
from nlp.pipeline import Analysis, analyse
from nlp.segment import DEFAULT_SEGMENTER

WEIGHTS_FILE = "model.safetensors"
EVIDENCE_BATCH = 8
"""Windows per inference batch when evidence is computed."""
_ROBERTA_LIKE = ("roberta", "xlm-roberta", "camembert")


class TransformerTriageModel(ReviewSettings):
    """Transformer multi-head triage model; ``fit`` behaves like a scikit-learn estimator."""

    architecture = ARCHITECTURE

    def __init__(
        self,
        config: TransformerConfig | None = None,
        *,
        base_model: Path | None = None,
        shape: EncoderShape | None = None,
        explain: bool = True,
        review_policy: ReviewPolicy | None = None,
        grade_colours: Mapping[str, str] | None = None,
    ) -> None:
        """Store settings.

        Args:
            config: fine-tuning and window settings.
            base_model: local Hugging Face checkpoint directory to start from (e.g. written by
                ``triage pretrain``); without it a fresh encoder of ``shape`` is trained from
                random weights on a character vocabulary of the training texts.
            shape: size of the fresh encoder (ignored with ``base_model``).
            explain: compute evidence phrases (one backward pass per head; off = faster).
            review_policy: abstention thresholds.
            grade_colours: colour of each risk grade.
        """
        self.config = config or TransformerConfig()
        self.base_model = base_model
        self.shape = shape or EncoderShape()
        self.explain = explain
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
        dev: CalibrationData | None = None,
        calibration: CalibrationData | None = None,
        checkpoint_dir: Path | None = None,
        resume: bool = False,
        progress: Progress | None = None,
    ) -> Self:
        """Fine-tune the encoder and heads, then calibrate.

        Args:
            texts: record texts (validated, non-empty).
            dispute_types, risk_grades: stable label ids, one per text.
            escalations: escalation flags, one per text.
            sample_weight: optional per-record weight of the loss.
            dev: labelled data for early stopping; without it ``config.dev_fraction`` of the
                training data is held out.
            calibration: data for temperatures and the escalation threshold (hand-written data
                such as the gold dev split); the dev data is used when omitted.
            checkpoint_dir: write resumable checkpoints here.
            resume: continue from the checkpoint in ``checkpoint_dir``.
            progress: ``progress(stage, done, total)`` callback.

        Returns:
            self, fitted.

        Raises:
            ValueError: label columns of unequal length, unknown labels, fewer than 20 records.
            ModelBundleError: ``base_model`` is not a usable local checkpoint.
        """
        n = len(texts)
        if not n == len(dispute_types) == len(risk_grades) == len(escalations):
            raise ValueError("texts and label columns must have the same length")
        if n < 20:
            raise ValueError(f"need at least 20 training records, got {n}")
        torch.manual_seed(self.config.seed)
        targets = _targets(dispute_types, risk_grades, escalations)
        weights = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        model_texts = [model_text(t) for t in texts]
        if dev is None:
            order = np.random.default_rng(self.config.seed).permutation(n)
            held = order[: max(int(n * self.config.dev_fraction), 1)]
            kept = order[len(held) :]
            dev_texts = [model_texts[i] for i in held]
            dev_targets = {head: values[held] for head, values in targets.items()}
            model_texts = [model_texts[i] for i in kept]
            targets = {head: values[kept] for head, values in targets.items()}
            weights = weights[kept]
        else:
            dev_texts = [model_text(t) for t in dev.texts]
            dev_targets = _targets(dev.dispute_types, dev.risk_grades, dev.escalations)

        tokenizer, encoder = self._encoder(model_texts)
        self.tokenizer_ = tokenizer
        self.window_ = _window(self.config.max_length, encoder.config)
        device = pick_device()
        network = TriageNetwork(encoder, self.config.head_dropout).to(device)
        self.network_ = network
        train_windows = self._windows(model_texts)
        dev_windows = self._windows(dev_texts)

        class_weights = {
            "dispute_type": _balanced(targets["dispute_type"], len(DISPUTE_TYPE_IDS), device),
            "risk_grade": _balanced(targets["risk_grade"], len(RISK_GRADE_IDS), device),
        }
        positives = float(targets["escalation"].sum())
        pos_weight = torch.tensor(
            [(len(targets["escalation"]) - positives) / max(positives, 1.0)], device=device
        )
        loss_weights = dict(zip(HEADS, self.config.loss_weights, strict=True))
        pad_id = int(tokenizer.pad_token_id)

        def loss_of(docs: list[int]) -> torch.Tensor:
            ids, mask, window_doc, _ = collate(train_windows, docs, pad_id)
            logits = network(torch.from_numpy(ids).to(device), torch.from_numpy(mask).to(device))
            pooled = pool_windows(logits, torch.from_numpy(window_doc).to(device), len(docs))
            picked = np.asarray(docs)
            w = torch.tensor(weights[picked], dtype=torch.float32, device=device)
            total = torch.zeros((), device=device)
            for head in ("dispute_type", "risk_grade"):
                y = torch.from_numpy(targets[head][picked]).to(device)
                losses = nn.functional.cross_entropy(
                    pooled[head], y, weight=class_weights[head], reduction="none"
                )
                total = total + loss_weights[head] * (losses * w).sum() / w.sum()
            y_esc = torch.from_numpy(targets["escalation"][picked]).to(device).float()
            esc = nn.functional.binary_cross_entropy_with_logits(
                pooled["escalation"][:, 0], y_esc, pos_weight=pos_weight, reduction="none"
            )
            return total + loss_weights["escalation"] * (esc * w).sum() / w.sum()

        def evaluate() -> float:
            logits = self._logits(dev_windows)
            return float(
                np.mean(
                    [
                        macro_f1(dev_targets[head], logits[head].argmax(axis=1), size)
                        for head, size in (
                            ("dispute_type", len(DISPUTE_TYPE_IDS)),
                            ("risk_grade", len(RISK_GRADE_IDS)),
                        )
                    ]
                )
            )

        settings = LoopSettings(
            epochs=self.config.epochs,
            learning_rate=self.config.learning_rate,
            weight_decay=self.config.weight_decay,
            warmup_ratio=self.config.warmup_ratio,
            max_grad_norm=self.config.max_grad_norm,
            patience=self.config.patience,
            eval_every=self.config.eval_every,
            max_minutes=self.config.max_minutes,
            seed=self.config.seed,
        )
        self.training_ = run_loop(
            network,
            settings,
            lambda epoch: training_batches(
                train_windows,
                self.config.batch_size,
                np.random.default_rng(self.config.seed + epoch),
            ),
            loss_of,
            evaluate,
            device=device,
            checkpoint_dir=checkpoint_dir,
            resume=resume,
            progress=progress,
        )
        self._calibrate(calibration, dev_windows, dev_targets)
        self.version_ = f"{ARCHITECTURE}-{_fingerprint(network)}"
        return self

    def _encoder(self, texts: Sequence[str]) -> tuple[Any, Any]:
        if self.base_model is None:
            vocabulary = build_vocabulary(texts, self.shape.min_char_count)
            tokenizer = make_tokenizer(vocabulary, self.shape.max_positions)
            return tokenizer, scratch_encoder(self.shape, len(vocabulary), tokenizer.pad_token_id)
        tokenizer = load_tokenizer(self.base_model)
        encoder = load_base_encoder(self.base_model)
        # A checkpoint from elsewhere splits <PHONE> into pieces; one new token each reads better.
        if tokenizer.add_tokens(list(PLACEHOLDER_TOKENS), special_tokens=True):
            encoder.resize_token_embeddings(len(tokenizer))
        return tokenizer, encoder

    def _calibrate(
        self,
        calibration: CalibrationData | None,
        dev_windows: Windows,
        dev_targets: dict[str, np.ndarray],
    ) -> None:
        if calibration is None:
            windows, truth = dev_windows, dev_targets
        else:
            windows = self._windows([model_text(t) for t in calibration.texts])
            truth = _targets(
                calibration.dispute_types, calibration.risk_grades, calibration.escalations
            )
        logits = self._logits(windows)
        self.temperatures_ = {head: fit_temperature(logits[head], truth[head]) for head in HEADS}
        escalation = softmax(logits["escalation"] / self.temperatures_["escalation"])[:, 1]
        self.escalation_threshold_ = best_f2_threshold(escalation, truth["escalation"])

    # -- inference --------------------------------------------------------------------------
    @property
    def version(self) -> str:
        return self.version_

    def _windows(self, texts: Sequence[str]) -> Windows:
        return make_windows(self.tokenizer_, texts, self.window_, self.config.overlap)

    def _logits(self, windows: Windows) -> dict[str, np.ndarray]:
        """Raw pooled logits per text; escalation as ``[0, z]`` columns."""
        device = next(self.network_.parameters()).device
        self.network_.eval()
        out = {
            head: np.zeros((windows.n_docs, 2 if head == "escalation" else k))
            for head, k in (
                ("dispute_type", len(DISPUTE_TYPE_IDS)),
                ("risk_grade", len(RISK_GRADE_IDS)),
                ("escalation", 2),
            )
        }
        with torch.inference_mode():
            for docs in doc_batches(windows, self.config.batch_size):
                ids, mask, window_doc, _ = collate(windows, docs, int(self.tokenizer_.pad_token_id))
                logits = self.network_(
                    torch.from_numpy(ids).to(device), torch.from_numpy(mask).to(device)
                )
                pooled = pool_windows(logits, torch.from_numpy(window_doc).to(device), len(docs))
                for head in HEADS:
                    values = pooled[head].float().cpu().numpy()
                    out[head][docs, -values.shape[1] :] = values
        return out

    @property
    def segmenter(self) -> str:
        """The segmenter of the analyses this model is given (it reads characters, not words)."""
        return DEFAULT_SEGMENTER

    def predict(self, texts: Sequence[str]) -> list[Triage]:
        """Triage a batch of validated texts; one result per text, in order."""
        if not texts:
            return []
        return self.predict_analyses(analyse(texts))

    def predict_analyses(self, analyses: Sequence[Analysis]) -> list[Triage]:
        """Triage texts already run through ``analyse`` (any segmenter: tokens are not read)."""
        if not analyses:
            return []
        windows = self._windows([a.masked for a in analyses])
        results: list[Triage | None] = [None] * len(analyses)
        # Evidence keeps every activation for the backward passes; smaller batches bound that
        # memory (measured: peak 757 instead of 1,085 MiB, 5% slower, on 256 corpus texts).
        batch = self.config.batch_size
        if self.explain:
            batch = min(batch, EVIDENCE_BATCH)
        for docs in doc_batches(windows, batch):
            for doc, triage in zip(docs, self._predict_batch(windows, docs, analyses), strict=True):
                results[doc] = triage
        return [r for r in results if r is not None]

    def _predict_batch(
        self, windows: Windows, docs: list[int], analyses: Sequence[Analysis]
    ) -> list[Triage]:
        device = next(self.network_.parameters()).device
        self.network_.eval()
        ids_np, mask_np, window_doc_np, selected = collate(
            windows, docs, int(self.tokenizer_.pad_token_id)
        )
        ids, mask = torch.from_numpy(ids_np).to(device), torch.from_numpy(mask_np).to(device)
        window_doc = torch.from_numpy(window_doc_np).to(device)
        if self.explain:
            with torch.enable_grad():
                embeds = self.network_.embed(ids).detach().requires_grad_(True)
                pooled = pool_windows(
                    self.network_(ids, mask, inputs_embeds=embeds), window_doc, len(docs)
                )
                probabilities = self._probabilities(pooled)
                chosen = self._chosen(probabilities)
                saliency = self._saliency(pooled, embeds, chosen)
        else:
            with torch.inference_mode():
                pooled = pool_windows(self.network_(ids, mask), window_doc, len(docs))
            probabilities = self._probabilities(pooled)
            chosen = self._chosen(probabilities)
            saliency = {}
        results = []
        for row, doc in enumerate(docs):
            analysis = analyses[doc]
            evidence: list[EvidenceItem] = []
            if saliency:
                rows = np.flatnonzero(window_doc_np == row)
                spans = np.asarray(
                    [span for w in rows for span in windows.offsets[selected[w]]], dtype=np.int64
                ).reshape(-1, 2)
                weights = np.stack(
                    [
                        np.concatenate(
                            [values[w, : len(windows.offsets[selected[w]])] for w in rows]
                        )
                        for values in saliency.values()
                    ]
                )
                per_head = head_saliency(spans, weights, len(analysis.masked))
                allowed = phrase_characters(analysis.masked)
                for head, head_row in zip(saliency, per_head, strict=True):
                    evidence.extend(salient_phrases(head, head_row, analysis, allowed))
            results.append(
                build_triage(
                    analysis,
                    probabilities["dispute_type"][row],
                    probabilities["risk_grade"][row],
                    float(probabilities["escalation"][row, 1]),
                    escalation_threshold=self.escalation_threshold_,
                    policy=self.review_policy,
                    grade_colours=self.grade_colours,
                    evidence=evidence,
                    model_version=self.version_,
                )
            )
        return results

    def _probabilities(self, pooled: dict[str, torch.Tensor]) -> dict[str, np.ndarray]:
        result = {}
        for head in HEADS:
            logits = pooled[head].detach().float().cpu().numpy().astype(np.float64)
            if head == "escalation":
                logits = np.hstack([np.zeros_like(logits), logits])
            result[head] = softmax(logits / self.temperatures_[head])
        return result

    def _chosen(self, probabilities: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {
            "dispute_type": probabilities["dispute_type"].argmax(axis=1),
            "risk_grade": probabilities["risk_grade"].argmax(axis=1),
            "escalation": (probabilities["escalation"][:, 1] >= self.escalation_threshold_).astype(
                np.int64
            ),
        }

    def _saliency(
        self,
        pooled: dict[str, torch.Tensor],
        embeds: torch.Tensor,
        chosen: dict[str, np.ndarray],
    ) -> dict[str, np.ndarray]:
        """Gradient x input per token of each head's chosen label against the other labels."""
        saliency = {}
        for index, head in enumerate(HEADS):
            logits = pooled[head]
            picked = torch.from_numpy(chosen[head]).to(logits.device)
            if head == "escalation":
                # One logit: pushing it up argues for escalation, down for no escalation.
                direction = (picked.float() * 2 - 1).unsqueeze(1)
            else:
                k = logits.shape[1]
                direction = nn.functional.one_hot(picked, k).float() - 1.0 / k
            (gradient,) = torch.autograd.grad(
                (logits * direction).sum(), embeds, retain_graph=index < len(HEADS) - 1
            )
            saliency[head] = (gradient * embeds).sum(-1).detach().float().cpu().numpy()
        return saliency

    # -- bundles ----------------------------------------------------------------------------
    def save(
        self,
        directory: Path,
        *,
        training: dict[str, Any] | None = None,
        metrics: dict[str, Any] | None = None,
    ) -> Manifest:
        """Write the bundle: ``config.json``, ``model.safetensors``, tokenizer files, manifest."""
        from safetensors.torch import save_model

        manifest = Manifest(
            architecture=ARCHITECTURE,
            version=self.version_,
            config={
                "model": self.config.to_json(),
                "base_model": None if self.base_model is None else Path(self.base_model).name,
                "window": self.window_,
                "temperatures": self.temperatures_,
                "escalation_threshold": self.escalation_threshold_,
                **self.review_config(),
            },
            labels=manifest_labels(),
            training=training or {},
            metrics=metrics or {},
        )

        def write(staging: Path) -> None:
            save_model(self.network_, str(staging / WEIGHTS_FILE))
            self.network_.encoder.config.to_json_file(str(staging / "config.json"))
            self.tokenizer_.save_pretrained(str(staging))

        return write_bundle_files(directory, manifest, write)

    @classmethod
    def load(cls, directory: Path) -> Self:
        """Load a bundle written by ``save``; every hash is verified before torch reads a byte.

        Raises:
            ModelBundleError: the bundle is missing, modified, of another architecture, holds
                unlisted files, or its weights do not fit its configuration.
        """
        from safetensors.torch import load_model

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
            model = cls(
                TransformerConfig.from_json(settings["model"]),
                review_policy=ReviewPolicy(**settings["review_policy"]),
                grade_colours=settings["grade_colours"],
            )
            encoder = encoder_from_config(Path(directory) / "config.json")
            network = TriageNetwork(encoder, model.config.head_dropout)
            load_model(network, str(Path(directory) / WEIGHTS_FILE), strict=True)
            model.network_ = network.to(pick_device()).eval()
            model.tokenizer_ = load_tokenizer(Path(directory))
            model.window_ = int(settings["window"])
            model.temperatures_ = {h: float(settings["temperatures"][h]) for h in HEADS}
            model.escalation_threshold_ = float(settings["escalation_threshold"])
        except (KeyError, TypeError, ValueError, RuntimeError, OSError) as error:
            raise ModelBundleError(
                f"bundle at {directory} is incomplete or inconsistent ({type(error).__name__}); "
                "retrain it",
                code="BUNDLE_MANIFEST_INVALID",
            ) from None
        model.version_ = manifest.version
        return model


def _targets(
    dispute_types: Sequence[str], risk_grades: Sequence[str], escalations: Sequence[bool]
) -> dict[str, np.ndarray]:
    return {
        "dispute_type": label_indices(dispute_types, DISPUTE_TYPE_IDS),
        "risk_grade": label_indices(risk_grades, RISK_GRADE_IDS),
        "escalation": np.asarray([bool(e) for e in escalations], dtype=np.int64),
    }


def _balanced(labels: np.ndarray, k: int, device: torch.device) -> torch.Tensor:
    """Class weights ``n / (k * count)``; absent classes get weight 1."""
    counts = np.bincount(labels, minlength=k).astype(np.float64)
    weights = np.where(counts > 0, len(labels) / (k * np.maximum(counts, 1.0)), 1.0)
    return torch.tensor(weights, dtype=torch.float32, device=device)


def _window(max_length: int, encoder_config: Any) -> int:
    """The window length the encoder's position embeddings allow."""
    limit = int(getattr(encoder_config, "max_position_embeddings", max_length))
    if getattr(encoder_config, "model_type", "") in _ROBERTA_LIKE:
        # RoBERTa numbers positions from padding_idx + 1.
        limit -= int(getattr(encoder_config, "pad_token_id", 1) or 1) + 1
    return min(max_length, limit)


def _fingerprint(network: TriageNetwork) -> str:
    digest = hashlib.sha256()
    for head in HEADS:
        layer = getattr(network, head)
        digest.update(layer.weight.detach().cpu().numpy().tobytes())
        digest.update(layer.bias.detach().cpu().numpy().tobytes())
    return digest.hexdigest()[:12]
