"""A tqdm progress callback for long commands (stderr; off when not a terminal or in CI)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from tqdm import tqdm

from models.linear import Progress

STAGE_NAMES = {"analyse": "analysing texts", "heads": "fitting heads", "predict": "predicting"}


@contextmanager
def progress_bars() -> Iterator[Progress]:
    """Yield a ``progress(stage, done, total)`` callback drawing one bar per stage."""
    bars: dict[str, tqdm] = {}
    disable = os.environ.get("CI") == "true" or not sys.stderr.isatty()

    def update(stage: str, done: int, total: int) -> None:
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(
                total=total,
                desc=STAGE_NAMES.get(stage, stage),
                unit="rec" if stage != "heads" else "head",
                file=sys.stderr,
                disable=disable,
                leave=True,
            )
        bar.update(done - bar.n)

    try:
        yield update
    finally:
        for bar in bars.values():
            bar.close()
