"""CPU threads of torch-backed models in serving and scoring processes.

Torch starts one intra-op thread per core in every process. Several service workers or scoring
jobs on one machine would then run cores x processes threads that spin against each other (on
this project's 2-core machine a transformer's p50 latency went from 7 ms to 183 ms), so each
process is given its share. Models without torch never import it: nothing happens for them.
"""

from __future__ import annotations

import os
import sys


def share_of_cores(processes: int) -> int:
    """Threads per process when ``processes`` share this machine's cores (at least 1)."""
    return max(1, (os.cpu_count() or 1) // max(1, processes))


def limit_torch_threads(threads: int) -> None:
    """Let torch use ``threads`` intra-op threads, if a loaded model imported torch.

    Raises:
        ValueError: ``threads`` is below 1.
    """
    if threads < 1:
        raise ValueError("threads must be at least 1")
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(threads)
