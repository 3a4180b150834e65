"""``python -m training.build_default``: build the default model (used by the setup script)."""

from __future__ import annotations

import logging
import sys
import time

from training.default_model import build_default_model
from training.progress import progress_bars


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    started = time.perf_counter()
    with progress_bars() as progress:
        target = build_default_model(progress=progress)
    logging.getLogger(__name__).info(
        "default model written to %s in %.1f s", target, time.perf_counter() - started
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
