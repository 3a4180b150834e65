#!/usr/bin/env bash
# Set up .venv in the repo root, install the project, generate the corpus and build the default model.
# Usage: bash scripts/setup.sh [--dev]
#   --dev also installs the test and lint tools and the transformer extra (torch, CPU build).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
extras=""
[[ "${1:-}" == "--dev" ]] && extras="[dev,transformer]"

python="${PYTHON:-python3}"
if [[ ! -x .venv/bin/python ]]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
if [[ -n "$extras" ]]; then
  # torch first, pinned, so nothing later resolves a CUDA build.
  .venv/bin/python -m pip install --quiet "torch==2.13.0"
fi
.venv/bin/python -m pip install --quiet -e ".${extras}"

# Deterministic corpus: regenerated from the phrase banks, then checked against the committed hashes.
if [[ ! -f datasets/corpus/train.jsonl ]]; then
  .venv/bin/triage generate-corpus --output datasets/corpus
fi
.venv/bin/python -m training.corpus --output datasets/corpus --check

if [[ ! -f artifacts/default-model/manifest.json ]]; then
  .venv/bin/python -m training.build_default
fi
echo "setup complete: .venv ready, default model in artifacts/default-model"
