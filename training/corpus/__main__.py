"""Command line: ``python -m training.corpus --output datasets/corpus [--seed N] [--records N]``.

``--check`` regenerates in memory from the seed and size recorded in ``MANIFEST.json`` and exits
with status 1 when any file hash differs.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from nlp.errors import TriageError
from training.corpus import DEFAULT_RECORDS, DEFAULT_SEED, check_corpus, write_corpus
from training.corpus._banks import BANKS_DIR

logger = logging.getLogger("training.corpus")

DEFAULT_OUTPUT = BANKS_DIR.parent / "corpus"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m training.corpus",
        description="Generate the rule-labelled synthetic training corpus (train/dev/test JSONL).",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help=f"directory for train.jsonl, dev.jsonl, test.jsonl and MANIFEST.json "
        f"(default: {DEFAULT_OUTPUT})",
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"corpus seed (default: {DEFAULT_SEED})"
    )
    parser.add_argument(
        "--records",
        type=int,
        default=DEFAULT_RECORDS,
        help=f"total records over all splits, at least 10 (default: {DEFAULT_RECORDS})",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="regenerate in memory from MANIFEST.json's seed and size and compare the hashes "
        "(exit 1 on mismatch); writes nothing",
    )
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="show a progress bar on stderr (default: on)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 check mismatch, 2 error)."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s", stream=sys.stderr)
    output = args.output.resolve()
    started = time.perf_counter()
    try:
        if args.check:
            problems = check_corpus(output, progress=args.progress)
            for problem in problems:
                logger.error("mismatch: %s", problem)
            if problems:
                logger.error("corpus in %s does not reproduce; regenerate it", output)
                return 1
            logger.info(
                "corpus in %s reproduces exactly (%.1f s)", output, time.perf_counter() - started
            )
            return 0
        if args.records < 10:
            logger.error("--records must be at least 10")
            return 2
        manifest = write_corpus(output, args.seed, args.records, progress=args.progress)
    except TriageError as exc:
        logger.error("%s [%s]", exc.message, exc.code)
        return 2
    elapsed = time.perf_counter() - started
    sizes = ", ".join(f"{f.name}={f.records}" for f in manifest.files)
    logger.info("wrote %s to %s in %.1f s", sizes, output, elapsed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
