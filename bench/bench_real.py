"""The default model, the keyword triggers and the peer pipeline on generated, gold and real text.

One table, the one issue 10 asks for: type and grade macro-F1, type ECE and escalation
precision/recall/F1 for each system on the generated test split, the hand-written gold test set and
the real-text set. On the real-text set the learned systems get a second row, "5-fold": their
temperatures, class offsets and escalation threshold refitted on the gold dev split plus four folds
and scored on the fifth, rotated (``training.select``, as the default model is calibrated); the
keyword triggers have nothing to fit.

    .venv/bin/python bench/bench_real.py [--model DIR] [--real ../shared/data/real_dev.jsonl]

For honest real-text figures pass a model calibrated without the real-text set (the default model
is calibrated on it when it lies beside the checkout; the script says so when it finds that), e.g.
``triage train --data datasets/corpus/train.jsonl --calibration datasets/gold/dev.jsonl
--keyword-features --keyword-gate court --output DIR``.

The peer (``bench/_peer.py``) is trained on the same generated training split in this run.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._peer import PeerPipeline  # noqa: E402
from models.baseline import KeywordTriggerModel  # noqa: E402
from models.bundle import read_manifest  # noqa: E402
from models.loading import load_model  # noqa: E402
from nlp.labels import DISPUTE_TYPE_IDS, RISK_GRADE_IDS  # noqa: E402
from training.data import LabelledSet, read_labelled  # noqa: E402
from training.select import (  # noqa: E402
    HeadProbabilities,
    cross_select,
    plain_metrics,
    summary_line,
)


def peer_probabilities(peer: PeerPipeline, texts: list[str]) -> HeadProbabilities:
    """The peer's probabilities with columns in the project's label order."""
    raw = peer.predict_proba(texts)
    order = {
        "dispute_type": DISPUTE_TYPE_IDS,
        "risk_grade": RISK_GRADE_IDS,
        "escalation": ("false", "true"),
    }
    return HeadProbabilities(
        {
            head: raw[head][:, [peer.classes(head).index(label) for label in labels]]
            for head, labels in order.items()
        }
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=ROOT / "artifacts" / "default-model")
    parser.add_argument("--train", type=Path, default=ROOT / "datasets/corpus/train.jsonl")
    parser.add_argument("--generated", type=Path, default=ROOT / "datasets/corpus/test.jsonl")
    parser.add_argument("--gold", type=Path, default=ROOT / "datasets/gold/test.jsonl")
    parser.add_argument("--real", type=Path, default=ROOT.parent / "shared/data/real_dev.jsonl")
    parser.add_argument("--anchor", type=Path, default=ROOT / "datasets/gold/dev.jsonl")
    parser.add_argument("--folds", type=int, default=5)
    arguments = parser.parse_args()

    model = load_model(arguments.model)
    threshold = float(getattr(model, "escalation_threshold_", 0.5))
    train = read_labelled([arguments.train])
    began = time.perf_counter()
    peer = PeerPipeline().fit(
        train.texts,
        {
            "dispute_type": train.dispute_types,
            "risk_grade": train.risk_grades,
            "escalation": [str(e).lower() for e in train.escalations],
        },
    )
    print(f"model {model.version}; peer trained in {time.perf_counter() - began:.0f} s")
    calibrated_on = read_manifest(arguments.model).training.get("calibration") or {}
    real_name = arguments.real.name
    if any(Path(f).name == real_name for f in calibrated_on.get("files", [])):
        print(f"note: the model was calibrated on {real_name}: its rows there are in-sample")
    anchor = read_labelled([arguments.anchor])
    sets: dict[str, LabelledSet] = {
        "generated test": read_labelled([arguments.generated]),
        "gold test": read_labelled([arguments.gold]),
        "real_dev": read_labelled([arguments.real]),
    }
    for name, data in sets.items():
        print(f"\n{name} ({len(data.records)} records)")
        systems = {
            "model": (HeadProbabilities.of(model, data.texts), threshold),
            "keyword triggers": (HeadProbabilities.of(KeywordTriggerModel(), data.texts), 0.5),
            "peer": (peer_probabilities(peer, data.texts), 0.5),
        }
        for label, (probabilities, cut) in systems.items():
            print(summary_line(f"  {label}", plain_metrics(probabilities, data, cut)))
            if name == "real_dev" and label != "keyword triggers":
                anchored = LabelledSet(anchor.records + data.records, data.files, data.sha256)
                anchor_probabilities = (
                    HeadProbabilities.of(model, anchor.texts)
                    if label == "model"
                    else peer_probabilities(peer, anchor.texts)
                )
                joined = HeadProbabilities(
                    {
                        head: np.concatenate([anchor_probabilities.heads[head], values])
                        for head, values in probabilities.heads.items()
                    }
                )
                selection = cross_select(
                    {label: joined},
                    anchored,
                    folds=arguments.folds,
                    anchor_rows=len(anchor.records),
                )
                print(
                    summary_line(
                        f"  {label}, {arguments.folds}-fold recalibrated", selection.metrics
                    )
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
