#!/usr/bin/env bash
# Install everything ML Judge needs on a fresh Debian/Ubuntu machine (as root),
# idempotently: the judge and the runtime packages (for the local backend),
# a Docker engine (started in the background when none answers), and the
# sandbox image built locally (no image registry needed).
#
#   bash scripts/setup.sh            # all of it
#   SKIP_DOCKER=1 bash scripts/setup.sh   # judge + local runtime only
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "setup: $*" >&2; }

py=${PYTHON:-python3}
say "python packages (judge + the pinned runtimes' packages, see docker/requirements-*.txt)"
$py -m pip install -q --disable-pip-version-check -e ".[test,scale]" \
    -r docker/requirements-numpy.txt -r docker/requirements-torch.txt -r docker/requirements-tensorflow.txt

# ---- the local backend's sandbox: bubblewrap, and one venv per runtime -----------
if ! command -v bwrap >/dev/null 2>&1; then
    say "bubblewrap (the local backend's namespaces)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null
fi
# Debian's python3.11 + venv are the base of the host runtimes (the image's Python).
if ! /usr/bin/python3.11 -c "import venv" >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3.11 python3.11-venv >/dev/null 2>&1 \
        || say "no Debian python3.11: the host runtimes use $py"
fi
say "local runtimes (numpy, torch, tensorflow) under \${MLJUDGE_RUNTIMES:-/opt/mljudge/runtimes}"
$py -m judge.sandbox.runtimes setup

# ---- PostgreSQL and Redis for the scale-out tests (scripts/services.sh runs them on 127.0.0.1) ----
if [ "${SKIP_SERVICES:-0}" != "1" ] && { ! command -v redis-server >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; }; then
    say "postgresql and redis-server (Debian's packages), for the scale-out tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql redis-server >/dev/null
fi

# ---- headless browser for the HTML report tests (tests/browser.py) --------------
if [ "${SKIP_BROWSER:-0}" != "1" ] && ! command -v chromium >/dev/null 2>&1; then
    say "chromium (Debian's package), to load the HTML reports in the tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
# CJK fonts, so the Chinese reports render in the browser tests (tests/test_i18n.py)
if [ "${SKIP_BROWSER:-0}" != "1" ] && ! dpkg -s fonts-noto-cjk >/dev/null 2>&1; then
    say "fonts-noto-cjk (Debian's package), for the Chinese HTML reports"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null
fi
# ---------------------------------------------------------------------------------

if [ "${SKIP_DOCKER:-0}" != "1" ]; then
    say "docker engine"
    bash .ci/install-docker.sh
    say "sandbox image (built locally the first time; several minutes)"
    $py -m judge.cli image build
fi
say "done"
