#!/usr/bin/env bash
# Set up on a fresh machine, then run the judge's tests: unit and integration
# tests, the Docker sandbox tests, and `judge verify` of every problem on the
# docker backend (tests/test_problems.py).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export MLJUDGE_REQUIRE_DOCKER=${MLJUDGE_REQUIRE_DOCKER:-1}
export MLJUDGE_REQUIRE_SERVICES=${MLJUDGE_REQUIRE_SERVICES:-1}  # PostgreSQL/Redis tests fail, not skip
python3 -m pytest tests --durations=30 "$@"  # the slowest tests, so CI time stays visible
