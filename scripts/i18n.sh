#!/usr/bin/env bash
# Candidate-facing strings (docs/i18n.md): extract them from judge/ into the template,
# merge the template into each language's catalog, and compile the catalogs.
#
#   bash scripts/i18n.sh            # extract + update + compile
#   bash scripts/i18n.sh compile    # compile only (after editing a .po)
# Needs Babel (pip install -e ".[test]"); the judge itself needs only the compiled .mo.
set -euo pipefail
cd "$(dirname "$0")/.."
step=${1:-all}
if [ "$step" = all ]; then
    pybabel -q extract -F babel.cfg -k N_ --no-location --sort-output \
        -o judge/locale/judge.pot .
    pybabel -q update -i judge/locale/judge.pot -d judge/locale -D judge \
        --ignore-obsolete --no-fuzzy-matching
fi
pybabel -q compile -d judge/locale -D judge
