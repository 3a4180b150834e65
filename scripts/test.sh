#!/usr/bin/env bash
# Set up (with test tools), install the system services the tests use, then run lint, types and tests.
#   bash scripts/test.sh [pytest args]
# As root it installs Debian's chromium (browser tests) and postgresql (database tests); set
# TRIAGE_TEST_SYSTEM_PACKAGES=0 to skip that, and those tests are skipped with their reason.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh --dev

if [[ "${TRIAGE_TEST_SYSTEM_PACKAGES:-1}" == "1" && "$(id -u)" == "0" ]]; then
  bash scripts/ci_browser.sh
  TRIAGE_TEST_POSTGRES_URL="$(bash scripts/ci_services.sh)"
  export TRIAGE_TEST_POSTGRES_URL
else
  echo "test.sh: not installing chromium/postgresql; browser and PostgreSQL tests will skip" >&2
fi

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
