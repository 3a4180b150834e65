#!/usr/bin/env bash
# Set up .venv in the repo root, install the project, generate the corpus and build the default model.
# Usage: bash scripts/setup.sh [--dev]    (--dev also installs test and lint tools)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
extras=""
[[ "${1:-}" == "--dev" ]] && extras="[dev]"

python="${PYTHON:-python3}"
if [[ ! -x .venv/bin/python ]]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
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
