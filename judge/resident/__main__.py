"""``python -m judge.resident [--idle SECONDS]``: run the resident judge in this process."""
import argparse
import os
import sys

from .server import serve

ap = argparse.ArgumentParser(prog="python -m judge.resident")
ap.add_argument("--idle", type=float, default=float(os.environ.get("MLJUDGE_RESIDENT_IDLE") or 900),
                help="seconds without a request after which it ends (default 900, MLJUDGE_RESIDENT_IDLE)")
sys.exit(serve(ap.parse_args().idle))
