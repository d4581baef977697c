#!/usr/bin/env bash
# The main job on a fresh machine: set up, then judge a sample submission in
# the Docker sandbox and show the report an interviewer reads.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
problem=${1:-numpy-backprop}
sample=${2:-$(ls -d submissions/"$problem"/partial/* | head -n 1)}
echo "== judge submit $problem $sample" >&2
python3 -m judge.cli submit "$problem" "$sample"
