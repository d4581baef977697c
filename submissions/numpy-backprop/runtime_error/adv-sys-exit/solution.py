"""Adversarial: sys.exit(0) at import, hoping a clean exit code reads as success."""
import sys

sys.exit(0)
